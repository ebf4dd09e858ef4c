import Foundation
import NPSimCore
import Testing

/// The example runner in `fixtures/runners/object-store`, laid out as nullplatform's service repositories are,
/// run end to end by the real binary: the agent channel starts its entrypoint, which calls npsim's `np` for
/// everything (`service-action exec`, `service workflow exec`, `provider list|read`, `service patch`, `link patch`,
/// `service action update`), and a stand-in `tofu` keeps one state file per service and link.
@Suite struct RealRunnerTests {
    static let root = Fixtures.repositoryRoot.path
    static let specification = "5f0b7c3a-0b1e-4c7d-9a2f-6f626a737401"
    static let linkSpecification = "5f0b7c3a-0b1e-4c7d-9a2f-6f626a737403"
    static let scopeNRN = Fixtures.appNRN + ":scope=5"

    /// npsim with the object-store runner registered; its children's `PATH` has the stand-in tofu and no `np` but
    /// npsim's own, so nothing can reach nullplatform.
    static func start(
        state: URL,
        seeds: [String] = ["00-hierarchy.yaml", "30-providers.yaml", "runners/object-store/specs/object-store.yaml"]
    ) async throws
        -> NPSimProcess
    {
        let database = state.appendingPathComponent("npsim.sqlite").path
        return try await NPSimProcess(
            arguments: ["--db", database, "--agent-tag", "environment=development"] + seeds.flatMap { ["--seed", "fixtures/\($0)"] },
            environment: ["PATH": pathWithoutNP(), "OBJECT_STORE_STATE_DIR": state.appendingPathComponent("tofu").path],
            directory: root
        )
    }

