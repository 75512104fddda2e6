//! The acknowledgement's file: `intake.sqlite3`, rows in arrival order
//! and no index.
//!
//! A webhook's commit used to insert straight into `inbox`, whose unique
//! `dedupe_key` and `order_key` indexes take each new key on a random page:
//! a commit of a few entries wrote a page per entry per index into the WAL,
//! and the acknowledgement rate fell with the size of the inbox (15k/s on
//! two cores, against 29–34k/s for rows appended at the end of an
//! unindexed table; benches/run.sh, README "Performance"). So
//! [`Intake::append`] only adds rows at the end of `intake`, and they move
//! into `inbox` in large batches ([`Intake::settle`]): by every other inbox
//! operation before it reads or changes the inbox (so none of them sees
//! the difference), and by the store's settler thread when the writer is
//! idle or the intake holds [`CAP`] rows.
//!
//! The intake is a file of its own, ATTACHed to the inbox connection as
//! `intake`: a move writes the inbox's indexes at random pages (tens of
//! milliseconds per chunk once the inbox is large), and while the intake
//! was a table of the inbox file that move held the file's one write lock,
//! so every acknowledgement waited for it (p99 ack 30–40 ms). Now the move
//! reads the intake from a WAL snapshot and writes the inbox while the
//! writer keeps appending; only the delete of the moved rows, at the front
//! of the table, takes the intake's lock. A crash between the move and the
//! delete leaves rows that are in both files: the next move skips them
//! (`INSERT OR IGNORE` on the inbox's unique id) and deletes them.
//!
//! Duplicates among the rows not yet moved are found through [`Keys`], an
//! in-memory map of their keys' hashes (bounded by [`CAP`], empty after
//! each move), confirmed against the row itself; older keys through the
//! inbox's unique index, which the writer reads on a connection of its own.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::db::{sql_error, Db};
use crate::domain::InboxId;
use crate::inbox::{Appended, NewEntry};
use crate::store::StoreError;

/// Rows moved per transaction: large enough that index pages are shared by
/// many new keys, small enough that an inbox operation waiting for the move
/// waits tens of milliseconds at most.
pub(super) const CHUNK: usize = 2048;

/// Rows the intake may hold before the settler moves them even while
/// webhooks keep arriving: about 8 s of a burst at 30k/s, and at most
/// about 9 MB of [`Keys`], returned to the allocator after the move.
const CAP: usize = 256 * 1024;

/// How long the writer must have been idle before the settler moves rows
/// that claims have not: a burst is acknowledged first, indexed after.
const IDLE: Duration = Duration::from_millis(50);

/// The intake's file in the data directory.
const FILE: &str = "intake.sqlite3";

/// The keys of the rows in `intake` that this process appended:
/// hash of the dedupe key -> the row's rowid.
#[derive(Default)]
struct Keys {
    rows: HashMap<u64, i64>,
    hasher: RandomState,
    /// When the last batch was appended, for the settler's idle test.
    last_append: Option<Instant>,
}

impl Keys {
    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }
}

/// Shared by the store's clones. Whoever holds the intake's connection may
/// lock it; nobody holding it asks for that connection (a move forgets its
/// keys, lets go, then deletes), so the two locks never deadlock.
type SharedKeys = Arc<Mutex<Keys>>;

/// The intake file, its connections and the keys of its rows; cheap to
/// clone.
#[derive(Clone)]
pub(super) struct Intake {
    path: PathBuf,
    /// The writer's connection to the intake file (appends, and the
    /// deletes of moved rows).
    rows: Db,
    /// The writer's reads of the inbox file (a redelivery of an entry that
    /// has moved), apart from the inbox's own connection, which a move may
    /// hold for a while.
    inbox: Db,
    keys: SharedKeys,
}

