/// The status of a service or link action. `cancelled` is terminal; Terraform treats it so.
public enum ActionStatus: String, Sendable, CaseIterable {
    case pendingCreate = "pending_create"
    case pending
    case inProgress = "in_progress"
    case success, failed, cancelled

    public var isTerminal: Bool { self == .success || self == .failed || self == .cancelled }
}
