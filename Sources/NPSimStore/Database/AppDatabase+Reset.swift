import GRDB
import NPSimCore

extension AppDatabase {
    /// What a reset removed, by kind of record.
    public struct ResetReport: Sendable {
        public var services = 0
        public var links = 0
        public var actions = 0
        public var notifications = 0
        public var deliveries = 0
        public var providerRuns = 0

        public var json: JSONValue {
            [
                "services": .int(services), "links": .int(links), "actions": .int(actions), "notifications": .int(notifications),
                "deliveries": .int(deliveries), "provider_runs": .int(providerRuns),
            ]
        }
    }

    /// Removes what tests create: services, links, their actions, notifications with their deliveries and attempts,
    /// and (without `nrn`) the provider stand-ins' runs. Keys, settings, the hierarchy, specifications, channels,
    /// providers and NRN settings stay. With `nrn`, only records at that NRN or under it go, so that tests that
    /// each own a namespace can reset theirs while the others run.
    ///
    /// One transaction: a reset happens entirely or not at all. Attempts under way when it runs finish, and their
    /// records are dropped (``Outbox/record(_:in:)`` skips a delivery that no longer exists).
    public func reset(within nrn: NRN? = nil) async throws -> ResetReport {
        try await writer.write { db in
            var report = ResetReport()
            let instances = "('\(EntityKind.service.rawValue)', '\(EntityKind.link.rawValue)')"
            let actions = "('\(EntityKind.serviceAction.rawValue)', '\(EntityKind.linkAction.rawValue)')"
            let count = { (sql: String, arguments: StatementArguments) in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0 }
            if let nrn {
                let subtree = SQLFilter.subtreeArguments(nrn.description)
                let within = "(nrn = ? OR nrn LIKE ? ESCAPE '\\')"
                report.deliveries = try count(
                    "SELECT COUNT(*) FROM delivery WHERE notification_id IN (SELECT id FROM notification WHERE \(within))",
                    subtree
                )
                try db.execute(sql: "DELETE FROM notification WHERE \(within)", arguments: subtree)
                report.notifications = db.changesCount
                let ofInstances = "kind IN \(actions) AND parent_id IN (SELECT id FROM document WHERE kind IN \(instances) AND \(within))"
                try db.execute(sql: "DELETE FROM action_event WHERE action_id IN (SELECT id FROM document WHERE \(ofInstances))", arguments: subtree)
                try db.execute(sql: "DELETE FROM document WHERE \(ofInstances)", arguments: subtree)
                report.actions = db.changesCount
                report.services = try count("SELECT COUNT(*) FROM document WHERE kind = ? AND \(within)", [EntityKind.service.rawValue] + subtree)
                try db.execute(sql: "DELETE FROM document WHERE kind IN \(instances) AND \(within)", arguments: subtree)
                report.links = db.changesCount - report.services
            } else {
                report.deliveries = try count("SELECT COUNT(*) FROM delivery", [])
                try db.execute(sql: "DELETE FROM attempt")
                try db.execute(sql: "DELETE FROM delivery")
                try db.execute(sql: "DELETE FROM notification")
                report.notifications = db.changesCount
                try db.execute(sql: "DELETE FROM action_event")
                try db.execute(sql: "DELETE FROM document WHERE kind IN \(actions)")
                report.actions = db.changesCount
                report.services = try count("SELECT COUNT(*) FROM document WHERE kind = ?", [EntityKind.service.rawValue])
                try db.execute(sql: "DELETE FROM document WHERE kind IN \(instances)")
                report.links = db.changesCount - report.services
                try db.execute(sql: "DELETE FROM provider_run")
                report.providerRuns = db.changesCount
            }
            return report
        }
    }
}