impl Intake {
    /// Opens (creating if needed) the intake file in `dir`, beside the
    /// inbox file at `inbox_path`.
    pub fn open(dir: &Path, inbox_path: &Path) -> Result<Self, StoreError> {
        let path = dir.join(FILE);
        // Small caches: appends touch the last pages, deletes the first,
        // and the inbox reads are single index probes.
        let rows = Db::open(&path, concat!("PRAGMA cache_size = -512;\n", include_str!("intake.sql")))?;
        rows.checkpoint_in_background(&path, "intake-checkpoint")?;
        let inbox = Db::open(inbox_path, "PRAGMA cache_size = -256;")?;
        Ok(Self { path, rows, inbox, keys: SharedKeys::default() })
    }

    /// ATTACHes the intake to the inbox connection `conn` as `intake`,
    /// for moves and counts.
    ///
    /// No transaction on `conn` may then begin IMMEDIATE: that takes the
    /// write lock of every attached file, the intake's included, and would
    /// hold the acknowledgements up for as long as it runs. Transactions
    /// that write best write the inbox first (a deferred one that reads
    /// first fails busy if another process commits before its write).
    pub fn attach(&self, conn: &Connection) -> Result<(), StoreError> {
        let path = self.path.to_str().ok_or_else(|| StoreError::Invalid("the data directory is not UTF-8".into()))?;
        conn.execute("ATTACH DATABASE ?1 AS intake", [path]).map_err(sql_error)?;
        // Moves read a chunk of rows once: no need to keep them cached.
        conn.execute_batch("PRAGMA intake.cache_size = -256;").map_err(sql_error)
    }

    /// Appends `entries` in one transaction, each as a new row or, when its
    /// key is taken, as a duplicate of the entry holding it (a later entry
    /// of the same batch included). Runs on the calling thread.
    pub fn append(&self, entries: &[NewEntry]) -> Result<Vec<Appended>, StoreError> {
        self.rows.run_here(|rows| {
            self.inbox.run_here(|inbox| {
                // One read transaction for the batch's probes: each of its
                // own took and released the inbox's shared-memory read lock,
                // two `fcntl` calls per acknowledgement.
                let inbox = inbox.transaction().map_err(sql_error)?;
                let mut keys = lock(&self.keys)?;
                let mut added = Vec::with_capacity(entries.len());
                let appended = append_rows(rows, &inbox, &mut keys, entries, &mut added);
                match appended {
                    Ok(_) => keys.last_append = Some(Instant::now()),
                    // Rolled back: the rows are not there, nor may their keys be.
                    Err(_) => {
                        for hash in &added {
                            keys.rows.remove(hash);
                        }
                    }
                }
                let appended = appended?;
                inbox.commit().map_err(sql_error)?;
                Ok(appended)
            })
        })
    }

    /// Moves up to `limit` of the oldest intake rows into the inbox, in
    /// arrival order, in one transaction of `conn` (the inbox connection,
    /// with the intake attached), then deletes them from the intake;
    /// returns how many left the intake. Rows whose id or key the inbox
    /// already holds (a duplicate appended by a second process, a row moved
    /// before a crash) are dropped: the first entry stands.
    pub fn settle(&self, conn: &mut Connection, limit: usize) -> Result<usize, StoreError> {
        // The move is synced before the delete: with `synchronous = NORMAL`
        // the intake's delete could reach the disk before the inbox's
        // insert, and a power loss then would take both (one fsync per
        // chunk).
        conn.execute_batch("PRAGMA main.synchronous = FULL;").map_err(sql_error)?;
        let moved = move_rows(conn, limit);
        conn.execute_batch("PRAGMA main.synchronous = NORMAL;").map_err(sql_error)?;
        let Some(last) = moved? else { return Ok(0) };
        {
            // Forgotten before the delete: a redelivery meanwhile finds its
            // entry through the inbox's index, where it now is.
            let mut keys = lock(&self.keys)?;
            keys.rows.retain(|_, rowid| *rowid > last);
            if keys.rows.is_empty() {
                // The map of a burst's keys goes back to the allocator.
                keys.rows.shrink_to_fit();
            }
        }
        self.rows.run_here(|rows| {
            rows.prepare_cached("DELETE FROM intake WHERE rowid <= ?1")
                .and_then(|mut s| s.execute([last]))
                .map_err(sql_error)
        })
    }

