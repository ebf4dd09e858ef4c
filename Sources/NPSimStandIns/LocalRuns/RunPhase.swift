/// Where a provider run is, said in each provider's own words.
enum RunPhase: Sendable {
    case queued, running, succeeded, failed

    /// The `status` and `conclusion` (GitHub) or `result` (Azure) the provider shows for this phase.
    func words(provider: String) -> (status: String, conclusion: String?) {
        switch (provider, self) {
        case ("github", .queued): ("queued", nil)
        case ("github", .running): ("in_progress", nil)
        case ("github", .succeeded): ("completed", "success")
        case ("github", .failed): ("completed", "failure")
        case ("gitlab", .queued): ("created", nil)
        case ("gitlab", .running): ("running", nil)
        case ("gitlab", .succeeded): ("success", nil)
        case ("gitlab", .failed): ("failed", nil)
        case (_, .queued), (_, .running): ("inProgress", nil)
        case (_, .succeeded): ("completed", "succeeded")
        case (_, .failed): ("completed", "failed")
        }
    }
}
