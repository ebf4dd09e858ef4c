import GRDB

extension AppDatabase {
    /// Append-only, named migrations. Never edit a shipped one: add the next.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: documents, hierarchy, keys") { db in
            try db.execute(sql: """
                CREATE TABLE document (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    id TEXT NOT NULL,
                    parent_id TEXT,
                    nrn TEXT,
                    slug TEXT,
                    status TEXT,
                    specification_id TEXT,
                    type TEXT,
                    body TEXT NOT NULL,
                    UNIQUE (kind, id)
                );
                CREATE INDEX document_parent ON document (kind, parent_id);
                CREATE INDEX document_slug ON document (kind, slug);
                CREATE INDEX document_specification ON document (kind, specification_id);
                CREATE TABLE nrn_entity (
                    nrn TEXT PRIMARY KEY,
                    level TEXT NOT NULL,
                    name TEXT NOT NULL,
                    slug TEXT NOT NULL
                );
                CREATE TABLE api_key (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    secret TEXT NOT NULL UNIQUE,
                    organization_id TEXT NOT NULL,
                    grants TEXT NOT NULL,
                    tags TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE setting (key TEXT PRIMARY KEY, value BLOB NOT NULL);
                """)
        }
        return migrator
    }
}
