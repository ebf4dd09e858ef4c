import GRDB
import NPSimCore

/// Reads and writes entity documents inside a caller's transaction.
///
/// Each entity is one row: its JSON body (keys in API order) plus the columns list filters need, which are
/// derived from the body on every write so they can never drift from it.
public enum Documents {
    public struct Page: Sendable {
        public let items: [JSONObject]
        public let total: Int
    }

    /// The indexed columns a use case may count or scope by.
    public enum Column: String, Sendable {
        case parent = "parent_id"
        case nrn
        case specification = "specification_id"
    }

    /// - Parameter parsed: the database's memo of parsed documents, for the documents read over and over.
    static func fetch(_ kind: EntityKind, id: String, in db: Database, parsed: ParsedDocuments? = nil) throws -> JSONObject? {
        guard let body = try String.cachedOne(db, sql: "SELECT body FROM document WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id]) else {
            return nil
        }
        return try parsed?.object(kind: kind, id: id, text: body) ?? ParsedDocuments.parse(body)
    }

    /// Like ``fetch(_:id:in:)``, but a missing record is a 404 naming it.
    static func require(_ kind: EntityKind, id: String, in db: Database, parsed: ParsedDocuments? = nil) throws -> JSONObject {
        guard let object = try fetch(kind, id: id, in: db, parsed: parsed) else { throw APIError.notFound(kind.displayName, id) }
        return object
    }

