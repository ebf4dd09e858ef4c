import GRDB
import NPSimCore

/// One transaction of the store as the use cases above it see it: the store's named reads and writes on documents,
/// the hierarchy and the outbox, and no SQL. Opened by ``AppDatabase/read(_:)``, ``AppDatabase/write(_:)`` and
/// ``AppDatabase/writeQueuingDeliveries(handoff:_:)``; a write whose closure throws leaves nothing behind.
public struct StoreTransaction {
    let db: Database
    /// The database's memos: reference data and parsed documents.
    let referenceMemo: ReferenceData.Memo
    let parsed: ParsedDocuments

    init(db: Database, of database: AppDatabase) {
        self.db = db
        referenceMemo = database.referenceMemo
        parsed = database.parsedDocuments
    }

    // MARK: Documents

    public func fetch(_ kind: EntityKind, id: String) throws -> JSONObject? {
        try Documents.fetch(kind, id: id, in: db, parsed: parsed)
    }

    /// Like ``fetch(_:id:)``, but a missing record is a 404 naming it.
    public func require(_ kind: EntityKind, id: String) throws -> JSONObject {
        try Documents.require(kind, id: id, in: db, parsed: parsed)
    }

    public func insert(_ kind: EntityKind, _ body: JSONObject) throws {
        try Documents.insert(kind, body, in: db)
    }

    public func update(_ kind: EntityKind, _ body: JSONObject) throws {
        try Documents.update(kind, body, in: db)
    }

    public func delete(_ kind: EntityKind, id: String) throws {
        try Documents.delete(kind, id: id, in: db)
    }

    /// Deletes every document of `kind` whose parent is `parentId` (a service's actions, a specification's actions).
    public func deleteChildren(_ kind: EntityKind, of parentId: String) throws {
        try Documents.deleteChildren(kind, of: parentId, in: db)
    }

    /// How many documents of `kind` have `value` in one of their indexed columns.
    public func count(_ kind: EntityKind, where column: Documents.Column, is value: String) throws -> Int {
        try Documents.count(kind, where: column, is: value, in: db)
    }

    public func list(_ query: DocumentQuery) throws -> Documents.Page {
        try Documents.list(query, in: db)
    }

    /// Every document of a kind under a parent, oldest first.
    public func children(_ kind: EntityKind, of parentId: String) throws -> [JSONObject] {
        try Documents.children(kind, of: parentId, in: db)
    }

    /// The id of another record of `kind` with this slug in the same scope (`scope` column equal to `value`), if any.
    public func slugOwner(
        _ kind: EntityKind,
        slug: String,
        scope: (column: Documents.Column, value: String)?,
        excluding id: String?
    ) throws
        -> String?
    {
        try Documents.slugOwner(kind, slug: slug, scope: scope, excluding: id, in: db)
    }

    /// The next value of a named counter: integer ids that are never reused, even after a delete (channel ids).
    public func next(counter name: String) throws -> Int {
        try Counters.next(name, in: db)
    }

    // MARK: Hierarchy and reference data

    /// The entities from the organization down to `nrn`; missing levels are created when asked (see
    /// ``Hierarchy/lineage(of:creatingMissing:in:)``).
    @discardableResult
    public func lineage(of nrn: NRN, creatingMissing: Bool = false) throws -> [NRNEntity] {
        try Hierarchy.lineage(of: nrn, creatingMissing: creatingMissing, in: db)
    }

    /// What new actions read of specifications, channels and the hierarchy, remembered by the database.
    public func reference() throws -> ReferenceData {
        try ReferenceData(in: db, memo: referenceMemo)
    }

    // MARK: Outbox

    /// Stores a notification and its deliveries (see ``Outbox/enqueue(_:reservations:in:)``).
    public func enqueue(_ notification: Outbox.PreparedNotification, reservations: DeliveryReservations) throws {
        try Outbox.enqueue(notification, reservations: reservations, in: db)
    }
}
