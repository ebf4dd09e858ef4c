import Foundation
import NPSimCore
import Testing

/// npsim's `np` against a live npsim, as runners call it: each command's flags, its JSON output, and its errors.
@Suite struct NPCommandTests {
    /// One `np` invocation: exit code and what it printed.
    struct Run {
        let code: Int32
        let stdout: String
        let stderr: String
        var json: JSONValue { (try? JSONParser.parse(stdout)) ?? .null }
    }

    /// Runs `npsim np <arguments>` (or the binary through a link named `np`) with npsim's URL and key set as an
    /// agent command would have them.
    static func np(
        _ arguments: [String],
        _ npsim: NPSimProcess?,
        environment: [String: String] = [:],
        executable: String = NPSimProcess.binary
    ) async throws -> Run {
        let directory = try scratchDirectory("np-run")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (out, err) = (directory.appendingPathComponent("out"), directory.appendingPathComponent("err"))
        for file in [out, err] { FileManager.default.createFile(atPath: file.path, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = (executable == NPSimProcess.binary ? ["np"] : []) + arguments
        var base = ProcessInfo.processInfo.environment
        for name in ["NP_ACTION_CONTEXT", "NULLPLATFORM_API_KEY", "NP_API_KEY", "NP_TOKEN", "CONTEXT"] { base[name] = nil }
        if let npsim {
            base["NP_API_URL"] = npsim.url
            base["NULLPLATFORM_API_KEY"] = npsim.apiKey
        }
        process.environment = base.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        try await eventually(within: .seconds(60), "np \(arguments.joined(separator: " ")) exits") { !process.isRunning }
        let text = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        return Run(code: process.terminationStatus, stdout: text(out), stderr: text(err))
    }

    static func start() async throws -> NPSimProcess {
        try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory])
    }