    /// Moves every intake row into the inbox (see [`Intake::settle`]).
    pub fn settle_all(&self, conn: &mut Connection) -> Result<(), StoreError> {
        while self.settle(conn, CHUNK)? == CHUNK {}
        Ok(())
    }

    /// The settler: moves intake rows that no claim has moved, once the
    /// writer has been idle for [`IDLE`] or the intake holds [`CAP`] rows.
    /// It stops once the store is dropped.
    pub fn spawn_settler(&self, inbox: Db) -> Result<(), StoreError> {
        let keys = Arc::downgrade(&self.keys);
        let (path, rows, inbox_reads) = (self.path.clone(), self.rows.clone(), self.inbox.clone());
        let spawned = std::thread::Builder::new().name("inbox-settler".into()).spawn(move || loop {
            std::thread::sleep(IDLE);
            let Some(keys) = keys.upgrade() else { return };
            let (held, idle) = match keys.lock() {
                Ok(k) => (k.rows.len(), k.last_append.map_or(true, |at| at.elapsed() >= IDLE)),
                Err(_) => return,
            };
            if held == 0 || !(idle || held >= CAP) {
                continue;
            }
            let intake = Intake { path: path.clone(), rows: rows.clone(), inbox: inbox_reads.clone(), keys };
            if let Err(e) = inbox.run_here(|c| intake.settle(c, CHUNK)) {
                tracing::warn!(error = %e, "moving accepted entries into the inbox failed; will try again");
            }
        });
        spawned.map(drop).map_err(StoreError::unavailable)
    }

    /// How many keys this process remembers (the rows it appended, unmoved).
    #[cfg(test)]
    fn held(&self) -> Result<usize, StoreError> {
        Ok(lock(&self.keys)?.rows.len())
    }
}

/// [`Intake::settle`]'s move: returns the last intake rowid it read.
fn move_rows(conn: &mut Connection, limit: usize) -> Result<Option<i64>, StoreError> {
    // DEFERRED and writing first (see `Intake::attach`): the insert takes
    // the inbox's write lock and reads the intake from a snapshot.
    let tx = conn.transaction().map_err(sql_error)?;
    tx.prepare_cached(&move_into_inbox(
        "intake.intake",
        "WHERE rowid <= (SELECT max(rowid) FROM (SELECT rowid FROM intake.intake ORDER BY rowid LIMIT ?1))",
    ))
    .and_then(|mut s| s.execute([limit as i64]))
    .map_err(sql_error)?;
    // The same snapshot: the last row the insert read.
    let last: Option<i64> = tx
        .prepare_cached("SELECT max(rowid) FROM (SELECT rowid FROM intake.intake ORDER BY rowid LIMIT ?1)")
        .and_then(|mut s| s.query_row([limit as i64], |r| r.get(0)))
        .map_err(sql_error)?;
    tx.commit().map_err(sql_error)?;
    Ok(last)
}

/// The statement that copies the rows of `table` (an intake table) that
/// `filter` keeps into the inbox, in arrival order; rows whose id or key the
/// inbox already holds are skipped. Also the migration's, for the intake
/// table an older inbox file kept.
pub(super) fn move_into_inbox(table: &str, filter: &str) -> String {
    format!(
        "INSERT OR IGNORE INTO main.inbox (id, team_id, source, dedupe_key, order_key, payload, due_at, received_at,
                                           trace_context)
         SELECT id, team_id, source, dedupe_key, order_key, payload, received_at, received_at, trace_context
         FROM {table} {filter} ORDER BY rowid"
    )
}

