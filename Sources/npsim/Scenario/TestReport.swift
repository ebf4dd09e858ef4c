import Foundation

/// The outcomes of a `npsim test` run as JUnit XML (what CI systems show as test results) and as TAP.
enum TestReport {
    struct File {
        let path: String
        let outcomes: [ScenarioRunner.Outcome]
    }

    static func junit(_ files: [File]) -> String {
        let all = files.flatMap(\.outcomes)
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml +=
            #"<testsuites name="npsim" tests="\#(all.count)" failures="\#(all.filter { $0.failure != nil }.count)" time="\#(seconds(all))">"# + "\n"
        for file in files {
            let failures = file.outcomes.filter { $0.failure != nil }.count
            xml +=
                #"  <testsuite name="\#(escape(file.path))" tests="\#(file.outcomes.count)" failures="\#(failures)" time="\#(seconds(file.outcomes))">"#
                + "\n"
            for outcome in file.outcomes {
                let opening =
                    #"    <testcase classname="\#(escape(file.path))" name="\#(escape(outcome.name))" time="\#(String(format: "%.3f", outcome.seconds))""#
                if let failure = outcome.failure {
                    let message = escape(String(failure.prefix { $0 != "\n" }))
                    xml += opening + ">\n" + #"      <failure message="\#(message)">\#(escape(failure))</failure>"# + "\n    </testcase>\n"
                } else {
                    xml += opening + "/>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    static func tap(_ files: [File]) -> String {
        let all = files.flatMap { file in file.outcomes.map { (file.path, $0) } }
        var text = "TAP version 13\n1..\(all.count)\n"
        for (index, (path, outcome)) in all.enumerated() {
            text += "\(outcome.failure == nil ? "ok" : "not ok") \(index + 1) - \(path): \(outcome.name)\n"
            if let failure = outcome.failure {
                text += "  ---\n  message: |\n" + failure.split(separator: "\n").map { "    \($0)\n" }.joined() + "  ...\n"
            }
        }
        return text
    }

    private static func seconds(_ outcomes: [ScenarioRunner.Outcome]) -> String {
        String(format: "%.3f", outcomes.map(\.seconds).reduce(0, +))
    }

    private static func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            // Characters XML 1.0 cannot hold at all.
            case _ where scalar.value < 0x20 && !["\n", "\t", "\r"].contains(scalar): escaped += "?"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
