/// The kind of an action specification, which decides what an action does to its parent's status.
public enum ActionType: String, Sendable, CaseIterable {
    case create, update, delete, custom, diagnose

    /// The parent's status while an action of this type runs; `nil` for actions that never touch it.
    public var transitionalStatus: EntityStatus? {
        switch self {
        case .create: .creating
        case .update: .updating
        case .delete: .deleting
        case .custom, .diagnose: nil
        }
    }
}
