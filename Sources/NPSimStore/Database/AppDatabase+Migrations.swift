import GRDB

extension AppDatabase {
    /// Append-only, named migrations. Never edit a shipped one: add the next.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: documents, hierarchy, keys") { db in
            try db.execute(
                sql: """
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
                    """
            )
        }
        migrator.registerMigration("v2: notifications, deliveries, attempts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE notification (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        source TEXT NOT NULL,
                        event TEXT NOT NULL,
                        nrn TEXT NOT NULL,
                        action_id TEXT,
                        status TEXT NOT NULL,
                        routing TEXT NOT NULL,
                        resent_from TEXT,
                        created_at TEXT NOT NULL,
                        body BLOB NOT NULL
                    );
                    CREATE INDEX notification_status ON notification (status);
                    CREATE TABLE delivery (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        notification_id TEXT NOT NULL REFERENCES notification (id) ON DELETE CASCADE,
                        channel_id INTEGER NOT NULL,
                        channel_type TEXT NOT NULL,
                        status TEXT NOT NULL,
                        attempt_count INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        last_status_code INTEGER,
                        last_error TEXT,
                        result TEXT,
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE INDEX delivery_due ON delivery (status, next_attempt_at);
                    CREATE INDEX delivery_notification ON delivery (notification_id);
                    CREATE INDEX delivery_channel ON delivery (channel_id, status);
                    CREATE TABLE attempt (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        delivery_id INTEGER NOT NULL REFERENCES delivery (id) ON DELETE CASCADE,
                        number INTEGER NOT NULL,
                        started_at TEXT NOT NULL,
                        duration_ms REAL NOT NULL,
                        outcome TEXT NOT NULL,
                        retried INTEGER NOT NULL,
                        request TEXT NOT NULL,
                        request_body BLOB,
                        response_status INTEGER,
                        response_headers TEXT,
                        response_body BLOB,
                        error TEXT
                    );
                    CREATE INDEX attempt_delivery ON attempt (delivery_id);
                    """
            )
        }
        migrator.registerMigration("v3: provider stand-in runs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE provider_run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        provider TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        ref TEXT NOT NULL,
                        status TEXT NOT NULL,
                        request TEXT NOT NULL,
                        created_at TEXT NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v4: index owners for nrn filters") { db in
            try db.execute(sql: "CREATE INDEX document_nrn ON document (kind, nrn)")
        }
        migrator.registerMigration("v5: outcome of local provider runs") { db in
            try db.execute(
                sql: """
                    ALTER TABLE provider_run ADD COLUMN conclusion TEXT;
                    ALTER TABLE provider_run ADD COLUMN exit_code INTEGER;
                    ALTER TABLE provider_run ADD COLUMN log TEXT;
                    ALTER TABLE provider_run ADD COLUMN checkout TEXT;
                    ALTER TABLE provider_run ADD COLUMN started_at TEXT;
                    ALTER TABLE provider_run ADD COLUMN finished_at TEXT;
                    """
            )
        }
        migrator.registerMigration("v6: a version of the reference data") { db in
            // Any write to what ReferenceData remembers (the hierarchy, specifications, channels) gives it a new
            // random version, in the writing transaction: a rolled-back write takes its version with it, and a
            // version once replaced never comes back, so a memo of an older one is never mistaken for current.
            let kinds = ReferenceData.kinds.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            let bump = "BEGIN UPDATE setting SET value = randomblob(16) WHERE key = '\(ReferenceData.versionKey)'; END"
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO setting (key, value) VALUES ('\(ReferenceData.versionKey)', randomblob(16));
                    CREATE TRIGGER reference_document_inserted AFTER INSERT ON document WHEN NEW.kind IN (\(kinds)) \(bump);
                    CREATE TRIGGER reference_document_updated AFTER UPDATE ON document
                        WHEN OLD.kind IN (\(kinds)) OR NEW.kind IN (\(kinds)) \(bump);
                    CREATE TRIGGER reference_document_deleted AFTER DELETE ON document WHEN OLD.kind IN (\(kinds)) \(bump);
                    CREATE TRIGGER reference_nrn_inserted AFTER INSERT ON nrn_entity \(bump);
                    CREATE TRIGGER reference_nrn_updated AFTER UPDATE ON nrn_entity \(bump);
                    CREATE TRIGGER reference_nrn_deleted AFTER DELETE ON nrn_entity \(bump);
                    """
            )
        }
        migrator.registerMigration("v7: reference versions bumped by npsim's document writes") { db in
            // A trigger on `document` made every insert into it (each new action) a statement of several writes, which
            // SQLite runs with a statement journal of its own, and the trigger's `IN` list built a temporary table on
            // each run. ``Documents`` now bumps the version itself when it
            // writes a kind that ``ReferenceData`` remembers. The hierarchy keeps its triggers: it is rarely written.
            try db.execute(
                sql: """
                    DROP TRIGGER reference_document_inserted;
                    DROP TRIGGER reference_document_updated;
                    DROP TRIGGER reference_document_deleted;
                    UPDATE setting SET value = randomblob(16) WHERE key = '\(ReferenceData.versionKey)';
                    """
            )
        }
        migrator.registerMigration("v8: operator keys act for every organization") { db in
            try db.execute(
                sql: """
                    ALTER TABLE api_key ADD COLUMN every_organization INTEGER NOT NULL DEFAULT 0;
                    UPDATE api_key SET every_organization = 1 WHERE name IN ('command line', 'generated at first start');
                    """
            )
        }
        migrator.registerMigration("v9: API keys record their last change") { db in
            try db.execute(sql: "ALTER TABLE api_key ADD COLUMN updated_at TEXT")
        }
        migrator.registerMigration("v10: providers, NRN settings, fields of hierarchy entities") { db in
            try db.execute(
                sql: """
                    CREATE TABLE provider (
                        id TEXT PRIMARY KEY,
                        nrn TEXT NOT NULL,
                        specification_id TEXT NOT NULL,
                        dimensions TEXT NOT NULL,
                        attributes TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE INDEX provider_nrn ON provider (nrn);
                    CREATE TABLE nrn_setting (
                        nrn TEXT NOT NULL,
                        key TEXT NOT NULL,
                        value TEXT NOT NULL,
                        PRIMARY KEY (nrn, key)
                    );
                    ALTER TABLE nrn_entity ADD COLUMN fields TEXT;
                    """
            )
        }
        migrator.registerMigration("v11: what runners report on an action, for its journal") { db in
            try db.execute(
                sql: """
                    CREATE TABLE action_event (
                        seq INTEGER PRIMARY KEY,
                        action_id TEXT NOT NULL,
                        at TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        detail TEXT NOT NULL
                    );
                    CREATE INDEX action_event_action ON action_event (action_id, seq);
                    """
            )
        }
        return migrator
    }
}