    @Test func restCommandsCallTheAPIWithTheirFlagsAndPrintJSON() async throws {
        let npsim = try await Self.start()
        let scratch = try scratchDirectory("np-rest")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let np = { (arguments: [String]) in try await Self.np(arguments, npsim) }

        // A specification from a file, carrying the keys of the repositories' templates.
        let specFile = scratch.appendingPathComponent("service-spec.json")
        try JSONWriter.string([
            "name": "Queue", "visible_to": ["organization=1:account=2"], "use_default_actions": true, "available_actions": ["purge"],
            "available_links": ["connect"],
            "attributes": ["schema": ["type": "object", "properties": ["size": ["type": "integer"]]], "values": [:]],
        ]).write(to: specFile, atomically: true, encoding: .utf8)
        let spec = try await np(["service", "specification", "create", "--body", specFile.path])
        #expect(spec.code == 0, "\(spec.stderr)")
        let specId = try #require(spec.json["id"]?.stringValue)
        #expect(try await np(["service", "specification", "read", "--id", specId]).json["slug"] == "queue")
        #expect(
            try await np(["service", "specification", "list", "--nrn", "organization=1:account=2", "--type", "dependency"]).stdout.contains(specId)
        )
        #expect(
            try await np(["service", "specification", "patch", "--id", specId, "--body", #"{"description":"a queue"}"#]).json["description"]
                == "a queue"
        )
        let actionSpecs = try await np(["service", "specification", "action", "specification", "list", "--serviceSpecificationId", specId]).json
        #expect(actionSpecs["results"]?.arrayValue?.compactMap { $0["type"]?.stringValue }.sorted() == ["create", "delete", "update"])
        let purge = try await np([
            "service", "specification", "action", "specification", "create", "--serviceSpecificationId", specId, "--body",
            #"{"name":"Purge","type":"custom"}"#,
        ])
        let purgeId = try #require(purge.json["id"]?.stringValue, "\(purge.stderr)")
        #expect(
            try await np(["service", "specification", "action", "specification", "read", "--serviceSpecificationId", specId, "--id", purgeId]).json[
                "slug"
            ]
                == "purge"
        )
        // A link specification without visible_to, as tofu-modules register one.
        let linkSpec = try await np([
            "link", "specification", "create", "--body",
            #"{"name":"Connect","unique":false,"specification_id":"\#(specId)","use_default_actions":true}"#,
        ])
        let linkSpecId = try #require(linkSpec.json["id"]?.stringValue, "\(linkSpec.stderr)")
        #expect(try await np(["service", "specification", "link", "specification", "list", "--id", specId]).stdout.contains(linkSpecId))
        let linkActions = try await np(["link", "specification", "action", "specification", "list", "--linkSpecificationId", linkSpecId]).json
        #expect(linkActions["results"]?.arrayValue?.count == 3)
        let linkUpdate = try #require(linkActions["results"]?.arrayValue?.first { $0["type"] == "update" }?["id"]?.stringValue)
        #expect(try await np(["link", "specification", "action", "specification", "read", "--id", linkUpdate]).json["type"] == "update")
        let described = try await np([
            "link", "specification", "action", "specification", "patch", "--id", linkUpdate, "--body", #"{"description":"rotate"}"#,
        ])
        #expect(described.json["description"] == "rotate", "\(described.stderr)")
        #expect(try await np(["link", "specification", "action", "specification", "delete", "--id", linkUpdate]).code == 0)
        #expect(
            try await np(["link", "specification", "action", "specification", "list", "--linkSpecificationId", linkSpecId]).json["results"]?
                .arrayValue?.count == 2
        )

        // Services, their actions, links.
        let created = try await np([
            "service", "create", "--body", #"{"name":"Jobs","specification_id":"\#(specId)","entity_nrn":"\#(Fixtures.appNRN)"}"#,
        ])
        let serviceId = try #require(created.json["id"]?.stringValue, "\(created.stderr)")
        #expect(try await np(["service", "list", "--specification_id", specId, "--status", "pending"]).json["results"]?.arrayValue?.count == 1)
        #expect(try await np(["service", "patch", "--id", serviceId, "--body", #"{"attributes":{"size":3}}"#]).json["attributes"]?["size"] == 3)
        #expect(try await np(["service", "read", "--id", serviceId]).json["attributes"]?["size"] == 3)
        let createSpec = try #require(actionSpecs["results"]?.arrayValue?.first { $0["type"] == "create" }?["id"]?.stringValue)
        let action = try await np([
            "service", "action", "create", "--serviceId", serviceId, "--body", #"{"specification_id":"\#(createSpec)","parameters":{"size":3}}"#,
        ])
        let actionId = try #require(action.json["id"]?.stringValue, "\(action.stderr)")
        #expect(try await np(["service", "action", "list", "--serviceId", serviceId]).json["results"]?.arrayValue?.count == 1)
        let patched = try await np(["service", "action", "patch", "--serviceId", serviceId, "--id", actionId, "--body", #"{"status":"success"}"#])
        #expect(patched.json["status"] == "success", "\(patched.stderr)")
        #expect(try await np(["service", "action", "read", "--serviceId", serviceId, "--id", actionId]).json["status"] == "success")
        let link = try await np([
            "link", "create", "--body",
            #"{"name":"web","service_id":"\#(serviceId)","specification_id":"\#(linkSpecId)","entity_nrn":"\#(Fixtures.appNRN)"}"#,
        ])
        let linkId = try #require(link.json["id"]?.stringValue, "\(link.stderr)")
        #expect(try await np(["link", "list", "--service_id", serviceId, "--show_descendants"]).json["results"]?.arrayValue?.count == 1)
        #expect(try await np(["link", "patch", "--id", linkId, "--body", #"{"attributes":{}}"#]).code == 0)
        #expect(try await np(["link", "read", "--id", linkId]).json["specification_id"] == .string(linkSpecId))
        #expect(try await np(["link", "action", "list", "--linkId", linkId]).json["results"]?.arrayValue == [])
        #expect(try await np(["link", "delete", "--id", linkId, "--force"]).code == 0)
        #expect(try await np(["service", "delete", "--id", serviceId, "--force"]).code == 0)
        #expect(try await np(["service", "read", "--id", serviceId]).code == 1)

        // Channels, scopes, NRN settings, tokens.
        let channel = try await np([
            "notification", "channel", "create", "--body",
            #"{"nrn":"organization=1:account=2","type":"agent","source":["service"],"configuration":{"command":{"type":"exec","data":{"cmdline":"true"}}}}"#,
        ])
        let channelId = try #require(channel.json["id"]?.intValue, "\(channel.stderr)")
        #expect(try await np(["notification", "channel", "read", "--id", String(channelId)]).json["type"] == "agent")
        #expect(
            try await np(["notification", "channel", "list", "--nrn", "organization=1:account=2", "--type", "agent"]).stdout.contains(
                "\"id\": \(channelId)"
            )
        )
        #expect(try await np(["scope", "list", "--application_id", "4"]).json["results"]?.arrayValue?.first?["slug"] == "my-scope")
        #expect(try await np(["scope", "patch", "--id", "5", "--body", #"{"domain":"web.example.test"}"#]).json["domain"] == "web.example.test")
        let scope = try await np(["scope", "read", "--id", "5"]).json
        #expect(scope["domain"] == "web.example.test")
        #expect(scope["in_progress_deployment"] == .null)
        #expect(
            try await np(["nrn", "patch", "--nrn", "organization=1", "--body", #"{"global.region":"us-east-1","global.tags":{"team":"a"}}"#]).code
                == 0
        )
        #expect(try await np(["nrn", "patch", "--nrn", "organization=1:account=2", "--body", #"{"global.tags":{"cost":"b"}}"#]).code == 0)
        let merged = try await np(["nrn", "read", "--nrn", "organization=1:account=2", "--ids", "global.region,global.tags", "--output_json_values"])
            .json
        #expect(merged["namespaces"]?["global"] == ["region": "us-east-1", "tags": ["team": "a", "cost": "b"]])
        let own = try await np(["nrn", "read", "--nrn", "organization=1:account=2", "--ids", "global.region,global.tags", "--no-merge"]).json
        #expect(own["namespaces"]?["global"] == ["tags": #"{"cost":"b"}"#], "without output_json_values an object is answered as text")
        let token = try await np(["token", "create", "--body", #"{"api_key":"\#(npsim.apiKey)"}"#])
        #expect(token.json["access_token"]?.stringValue?.isEmpty == false, "\(token.stderr)")
        #expect(try await np(["service", "list", "--access-token", try #require(token.json["access_token"]?.stringValue)]).code == 0)
    }

    @Test func providersResolveByCategoryDimensionsAndTheNRN() async throws {
        let npsim = try await Self.start()
        let np = { (arguments: [String]) in try await Self.np(arguments, npsim) }
        // The fixtures' account provider stores account.region; a namespace-level one of the same specification
        // overrides part of it, and `read` merges the two unless --no_merge.
        let list = try await np(["provider", "list", "--nrn", "organization=1:account=2", "--format", "json", "--limit", "100"]).json
        let account = try #require(
            list["results"]?.arrayValue?.first { $0["data_source"]?["stored_keys"]?.arrayValue?.contains("account.region") == true }
        )
        #expect(account["attributes"]?["account"]?["region"] == "us-east-1")
        let nested = try await np([
            "provider", "create", "--body",
            #"{"nrn":"organization=1:account=2:namespace=3","specification_slug":"aws-configuration","attributes":{"account":{"region":"eu-west-1"}}}"#,
        ])
        let nestedId = try #require(nested.json["id"]?.stringValue, "\(nested.stderr)")
        let readMerged = try await np(["provider", "read", "--id", nestedId]).json
        #expect(readMerged["attributes"]?["account"] == ["id": "123456789012", "region": "eu-west-1"])
        #expect(try await np(["provider", "read", "--id", nestedId, "--no_merge"]).json["attributes"]?["account"] == ["region": "eu-west-1"])

        // --categories: the nearest provider first, with merged attributes; dimensions pick the production role.
        let cloud = try await np(["provider", "list", "--nrn", Fixtures.appNRN, "--categories", "cloud-providers", "--format", "json"]).json
        #expect(cloud["results"]?.arrayValue?.first?["id"] == .string(nestedId))
        #expect(cloud["results"]?.arrayValue?.first?["attributes"]?["account"]?["id"] == "123456789012")
        let role = { (dimensions: String) async throws -> JSONValue? in
            let found = try await np([
                "provider", "list", "--nrn", Fixtures.appNRN, "--categories", "identity-access-control", "--dimensions", dimensions,
            ]).json
            return found["results"]?.arrayValue?.first?["attributes"]?["iam_role_arns"]?["arns"]?.arrayValue?.first?["arn"]
        }
        #expect(try await role("environment:production") == "arn:aws:iam::123456789012:role/np-object-store-production")
        #expect(try await role("environment:development") == "arn:aws:iam::123456789012:role/np-object-store")
        let limited = try await np(["provider", "list", "--nrn", Fixtures.appNRN, "--categories", "vpc", "--limit", "5"])
        #expect(limited.code == 2 && limited.stderr.contains("--limit cannot be used with --categories"))
        let unknown = try await np(["provider", "list", "--nrn", Fixtures.appNRN, "--categories", "quantum"])
        #expect(unknown.code == 1 && unknown.stderr.contains("provider category 'quantum' does not exist"))

        // Changing and removing providers; the catalog.
        #expect(
            try await np(["provider", "patch", "--id", nestedId, "--body", #"{"attributes":{"account":{"zone":"a"}}}"#]).json["attributes"]?[
                "account"
            ]?["zone"] == "a"
        )
        #expect(try await np(["provider", "update", "--id", nestedId, "--body", #"{"attributes":{"other":1}}"#]).json["attributes"] == ["other": 1])
        #expect(try await np(["provider", "delete", "--id", nestedId]).code == 0)
        #expect(try await np(["provider", "read", "--id", nestedId]).code == 1)
        #expect(try await np(["provider", "category", "list", "--slug", "vpc"]).json["results"]?.arrayValue?.count == 1)
        let specifications = try await np(["provider", "specification", "list", "--slug", "aws-configuration"]).json
        #expect(specifications["results"]?.arrayValue?.first?["categories"]?.arrayValue?.first?["slug"] == "cloud-providers")
        let refused = try await np(["provider", "create", "--body", #"{"nrn":"organization=1","specification_slug":"nope"}"#])
        #expect(refused.code == 1 && refused.stderr.contains("provider specification 'nope' is unknown"))
    }

    @Test func errorsSayWhatWentWrongAndExitNonZero() async throws {
        let npsim = try await Self.start()
        let unknown = try await Self.np(["deployment", "read", "--id", "1"], npsim)
        #expect(unknown.code == 2 && unknown.stderr.contains("'np deployment read' is not a command npsim's np has"))
        let flag = try await Self.np(["service", "read", "--id", "x", "--verbose", "1"], npsim)
        #expect(flag.code == 2 && flag.stderr.contains("unknown flag --verbose for 'np service read'"))
        let missing = try await Self.np(["service", "read"], npsim)
        #expect(missing.code == 2 && missing.stderr.contains("flag --id is required"))
        let absent = try await Self.np(["service", "read", "--id", "nope"], npsim)
        #expect(absent.code == 1 && absent.stderr.contains("GET /service/nope answered 404"))
        let badBody = try await Self.np(["service", "create", "--body", "{not json"], npsim)
        #expect(badBody.code == 2 && badBody.stderr.contains("--body is neither JSON nor the path of a file"))
        let format = try await Self.np(["service", "list", "--format", "yaml"], npsim)
        #expect(format.code == 2 && format.stderr.contains("--format yaml is not supported"))
        let keyless = try await Self.np(["service", "list"], nil, environment: ["NP_API_URL": npsim.url])
        #expect(keyless.code == 1 && keyless.stderr.contains("please login first"))
        let wrongKey = try await Self.np(["service", "list"], npsim, environment: ["NULLPLATFORM_API_KEY": "wrong"])
        #expect(wrongKey.code == 1 && wrongKey.stderr.contains("refused the API key"))
        let agentKey = try await Self.np(["service", "list"], nil, environment: ["NP_API_URL": npsim.url, "NP_API_KEY": npsim.apiKey])
        #expect(agentKey.code == 0, "NP_API_KEY, as agent channels pass it, is enough: \(agentKey.stderr)")
        let help = try await Self.np(["service", "action", "update", "--help"], nil)
        #expect(help.code == 0 && help.stdout.contains("[--service-action-id]"))
        let overview = try await Self.np(["--help"], nil)
        #expect(overview.code == 0 && overview.stdout.contains("np service-action exec"))
        // Invoked through a link named np, as runners find it on PATH.
        let links = try scratchDirectory("np-link")
        defer { try? FileManager.default.removeItem(at: links) }
        try FileManager.default.createSymbolicLink(atPath: links.appendingPathComponent("np").path, withDestinationPath: NPSimProcess.binary)
        let linked = try await Self.np(["service", "specification", "list"], npsim, executable: links.appendingPathComponent("np").path)
        #expect(linked.code == 0 && linked.json["results"]?.arrayValue?.isEmpty == false, "\(linked.stderr)")
    }
}
