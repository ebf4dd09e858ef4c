import Testing

@testable import NPSimCore

@Suite struct ChannelTypeTests {
    static let cases: [(ChannelType, JSONObject, String?)] = [
        (ChannelType.http, ["url": "https://example.test/hook"] as JSONObject, nil as String?),
        (.http, [:], "configuration.url is required for a http channel"),
        (.http, ["url": "ftp://x"], "configuration.url must be an absolute http:// or https:// URL, got string"),
        (.http, ["url": "http://x", "headers": ["a": 1]], "configuration.headers must be an object of string values"),
        (.github, ["account": "a", "repository": "r", "reference": "main", "workflow_id": "p.yml", "installation_id": 12], nil),
        (.github, ["account": "a", "repository": "r", "reference": "main"], "configuration.workflow_id is required for a github channel"),
        (.gitlab, ["project_id": "1", "reference": "main"], nil),
        (.gitlab, ["project_id": 1], "configuration.reference is required for a gitlab channel"),
        (.azure, ["organization": "o", "project": "p", "pipeline_id": 1, "reference": "main"], nil),
        (
            .azure, ["organization": "o", "project": "p", "pipeline_id": "x", "reference": "main"],
            "configuration.pipeline_id must be an integer, got string"
        ),
        (.agent, ["command": ["type": "exec", "data": ["cmdline": "/bin/run"]], "selector": ["env": "dev"]], nil),
        (.agent, ["command": ["type": "exec", "data": [:]]], "configuration.command.data.cmdline is required for an agent channel"),
        (.agent, ["command": ["type": "ssh", "data": ["cmdline": "x"]]], "configuration.command.type must be exec or package-exec"),
    ]

    @Test(arguments: cases)
    func configurationIsValidatedPerType(type: ChannelType, configuration: JSONObject, expected: String?) {
        do {
            try type.validate(configuration: configuration)
            #expect(expected == nil)
        } catch {
            #expect(error.message == expected)
        }
    }

    @Test func secretsAreMaskedAndAMaskedEchoKeepsTheStoredSecret() {
        let stored: JSONObject = ["url": "http://x", "headers": ["Authorization": "Bearer s3cret"], "api_key": "k", "signing_secret": "whsec_x"]
        let masked = ChannelType.masked(configuration: stored)
        #expect(!JSONWriter.string(.object(masked)).contains("s3cret"))
        #expect(masked["api_key"] == .string(ChannelType.mask))
        let patched = ChannelType.patched(configuration: stored, with: masked.deepMerged(with: ["url": "http://y"]))
        #expect(patched["headers"]?["Authorization"] == "Bearer s3cret")
        #expect(patched["api_key"] == "k")
        #expect(patched["url"] == "http://y")
    }
}
