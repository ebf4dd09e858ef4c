/// The lifecycle rules of services and links, and of the actions that drive them.
///
/// A new service is `pending`; a create action makes it `creating` and the action's `success`/`failed`
/// makes it `active`/`failed`; update goes through `updating`, delete through `deleting` to `deleted`.
/// Custom actions never change the parent.
public enum StatusMachine {
    /// The parent's status once a new action of `type` is accepted, or an error when the action cannot run.
    public static func parentStatus(startingAction type: ActionType, parent: EntityStatus, entity: String) throws(APIError) -> EntityStatus {
        if parent == .deleted {
            throw .conflict("the \(entity) is deleted; no action can run on it")
        }
        switch type {
        case .create:
            guard [.pending, .pendingCreate, .failed, .creating].contains(parent) else {
                throw .conflict(
                    "the \(entity) is \(parent.rawValue); a create action runs only on a pending or failed \(entity). Run an update action instead"
                )
            }
        case .update:
            guard [.active, .failed, .updating].contains(parent) else {
                throw .conflict("the \(entity) is \(parent.rawValue); an update action needs it active or failed. Run its create action first")
            }
        case .delete, .custom, .diagnose:
            break
        }
        return type.transitionalStatus ?? parent
    }

    /// The parent's status once an action of `type` reaches `status`, or `nil` when it does not change.
    public static func parentStatus(after type: ActionType, reached status: ActionStatus) -> EntityStatus? {
        guard type.transitionalStatus != nil else { return nil }
        switch status {
        case .success: return type == .delete ? .deleted : .active
        case .failed: return .failed
        case .pending, .pendingCreate, .inProgress: return type.transitionalStatus
        case .cancelled: return nil
        }
    }

    /// Whether an action may move from `current` to `next`. A finished action stays finished, except that a
    /// failed action of a `retryable` specification may be started again.
    public static func checkActionTransition(from current: ActionStatus, to next: ActionStatus, retryable: Bool) throws(APIError) {
        guard current != next, current.isTerminal else { return }
        if current == .failed, retryable, !next.isTerminal { return }
        throw .conflict(
            "the action is already \(current.rawValue) and cannot become \(next.rawValue)\(current == .failed ? " (its specification is not retryable)" : "")"
        )
    }
}
