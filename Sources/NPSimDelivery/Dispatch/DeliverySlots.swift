/// Counts deliveries in flight, globally and per channel, so that one hung or slow channel fills only its own
/// slots and every other channel keeps being served.
actor DeliverySlots {
    private let global: Int
    private let perChannel: Int
    private var inFlight = 0
    private var byChannel: [Int: Int] = [:]

    init(global: Int, perChannel: Int) {
        self.global = global
        self.perChannel = perChannel
    }

    var free: Int { global - inFlight }

    /// Channels with no slot left: their due deliveries are not even fetched.
    var saturatedChannels: [Int] { byChannel.filter { $0.value >= perChannel }.map(\.key) }

    /// Reserves a slot for each candidate whose channel has room, up to the global limit.
    func reserve(_ candidates: [(id: Int64, channelId: Int)]) -> [Int64] {
        var chosen: [Int64] = []
        for candidate in candidates where inFlight < global && byChannel[candidate.channelId, default: 0] < perChannel {
            inFlight += 1
            byChannel[candidate.channelId, default: 0] += 1
            chosen.append(candidate.id)
        }
        return chosen
    }

    func release(channelId: Int) {
        inFlight -= 1
        byChannel[channelId, default: 1] -= 1
        if byChannel[channelId] == 0 { byChannel[channelId] = nil }
    }
}
