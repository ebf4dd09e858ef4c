import NPSimStore

/// Collects finished attempts so that one transaction stores all that accumulated while the previous one was
/// being written. Storing each attempt in a transaction of its own made SQLite's single writer the bottleneck
/// of a burst. An attempt not yet stored when the process dies leaves its delivery `in_flight`, which the next
/// start resumes: delivery stays at least once.
actor AttemptRecorder {
    private var pending: [AttemptRecord] = []

    func add(_ record: AttemptRecord) {
        pending.append(record)
    }

    func take() -> [AttemptRecord] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }
}