    /// The stand-in tofu first, then the test's own `PATH` without any directory that holds an `np`.
    static func pathWithoutNP() -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        let clean = directories.filter { !FileManager.default.isExecutableFile(atPath: "\($0)/np") }
        return (["\(root)/fixtures/runners/bin"] + clean).joined(separator: ":")
    }

    /// Runs the action of the given type (or custom slug) and waits until it ends; returns the action.
    /// The action's specification is the service's or the link's, as `path` (`/service/...` or `/link/...`) says.
    static func run(_ npsim: NPSimProcess, on path: String, _ type: String, parameters: JSONValue = [:], token: String) async throws -> JSONValue {
        let (kind, specification) =
            path.hasPrefix("/link/") ? ("link_specification", linkSpecification) : ("service_specification", Self.specification)
        let specs = try await npsim.call(.GET, "/\(kind)/\(specification)/action_specification", token: token).json
        let spec = try #require(specs["results"]?.arrayValue?.first { $0["type"]?.stringValue == type || $0["slug"]?.stringValue == type })
        let created = try await npsim.call(
            .POST,
            "\(path)/action",
            ["specification_id": spec["id"] ?? .null, "parameters": parameters],
            token: token
        )
        #expect(created.status == 200 || created.status == 201, "\(JSONWriter.string(created.json))")
        let action = try #require(created.json["id"]?.stringValue)
        var current = JSONValue.null
        try await eventually(within: .seconds(60), "the \(type) action of \(path) ends") {
            current = try await npsim.call(.GET, "\(path)/action/\(action)?include_messages=true", token: token).json
            return ["success", "failed"].contains(current["status"]?.stringValue ?? "")
        }
        return current
    }

    static func messages(_ action: JSONValue) -> String {
        (action["messages"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }.joined(separator: "\n")
    }

    @Test func theObjectStoreRunnerCompletesEveryActionThroughNp() async throws {
        let state = try scratchDirectory("object-store")
        defer { try? FileManager.default.removeItem(at: state) }
        let npsim = try await Self.start(state: state)
        let token = try await npsim.token()

        let service = try await npsim.call(
            .POST,
            "/service",
            [
                "name": "Assets", "specification_id": .string(Self.specification), "entity_nrn": .string(Fixtures.appNRN),
                "dimensions": ["environment": "development"],
            ],
            token: token
        )
        let serviceId = try #require(service.json["id"]?.stringValue)
        let servicePath = "/service/\(serviceId)"
        let serviceState = state.appendingPathComponent("tofu/\(serviceId)/assets.tfstate").path

        // Create: providers resolve the region and the development role; tofu applies; the attributes come back.
        let create = try await Self.run(
            npsim,
            on: servicePath,
            "create",
            parameters: ["bucket_suffix": "media"],
            token: token
        )
        #expect(create["status"] == "success", "\(Self.messages(create))")
        #expect(Self.messages(create).contains("region us-east-1, role arn:aws:iam::123456789012:role/np-object-store\n"))
        #expect(Self.messages(create).contains("Running step 'write service outputs'"), "live-report streamed the workflow's output")
        var read = try await npsim.call(.GET, servicePath, token: token).json
        #expect(read["status"] == "active")
        #expect(read["attributes"]?["bucket_name"] == "np-assets-media")
        #expect(read["attributes"]?["bucket_arn"] == "arn:aws:s3:::np-assets-media")
        #expect(read["attributes"]?["bucket_region"] == "us-east-1")
        #expect(read["attributes"]?["versioning"] == true)
        #expect(try Self.serial(serviceState) == 1)

        // Update: the same state, applied again with the new setting.
        let update = try await Self.run(
            npsim,
            on: servicePath,
            "update",
            parameters: ["versioning": false],
            token: token
        )
        #expect(update["status"] == "success", "\(Self.messages(update))")
        read = try await npsim.call(.GET, servicePath, token: token).json
        #expect(read["status"] == "active")
        #expect(read["attributes"]?["versioning"] == false)
        #expect(read["attributes"]?["bucket_name"] == "np-assets-media", "the bucket keeps its name")
        #expect(try Self.serial(serviceState) == 2)

        // A custom action reports results with np service action update.
        let usage = try await Self.run(
            npsim,
            on: servicePath,
            "get-usage",
            token: token
        )
        #expect(usage["status"] == "success", "\(Self.messages(usage))")
        #expect(usage["results"] == ["objects": 0, "bytes": 0, "state_serial": 2])

        // A link at a scope: the notification's link.scope and link.entity name the credentials' user.
        let link = try await npsim.call(
            .POST,
            "/link",
            [
                "name": "web", "service_id": .string(serviceId), "specification_id": .string(Self.linkSpecification),
                "entity_nrn": .string(Self.scopeNRN), "dimensions": ["environment": "development"],
            ],
            token: token
        )
        let linkId = try #require(link.json["id"]?.stringValue, "\(JSONWriter.string(link.json))")
        let linkPath = "/link/\(linkId)"
        let linkState = state.appendingPathComponent("tofu/\(serviceId)/link-\(linkId).tfstate").path
        let linkCreate = try await Self.run(
            npsim,
            on: linkPath,
            "create",
            parameters: ["access_level": "write"],
            token: token
        )
        #expect(linkCreate["status"] == "success", "\(Self.messages(linkCreate))")
        let linked = try await npsim.call(.GET, "\(linkPath)?include_secret_attributes=true", token: token).json
        #expect(linked["status"] == "active")
        #expect(linked["attributes"]?["access_level"] == "write")
        #expect(linked["attributes"]?["access_key_id"] == "AKIAmy-application-my-scope")
        #expect(linked["attributes"]?["secret_access_key"] == "secret-for-my-application-my-scope-on-np-assets-media")
        let listed = try await npsim.call(.GET, linkPath, token: token).json
        #expect(listed["attributes"]?["secret_access_key"] != linked["attributes"]?["secret_access_key"], "the secret stays hidden")
        #expect(FileManager.default.fileExists(atPath: linkState))

        // Link delete destroys its state; then the service's delete destroys the bucket's.
        let unlink = try await Self.run(
            npsim,
            on: linkPath,
            "delete",
            token: token
        )
        #expect(unlink["status"] == "success", "\(Self.messages(unlink))")
        #expect(try await npsim.call(.GET, linkPath, token: token).json["status"] == "deleted")
        #expect(!FileManager.default.fileExists(atPath: linkState))
        let delete = try await Self.run(
            npsim,
            on: servicePath,
            "delete",
            token: token
        )
        #expect(delete["status"] == "success", "\(Self.messages(delete))")
        #expect(try await npsim.call(.GET, servicePath, token: token).json["status"] == "deleted")
        #expect(!FileManager.default.fileExists(atPath: serviceState))
        #expect(try await npsim.stop() == 0)
    }

    /// Without a provider for the account, the runner's first script stops the workflow: the action fails with the
    /// script's own explanation in its messages, and the service with it.
    @Test func aRunnerThatCannotResolveItsProviderFailsTheActionWithItsReason() async throws {
        let state = try scratchDirectory("object-store-unresolved")
        defer { try? FileManager.default.removeItem(at: state) }
        let npsim = try await Self.start(state: state, seeds: ["00-hierarchy.yaml", "runners/object-store/specs/object-store.yaml"])
        let token = try await npsim.token()
        let service = try await npsim.call(
            .POST,
            "/service",
            ["name": "Orphan", "specification_id": .string(Self.specification), "entity_nrn": .string(Fixtures.appNRN)],
            token: token
        )
        let serviceId = try #require(service.json["id"]?.stringValue)
        let create = try await Self.run(
            npsim,
            on: "/service/\(serviceId)",
            "create",
            parameters: ["bucket_suffix": "media"],
            token: token
        )
        #expect(create["status"] == "failed")
        #expect(Self.messages(create).contains("no provider at organization=1:account=2 stores account.region"), "\(Self.messages(create))")
        #expect(Self.messages(create).contains("step 'resolve cloud settings' failed with exit code 1"))
        #expect(try await npsim.call(.GET, "/service/\(serviceId)", token: token).json["status"] == "failed")
    }

    static func serial(_ path: String) throws -> Int? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try JSONParser.parse(Array(data))["serial"]?.intValue
    }

    /// Every process npsim starts finds npsim's `np` first on its `PATH` (and `NPSIM=true`); with `--np-cli
    /// system` it finds whatever `np` npsim's own `PATH` has.
    @Test func agentCommandsFindNpsimsOwnNpUnlessToldToUseTheSystemOne() async throws {
        for source in ["builtin", "system"] {
            let state = try scratchDirectory("np-cli-\(source)")
            defer { try? FileManager.default.removeItem(at: state) }
            let npsim = try await NPSimProcess(
                arguments: ["--db", state.appendingPathComponent("npsim.sqlite").path, "--np-cli", source, "--seed", Fixtures.directory],
                environment: ["PATH": Self.pathWithoutNP()]
            )
            let token = try await npsim.token()
            let channel = try await npsim.call(
                .POST,
                "/notification/channel",
                [
                    "nrn": "organization=1:account=2", "type": "agent", "source": ["service"],
                    "configuration": NPSimProcess.agentCommand(
                        #"echo "np=$(command -v np || echo none) npsim=$NPSIM"; np service read --id "$(printf %s "$CONTEXT" | jq -r .notification.service.id)" | jq -r .name"#,
                        environment: ["CONTEXT": "${NOTIFICATION_CONTEXT}"]
                    ),
                ],
                token: token
            )
            #expect(channel.status == 200, "\(JSONWriter.string(channel.json))")
            let service = try await npsim.createMySQLService(named: "linked-\(source)", token: token)
            _ = try await npsim.runAction(on: service, Fixtures.createMySQL, parameters: ["version": "8.0", "size": "small"], token: token)
            var stdout = ""
            try await eventually(within: .seconds(30), "the agent command of \(source) ran") {
                let deliveries = try await npsim.call(.GET, "/_npsim/deliveries?status=delivered", token: token).json
                stdout = deliveries["results"]?.arrayValue?.first?["result"]?["stdout"]?.stringValue ?? ""
                return !stdout.isEmpty
            }
            let link = state.appendingPathComponent("bin/np").path
            if source == "builtin" {
                #expect(stdout == "np=\(link) npsim=true\nlinked-builtin\n", "np reads the agent's NP_API_KEY and NP_API_URL: \(stdout)")
                #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link).hasSuffix("/npsim"))
            } else {
                #expect(stdout.hasPrefix("np=none npsim=true"), "\(stdout)")
                #expect(!FileManager.default.fileExists(atPath: link))
            }
        }
    }
}
