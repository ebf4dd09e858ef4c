import Foundation
import NPSimCore
import Testing

@Suite struct ServiceLifecycleTests {
    @Test func createActionDrivesPendingToCreatingToActive() async throws {
        try await withServer { api in
            let service = try await api.createMySQL()
            #expect(try await api.expect(200, .get, "/service/\(service)")["status"] == "pending")
            let action = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            let created = try await api.expect(200, .get, "/service/\(service)/action/\(action)")
            #expect(created["status"] == "pending")
            #expect(created["name"] == "create-orders-db")
            #expect(created["type"] == "create")
            #expect(try await api.expect(200, .get, "/service/\(service)")["status"] == "creating")
            try await api.expect(200, .patch, "/service/\(service)/action/\(action)", ["status": "in_progress"])
            #expect(try await api.expect(200, .get, "/service/\(service)")["status"] == "creating")
            try await api.expect(
                200,
                .patch,
                "/service/\(service)/action/\(action)",
                [
                    "status": "success", "results": ["hostname": "db.internal", "port": 3306],
                ]
            )
            let active = try await api.expect(200, .get, "/service/\(service)")
            #expect(active["status"] == "active")
            #expect(active["attributes"] == ["version": "8.4", "size": "small", "hostname": "db.internal", "port": 3306])
        }
    }

    @Test func failedCreateFailsTheServiceAndARetryableSpecCanRunAgain() async throws {
        try await withServer { api in
            let service = try await api.createMySQL()
            let action = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.0", "size": "large"])
            try await api.expect(
                200,
                .patch,
                "/service/\(service)/action/\(action)",
                ["status": "failed", "messages": [["level": "error", "message": "quota"]]]
            )
            #expect(try await api.expect(200, .get, "/service/\(service)")["status"] == "failed")
            try await api.expect(200, .patch, "/service/\(service)/action/\(action)", ["status": "in_progress"])
            #expect(try await api.expect(200, .get, "/service/\(service)")["status"] == "creating")
            try await api.expect(200, .patch, "/service/\(service)/action/\(action)", ["status": "success"])
            try await api.expect(409, .patch, "/service/\(service)/action/\(action)", ["status": "in_progress"])
        }
    }

    @Test func updateAndDeleteGoThroughTheirTransitionalStatuses() async throws {
        try await withServer { api in
            let service = try await api.activeMySQL()
            let update = try await api.runAction(on: service, spec: Fixtures.updateMySQL, parameters: ["size": "large"])
            #expect(try await api.expect(200, .get, "/service/\(service)")["status"] == "updating")
            try await api.expect(200, .patch, "/service/\(service)/action/\(update)", ["status": "success"])
            let updated = try await api.expect(200, .get, "/service/\(service)")
            #expect(updated["status"] == "active")
            #expect(updated["attributes"]?["size"] == "large")
            let delete = try await api.runAction(on: service, spec: Fixtures.deleteMySQL)
            #expect(try await api.expect(200, .get, "/service/\(service)")["status"] == "deleting")
            try await api.expect(200, .patch, "/service/\(service)/action/\(delete)", ["status": "success"])
            #expect(try await api.expect(200, .get, "/service/\(service)")["status"] == "deleted")
            try await api.runAction(on: service, spec: Fixtures.getCredentials, expecting: 409)
            try await api.expect(200, .delete, "/service/\(service)")
            try await api.expect(404, .get, "/service/\(service)")
        }
    }

    @Test func customActionsNeverChangeTheParent() async throws {
        try await withServer { api in
            let service = try await api.activeMySQL()
            let before = try await api.expect(200, .get, "/service/\(service)")
            // The action must be created in a later millisecond than the service's last change, or an `updated_at`
            // rewritten to the same instant would go unnoticed.
            while ISO8601.string(from: Date()) <= before["updated_at"]?.stringValue ?? "" { await Task.yield() }
            let action = try await api.runAction(on: service, spec: Fixtures.getCredentials, parameters: ["ttl_minutes": 60])
            #expect(try await api.expect(200, .get, "/service/\(service)/action/\(action)")["name"] == "get-credentials")
            #expect(try await api.expect(200, .get, "/service/\(service)") == before, "the service record, updated_at included, is untouched")
            try await api.expect(
                200,
                .patch,
                "/service/\(service)/action/\(action)",
                [
                    "status": "failed", "results": ["username": "tmp", "password": "p4ss"],
                ]
            )
            #expect(try await api.expect(200, .get, "/service/\(service)")["status"] == "active")
        }
    }

