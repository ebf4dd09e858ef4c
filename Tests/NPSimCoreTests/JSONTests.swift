import Testing

@testable import NPSimCore

@Suite struct JSONTests {
    @Test func objectKeysKeepTheirOrderThroughAParseAndWrite() throws {
        let text = #"{"zeta":1,"alpha":{"b":true,"a":null},"mid":[1,2.5,"x"]}"#
        #expect(JSONWriter.string(try JSONParser.parse(text)) == text)
    }

    @Test func integersStayIntegersAndFractionsStayDoubles() throws {
        let value = try JSONParser.parse(#"[1, -0, 12345678901234, 1.5, 1e3, 2E-2]"#)
        #expect(value == [.int(1), .int(0), .int(12_345_678_901_234), .double(1.5), .double(1000), .double(0.02)])
    }

    @Test func slashesAreNotEscapedAndUnicodeIsWrittenAsUTF8() throws {
        let value = try JSONParser.parse(#"{"url":"https:\/\/x.test/a","name":"caf\u00e9 \ud83d\ude80 数据"}"#)
        #expect(JSONWriter.string(value) == #"{"url":"https://x.test/a","name":"café 🚀 数据"}"#)
    }

    @Test func controlCharactersAreEscaped() {
        #expect(JSONWriter.string(.string("a\"b\\c\n\u{01}")) == #""a\"b\\c\n\u0001""#)
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{", "expected a string key"),
        (#"{"a" 1}"#, "expected ':'"),
        ("[1,]", "unexpected character"),
        ("01", "unexpected data after"),
        (#""\x""#, "invalid escape"),
        (#""\ud800""#, "unpaired UTF-16 surrogate"),
        ("tru", "unexpected end of input"),
        ("{} {}", "unexpected data after"),
        ("\"a\u{01}\"", "unescaped control character"),
    ])
    func malformedDocumentsAreRefusedWithAReason(text: String, reason: String) {
        #expect {
            try JSONParser.parse(text)
        } throws: { error in
            (error as? JSONParser.Error)?.reason.contains(reason) == true
        }
    }

    @Test func deeplyNestedDocumentsAreRefusedInsteadOfExhaustingTheStack() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test func numbersCompareByValueAndObjectsIgnoreKeyOrder() throws {
        #expect(JSONValue.int(1).jsonEquals(.double(1.0)))
        let a = try JSONParser.parse(#"{"a":1,"b":2}"#)
        let b = try JSONParser.parse(#"{"b":2,"a":1.0}"#)
        #expect(a.jsonEquals(b))
    }

    /// Small objects scan their keys, large ones keep an index of them: both behave alike as an object grows past
    /// the threshold and shrinks again, against a dictionary and an array of keys kept alongside.
    @Test func objectsBehaveAlikeBelowAndAboveTheirIndexThreshold() {
        var object = JSONObject()
        var model: [String: Int] = [:]
        var order: [String] = []
        for step in 0..<400 {
            // Keys repeat (replacing values) and some are removed, crossing the threshold both ways.
            let key = "k\((step * 7) % 60)"
            if step % 5 == 4, model[key] != nil {
                object[key] = nil
                model[key] = nil
                order.removeAll { $0 == key }
            } else {
                if model[key] == nil { order.append(key) }
                object[key] = .int(step)
                model[key] = step
            }
            #expect(object.count == model.count)
            #expect(object.keys == order)
            #expect(object[key] == model[key].map(JSONValue.int))
        }
        for (key, value) in model { #expect(object[key] == .int(value)) }
        #expect(object["missing"] == nil)
        let reversed = object.reordered(order.reversed())
        #expect(reversed.keys == order.reversed())
        #expect(reversed == object)
        #expect(reversed.hashValue == object.hashValue)
        #expect(Array(object.map(\.key)) == order)
        let big = JSONObject((0..<1000).map { ("key\($0)", JSONValue.int($0)) })
        #expect(big["key999"] == .int(999) && big.count == 1000)
        #expect(big.reordered(["key500"]).keys.first == "key500")
        #expect(big != JSONObject((0..<1000).map { ("key\($0)", JSONValue.int($0 == 7 ? -1 : $0)) }))
    }

    @Test func deepMergeReplacesScalarsAndMergesNestedObjects() {
        let stored: JSONObject = ["a": 1, "nested": ["x": 1, "y": 2]]
        let merged = stored.deepMerged(with: ["nested": ["y": 3, "z": 4], "b": true])
        #expect(JSONValue.object(merged) == ["a": 1, "nested": ["x": 1, "y": 3, "z": 4], "b": true])
    }

    @Test func prettyOutputIsIndentedAndStillValid() throws {
        let value: JSONValue = ["a": [1, 2], "b": [:]]
        let pretty = JSONWriter.string(value, pretty: true)
        #expect(pretty.contains("\n  \"a\": ["))
        #expect(try JSONParser.parse(pretty) == value)
    }
}
