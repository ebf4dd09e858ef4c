import Synchronization

/// The dispatcher slots one transaction reserved, and the deliveries it stored `in_flight` with them: handed over
/// when the transaction commits, given back when it rolls back (a full disk, a refused action after routing).
public final class DeliveryReservations: Sendable {
    private struct State {
        /// Kept apart from `claimed`: a reservation whose delivery row then failed to insert has no claim, but its
        /// slot must still be given back.
        var reserved: [Int] = []
        var claimed: [ClaimedDelivery] = []
        var queuedPending = false
    }

    private let handoff: (any DeliveryHandoff)?
    private let state = Mutex(State())

    init(handoff: (any DeliveryHandoff)?) {
        self.handoff = handoff
    }

    /// Whether a delivery to `channelId` can start when the transaction commits.
    func reserve(channelId: Int) -> Bool {
        guard let handoff, handoff.reserve(channelId: channelId) else {
            state.withLock { $0.queuedPending = true }
            return false
        }
        state.withLock { $0.reserved.append(channelId) }
        return true
    }

    func add(_ delivery: ClaimedDelivery) {
        state.withLock { $0.claimed.append(delivery) }
    }

    /// Deliveries were queued `pending` without a reservation (a retry, or no slot free).
    public func queuedPending() {
        state.withLock { $0.queuedPending = true }
    }

    func committed() {
        let (claimed, wake) = state.withLock { ($0.claimed, $0.queuedPending) }
        if !claimed.isEmpty { handoff?.start(claimed) }
        if wake { handoff?.wake() }
    }

    func rolledBack() {
        let reserved = state.withLock { $0.reserved }
        if !reserved.isEmpty { handoff?.release(channelIds: reserved) }
    }
}
