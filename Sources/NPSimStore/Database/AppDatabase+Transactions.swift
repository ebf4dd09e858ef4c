import GRDB

extension AppDatabase {
    /// Runs `body` in a read transaction: it sees one consistent state of the database.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T {
        try await writer.read { db in try body(StoreTransaction(db: db, of: self)) }
    }

    /// Runs `body` in a write transaction of its own: everything it wrote is kept, or, if it throws, nothing.
    public func write<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T {
        try await writer.write { db in try body(StoreTransaction(db: db, of: self)) }
    }

    /// A write that may queue deliveries, in a transaction shared with concurrent ones (``GroupCommit``). The
    /// deliveries it stores reserve `handoff`'s slots while the transaction is open; once it commits they are handed
    /// over (and the dispatcher is woken for those stored `pending`); if it fails, the slots are given back.
    ///
    /// `body` may run more than once (see ``GroupCommit``): each run starts with reservations of its own.
    public func writeQueuingDeliveries<T: Sendable>(
        handoff: (any DeliveryHandoff)?,
        _ body: @escaping @Sendable (StoreTransaction, DeliveryReservations) throws -> T
    ) async throws -> T {
        let (value, reservations) = try await groupCommit.write(
            { db in
                let reservations = DeliveryReservations(handoff: handoff)
                do {
                    return (try body(StoreTransaction(db: db, of: self), reservations), reservations)
                } catch {
                    reservations.rolledBack()
                    throw error
                }
            },
            rolledBack: { $0.1.rolledBack() }
        )
        reservations.committed()
        return value
    }
}
