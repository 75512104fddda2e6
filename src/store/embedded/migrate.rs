//! Brings the tables of a data dir created by an older version up to
//! `schema.sql`: `CREATE TABLE IF NOT EXISTS` leaves existing tables alone,
//! so columns added since are added here. Idempotent, run at every open.

use rusqlite::{Connection, TransactionBehavior};

use super::db::sql_error;
use crate::store::StoreError;

/// (table, column, definition): every column added after the first release.
const ADDED: &[(&str, &str, &str)] = &[
    ("clients", "billing_postal_code", "TEXT"),
    ("clients", "billing_city", "TEXT"),
    ("clients", "billing_country", "TEXT"),
    ("events", "workflow_state", "TEXT NOT NULL DEFAULT '{}'"),
    ("products", "synonyms", "TEXT"),
    ("rooms", "layout_capacities", "TEXT"),
];

/// (column, definition): inbox columns added after `inbox.sql`'s table was
/// first released; added to every inbox file, new or old, at open.
const INBOX_ADDED: &[(&str, &str)] = &[
    // The W3C traceparent of the request that accepted the entry (tracing on).
    ("trace_context", "TEXT"),
    // The operator's actions (README, "Inbox operations"): every failed
    // attempt as a JSON array of {at, attempt, error}, who discarded an
    // entry and why, when its payload was pruned.
    ("errors", "TEXT NOT NULL DEFAULT '[]'"),
    ("discarded_by", "TEXT"),
    ("discard_reason", "TEXT"),
    ("payload_pruned_at", "INTEGER"),
];

/// Adds the missing columns; returns the ones it added as `table.column`.
pub(super) fn upgrade(conn: &mut Connection) -> Result<Vec<String>, StoreError> {
    // IMMEDIATE: a second process opening the same dir (the CLI beside the
    // service) waits, then finds the columns there instead of adding twice.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_error)?;
    let mut added = Vec::new();
    for (table, column, definition) in ADDED {
        if !has_column(&tx, table, column)? {
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {definition}")).map_err(sql_error)?;
            added.push(format!("{table}.{column}"));
        }
    }
    tx.commit().map_err(sql_error)?;
    Ok(added)
}

/// The inbox file of an older version has no `team_id`: its entries were
/// all accepted for the one team the store was opened with.
pub(super) fn upgrade_inbox(conn: &mut Connection, team: &str) -> Result<bool, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_error)?;
    let added = !has_column(&tx, "inbox", "team_id")?;
    if added {
        tx.execute_batch("ALTER TABLE inbox ADD COLUMN team_id TEXT NOT NULL DEFAULT ''").map_err(sql_error)?;
        tx.execute("UPDATE inbox SET team_id = ?1", [team]).map_err(sql_error)?;
    }
    for (column, definition) in INBOX_ADDED {
        if !has_column(&tx, "inbox", column)? {
            tx.execute_batch(&format!("ALTER TABLE inbox ADD COLUMN {column} {definition}")).map_err(sql_error)?;
        }
    }
    operations(&tx)?;
    move_intake_table(&tx)?;
    tx.commit().map_err(sql_error)?;
    Ok(added)
}

/// Before the intake was a log (intake/) it was a table of the inbox file:
/// rows a previous version accepted there move into the inbox, and the
/// table goes.
fn move_intake_table(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let exists: bool = tx
        .query_row("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'intake'", [], |r| r.get(0))
        .map_err(sql_error)?;
    if exists {
        tx.execute(&move_into_inbox("main.intake"), []).map_err(sql_error)?;
        tx.execute_batch("DROP TABLE main.intake;").map_err(sql_error)?;
    }
    Ok(())
}

/// The file the intake was after that (`intake.sqlite3`): its rows move
/// into the inbox through `conn` (the inbox connection), synced, then the
/// file goes.
pub fn move_intake_file(conn: &rusqlite::Connection, dir: &std::path::Path) -> Result<(), StoreError> {
    let path = dir.join(OLD_INTAKE_FILE);
    if !path.exists() {
        return Ok(());
    }
    let name = path.to_str().ok_or_else(|| StoreError::Invalid("the data directory is not UTF-8".into()))?;
    conn.execute("ATTACH DATABASE ?1 AS old_intake", [name]).map_err(sql_error)?;
    let moved = (|| {
        let exists: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM old_intake.sqlite_master WHERE type = 'table' AND name = 'intake'",
                [],
                |r| r.get(0),
            )
            .map_err(sql_error)?;
        if exists {
            conn.execute_batch("PRAGMA main.synchronous = FULL;").map_err(sql_error)?;
            let moved = conn.execute(&move_into_inbox("old_intake.intake"), []).map_err(sql_error);
            conn.execute_batch("PRAGMA main.synchronous = NORMAL;").map_err(sql_error)?;
            moved?;
        }
        Ok(())
    })();
    conn.execute_batch("DETACH DATABASE old_intake;").map_err(sql_error)?;
    moved?;
    for suffix in ["", "-wal", "-shm"] {
        match std::fs::remove_file(dir.join(format!("{OLD_INTAKE_FILE}{suffix}"))) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(StoreError::unavailable(e)),
            _ => {}
        }
    }
    Ok(())
}

