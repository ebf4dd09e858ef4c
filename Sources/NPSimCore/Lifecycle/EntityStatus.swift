/// The status of a service or a link (the same enum for both, per the reference).
public enum EntityStatus: String, Sendable, CaseIterable {
    case pendingCreate = "pending_create"
    case pending, creating, updating, deleting, active, deleted, failed
}
