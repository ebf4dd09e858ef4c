import Foundation
import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimOrchestrator
import NPSimStore

/// The emulator's own endpoints under `/_npsim/`: health, the stand-ins' runs, and seeding a running server.
struct AdminController {
    let orchestrator: Orchestrator
    let seeder: Seeder
    let startedAt: Date
    let databasePath: String?
    let initStatus: InitStatus
    /// The HTTPS listener's URL once it listens (with `--tls`), for clients that asked for a free port.
    let secureURL: @Sendable () async -> String?

    static let version = "0.1.0"

    func register(on routes: Routes) {
        routes.get("/_npsim/health", "Health and readiness") { _, _ in
            let counts = try await orchestrator.database.counts().documents
            return JSONResponse.make([
                "status": "ok",
                "version": .string(Self.version),
                "started_at": .string(ISO8601.string(from: startedAt)),
                "uptime_seconds": .double((Date().timeIntervalSince(startedAt) * 1000).rounded() / 1000),
                "database": ["mode": databasePath == nil ? "memory" : "file", "path": databasePath.map(JSONValue.string) ?? .null],
                "records": .int(counts),
                "init": await initStatus.json,
                "https": await secureURL().map(JSONValue.string) ?? .null,
            ])
        }
        routes.get("/_npsim/providers/runs", "List the runs the provider stand-ins accepted") { request, _ in
            let (limit, offset) = try request.paging()
            let (provider, resource) = (request.query("provider"), request.query("resource"))
            let (runs, total) = try await orchestrator.database.providerRuns(provider: provider, resource: resource, limit: limit, offset: offset)
            return JSONResponse.make([
                "paging": ["offset": .int(offset), "limit": .int(limit), "total": .int(total)], "results": .array(runs.map { $0.json() }),
            ])
        }
        routes.get("/_npsim/providers/runs/:id", "Show one provider run, with the log of a local run") { _, context in
            let id = try context.pathParameter("id")
            guard let number = Int(id), let run = try await orchestrator.database.providerRun(number)
            else { throw APIError.notFound("provider run", id) }
            return JSONResponse.make(run.json(withLog: true))
        }
        routes.post("/_npsim/seed", "Load fixture documents into the running server") { request, _ in
            let body = try await request.jsonBody()
            var report = Seeder.Report()
            for document in body.arrayValue ?? [body] {
                try await seeder.seed(document, report: &report)
            }
            return JSONResponse.make(["created": report.json])
        }
    }
}
