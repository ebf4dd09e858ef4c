import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NPSimCore
import NPSimStore
import ServiceLifecycle

/// The background service that delivers notifications: it attempts the deliveries that committing transactions
/// hand over and claims the other due ones from the outbox, runs each through its channel's target concurrently
/// (within the global and per-channel limits of its ``DeliveryQueue``), records every attempt, and schedules
/// retries or dead-letters.
///
/// On start it puts back whatever a crash left in flight, so delivery is at least once. On graceful shutdown it
/// stops claiming and lets attempts in flight finish (each is bounded by the delivery timeout).
public struct Dispatcher: Service {
    let database: AppDatabase
    let policy: DeliveryPolicy
    let queue: DeliveryQueue
    /// The targets of each channel type, built in ``run()`` around the HTTP client that lives as long as it does.
    let makeTargets: @Sendable (HTTPExchanger) -> [String: any DeliveryTarget]
    let metrics: DeliveryMetrics
    let logger: Logger
    /// Faults a test injected into channels' deliveries.
    let faults: DeliveryFaults
    /// npsim's clock (see ``EmulatedClock``): when retries fall due, and the times attempts are stamped with.
    let now: @Sendable () -> Date
    /// How many attempts and notifications the outbox keeps, from the policy.
    let retention: AppDatabase.Retention

    /// - Parameter standInURL: npsim's own URL, where the provider stand-ins answer when a provider has no base URL
    ///   and where agent commands report back (`NP_API_URL`).
    /// - Parameter reportOnAction: how a `package-exec` command's reply reaches its action (a PATCH of the action).
    public init(
        database: AppDatabase,
        policy: DeliveryPolicy,
        providers: ProviderSettings,
        githubAppKey: GitHubAppKey,
        agent: AgentSettings,
        standInURL: @escaping @Sendable () async -> String,
        reportOnAction: @escaping ActionReporter = { _, _, _, _ in },
        queue: DeliveryQueue,
        faults: DeliveryFaults = DeliveryFaults(),
        now: @escaping @Sendable () -> Date = { Date() },
        metricsFactory: any MetricsFactory,
        logger: Logger
    ) {
        self.database = database
        self.policy = policy
        self.queue = queue
        self.faults = faults
        self.now = now
        let tokens = InstallationTokens()
        self.makeTargets = { exchanger in
            [
                "http": HTTPTarget(exchanger: exchanger, serverSecret: policy.webhookSecret),
                "github": GitHubTarget(
                    exchanger: exchanger,
                    settings: providers.github,
                    tokens: tokens,
                    appKey: githubAppKey,
                    standInURL: standInURL
                ),
                "gitlab": GitLabTarget(exchanger: exchanger, settings: providers.gitlab, standInURL: standInURL),
                "azure": AzureTarget(exchanger: exchanger, settings: providers.azure, standInURL: standInURL),
                "agent": AgentTarget(settings: agent, apiURL: standInURL, reportOnAction: reportOnAction),
            ]
        }
        self.metrics = DeliveryMetrics(factory: metricsFactory)
        self.logger = logger
        self.retention = AppDatabase.Retention(
            pruneInterval: policy.pruneInterval,
            attempts: policy.attemptRetention,
            notifications: policy.notificationRetention
        )
    }

    /// Delivers until graceful shutdown, with an HTTP client that is created here and shut down before it returns,
    /// whether it returns or throws.
    public func run() async throws {
        let configuration = HTTPClient.Configuration.delivery(connectionsPerHost: policy.globalConcurrency)
        try await HTTPClient.withHTTPClient(configuration: configuration) { client in
            let targets = makeTargets(HTTPExchanger(client: client, timeout: policy.timeout))
            try await deliver(with: targets)
        }
    }

    /// What the attempts of one ``run()`` share: the targets around its client, and where attempts are recorded.
    private struct Attempts: Sendable {
        let targets: [String: any DeliveryTarget]
        let recorder = AttemptRecorder()
        let recorded = Wakeup()
    }