    static func insert(_ kind: EntityKind, _ body: JSONObject, in db: Database) throws {
        let columns = indexColumns(kind, body)
        try db.run(
            sql: """
                INSERT INTO document (kind, id, parent_id, nrn, slug, status, specification_id, type, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                kind.rawValue, columns.id, columns.parent, columns.nrn, columns.slug, columns.status, columns.specification, columns.type,
                JSONWriter.string(.object(kind.ordered(body))),
            ]
        )
        try ReferenceData.changed(kind, in: db)
    }

    /// Rewrites a document. SQLite rewrites the index entries of every indexed column an `UPDATE` sets, changed or
    /// not, and each rewritten entry is one more page in the write-ahead log; the status and body changes of an
    /// action's service (the common update) therefore set only those two columns.
    static func update(_ kind: EntityKind, _ body: JSONObject, in db: Database) throws {
        try ReferenceData.changed(kind, in: db)
        let columns = indexColumns(kind, body)
        let text = JSONWriter.string(.object(kind.ordered(body)))
        let stored = try Row.cachedOne(
            db,
            sql: "SELECT parent_id, nrn, slug, specification_id, type FROM document WHERE kind = ? AND id = ?",
            arguments: [kind.rawValue, columns.id]
        )
        if let stored, stored["parent_id"] == columns.parent, stored["nrn"] == columns.nrn, stored["slug"] == columns.slug,
            stored["specification_id"] == columns.specification, stored["type"] == columns.type
        {
            try db.run(
                sql: "UPDATE document SET status = ?, body = ? WHERE kind = ? AND id = ?",
                arguments: [columns.status, text, kind.rawValue, columns.id]
            )
            return
        }
        try db.run(
            sql: """
                UPDATE document SET parent_id = ?, nrn = ?, slug = ?, status = ?, specification_id = ?, type = ?, body = ?
                WHERE kind = ? AND id = ?
                """,
            arguments: [
                columns.parent, columns.nrn, columns.slug, columns.status, columns.specification, columns.type, text, kind.rawValue, columns.id,
            ]
        )
    }

    static func delete(_ kind: EntityKind, id: String, in db: Database) throws {
        try db.run(sql: "DELETE FROM document WHERE kind = ? AND id = ?", arguments: [kind.rawValue, id])
        try ReferenceData.changed(kind, in: db)
    }

    /// Deletes every document of `kind` whose parent is `parentId` (a service's actions, a specification's actions).
    static func deleteChildren(_ kind: EntityKind, of parentId: String, in db: Database) throws {
        try db.run(sql: "DELETE FROM document WHERE kind = ? AND parent_id = ?", arguments: [kind.rawValue, parentId])
        try ReferenceData.changed(kind, in: db)
    }

    static func count(_ kind: EntityKind, where column: Column, is value: String, in db: Database) throws -> Int {
        try Int.cachedOne(db, sql: "SELECT COUNT(*) FROM document WHERE kind = ? AND \(column.rawValue) = ?", arguments: [kind.rawValue, value]) ?? 0
    }

    /// The id of another record of `kind` with this slug whose `scope` column holds the given value, if any.
    static func slugOwner(
        _ kind: EntityKind,
        slug: String,
        scope: (column: Column, value: String)?,
        excluding id: String?,
        in db: Database
    ) throws
        -> String?
    {
        var sql = "SELECT id FROM document WHERE kind = ? AND slug = ?"
        var arguments: StatementArguments = [kind.rawValue, slug]
        if let scope {
            sql += " AND \(scope.column.rawValue) = ?"
            arguments += [scope.value]
        }
        if let id {
            sql += " AND id != ?"
            arguments += [id]
        }
        return try String.cachedOne(db, sql: sql + " LIMIT 1", arguments: arguments)
    }

    static func list(_ query: DocumentQuery, in db: Database) throws -> Page {
        var filter = SQLFilter()
        filter.equals("kind", query.kind.rawValue)
        filter.equals("parent_id", query.parentId)
        for (column, values) in [
            ("id", query.ids), ("status", query.statuses), ("specification_id", query.specificationIds),
            ("type", query.types), ("slug", query.slugs),
        ] {
            filter.among(column, values)
        }
        filter.equals("nrn", query.exactNRN)
        if let organization = query.organizationId {
            switch query.kind {
            case .service, .link, .channel:
                filter.within(organization: organization)
            case .serviceSpecification, .linkSpecification:
                // `nrn` holds the `visible_to` patterns joined by commas; one of them must name the organization, or any.
                let own = SQLFilter.organizationArguments(organization)
                filter.raw(
                    "(',' || nrn || ',' LIKE '%,' || ? || ',%' ESCAPE '\\' OR ',' || nrn LIKE '%,' || ? ESCAPE '\\' OR ',' || nrn LIKE '%,organization=*%')",
                    own
                )
            case .serviceAction, .linkAction, .actionSpecification:
                break
            }
        }
        if let nrn = query.nrn {
            if nrn.hasWildcard || [.serviceSpecification, .linkSpecification].contains(query.kind) {
                // Patterns on either side: evaluated row by row.
                filter.raw("nrn_visible(nrn, ?, ?)", [nrn.description, query.includeDescendants])
            } else {
                // A concrete NRN against concrete owners: the lineage and the descendant prefix are plain SQL.
                let lineage = nrn.lineage.map(\.description)
                var clause = "nrn IN (\(Array(repeating: "?", count: lineage.count).joined(separator: ",")))"
                var arguments = StatementArguments(lineage)
                if query.includeDescendants {
                    clause = "(\(clause) OR nrn LIKE ?)"
                    arguments += [nrn.description + ":%"]
                }
                filter.raw(clause, arguments)
            }
        }
        let (rows, total) = try filter.page(
            from: "document",
            columns: "body",
            order: "seq \(query.newestFirst ? "DESC" : "ASC")",
            limit: query.limit,
            offset: query.offset,
            in: db
        )
        return Page(items: try rows.map { try ParsedDocuments.parse($0["body"]) }, total: total)
    }

    /// Every document of a kind (of one `type`, when given), oldest first, with no paging and no count: routing
    /// reads every channel for each new action.
    static func all(_ kind: EntityKind, type: String? = nil, in db: Database) throws -> [JSONObject] {
        let rows =
            try type.map {
                try Row.cachedAll(db, sql: "SELECT id, body FROM document WHERE kind = ? AND type = ? ORDER BY seq", arguments: [kind.rawValue, $0])
            } ?? Row.cachedAll(db, sql: "SELECT id, body FROM document WHERE kind = ? ORDER BY seq", arguments: [kind.rawValue])
        return try rows.map { try ParsedDocuments.parse($0["body"]) }
    }

    /// Every document of a kind under a parent, oldest first (action specifications of a spec, actions of a service).
    static func children(_ kind: EntityKind, of parentId: String, in db: Database) throws -> [JSONObject] {
        try String.cachedAll(
            db,
            sql: "SELECT body FROM document WHERE kind = ? AND parent_id = ? ORDER BY seq",
            arguments: [kind.rawValue, parentId]
        )
        .map(ParsedDocuments.parse)
    }

    private static func indexColumns(
        _ kind: EntityKind,
        _ body: JSONObject
    )
        -> (id: String, parent: String?, nrn: String?, slug: String?, status: String?, specification: String?, type: String?)
    {
        let id = body["id"]?.stringValue ?? body["id"]?.intValue.map(String.init) ?? ""
        let parent: String?
        let nrn: String?
        switch kind {
        case .actionSpecification:
            parent = body["service_specification_id"]?.stringValue ?? body["link_specification_id"]?.stringValue
            nrn = nil
        case .serviceSpecification, .linkSpecification:
            parent = kind == .linkSpecification ? body["specification_id"]?.stringValue : nil
            nrn = body["visible_to"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",")
        case .service:
            parent = nil
            nrn = body["entity_nrn"]?.stringValue
        case .link:
            parent = body["service_id"]?.stringValue
            nrn = body["entity_nrn"]?.stringValue
        case .serviceAction:
            parent = body["service_id"]?.stringValue
            nrn = nil
        case .linkAction:
            parent = body["link_id"]?.stringValue
            nrn = nil
        case .channel:
            parent = nil
            nrn = body["nrn"]?.stringValue
        }
        return (
            id, parent, nrn, body["slug"]?.stringValue, body["status"]?.stringValue, body["specification_id"]?.stringValue,
            body["type"]?.stringValue
        )
    }
}
