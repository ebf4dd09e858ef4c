/// The running dispatcher, as the transactions that queue deliveries see it.
///
/// A transaction that stores a delivery asks for one of the dispatcher's slots while it is still open. With a slot,
/// the delivery is stored `in_flight` and handed over the moment the transaction commits, so the dispatcher
/// neither looks it up in the queue nor claims it in a transaction of its own; without one it is stored `pending`
/// and the dispatcher claims it from the queue when a slot frees up. Either way the row is written in the same
/// transaction as the action, and a crash leaves it `in_flight` or `pending`, which the next start resumes.
public protocol DeliveryHandoff: Sendable {
    /// Reserves a slot for a delivery to `channelId`; called inside the storing transaction, so it cannot wait.
    func reserve(channelId: Int) -> Bool
    /// The transaction committed: attempt these now (their slots are reserved).
    func start(_ deliveries: [ClaimedDelivery])
    /// The transaction rolled back: give these channels' reserved slots back.
    func release(channelIds: [Int])
    /// `pending` deliveries were committed: look at the queue.
    func wake()
}