const OLD_INTAKE_FILE: &str = "intake.sqlite3";

/// The statement that copies the rows of `table` (an older intake table)
/// into the inbox, in arrival order; rows whose id or key the inbox
/// already holds are skipped.
fn move_into_inbox(table: &str) -> String {
    format!(
        "INSERT OR IGNORE INTO main.inbox (id, team_id, source, dedupe_key, order_key, payload, due_at, received_at,
                                           trace_context)
         SELECT id, team_id, source, dedupe_key, order_key, payload, received_at, received_at, trace_context
         FROM {table} ORDER BY rowid"
    )
}

/// The status check of the first release, without `discarded`.
const OLD_STATUS_CHECK: &str = "CHECK (status IN ('pending', 'processing', 'done', 'dead'))";

/// Brings the inbox up to the operator's actions: the `discarded` status
/// (SQLite cannot alter a CHECK, so the table is rebuilt from its own
/// definition, columns added since included) and the trigger that records
/// each failed attempt in `errors`.
fn operations(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let definition: String = tx
        .query_row("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'inbox'", [], |r| r.get(0))
        .map_err(sql_error)?;
    if !definition.contains("'discarded'") {
        if !definition.contains(OLD_STATUS_CHECK) {
            return Err(StoreError::Invalid("the inbox table's status check is not one this version knows".into()));
        }
        let rebuilt = definition
            .replacen(OLD_STATUS_CHECK, "CHECK (status IN ('pending', 'processing', 'done', 'dead', 'discarded'))", 1)
            .replacen("CREATE TABLE inbox", "CREATE TABLE inbox_rebuilt", 1);
        tx.execute_batch(&format!(
            "{rebuilt};
             INSERT INTO inbox_rebuilt SELECT * FROM inbox;
             DROP TABLE inbox;
             ALTER TABLE inbox_rebuilt RENAME TO inbox;"
        ))
        .map_err(sql_error)?;
        // The indexes went with the old table.
        tx.execute_batch(include_str!("inbox.sql")).map_err(sql_error)?;
    }
    // On the worker's outcome writes only (retry, dead): an entry leaving
    // `processing` with an error. Kept out of the hot path's SQL.
    tx.execute_batch(
        "CREATE TRIGGER IF NOT EXISTS inbox_attempt_error AFTER UPDATE OF status ON inbox
         WHEN old.status = 'processing' AND new.status IN ('pending', 'dead') AND new.last_error IS NOT NULL
         BEGIN
           UPDATE inbox SET errors = json_insert(errors, '$[#]', json_object(
               'at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'attempt', new.attempts, 'error', new.last_error))
           WHERE seq = new.seq;
         END;",
    )
    .map_err(sql_error)?;
    Ok(())
}

fn has_column(c: &Connection, table: &str, column: &str) -> Result<bool, StoreError> {
    let mut stmt = c.prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2").map_err(sql_error)?;
    stmt.exists([table, column]).map_err(sql_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_schema_gets_the_new_columns_once() {
        let mut c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE clients (id TEXT PRIMARY KEY, billing_address TEXT);
             CREATE TABLE events (id TEXT PRIMARY KEY);
             CREATE TABLE products (id TEXT PRIMARY KEY);
             CREATE TABLE rooms (id TEXT PRIMARY KEY);
             INSERT INTO events (id) VALUES ('e1');",
        )
        .unwrap();
        let added = upgrade(&mut c).unwrap();
        assert_eq!(added.len(), ADDED.len(), "{added:?}");
        let state: String = c.query_row("SELECT workflow_state FROM events", [], |r| r.get(0)).unwrap();
        assert_eq!(state, "{}", "existing rows get the default");
        assert!(upgrade(&mut c).unwrap().is_empty(), "nothing to do the second time");
    }

    #[test]
    fn an_old_inbox_gets_the_trace_context_column_and_keeps_its_entries() {
        let mut c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE inbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL,
                source TEXT NOT NULL, dedupe_key TEXT NOT NULL UNIQUE, order_key TEXT NOT NULL, payload TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'done', 'dead')),
                attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease_until INTEGER, last_error TEXT,
                received_at INTEGER NOT NULL, finished_at INTEGER);
             INSERT INTO inbox (id, team_id, source, dedupe_key, order_key, payload, due_at, received_at)
             VALUES ('e1', 't', 'test', 'k1', 'o1', '{}', 1, 1);",
        )
        .unwrap();
        assert!(!upgrade_inbox(&mut c, "t").unwrap(), "team_id was there");
        let trace: Option<String> = c.query_row("SELECT trace_context FROM inbox", [], |r| r.get(0)).unwrap();
        assert_eq!(trace, None, "existing entries have none");
        upgrade_inbox(&mut c, "t").unwrap();
        assert!(has_column(&c, "inbox", "trace_context").unwrap(), "added once, kept");
    }

    /// An inbox file of the version before operator actions: its status
    /// check refuses `discarded`, and it lacks the new columns.
    #[test]
    fn an_old_inbox_is_rebuilt_for_discards_keeping_its_entries() {
        let mut c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE IF NOT EXISTS inbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
                dedupe_key TEXT NOT NULL UNIQUE, order_key TEXT NOT NULL, payload TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'done', 'dead')),
                attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease_until INTEGER, last_error TEXT,
                received_at INTEGER NOT NULL, finished_at INTEGER);
             INSERT INTO inbox (id, source, dedupe_key, order_key, payload, status, due_at, received_at)
             VALUES ('e1', 'test', 'k1', 'o1', '{}', 'dead', 1, 1);",
        )
        .unwrap();
        assert!(upgrade_inbox(&mut c, "team-1").unwrap(), "team_id added");
        upgrade_inbox(&mut c, "team-1").unwrap();
        let (status, team): (String, String) = c
            .query_row("SELECT status, team_id FROM inbox WHERE id = 'e1'", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!((status.as_str(), team.as_str()), ("dead", "team-1"));
        c.execute("UPDATE inbox SET status = 'discarded', discarded_by = 'ops' WHERE id = 'e1'", []).unwrap();
        // The worker's outcome writes record their error in `errors`.
        c.execute(
            "INSERT INTO inbox (id, team_id, source, dedupe_key, order_key, payload, status, due_at, received_at)
             VALUES ('e2', 't', 'test', 'k2', 'o2', '{}', 'processing', 1, 1)",
            [],
        )
        .unwrap();
        c.execute("UPDATE inbox SET status = 'dead', attempts = 1, last_error = 'boom' WHERE id = 'e2'", []).unwrap();
        let errors: String = c.query_row("SELECT errors FROM inbox WHERE id = 'e2'", [], |r| r.get(0)).unwrap();
        let errors: serde_json::Value = serde_json::from_str(&errors).unwrap();
        assert_eq!((errors[0]["attempt"].as_u64(), errors[0]["error"].as_str()), (Some(1), Some("boom")));
        let mut stmt = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'inbox_%' ORDER BY name")
            .unwrap();
        let indexes: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(indexes, ["inbox_open", "inbox_order", "inbox_status"], "the indexes are back");
    }

    #[tokio::test]
    async fn a_data_dir_of_the_previous_version_opens_with_synonyms_and_layouts() {
        use crate::domain::{TeamId, UserId};
        use crate::store::embedded::EmbeddedStore;
        use crate::store::Store;

        let dir = tempfile::TempDir::new().unwrap();
        let team = TeamId::new();
        drop(EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap());
        // What the previous version left: its tables, seeded, without the new columns.
        let old = Connection::open(dir.path().join("openevent.sqlite3")).unwrap();
        for (table, column, _) in ADDED {
            old.execute_batch(&format!("ALTER TABLE {table} DROP COLUMN {column}")).unwrap();
        }
        drop(old);

        let store = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        let catalogue = store.catalogue().await.unwrap();
        let apero = catalogue.products.iter().find(|p| p.pricing.name == "Classic Apéro").unwrap();
        assert!(apero.synonyms.iter().any(|s| s == "finger food"), "synonyms filled in: {:?}", apero.synonyms);
        let room_d = catalogue.rooms.iter().find(|r| r.pricing.name == "Room D").unwrap();
        assert_eq!(room_d.option.layout_capacities.get("boardroom"), Some(&16), "per-layout seats filled in");
    }
}