/// How many rows the intake holds, whichever process appended them, read on
/// the inbox connection `conn` (see [`Intake::attach`]): their rowids are
/// contiguous (appended at the end, moved from the front), so two probes of
/// the rowid's b-tree count them however many there are.
pub(super) fn rows(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT coalesce(max(rowid) - min(rowid) + 1, 0) FROM intake.intake", [], |r| r.get(0))
        .map_err(sql_error)
}

fn lock(keys: &SharedKeys) -> Result<std::sync::MutexGuard<'_, Keys>, StoreError> {
    keys.lock().map_err(|_| StoreError::Invalid("the intake keys were poisoned".into()))
}

/// The id of the entry already holding `dedupe_key`, in the intake (`tx`)
/// or the inbox (`inbox`).
fn existing(
    tx: &Transaction<'_>,
    inbox: &Connection,
    keys: &Keys,
    dedupe_key: &str,
) -> Result<Option<InboxId>, StoreError> {
    if let Some(rowid) = keys.rows.get(&keys.hash(dedupe_key)) {
        let row: Option<(String, String)> = tx
            .prepare_cached("SELECT id, dedupe_key FROM intake WHERE rowid = ?1")
            .and_then(|mut s| s.query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(sql_error)?;
        let found = match row {
            Some((id, key)) if key == dedupe_key => Some(id),
            // Two keys of one 64-bit hash, or a row another process moved:
            // read every row (a scan, but either case is rare).
            _ => tx
                .prepare_cached("SELECT id FROM intake WHERE dedupe_key = ?1")
                .and_then(|mut s| s.query_row([dedupe_key], |r| r.get(0)).optional())
                .map_err(sql_error)?,
        };
        if let Some(id) = found {
            return super::inbox::parse_id(&id).map(Some);
        }
    }
    let id: Option<String> = inbox
        .prepare_cached("SELECT id FROM inbox WHERE dedupe_key = ?1")
        .and_then(|mut s| s.query_row([dedupe_key], |r| r.get(0)).optional())
        .map_err(sql_error)?;
    id.map(|id| super::inbox::parse_id(&id)).transpose()
}

/// [`Intake::append`]'s transaction; the hash of every key it remembers
/// goes to `added`.
fn append_rows(
    conn: &mut Connection,
    inbox: &Connection,
    keys: &mut Keys,
    entries: &[NewEntry],
    added: &mut Vec<u64>,
) -> Result<Vec<Appended>, StoreError> {
    // IMMEDIATE: the write lock from the start. A deferred transaction that
    // reads first could not upgrade to a write once another connection (a
    // CLI beside the service) had committed, and SQLite reports that as busy
    // at once.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_error)?;
    let mut results = Vec::with_capacity(entries.len());
    for e in entries {
        results.push(match existing(&tx, inbox, keys, &e.dedupe_key)? {
            Some(first) => Appended::Duplicate(first),
            None => {
                let rowid = insert(&tx, e)?;
                let hash = keys.hash(&e.dedupe_key);
                keys.rows.insert(hash, rowid);
                added.push(hash);
                Appended::Accepted(e.id)
            }
        });
    }
    tx.commit().map_err(sql_error)?;
    Ok(results)
}

/// Appends one entry's row; the caller holds the write transaction.
fn insert(tx: &Transaction<'_>, e: &NewEntry) -> Result<i64, StoreError> {
    tx.prepare_cached(
        "INSERT INTO intake (id, team_id, source, dedupe_key, order_key, payload, received_at, trace_context)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut s| {
        s.execute(params![
            e.id.to_string(),
            e.team.to_string(),
            e.source,
            e.dedupe_key,
            e.order_key,
            e.payload.get(),
            e.received_at.timestamp_millis(),
            e.trace_context
        ])
    })
    .map_err(sql_error)?;
    Ok(tx.last_insert_rowid())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use crate::domain::{EventId, TeamId, UserId};
    use crate::inbox::{Appended, EntryStatus, Inbox, InboxEvent, NewEntry};
    use crate::store::embedded::EmbeddedStore;

    fn entry(team: TeamId, key: &str, order: &str) -> NewEntry {
        let event = InboxEvent::DepositPaid { event: EventId::new(), payment: None };
        NewEntry::new(team, "test", key.into(), order.into(), &event, Utc::now())
    }

    fn accepted(a: &Appended) -> crate::domain::InboxId {
        match a {
            Appended::Accepted(id) => *id,
            other => panic!("expected accepted, got {other:?}"),
        }
    }

    /// A redelivery is a duplicate of the first entry wherever that one
    /// is: in the same batch, in the intake, or moved into the inbox.
    #[tokio::test]
    async fn a_redelivery_is_found_in_the_batch_the_intake_and_the_inbox() {
        let dir = tempfile::tempdir().unwrap();
        let team = TeamId::new();
        let store = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        let batch = store.append(&[entry(team, "k1", "o1"), entry(team, "k1", "o1")]).await.unwrap();
        let first = accepted(&batch[0]);
        assert_eq!(batch[1], Appended::Duplicate(first), "in the same batch");
        let again = store.append(&[entry(team, "k1", "o1")]).await.unwrap();
        assert_eq!(again, [Appended::Duplicate(first)], "in the intake (or moved by the settler)");
        // Any read of the inbox moves the intake into it first.
        assert_eq!(store.status(first).await.unwrap(), Some(EntryStatus::Pending));
        assert_eq!(store.intake.held().unwrap(), 0, "moved, and forgotten by the map");
        let moved = store.append(&[entry(team, "k1", "o1"), entry(team, "k2", "o2")]).await.unwrap();
        assert_eq!(moved[0], Appended::Duplicate(first), "found through the inbox's index");
        accepted(&moved[1]);
    }

    /// /readyz's counts and the age of the oldest unfinished entry include
    /// the intake's rows without waiting for them to move.
    #[tokio::test]
    async fn stats_and_the_oldest_entry_count_the_intake() {
        let dir = tempfile::tempdir().unwrap();
        let team = TeamId::new();
        let store = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        assert_eq!(store.oldest_unfinished().await.unwrap(), None);
        let first = entry(team, "a", "o1");
        let received = first.received_at;
        store.append(&[first, entry(team, "b", "o2")]).await.unwrap();
        assert_eq!(store.stats().await.unwrap().pending, 2);
        let oldest = store.oldest_unfinished().await.unwrap().expect("an unfinished entry");
        assert_eq!(oldest.timestamp_millis(), received.timestamp_millis());
    }

    /// Rows a stopped process left in the intake are moved when the store
    /// opens again: claimable in arrival order, and their keys still
    /// deduplicate although the new process never saw them.
    #[tokio::test]
    async fn rows_left_in_the_intake_move_at_the_next_open_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let team = TeamId::new();
        let ids = {
            let store = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
            let rows = [entry(team, "a", "o1"), entry(team, "b", "o2"), entry(team, "c", "o1")];
            store.append(&rows).await.unwrap().iter().map(accepted).collect::<Vec<_>>()
        };
        let store = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        assert_eq!(store.append(&[entry(team, "b", "o2")]).await.unwrap(), [Appended::Duplicate(ids[1])]);
        let lease = std::time::Duration::from_secs(30);
        let claimed = store.claim(&[team], 10, Utc::now(), lease).await.unwrap();
        let claimed: Vec<_> = claimed.iter().map(|c| c.id).collect();
        assert_eq!(claimed, [ids[0], ids[1]], "c waits behind a, of the same order key");
    }

    /// Inserts `e` as a row of `table` (an intake table, or the inbox)
    /// through `conn`, as a store would; `due_at` is the inbox's own column.
    fn insert_raw(conn: &rusqlite::Connection, table: &str, e: &NewEntry) {
        let due = if table.ends_with("inbox") { ", due_at" } else { "" };
        let columns = format!("id, team_id, source, dedupe_key, order_key, payload, received_at{due}");
        let values =
            if due.is_empty() { "?1, ?2, 'test', ?3, ?4, ?5, ?6" } else { "?1, ?2, 'test', ?3, ?4, ?5, ?6, ?6" };
        conn.execute(
            &format!("INSERT INTO {table} ({columns}) VALUES ({values})"),
            rusqlite::params![
                e.id.to_string(),
                e.team.to_string(),
                e.dedupe_key,
                e.order_key,
                e.payload.get(),
                e.received_at.timestamp_millis()
            ],
        )
        .unwrap();
    }

    /// A crash after a move and before the delete leaves an entry in both
    /// files: the next open delivers it once and empties the intake.
    #[tokio::test]
    async fn an_entry_moved_but_not_deleted_before_a_crash_is_claimed_once() {
        let dir = tempfile::tempdir().unwrap();
        let team = TeamId::new();
        drop(EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap());
        let e = entry(team, "k", "o1");
        let conn = rusqlite::Connection::open(dir.path().join("inbox.sqlite3")).unwrap();
        conn.execute("ATTACH DATABASE ?1 AS intake", [dir.path().join("intake.sqlite3").to_str().unwrap()]).unwrap();
        insert_raw(&conn, "intake.intake", &e);
        insert_raw(&conn, "main.inbox", &e);
        drop(conn);
        let store = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        let lease = std::time::Duration::from_secs(30);
        let claimed = store.claim(&[team], 10, Utc::now(), lease).await.unwrap();
        assert_eq!(claimed.iter().map(|c| c.id).collect::<Vec<_>>(), [e.id]);
        assert_eq!(store.stats().await.unwrap().pending, 0, "nothing left in the intake");
        assert_eq!(store.append(&[entry(team, "k", "o1")]).await.unwrap(), [Appended::Duplicate(e.id)]);
    }

    /// An inbox file of the version that kept the intake as one of its
    /// tables: the rows accepted there move into the inbox at open, in
    /// order, and the table goes.
    #[tokio::test]
    async fn the_intake_table_of_an_older_inbox_file_moves_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let team = TeamId::new();
        drop(EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap());
        let (a, b) = (entry(team, "a", "o1"), entry(team, "b", "o2"));
        let conn = rusqlite::Connection::open(dir.path().join("inbox.sqlite3")).unwrap();
        conn.execute_batch(include_str!("intake.sql")).unwrap();
        insert_raw(&conn, "main.intake", &a);
        insert_raw(&conn, "main.intake", &b);
        drop(conn);
        let store = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        let lease = std::time::Duration::from_secs(30);
        let claimed = store.claim(&[team], 10, Utc::now(), lease).await.unwrap();
        assert_eq!(claimed.iter().map(|c| c.id).collect::<Vec<_>>(), [a.id, b.id]);
        let conn = rusqlite::Connection::open(dir.path().join("inbox.sqlite3")).unwrap();
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'intake'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0, "the old table is gone");
    }

    /// A claim that finds too few due entries in the inbox moves the intake
    /// and claims from it.
    #[tokio::test]
    async fn a_claim_moves_the_intake_when_the_inbox_runs_short() {
        let dir = tempfile::tempdir().unwrap();
        let team = TeamId::new();
        let store = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        let first = accepted(&store.append(&[entry(team, "a", "o1")]).await.unwrap()[0]);
        let lease = std::time::Duration::from_secs(30);
        let claimed = store.claim(&[team], 1, Utc::now(), lease).await.unwrap();
        assert_eq!(claimed.iter().map(|c| c.id).collect::<Vec<_>>(), [first]);
        // (The settler may move it first when this machine is slow; the
        // claim finds it either way.)
        let second = accepted(&store.append(&[entry(team, "b", "o2")]).await.unwrap()[0]);
        let claimed = store.claim(&[team], 5, Utc::now(), lease).await.unwrap();
        assert_eq!(claimed.iter().map(|c| c.id).collect::<Vec<_>>(), [second]);
        assert_eq!(store.intake.held().unwrap(), 0);
    }
}
