import Foundation
import NPSimCore
import Testing

/// The `np` commands a runner's entrypoint and workflows run inside an action: `service-action exec`,
/// `export-action-data`, `get-exec-path`, `service action update`, `link action update` and `service workflow exec`.
@Suite struct NPExecTests {
    /// A MySQL service with a pending create action, and the context an agent channel would pass for it.
    static func pendingAction(_ npsim: NPSimProcess, named name: String = "orders") async throws -> (service: String, action: String, context: String)
    {
        let token = try await npsim.token()
        let service = try await npsim.createMySQLService(named: name, token: token)
        let created = try await npsim.runAction(on: service, Fixtures.createMySQL, parameters: ["version": "8.0", "size": "small"], token: token)
        let action = try #require(created.json["id"]?.stringValue, "\(JSONWriter.string(created.json))")
        let context: JSONValue = [
            "id": "n-1", "source": "service",
            "notification": [
                "id": .string(action), "slug": "create-mysql", "type": "create", "link": nil,
                "parameters": ["version": "8.0", "size": "small", "k8s_secret_name": "db-secret"],
                "service": ["id": .string(service), "slug": .string(name), "nrn": .string(Fixtures.appNRN), "specification": ["slug": "mysql"]],
                "tags": ["application_id": "4"],
            ],
        ]
        return (service, action, "'" + JSONWriter.string(context) + "'")
    }

    @Test func execRunsTheHandlerReportsItsOutputAndSetsTheStatusFromItsExitCode() async throws {
        let npsim = try await NPCommandTests.start()
        let token = try await npsim.token()
        let scratch = try scratchDirectory("np-exec")
        defer { try? FileManager.default.removeItem(at: scratch) }

        // By convention the handler is <base-path>/<spec slug>/<service|link>/<action slug>; it sees CONTEXT and ACTION_*.
        var (service, action, context) = try await Self.pendingAction(npsim)
        let handler = scratch.appendingPathComponent("mysql/service/create-mysql")
        try FileManager.default.createDirectory(at: handler.deletingLastPathComponent(), withIntermediateDirectories: true)
        try """
        #!/bin/bash
        echo "secret name $ACTION_PARAMETERS_K_8_S_SECRET_NAME for $(jq -r .service.slug <<<"$CONTEXT") app $ACTION_TAGS_APPLICATION_ID"
        echo "a warning" >&2
        np service action update --results '{"hostname":"db.local","port":3306}' --no-output
        """.write(to: handler, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: handler.path)
        let path = try await NPCommandTests.np(
            ["service-action", "get-exec-path", "--base-path", scratch.path],
            npsim,
            environment: ["NP_ACTION_CONTEXT": context]
        )
        #expect(path.stdout == handler.path + "\n")
        let dry = try await NPCommandTests.np(
            ["service-action", "exec", "--base-path", scratch.path, "--dry-run"],
            npsim,
            environment: ["NP_ACTION_CONTEXT": context]
        )
        #expect(dry.code == 0 && dry.stdout.contains(handler.path))
        #expect(
            try await npsim.call(.GET, "/service/\(service)/action/\(action)", token: token).json["status"] == "pending",
            "a dry run changes nothing"
        )

