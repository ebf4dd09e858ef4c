import Foundation
import Hummingbird
import NIOCore
import NPSimCore
import NPSimDelivery
import NPSimHTTP
import NPSimOrchestrator
import NPSimStore

/// What a CI job needs of npsim as its test harness, under `/_npsim/`: readiness, resets between tests, and
/// expectations checked server-side (see docs/testing-runners.md).
struct HarnessController {
    let orchestrator: Orchestrator
    let initStatus: InitStatus
    /// Applies the `--seed` fixtures again (a reset with `keep_fixtures`).
    let applySeeds: @Sendable () async throws -> Seeder.Report
    /// Drops the deliveries waiting in the dispatcher's memory, whose rows a reset removed.
    let discardWaitingDeliveries: @Sendable () -> Void
    let faults: InjectedFaults
    let clock: EmulatedClock
    /// Has the dispatcher look for due deliveries now (after the clock moved).
    let wakeDispatcher: @Sendable () -> Void

    func register(on routes: Routes) {
        routes.get("/_npsim/ready", "Ready: 200 once the fixtures and every init script have run, 503 naming what is pending or failed") {
            _,
            _ in
            let readiness = await initStatus.readiness
            guard readiness.ready else {
                let body: JSONObject = [
                    "ready": false, "code": "not_ready", "message": .string(readiness.reason ?? "not ready"),
                    "pending": .array(readiness.pending.map(JSONValue.string)), "failed": .array(readiness.failed.map(JSONValue.string)),
                ]
                return JSONResponse.make(body, status: .serviceUnavailable)
            }
            return JSONResponse.make(["ready": true])
        }
        routes.post("/_npsim/reset", "Remove services, links, actions, notifications, deliveries and runs (all, or under an NRN)") {
            request,
            _ in
            let body = try await request.jsonBody()
            let nrn = try body["nrn"].map { value -> NRN in
                guard let text = value.stringValue, let nrn = try? NRN(parsing: text) else {
                    throw APIError.validation("nrn must be an NRN such as 'organization=1:account=2:namespace=3', got \(JSONWriter.string(value))")
                }
                return nrn
            }
            let keepFixtures = try Self.flag(body, "keep_fixtures")
            let started = ContinuousClock.now
            let removed = try await orchestrator.database.reset(within: nrn)
            discardWaitingDeliveries()
            let reseeded = keepFixtures ? try await applySeeds().json : [:]
            return JSONResponse.make([
                "removed": removed.json, "nrn": nrn.map { .string($0.description) } ?? .null, "reseeded": reseeded,
                "duration_ms": .double((ContinuousClock.now - started).milliseconds),
            ])
        }
        routes.get("/_npsim/actions", "Every action (under ?nrn=), oldest first, with its deliveries counted by status and the last delivery error") {
            request,
            context in
            let nrn = try request.query("nrn").map { text in
                do { return try NRN(parsing: text) } catch { throw APIError.validation("nrn: \(error)") }
            }
            let actions = try await orchestrator.actionOverview(within: nrn, for: context.tenancy)
            return JSONResponse.make(["results": .array(actions.map(JSONValue.object))])
        }
        routes.get("/_npsim/actions/:id/journal", "An action's whole chain: creation, notifications, attempts and the runner's reports, in order") {
            _,
            context in
            JSONResponse.make(try await orchestrator.journal(ofAction: try context.pathParameter("id"), for: context.tenancy))
        }
        routes.put("/_npsim/faults/channels/:id", "Inject faults into a channel's deliveries (fail, drop, reorder, duplicate, bad signatures, delay)")
        {
            request,
            context in
            let channel = try await orchestrator.get(.channel, id: try context.pathParameter("id"), for: context.tenancy)
            try faults.set(try faults.plan(try await request.jsonBody(), forChannelOfType: channel["type"]?.stringValue), on: channel)
            return JSONResponse.make(faults.json)
        }
        routes.post("/_npsim/faults/api", "Inject a fault into npsim's own API: the next matching requests get an error or no answer") {
            request,
            _ in
            try faults.addAPIFault(try await request.jsonBody())
            return JSONResponse.make(faults.json)
        }
        routes.get("/_npsim/faults", "The faults still to come, per channel and on the API") { _, _ in JSONResponse.make(faults.json) }
        routes.delete("/_npsim/faults", "Clear every injected fault") { _, _ in
            faults.clear()
            return JSONResponse.make(faults.json)
        }
        routes.get("/_npsim/clock", "npsim's clock: system or manual, its time, and how far tests moved it ahead") { _, _ in
            JSONResponse.make(clockJSON)
        }
        routes.post("/_npsim/clock/advance", "Move a manual clock ahead: retries that fall due fire at once, in order") { request, _ in
            let body = try await request.jsonBody()
            guard let seconds = body["seconds"]?.doubleValue else {
                throw APIError.validation("seconds must be a number, such as {\"seconds\": 600}")
            }
            try clock.advance(by: seconds)
            wakeDispatcher()
            return JSONResponse.make(clockJSON)
        }
        routes.get("/_npsim/snapshot", "A consistent copy of the database, as an SQLite file") { _, _ in
            let data = try await orchestrator.database.snapshot()
            return Response(
                status: .ok,
                headers: [.contentType: "application/vnd.sqlite3", .contentDisposition: "attachment; filename=\"npsim-snapshot.sqlite\""],
                body: .init(byteBuffer: ByteBuffer(bytes: data))
            )
        }
        routes.put("/_npsim/snapshot", "Load a snapshot: everything but keys and settings is replaced by its contents") { request, _ in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: Self.largestSnapshot) } catch is NIOTooManyBytesError {
                throw APIError.payloadTooLarge(limit: Self.largestSnapshot)
            }
            let loaded = try await orchestrator.database.load(snapshot: Data(body.readableBytesView))
            discardWaitingDeliveries()
            wakeDispatcher()
            return JSONResponse.make(["loaded": .object(JSONObject(loaded.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))])
        }
        routes.post("/_npsim/expect", "Wait until an expectation holds (or check that it keeps holding); 417 with what was observed if not") {
            request,
            _ in
            let expectation = try Expectation(parsing: try await request.jsonBody())
            let outcome = try await orchestrator.expect(expectation)
            var body: JSONObject = [
                "met": .bool(outcome.met), "expected": .string(expectation.summary),
                "after_ms": .double(outcome.elapsed.milliseconds.rounded()), "observed": outcome.observed,
            ]
            guard outcome.met else {
                let waited = expectation.during == nil ? "within" : "throughout"
                let seconds = (expectation.during ?? expectation.timeout).seconds
                body["code"] = "expectation_failed"
                body["message"] = .string("expected \(expectation.summary) \(waited) \(seconds) s; see observed for what was found")
                return JSONResponse.make(body, status: .expectationFailed)
            }
            return JSONResponse.make(body)
        }
    }

    /// The largest snapshot `PUT /_npsim/snapshot` takes.
    static let largestSnapshot = 512 << 20

    private var clockJSON: JSONValue {
        ["mode": .string(clock.mode.rawValue), "now": .string(ISO8601.string(from: clock.now())), "advanced_seconds": .double(clock.advanced)]
    }

    /// A boolean field of a body, `false` when absent; anything but a boolean is a 400 naming it.
    static func flag(_ body: JSONValue, _ name: String) throws -> Bool {
        guard let value = body[name] else { return false }
        guard case .bool(let flag) = value else { throw APIError.validation("\(name) must be true or false, got \(JSONWriter.string(value))") }
        return flag
    }
}
