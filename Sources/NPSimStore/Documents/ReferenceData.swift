import Foundation
import GRDB
import NPSimCore
import Synchronization

/// What every new action reads and hardly any request writes, as one transaction sees it: the NRN hierarchy
/// behind the notification's `tags`, the specifications, and the channels routing picks from.
///
/// Creating an action read them with seven statements in the one writer that every request waits for. They are
/// remembered instead, against a version that every write to them replaces with a random one, in the writing
/// transaction (``Documents`` for the documents, triggers for the hierarchy), so one statement, reading the version,
/// tells whether what is remembered is still what the database holds; a write rolled back takes its version with
/// it. Each ``AppDatabase`` has its own memo, which keeps one version.
public struct ReferenceData {
    /// The kinds of document remembered; writes to any of them give the data a new version.
    static let kinds: [EntityKind] = [.serviceSpecification, .linkSpecification, .actionSpecification, .channel]
    static let versionKey = "reference_version"

    /// Gives the data a new version if `kind` is one of ``kinds``: ``Documents`` calls it for each write.
    static func changed(_ kind: EntityKind, in db: Database) throws {
        guard kinds.contains(kind) else { return }
        try db.run(sql: "UPDATE setting SET value = randomblob(16) WHERE key = ?", arguments: [versionKey])
    }

    private let db: Database
    private let version: Data
    private let memo: Memo

    init(in db: Database, memo: Memo) throws {
        self.db = db
        self.memo = memo
        guard let version = try Settings.stored(Self.versionKey, in: db) else {
            throw APIError.unavailable("the database has no reference data version; it was not migrated by this npsim")
        }
        self.version = version
    }

    /// ``Hierarchy/lineage(of:creatingMissing:in:)``, remembered.
    public func lineage(of nrn: NRN) throws -> [NRNEntity] {
        let key = nrn.description
        if let known = memo.read(version, { $0.lineages[key] }) { return known }
        let lineage = try Hierarchy.lineage(of: nrn, in: db)
        memo.write(version) { $0.lineages[key] = lineage }
        return lineage
    }

    /// A channel with its `nrn` parsed, as routing uses it for every new action.
    public struct Channel: Sendable {
        public let object: JSONObject
        public let nrn: NRN?
    }

    /// Every channel, oldest first, remembered.
    public func channels() throws -> [Channel] {
        if let known = memo.read(version, { $0.channels }) { return known }
        let channels = try Documents.all(.channel, in: db).map { Channel(object: $0, nrn: ChannelRouter.nrn(of: $0)) }
        memo.write(version) { $0.channels = channels }
        return channels
    }

    /// `NRN(parsing:)`, remembered: an entity's NRN is parsed for every action run on it.
    public func nrn(_ text: String) throws -> NRN {
        if let known = memo.read(version, { $0.nrns[text] }) { return known }
        let nrn = try NRN(parsing: text)
        memo.write(version) { $0.nrns[text] = nrn }
        return nrn
    }

    /// A specification (service, link or action), remembered; `nil` when there is none with this id.
    public func specification(_ kind: EntityKind, id: String) throws -> JSONObject? {
        precondition(Self.kinds.contains(kind) && kind != .channel, "\(kind) is not a specification")
        let key = "\(kind.rawValue)/\(id)"
        if let known = memo.read(version, { $0.specifications[key] }) { return known }
        guard let specification = try Documents.fetch(kind, id: id, in: db) else { return nil }
        memo.write(version) { $0.specifications[key] = specification }
        return specification
    }

    /// The remembered data of one version.
    final class Memo: Sendable {
        /// Entries kept before the memo starts over (a guard against unbounded growth, far above real use).
        static let capacity = 4096

        struct State {
            var version = Data()
            var lineages: [String: [NRNEntity]] = [:]
            var channels: [Channel]?
            var specifications: [String: JSONObject] = [:]
            var nrns: [String: NRN] = [:]
            var count: Int { lineages.count + specifications.count + nrns.count }
        }

        private let state = Mutex(State())

        func read<T>(_ version: Data, _ body: (State) -> T?) -> T? {
            state.withLock { $0.version == version ? body($0) : nil }
        }

        func write(_ version: Data, _ body: (inout State) -> Void) {
            state.withLock { state in
                if state.version != version || state.count >= Self.capacity { state = State(version: version) }
                body(&state)
            }
        }
    }
}
