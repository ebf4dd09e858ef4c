import Foundation
import Logging
import NPSimDelivery
import NPSimStore
import ServiceLifecycle

/// Executes the provider runs whose resource is mapped to a local checkout (`--checkout`): a GitHub dispatch
/// through `act`, a GitLab pipeline's jobs or an Azure pipeline's steps in a shell. Every run gets `NP_API_URL`
/// and `NP_API_KEY` so the runner can report back; its status, exit code and log become the stand-in run's.
///
/// Runs execute concurrently, each in a child task of this service, so a stop cancels them: their processes are
/// killed and the runs end `failed`. Runs a previous process left unfinished are marked failed at start.
public struct LocalRunner: Service {
    struct Job: Sendable {
        let run: ProviderRuns.Run
        let plan: Result<LocalRunPlan, UnsupportedByLocalRun>
    }

    /// How much of a step's output is kept, and of a whole run's log.
    static let stepOutputLimit = 1 << 20
    static let logLimit = 4 << 20

    let database: AppDatabase
    /// npsim's own URL, handed to runs as `NP_API_URL`; known once the server has bound its port.
    let apiURL: @Sendable () async -> String
    let apiKey: String
    let timeout: Duration
    /// Between SIGTERM and SIGKILL when a step is stopped (`--kill-grace`).
    let killGrace: Duration
    let logger: Logger
    private let jobs: AsyncStream<Job>
    private let submissions: AsyncStream<Job>.Continuation

    public init(
        database: AppDatabase,
        apiURL: @escaping @Sendable () async -> String,
        apiKey: String,
        timeout: Duration,
        killGrace: Duration,
        logger: Logger
    ) {
        self.killGrace = killGrace
        self.database = database
        self.apiURL = apiURL
        self.apiKey = apiKey
        self.timeout = timeout
        self.logger = logger
        (jobs, submissions) = AsyncStream.makeStream(of: Job.self)
    }

    /// Queues a run; it starts at once.
    func submit(_ job: Job) {
        submissions.yield(job)
    }

    public func run() async throws {
        let interrupted = try await database.unfinishedLocalRuns()
        for run in interrupted {
            try await finish(run, phase: .failed, exitCode: nil, log: "npsim stopped before this run finished; it was not resumed.\n")
        }
        await withDiscardingTaskGroup { group in
            for await job in jobs.cancelOnGracefulShutdown() {
                group.addTask { await execute(job) }
            }
            group.cancelAll()
        }
    }

    private func execute(_ job: Job) async {
        let run = job.run
        do {
            let plan: LocalRunPlan
            switch job.plan {
            case .success(let planned): plan = planned
            case .failure(let unsupported):
                logger.warning("local \(run.provider) run \(run.id) of \(run.resource) cannot run: \(unsupported.message)")
                return try await finish(run, phase: .failed, exitCode: nil, log: "npsim cannot run this locally: \(unsupported.message)\n")
            }
            let started = RunPhase.running.words(provider: run.provider)
            try await database.startProviderRun(run.id, status: started.status)
            logger.info("local \(run.provider) run \(run.id) of \(run.resource) started in \(plan.directory)")
            let (succeeded, exitCode, log) = try await execute(plan, runId: run.id)
            try await finish(run, phase: succeeded ? .succeeded : .failed, exitCode: exitCode, log: log)
            logger.info("local \(run.provider) run \(run.id) of \(run.resource) \(succeeded ? "succeeded" : "failed") (exit code \(exitCode))")
        } catch is CancellationError {
            logger.info("local \(run.provider) run \(run.id) stopped with npsim; it is marked failed at the next start")
        } catch {
            logger.error("local \(run.provider) run \(run.id) could not be recorded: \(error)")
        }
    }

    private func execute(_ plan: LocalRunPlan, runId: Int) async throws -> (succeeded: Bool, exitCode: Int, log: String) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-run-\(runId)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var environment = ProcessInfo.processInfo.environment.merging(plan.environment) { $1 }
        environment["NP_API_URL"] = await apiURL()
        environment["NP_API_KEY"] = apiKey
        environment["NPSIM_RUN_DIR"] = scratch.path
        var log = plan.notes.map { "npsim: \($0)\n" }.joined()
        var failedGroup: Int?
        var failureExitCode = 0
        let deadline = ContinuousClock.now + timeout
        for (index, step) in plan.steps.enumerated() {
            let group = step.group ?? index
            let failed = failedGroup.map { $0 < group } ?? false
            let runs =
                switch step.condition {
                case .onSuccess: !failed
                case .onFailure: failed
                case .always: true
                }
            guard runs else {
                log += "── \(step.title): skipped (\(failed ? "an earlier step failed" : "nothing failed"))\n"
                continue
            }
            guard !Task.isCancelled else {
                log += "── npsim stopped: the run was cancelled\n"
                return (false, -1, log)
            }
            log += "── \(step.title)\n"
            let script = scratch.appendingPathComponent("step-\(index).sh")
            try Data(step.script.utf8).write(to: script)
            let outcome = try await ChildProcess.run(
                cmdline: "exec bash --noprofile --norc \(ChildProcess.quoted(script.path)) 2>&1",
                arguments: [],
                environment: environment.merging(step.environment) { $1 },
                directory: plan.directory,
                timeout: max(deadline - ContinuousClock.now, .milliseconds(1)),
                killGrace: killGrace,
                tailLimit: Self.stepOutputLimit
            )
            log += String(decoding: outcome.stdout, as: UTF8.self)
            if outcome.timedOut {
                log += "── \(step.title): killed, the run exceeded its timeout of \(timeout) (--run-timeout)\n"
                return (false, Int(outcome.exitCode), Self.capped(log))
            }
            if outcome.exitCode != 0 {
                log += "── \(step.title): exit code \(outcome.exitCode)\(step.continueOnError ? " (allowed to fail)" : "")\n"
                if !step.continueOnError, failedGroup == nil { (failedGroup, failureExitCode) = (group, Int(outcome.exitCode)) }
            }
        }
        return (failedGroup == nil, failureExitCode, Self.capped(log))
    }

    private func finish(_ run: ProviderRuns.Run, phase: RunPhase, exitCode: Int?, log: String) async throws {
        let words = phase.words(provider: run.provider)
        try await database.finishProviderRun(run.id, status: words.status, conclusion: words.conclusion, exitCode: exitCode, log: log)
    }

    /// The end of a log that outgrew `logLimit`.
    private static func capped(_ log: String) -> String {
        let bytes = Array(log.utf8)
        guard bytes.count > logLimit else { return log }
        return "[the first \(bytes.count - logLimit) bytes of the log were dropped]\n" + String(decoding: bytes.suffix(logLimit), as: UTF8.self)
    }
}
