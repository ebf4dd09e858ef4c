/// What a local run of a workflow or pipeline executes: shell steps in order, each deciding from the outcome so
/// far whether it runs. The planners turn a checkout's CI file into one; the runner executes it.
struct LocalRunPlan: Sendable {
    struct Step: Sendable {
        enum Condition: Sendable {
            case onSuccess, onFailure, always
        }

        let title: String
        /// A bash script. The run's scratch directory is `$NPSIM_RUN_DIR`.
        let script: String
        var environment: [String: String] = [:]
        var condition: Condition = .onSuccess
        /// A failure of this step does not fail the run (GitLab's `allow_failure`, Azure's `continueOnError`).
        var continueOnError = false
        /// Steps of one group run side by side on the real service (a GitLab stage): a failure decides the
        /// `condition` of later groups only. Each step is its own group by default.
        var group: Int? = nil
    }

    /// The checkout, where every step starts.
    let directory: String
    var environment: [String: String] = [:]
    var steps: [Step] = []
    /// Lines written at the top of the log: what the planner read differently from the real service.
    var notes: [String] = []
}

/// A CI file uses something npsim cannot run offline (a marketplace action, `include:`, a template). The run
/// fails with this message; nothing is skipped silently.
struct UnsupportedByLocalRun: Error, Sendable {
    let message: String
}