    @Test func actionsAreCheckedAgainstTheirSpecification() async throws {
        try await withServer { api in
            let service = try await api.createMySQL()
            let missing = try await api.expect(
                400,
                .post,
                "/service/\(service)/action",
                ["specification_id": .string(Fixtures.createMySQL), "parameters": ["size": "small"]]
            )
            #expect(missing["message"] == "parameters.version: is required")
            let wrongEnum = try await api.expect(
                400,
                .post,
                "/service/\(service)/action",
                [
                    "specification_id": .string(Fixtures.createMySQL), "parameters": ["version": "5.7", "size": "small"],
                ]
            )
            #expect(wrongEnum["message"]?.stringValue?.hasPrefix("parameters.version: must be one of") == true)
            try await api.expect(400, .post, "/service/\(service)/action", ["specification_id": "00000000-0000-0000-0000-000000000000"])
            try await api.expect(400, .post, "/service/\(service)/action", ["specification_id": "284c262a-dcf4-4af8-9dca-7c310c57d42b"])
            try await api.runAction(on: service, spec: Fixtures.updateMySQL, expecting: 409)
            try await api.expect(404, .post, "/service/nope/action", ["specification_id": .string(Fixtures.createMySQL)])
            try await api.expect(400, .patch, "/service/\(service)", ["attributes": ["storage_gb": 5]])
            try await api.expect(400, .patch, "/service/\(service)", ["specification_id": "other"])
        }
    }

    @Test func messagesAreAppendedAndOnlyShownWhenAskedFor() async throws {
        try await withServer { api in
            let service = try await api.createMySQL()
            let action = try await api.runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            let path = "/service/\(service)/action/\(action)"
            try await api.expect(200, .patch, path, ["messages": [["level": "info", "message": "planning"]]])
            try await api.expect(200, .patch, path, ["messages": [["severity": "warning", "message": "slow"]]])
            #expect(try await api.expect(200, .get, path)["messages"] == [])
            let messages = try await api.expect(200, .get, "\(path)?include_messages=true")["messages"]!.arrayValue!
            #expect(messages.map { $0["message"] } == ["planning", "slow"])
            #expect(messages[1]["level"] == "warning")
            #expect(messages.allSatisfy { $0["timestamp"]?.intValue != nil })
            try await api.expect(400, .patch, path, ["messages": [["level": "loud", "message": "x"]]])
            let list = try await api.expect(200, .get, "/service/\(service)/action?include_messages=true")
            #expect(list["results"]?.arrayValue?.first?["messages"]?.arrayValue?.count == 2)
        }
    }

    @Test func secretAttributesAreHiddenUnlessAskedFor() async throws {
        try await withServer { api in
            let service = try await api.activeMySQL()
            let link = try await api.connectMySQL(to: service, attributes: ["permissions": "read"])["id"]!.stringValue!
            try await api.expect(200, .patch, "/link/\(link)", ["attributes": ["username": "app", "password": "hunter2"]])
            let hidden = try await api.expect(200, .get, "/link/\(link)")
            #expect(hidden["attributes"]?["password"] == .null)
            #expect(hidden["attributes"]?["username"] == "app")
            let shown = try await api.expect(200, .get, "/link/\(link)?include_secret_attributes=true")
            #expect(shown["attributes"]?["password"] == "hunter2")
            let list = try await api.expect(200, .get, "/link?service_id=\(service)")
            #expect(!JSONWriter.string(list).contains("hunter2"))
        }
    }

    @Test func deletingAServiceNeedsItsDeleteActionFailureOrForce() async throws {
        try await withServer { api in
            let service = try await api.activeMySQL()
            let refused = try await api.expect(403, .delete, "/service/\(service)")
            #expect(refused["code"] == "forbidden")
            let link = try await api.connectMySQL(to: service)["id"]!.stringValue!
            try await api.expect(409, .delete, "/service/\(service)?force=true")
            // The link never ran an action: nothing to deprovision, so it goes without force.
            try await api.expect(200, .delete, "/link/\(link)")
            try await api.expect(200, .delete, "/service/\(service)?force=true")
            let failed = try await api.createMySQL(name: "broken")
            let action = try await api.runAction(on: failed, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
            try await api.expect(200, .patch, "/service/\(failed)/action/\(action)", ["status": "failed"])
            try await api.expect(200, .delete, "/service/\(failed)")
            try await api.expect(400, .delete, "/service/\(failed)?force=maybe")
            // A service that never ran an action has nothing to deprovision, as `terraform destroy` expects.
            let untouched = try await api.createMySQL(name: "never-run")
            try await api.expect(200, .delete, "/service/\(untouched)")
        }
    }
}

extension APIClient {
    /// A MySQL service whose create action succeeded.
    func activeMySQL(name: String = "orders-db") async throws -> String {
        let service = try await createMySQL(name: name)
        let action = try await runAction(on: service, spec: Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"])
        try await expect(200, .patch, "/service/\(service)/action/\(action)", ["status": "success", "results": ["hostname": "h", "port": 3306]])
        return service
    }
}

extension APIClient {
    /// Links the fixture application to a service with the Connect MySQL link specification.
    func connectMySQL(to service: String, attributes: JSONValue = [:], nrn: String = Fixtures.appNRN) async throws -> JSONValue {
        try await expect(
            200,
            .post,
            "/link",
            [
                "name": "orders-app", "service_id": .string(service), "specification_id": .string(Fixtures.connectMySQL),
                "entity_nrn": .string(nrn), "attributes": attributes,
            ]
        )
    }
}
