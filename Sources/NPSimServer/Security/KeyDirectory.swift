import NPSimCore
import NPSimStore
import Synchronization

/// Which organizations each live API key acts for, as the bearer-token check needs on every request.
///
/// A token names its key; the key's row decides its reach, and a deleted key's tokens stop working at once rather
/// than when they expire. Rows are read once and remembered (keys change rarely, requests come often); ids are
/// never reused, so a key deleted once stays refused.
final class KeyDirectory: Sendable {
    private struct State {
        var reach: [Int: Tenancy] = [:]
        var deleted: Set<Int> = []
    }

    private let database: AppDatabase
    private let state = Mutex(State())

    init(database: AppDatabase) {
        self.database = database
    }

    /// What a key reaches; `nil` when it does not exist (any more).
    func tenancy(ofKey id: Int) async throws -> Tenancy? {
        if let known = state.withLock({ $0.deleted.contains(id) ? Tenancy?.none : $0.reach[id] }) { return known }
        guard let key = try await database.apiKey(id: id) else { return nil }
        let tenancy: Tenancy = key.everyOrganization ? .everyOrganization : .organization(key.organizationId)
        return state.withLock { state in
            guard !state.deleted.contains(id) else { return nil }
            state.reach[id] = tenancy
            return tenancy
        }
    }

    /// A key was deleted: its tokens are refused from now on.
    func deleted(_ id: Int) {
        state.withLock { state in
            state.deleted.insert(id)
            state.reach[id] = nil
        }
    }
}