    private func deliver(with targets: [String: any DeliveryTarget]) async throws {
        let resumed = try await database.resumeInterruptedDeliveries()
        if resumed > 0 { logger.notice("resuming \(resumed) deliveries interrupted by the last shutdown or crash") }
        queue.open()
        let run = Attempts(targets: targets)
        await withDiscardingTaskGroup { outer in
            outer.addTask { await storeAttempts(from: run.recorder, signalled: run.recorded) }
            await withDiscardingTaskGroup { attempts in
                attempts.addTask {
                    await withDiscardingTaskGroup { handedOver in
                        for await batch in queue.handedOver {
                            for delivery in batch {
                                handedOver.addTask { await attempt(delivery, in: run) }
                            }
                        }
                    }
                }
                await poll(run, attempts: &attempts)
                queue.close()
            }
            run.recorded.finish()
        }
    }

    /// Claims due deliveries from the outbox whenever woken (retries falling due, deliveries stored while every
    /// slot was taken, those a crash left behind) and attempts each in a child task, until graceful shutdown.
    private func poll(_ run: Attempts, attempts: inout DiscardingTaskGroup) async {
        let wakeup = queue.wakeup
        attempts.addTask {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                try? await Task.sleep(for: policy.pollInterval)
                wakeup.notify()
            }
            wakeup.finish()
        }
        for await _ in wakeup.stream {
            guard !Task.isShuttingDownGracefully else { break }
            let claimed: [ClaimedDelivery]
            do {
                claimed = try await claim()
            } catch {
                logger.error("cannot read the delivery queue: \(error); retrying on the next tick")
                continue
            }
            for delivery in claimed {
                attempts.addTask { await attempt(delivery, in: run) }
            }
        }
    }

    /// Attempts a delivery and hands its record to the recorder; then, while its slot passes to a delivery waiting
    /// in line, attempts that one too.
    private func attempt(_ delivery: ClaimedDelivery, in run: Attempts) async {
        var next: ClaimedDelivery? = delivery
        while let delivery = next {
            await run.recorder.add(await deliver(delivery, to: run.targets[delivery.channelType] ?? UnsupportedTarget()))
            run.recorded.notify()
            next = queue.finish(channelId: delivery.channelId)
        }
    }

    /// Stores recorded attempts in batches until `signalled` finishes, then stores what is left.
    private func storeAttempts(from recorder: AttemptRecorder, signalled: Wakeup) async {
        for await _ in signalled.stream { await store(await recorder.take()) }
        await store(await recorder.take())
    }

    private func store(_ batch: [AttemptRecord]) async {
        guard !batch.isEmpty else { return }
        let prepared = batch.map { Outbox.PreparedAttempt($0) }
        do {
            try await database.recordAttempts(prepared, retention: retention)
        } catch {
            logger.error("\(batch.count) delivery attempts could not be stored (\(error)); their deliveries will be attempted again after a restart")
        }
    }

    /// Reserves slots for due deliveries and marks them `in_flight`, oldest first. Channels whose slots are all
    /// taken are not read; while one of them, or any channel when every slot is taken, has due deliveries left, the
    /// queue keeps its backlog, so that new deliveries queue behind the old ones rather than being handed over (or
    /// put in a channel's line) ahead of them.
    private func claim() async throws -> [ClaimedDelivery] {
        let generation = queue.pollStarting()
        let free = queue.free
        let now = Int64(self.now().timeIntervalSince1970 * 1000)
        let limit = free * 2
        let saturated = queue.saturatedChannels
        // Due deliveries the poll cannot take now: of saturated channels, or of any channel when every slot is taken.
        let (candidates, dueLeft) = try await database.dueDeliveries(nowMilliseconds: now, limit: limit, saturated: saturated, anySlotFree: free > 0)
        let chosen = queue.reserve(candidates)
        queue.pollFinished(since: generation, drained: !dueLeft && chosen.count == candidates.count && (free == 0 || candidates.count < limit))
        guard !chosen.isEmpty else { return [] }
        let claimed = try await database.claimDeliveries(chosen)
        let claimedIds = Set(claimed.map(\.id))
        for candidate in candidates where chosen.contains(candidate.id) && !claimedIds.contains(candidate.id) {
            queue.finish(channelId: candidate.channelId, takingNext: false)
        }
        return claimed
    }

    /// Attempts one delivery and concludes what happens next; the caller hands the record to the recorder.
    private func deliver(_ delivery: ClaimedDelivery, to target: any DeliveryTarget) async -> AttemptRecord {
        let injection = faults.take(channelId: delivery.channelId, deliveryId: delivery.id, now: now())
        if let delay = injection?.delay { try? await Task.sleep(for: delay) }
        if let turn = injection?.turn { await waitForTurn(turn) }
        defer { if let turn = injection?.turn { faults.finished(turn) } }
        let startedAt = now()
        let clock = ContinuousClock.now
        let outcome = await attempt(delivery, on: target, with: injection)
        let elapsed = ContinuousClock.now - clock
        let milliseconds = elapsed.milliseconds
        let (conclusion, note) = queue.conclusion(of: outcome.verdict, attemptNumber: delivery.attemptNumber, at: now())
        let record = AttemptRecord(
            deliveryId: delivery.id,
            number: delivery.attemptNumber,
            startedAt: ISO8601.string(from: startedAt),
            durationMilliseconds: milliseconds,
            conclusion: conclusion,
            retryNote: note,
            exchange: outcome.exchange,
            sentEnvelope: outcome.exchange.requestBody == delivery.body
        )
        metrics.record(channelType: delivery.channelType, conclusion: conclusion, duration: elapsed)
        let status = outcome.exchange.responseStatus.map { " \($0)" } ?? ""
        logger.info(
            "delivery \(delivery.id) attempt \(delivery.attemptNumber) to channel \(delivery.channelId) (\(delivery.channelType)): \(conclusion.outcome)\(status) in \(String(format: "%.1f", milliseconds)) ms\(note.map { "; \($0)" } ?? "")",
            metadata: ["notification": .string(delivery.notificationId)]
        )
        return record
    }

    /// Waits, at most ``DeliveryFaults/reorderSpacing`` x 50, until the deliveries a reorder window held after this one
    /// were attempted. Only a test's reorder fault comes here, and only when the dispatcher found several of the
    /// window's resends due at once; a short poll keeps that path simple.
    private func waitForTurn(_ turn: DeliveryFaults.Turn) async {
        let deadline = ContinuousClock.now + DeliveryFaults.reorderSpacing * 50
        while !faults.mayGo(turn), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Runs the target, or what an injected fault makes of the attempt; a duplicate is sent right after a delivered
    /// attempt, identical, and the attempt's request says so. A signature fault applies to `http` channels only (the
    /// only ones that sign), which the route that sets it checks.
    private func attempt(_ delivery: ClaimedDelivery, on target: any DeliveryTarget, with injection: DeliveryFaults.Injection?) async -> TargetOutcome
    {
        if let failure = injection?.fail { return DeliveryFaults.outcome(of: failure, for: delivery) }
        if let (until, fault) = injection?.postpone {
            return TargetOutcome(
                verdict: .postponed(note: "an injected fault", until: until),
                exchange: AttemptExchange(request: ["fault": .string(fault)], requestBody: delivery.body)
            )
        }
        // Both copies of a duplicate are signed alike, a spoiled signature included.
        func send() async -> TargetOutcome {
            if let signature = injection?.signature, let http = target as? HTTPTarget { return await http.attempt(delivery, signature: signature) }
            return await target.attempt(delivery)
        }
        var outcome = await send()
        guard injection?.duplicate == true, outcome.verdict == .delivered, case .object(var request) = outcome.exchange.request else {
            return outcome
        }
        let second = await send()
        let answer = second.exchange.responseStatus.map { "answered \($0)" } ?? second.exchange.error ?? "no answer"
        // A signature fault on the same attempt keeps its word.
        let earlier = request["fault"]?.stringValue.map { "\($0); " } ?? ""
        request["fault"] = .string(earlier + "injected: sent twice, the second identical (the same webhook-id), which \(answer)")
        outcome.exchange.request = .object(request)
        return outcome
    }
}