        let run = try await NPCommandTests.np(
            ["service-action", "exec", "--base-path", scratch.path, "--live-output", "--live-report"],
            npsim,
            environment: ["NP_ACTION_CONTEXT": context].merging(try Self.npOnPath(scratch)) { $1 }
        )
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout.contains("secret name db-secret for orders app 4"), "--live-output echoes the handler")
        var read = try await npsim.call(.GET, "/service/\(service)/action/\(action)?include_messages=true", token: token).json
        #expect(read["status"] == "success")
        #expect(read["results"]?["hostname"] == "db.local")
        let messages = (read["messages"]?.arrayValue ?? []).map { "\($0["level"]?.stringValue ?? ""): \($0["message"]?.stringValue ?? "")" }
        #expect(messages.contains("info: secret name db-secret for orders app 4"), "\(messages)")
        #expect(messages.contains("error: a warning"), "\(messages)")
        #expect(try await npsim.call(.GET, "/service/\(service)", token: token).json["status"] == "active")

        // A failing --command fails the action and np exits with its code.
        (service, action, context) = try await Self.pendingAction(npsim, named: "failing")
        let failing = try await NPCommandTests.np(
            ["service-action", "exec", "--command", "echo broken; exit 3", "--live-report"],
            npsim,
            environment: ["NP_ACTION_CONTEXT": context]
        )
        #expect(failing.code == 3)
        read = try await npsim.call(.GET, "/service/\(service)/action/\(action)?include_messages=true", token: token).json
        #expect(read["status"] == "failed")
        #expect(read["messages"]?.arrayValue?.contains { $0["message"] == "the action's handler exited with 3" } == true)

        // --disable-auto-action-update leaves the status to the handler.
        (service, action, context) = try await Self.pendingAction(npsim, named: "manual")
        let manual = try await NPCommandTests.np(
            ["service-action", "exec", "--command", "exit 0", "--disable-auto-action-update"],
            npsim,
            environment: ["NP_ACTION_CONTEXT": context]
        )
        #expect(manual.code == 0)
        #expect(try await npsim.call(.GET, "/service/\(service)/action/\(action)", token: token).json["status"] == "pending")
        let missing = try await NPCommandTests.np(
            ["service-action", "exec", "--script", "/nonexistent/handler"],
            npsim,
            environment: ["NP_ACTION_CONTEXT": context]
        )
        #expect(missing.code == 1 && missing.stderr.contains("/nonexistent/handler does not exist"))
        let noContext = try await NPCommandTests.np(["service-action", "exec", "--command", "true"], npsim)
        #expect(noContext.code == 2 && noContext.stderr.contains("set NP_ACTION_CONTEXT"))
    }

    /// A directory holding `np` (a link to npsim) for handlers that call `np` themselves.
    static func npOnPath(_ scratch: URL) throws -> [String: String] {
        let bin = scratch.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try? FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("np").path, withDestinationPath: NPSimProcess.binary)
        return ["PATH": "\(bin.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"]
    }

    @Test func updateAndExportTakeTheirIdsFromTheContext() async throws {
        let npsim = try await NPCommandTests.start()
        let token = try await npsim.token()
        let (service, action, context) = try await Self.pendingAction(npsim)
        let environment = ["NP_ACTION_CONTEXT": context]
        let update = try await NPCommandTests.np(
            ["service", "action", "update", "--messages", "provisioning", "--results", #"{"hostname":"h"}"#],
            npsim,
            environment: environment
        )
        #expect(update.code == 0, "\(update.stderr)")
        var read = try await npsim.call(.GET, "/service/\(service)/action/\(action)?include_messages=true", token: token).json
        #expect(read["results"]?["hostname"] == "h")
        #expect(read["messages"]?.arrayValue?.last?["message"] == "provisioning")
        let finished = try await NPCommandTests.np(["service", "action", "update", "--status", "success"], npsim, environment: environment)
        #expect(finished.code == 0)
        read = try await npsim.call(.GET, "/service/\(service)/action/\(action)", token: token).json
        #expect(read["status"] == "success")
        let badStatus = try await NPCommandTests.np(["service", "action", "update", "--status", "done"], npsim, environment: environment)
        #expect(badStatus.code == 2 && badStatus.stderr.contains("--status is success or failed"))
        let noIds = try await NPCommandTests.np(["link", "action", "update", "--status", "success"], npsim, environment: environment)
        #expect(noIds.code == 2 && noIds.stderr.contains("pass --link-id and --link-action-id"))

        let exported = try await NPCommandTests.np(
            ["service-action", "export-action-data", "--format", "bash", "--bash-prefix", "ACTION"],
            npsim,
            environment: environment
        )
        #expect(exported.stdout.contains("export ACTION_PARAMETERS_K_8_S_SECRET_NAME='db-secret'"), "\(exported.stdout)")
        #expect(exported.stdout.contains("export ACTION_SERVICE_SLUG='orders'"))
        #expect(exported.stdout.contains("export ACTION_ID='\(action)'"))
        let json = try await NPCommandTests.np(["service-action", "export-action-data", "--format", "json"], npsim, environment: environment)
        #expect(json.json["ACTION_TAGS_APPLICATION_ID"] == "4")
    }

    @Test func workflowExecRunsStepsInOrderAndHandsOutputsOn() async throws {
        let npsim = try await NPCommandTests.start()
        let scratch = try scratchDirectory("np-workflow")
        defer { try? FileManager.default.removeItem(at: scratch) }
        func write(_ name: String, _ text: String, executable: Bool = false) throws {
            let url = scratch.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
            if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
        }
        try write("values.yaml", "provider_categories:\n  - cloud-providers\nflavor: large\n")
        try write(
            "scripts/first",
            "#!/bin/bash\nset -euo pipefail\nexport EXPORTED=one\nPLAIN=two\nUNDECLARED=three\necho first ran\n",
            executable: true
        )
        try write(
            "scripts/second",
            "#!/bin/bash\necho \"second: $EXPORTED $PLAIN ${UNDECLARED:-unset} $SETTING $(sed -n 's/^flavor: //p' \"$VALUES\")\"\n"
                + "echo \"region $(jq -r '.providers[\"cloud-providers\"].account.region // \"none\"' <<<\"$CONTEXT\")\"\n",
            executable: true
        )
        try write("scripts/fail", "#!/bin/bash\necho failing\nexit 7\n", executable: true)
        try write("scripts/python", "#!/usr/bin/env python3\nprint('python step')\n", executable: true)
        try write(
            "workflow.yaml",
            """
            steps:
              - name: first
                type: script
                file: $SERVICE_PATH/scripts/first
                output:
                  - { name: EXPORTED, type: environment }
                  - { name: PLAIN, type: environment }
              - name: second
                type: script
                file: ${SERVICE_PATH}/scripts/second
                configuration:
                  SETTING: at $SERVICE_PATH
              - name: python
                type: script
                file: $SERVICE_PATH/scripts/python
            """
        )
        try write(
            "overrides.yaml",
            "steps:\n  - name: python\n    type: script\n    file: $SERVICE_PATH/scripts/fail\n  - name: never\n    type: script\n    file: $SERVICE_PATH/scripts/first\n"
        )
        let context = try await Self.pendingAction(npsim).context
        let environment = ["SERVICE_PATH": scratch.path, "NP_ACTION_CONTEXT": context]
        let workflow = scratch.appendingPathComponent("workflow.yaml").path
        let values = scratch.appendingPathComponent("values.yaml").path

        let run = try await NPCommandTests.np(
            ["service", "workflow", "exec", "--workflow", workflow, "--values", values],
            npsim,
            environment: environment
        )
        #expect(run.code == 0, "\(run.stderr)")
        #expect(run.stdout.contains("second: one two unset at \(scratch.path) large"), "\(run.stdout)")
        #expect(run.stdout.contains("region none"), "without --build-context CONTEXT is the notification")
        #expect(run.stdout.contains("python step"), "a script in another language runs as itself")
        #expect(run.stdout.contains("Running step 'second'"))
        let quiet = try await NPCommandTests.np(
            ["service", "workflow", "exec", "--workflow", workflow, "--no-output"],
            npsim,
            environment: environment
        )
        #expect(!quiet.stdout.contains("Running step"))

        let built = try await NPCommandTests.np(
            ["service", "workflow", "exec", "--workflow", workflow, "--values", values, "--build-context"],
            npsim,
            environment: environment
        )
        #expect(built.stdout.contains("region us-east-1"), "\(built.stdout) \(built.stderr)")

        let dry = try await NPCommandTests.np(["service", "workflow", "exec", "--workflow", workflow, "--dry-run"], npsim, environment: environment)
        #expect(
            dry.json["steps"]?.arrayValue?.map { $0["file"] } == [
                .string("\(scratch.path)/scripts/first"), .string("\(scratch.path)/scripts/second"), .string("\(scratch.path)/scripts/python"),
            ]
        )
        #expect(!dry.stdout.contains("first ran"))

        let overridden = try await NPCommandTests.np(
            ["service", "workflow", "exec", "--workflow", workflow, "--overrides", scratch.appendingPathComponent("overrides.yaml").path],
            npsim,
            environment: environment
        )
        #expect(overridden.code == 7, "the failing step's exit code ends the workflow")
        #expect(overridden.stderr.contains("step 'python' failed with exit code 7"))
        #expect(!overridden.stdout.contains("Running step 'never'"), "no step runs after a failure")

        let missing = try await NPCommandTests.np(
            ["service", "workflow", "exec", "--workflow", "/nonexistent.yaml"],
            npsim,
            environment: environment
        )
        #expect(missing.code == 2 && missing.stderr.contains("cannot read workflow file '/nonexistent.yaml'"))
        let buildContext = try await NPCommandTests.np(
            ["service", "workflow", "build-context", "--provider-categories", "vpc"],
            npsim,
            environment: environment
        )
        #expect(buildContext.json["providers"]?["vpc"]?["vpc"]?["id"] == "vpc-0a1b2c3d", "\(buildContext.stderr)")
    }
}
