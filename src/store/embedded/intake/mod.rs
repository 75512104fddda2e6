//! The acknowledgement's files: entries accepted but not yet in the inbox,
//! appended to a log (`intake/<n>.log`, see `log.rs`).
//!
//! A webhook's commit used to insert straight into `inbox`, whose unique
//! `dedupe_key` and `order_key` indexes take each new key on a random page,
//! and the acknowledgement rate fell with the size of the inbox. Then the
//! intake was an unindexed SQLite table in a file of its own: each batch's
//! commit still wrote three to four WAL frames (the table's last pages, its
//! `AUTOINCREMENT` counter), two `pwrite`s and the WAL's locks each, and a
//! thread copied them back into the file: a third of the CPU of each
//! acknowledgement (benches/run.sh, README "Performance"). Now a batch is
//! one `write` of its records at the end of the newest segment, under a
//! file lock shared with any other process that opens the store.
//!
//! Records move into `inbox` in large batches ([`Intake::settle`]): by
//! every other inbox operation before it reads or changes the inbox (so
//! none of them sees the difference), and by the store's settler thread
//! when the writer is idle or the intake holds [`CAP`] entries. A move
//! reads complete segments (appends have gone on to a newer one), inserts
//! their records into the inbox (`INSERT OR IGNORE` on its unique id and
//! key: a record moved twice, after a crash between the move and the
//! segment's deletion or by two processes, lands once), commits with a
//! sync, and only then deletes the segment.
//!
//! Duplicates among the records not yet moved are found through [`Keys`],
//! an in-memory map of their keys' hashes to where the record is (bounded
//! by [`CAP`], empty after each move), confirmed against the record
//! itself; older keys through the inbox's unique index, which the writer
//! reads on a connection of its own.

mod log;

use nohash_hasher::IntMap;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension};

use super::db::{sql_error, Db};
use crate::domain::InboxId;
use crate::inbox::{Appended, NewEntry};
use crate::store::StoreError;
use log::{Reader, Record, Segments};

/// Records moved per transaction: large enough that index pages are shared
/// by many new keys, small enough that an inbox operation waiting for the
/// move waits tens of milliseconds at most.
pub(super) const CHUNK: usize = 2048;

/// Entries the intake may hold before the settler moves them even while
/// webhooks keep arriving: about 8 s of a burst at 30k/s, and at most
/// about 9 MB of [`Keys`], returned to the allocator after the move.
const CAP: usize = 256 * 1024;

/// How long the writer must have been idle before the settler moves
/// records that claims have not: a burst is acknowledged first, indexed
/// after.
const IDLE: Duration = Duration::from_millis(50);

/// The intake's directory in the data directory.
const DIR: &str = "intake";

/// Where a record is: its segment's number (the low [`SEGMENT_BITS`]) and
/// its offset in the segment, in one `u64`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Place(u64);

const OFFSET_BITS: u32 = 40;
const SEGMENT_BITS: u32 = 64 - OFFSET_BITS;
const SEGMENT_MASK: u64 = (1 << SEGMENT_BITS) - 1;

impl Place {
    fn new(segment: u64, offset: u64) -> Self {
        Self((segment & SEGMENT_MASK) << OFFSET_BITS | (offset & ((1 << OFFSET_BITS) - 1)))
    }

    fn offset(self) -> u64 {
        self.0 & ((1 << OFFSET_BITS) - 1)
    }

    /// Whether the record is in segment `number`.
    fn in_segment(self, number: u64) -> bool {
        self.0 >> OFFSET_BITS == number & SEGMENT_MASK
    }

    /// Whether the record's segment is older than `number` (the numbers
    /// alive at once are a handful in a row, so the low bits compare).
    fn before(self, number: u64) -> bool {
        let distance = (number & SEGMENT_MASK).wrapping_sub(self.0 >> OFFSET_BITS) & SEGMENT_MASK;
        distance != 0 && distance < 1 << (SEGMENT_BITS - 1)
    }
}

/// The keys of the records this process appended and has not seen moved:
/// hash of the dedupe key -> where the record is.
#[derive(Default)]
struct Keys {
    /// The keys are already keyed hashes (`hasher`), so the map uses them
    /// as they are instead of hashing them again.
    rows: IntMap<u64, Place>,
    hasher: RandomState,
    /// When the last batch was appended, for the settler's idle test.
    last_append: Option<Instant>,
    /// How many moves have committed: a probe snapshot older than the last
    /// one would miss the keys it took out of this map.
    moves: u64,
    /// The read transaction the writer's inbox probes share across
    /// batches: since when, and the moves it has seen. Beginning one per
    /// batch took and released the WAL's shared-memory lock, two `fcntl`
    /// calls per batch of a few entries.
    snapshot: Option<(Instant, u64)>,
}

impl Keys {
    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Forgets the records a move took: segment `number` before `offset`,
    /// and every older segment (moved by another process, maybe).
    fn forget_moved(&mut self, number: u64, offset: u64) {
        self.moves += 1;
        self.rows.retain(|_, place| !(place.before(number) || place.in_segment(number) && place.offset() < offset));
        if self.rows.is_empty() {
            // The map of a burst's keys goes back to the allocator.
            self.rows.shrink_to_fit();
        }
    }
}

/// The intake's shared parts. Lock order: `segments` before `keys`; a move
/// holds `moving` (and the inbox connection) and takes the others briefly.
struct Shared {
    segments: Mutex<Segments>,
    keys: Mutex<Keys>,
    /// How far this process has moved into the oldest complete segment:
    /// (segment, offset of the first record not moved).
    moving: Mutex<Option<(u64, u64)>>,
}

/// The intake directory, the writer's read connection to the inbox, and
/// the keys of the records; cheap to clone.
#[derive(Clone)]
pub(super) struct Intake {
    /// The writer's reads of the inbox file (a redelivery of an entry that
    /// has moved), apart from the inbox's own connection, which a move may
    /// hold for a while.
    inbox: Db,
    shared: Arc<Shared>,
}

impl Intake {
    /// Opens (creating if needed) the intake directory in `dir`, beside
    /// the inbox file at `inbox_path`.
    pub fn open(dir: &Path, inbox_path: &Path) -> Result<Self, StoreError> {
        let segments = Segments::open(&dir.join(DIR)).map_err(StoreError::unavailable)?;
        // A small cache: the reads are single index probes.
        let inbox = Db::open(inbox_path, "PRAGMA cache_size = -256;")?;
        let shared = Shared { segments: Mutex::new(segments), keys: Mutex::default(), moving: Mutex::default() };
        Ok(Self { inbox, shared: Arc::new(shared) })
    }

    /// Appends `entries` with one write, each as a new record or, when its
    /// key is taken, as a duplicate of the entry holding it (a later entry
    /// of the same batch included). Runs on the calling thread.
    pub fn append(&self, entries: &[NewEntry]) -> Result<Vec<Appended>, StoreError> {
        self.inbox.run_here(|inbox| {
            let mut segments = lock(&self.shared.segments)?;
            let mut keys = lock(&self.shared.keys)?;
            let keys = &mut *keys;
            fresh_snapshot(inbox, &mut keys.snapshot, keys.moves)?;
            let mut bytes = Vec::with_capacity(entries.len() * 1024);
            let mut batch: HashMap<&str, InboxId> = HashMap::new();
            let mut added = Vec::with_capacity(entries.len());
            let mut results = Vec::with_capacity(entries.len());
            for e in entries {
                let first = match batch.get(e.dedupe_key.as_str()) {
                    Some(id) => Some(*id),
                    None => existing(&segments, inbox, keys, &e.dedupe_key)?,
                };
                results.push(match first {
                    Some(first) => Appended::Duplicate(first),
                    None => {
                        batch.insert(&e.dedupe_key, e.id);
                        added.push((keys.hash(&e.dedupe_key), bytes.len() as u64));
                        log::encode(e, &mut bytes);
                        Appended::Accepted(e.id)
                    }
                });
            }
            if !bytes.is_empty() {
                let (number, start) = segments.append(&bytes).map_err(StoreError::unavailable)?;
                for (hash, at) in added {
                    keys.rows.insert(hash, Place::new(number, start + at));
                }
                keys.last_append = Some(Instant::now());
            }
            Ok(results)
        })
    }

    /// Moves up to `limit` of the oldest records into the inbox, in arrival
    /// order, in one transaction of `conn` (the inbox connection), then
    /// deletes the segments it emptied; returns how many it moved. Records
    /// whose id or key the inbox already holds (a duplicate appended by a
    /// second process, a record moved before a crash) are dropped: the
    /// first entry stands.
    pub fn settle(&self, conn: &mut Connection, limit: usize) -> Result<usize, StoreError> {
        let mut moving = lock(&self.shared.moving)?;
        let complete = lock(&self.shared.segments)?.seal().map_err(StoreError::unavailable)?;
        let Some(&oldest) = complete.first() else { return Ok(0) };
        // Synced before a segment goes: with `synchronous = NORMAL` the
        // deletion could reach the disk before the inbox's insert, and a
        // power loss then would take both (one fsync per chunk).
        conn.execute_batch("PRAGMA synchronous = FULL;").map_err(sql_error)?;
        let moved = move_records(conn, &self.shared.segments, &complete, *moving, limit);
        conn.execute_batch("PRAGMA synchronous = NORMAL;").map_err(sql_error)?;
        let Moved { count, emptied, stopped_at } = moved?;
        *moving = stopped_at;
        // Forgotten before the deletions: a redelivery meanwhile finds its
        // entry through the inbox's index, where it now is.
        match stopped_at {
            Some((number, offset)) => lock(&self.shared.keys)?.forget_moved(number, offset),
            None => lock(&self.shared.keys)?.forget_moved(complete.last().map_or(oldest, |n| n + 1), 0),
        }
        let segments = lock(&self.shared.segments)?;
        for number in emptied {
            segments.remove(number).map_err(StoreError::unavailable)?;
        }
        Ok(count)
    }

    /// Moves every record into the inbox (see [`Intake::settle`]).
    pub fn settle_all(&self, conn: &mut Connection) -> Result<(), StoreError> {
        while self.settle(conn, CHUNK)? == CHUNK {}
        Ok(())
    }

    /// The settler: moves records that no claim has moved, once the writer
    /// has been idle for [`IDLE`] or the intake holds [`CAP`] entries. It
    /// stops once the store is dropped.
    pub fn spawn_settler(&self, inbox: Db) -> Result<(), StoreError> {
        let shared = Arc::downgrade(&self.shared);
        let reads = self.inbox.clone();
        let spawned = std::thread::Builder::new().name("inbox-settler".into()).spawn(move || loop {
            std::thread::sleep(IDLE);
            let Some(shared) = shared.upgrade() else { return };
            let intake = Intake { inbox: reads.clone(), shared };
            let (held, idle) = match intake.pause_if_idle() {
                Ok(state) => state,
                Err(e) => {
                    tracing::warn!(error = %e, "pausing the intake's appends failed; will try again");
                    continue;
                }
            };
            if held == 0 || !(idle || held >= CAP) {
                continue;
            }
            if let Err(e) = inbox.run_here(|c| intake.settle(c, CHUNK)) {
                tracing::warn!(error = %e, "moving accepted entries into the inbox failed; will try again");
            }
        });
        spawned.map(drop).map_err(StoreError::unavailable)
    }

    /// When appends have paused for [`IDLE`], lets go of what the writer
    /// keeps between batches (the intake's lock, which another process may
    /// wait for, and the probe snapshot, which holds the inbox's WAL back);
    /// returns how many entries are held and whether appends have paused.
    fn pause_if_idle(&self) -> Result<(usize, bool), StoreError> {
        self.inbox.run_here(|inbox| {
            let mut segments = lock(&self.shared.segments)?;
            let mut keys = lock(&self.shared.keys)?;
            let idle = keys.last_append.map_or(true, |at| at.elapsed() >= IDLE);
            if idle {
                segments.release();
                if keys.snapshot.take().is_some() {
                    inbox.execute_batch("COMMIT").map_err(sql_error)?;
                }
            }
            Ok((keys.rows.len(), idle))
        })
    }

    /// How many entries this process appended that have not moved (what
    /// another process appended counts once it is in the inbox).
    pub fn held(&self) -> Result<u64, StoreError> {
        Ok(lock(&self.shared.keys)?.rows.len() as u64)
    }

    /// When the oldest entry not yet moved was received (Unix ms).
    pub fn oldest_received_at(&self) -> Result<Option<i64>, StoreError> {
        let moving = *lock(&self.shared.moving)?;
        let segments = lock(&self.shared.segments)?;
        for number in segments.numbers().map_err(StoreError::unavailable)? {
            let offset = moving.filter(|(n, _)| *n == number).map_or(0, |(_, at)| at);
            let reader = Reader::open(&segments.path(number), offset).map_err(StoreError::unavailable)?;
            if let Some((_, record)) =
                reader.map(|mut r| r.next_record()).transpose().map_err(StoreError::unavailable)?.flatten()
            {
                return Ok(Some(record.received_at));
            }
        }
        Ok(None)
    }
}

/// What [`move_records`] did.
struct Moved {
    count: usize,
    /// Segments every record of which is now in the inbox.
    emptied: Vec<u64>,
    /// Where it stopped, when `limit` came first.
    stopped_at: Option<(u64, u64)>,
}

/// [`Intake::settle`]'s transaction: reads the `complete` segments from
/// where this process stopped last (`resume`), oldest first.
fn move_records(
    conn: &mut Connection,
    segments: &Mutex<Segments>,
    complete: &[u64],
    resume: Option<(u64, u64)>,
    limit: usize,
) -> Result<Moved, StoreError> {
    let tx = conn.transaction().map_err(sql_error)?;
    let mut moved = Moved { count: 0, emptied: Vec::new(), stopped_at: None };
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO inbox (id, team_id, source, dedupe_key, order_key, payload, due_at, received_at,
                                              trace_context)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
            )
            .map_err(sql_error)?;
        for &number in complete {
            let offset = resume.filter(|(n, _)| *n == number).map_or(0, |(_, at)| at);
            let path = lock(segments)?.path(number);
            let Some(mut reader) = Reader::open(&path, offset).map_err(StoreError::unavailable)? else {
                continue; // moved and deleted by another process
            };
            while moved.count < limit {
                let Some((_, r)) = reader.next_record().map_err(StoreError::unavailable)? else { break };
                insert
                    .execute(params![
                        r.id,
                        r.team_id,
                        r.source,
                        r.dedupe_key,
                        r.order_key,
                        r.payload,
                        r.received_at,
                        r.trace_context
                    ])
                    .map_err(sql_error)?;
                moved.count += 1;
            }
            if reader.skipped > 0 {
                tracing::warn!(segment = number, bytes = reader.skipped, "skipped damaged intake records");
            }
            if moved.count == limit {
                // Maybe at its end: the next move then finds nothing more
                // and deletes it.
                moved.stopped_at = Some((number, reader.offset()));
                break;
            }
            moved.emptied.push(number);
        }
    }
    tx.commit().map_err(sql_error)?;
    Ok(moved)
}

/// Begins the probes' read transaction on `conn` unless the one open is
/// younger than [`IDLE`] and has seen every move (`moves`).
fn fresh_snapshot(conn: &Connection, snapshot: &mut Option<(Instant, u64)>, moves: u64) -> Result<(), StoreError> {
    if let Some((since, seen)) = *snapshot {
        if seen == moves && since.elapsed() < IDLE {
            return Ok(());
        }
        *snapshot = None;
        conn.execute_batch("COMMIT").map_err(sql_error)?;
    }
    conn.execute_batch("BEGIN").map_err(sql_error)?;
    *snapshot = Some((Instant::now(), moves));
    Ok(())
}

fn lock<T>(mutex: &Mutex<T>) -> Result<MutexGuard<'_, T>, StoreError> {
    mutex.lock().map_err(|_| StoreError::Invalid("the intake's state was poisoned".into()))
}

/// The id of the entry already holding `dedupe_key`, in the intake or the
/// inbox (`inbox`).
///
/// A key whose hash another key of the intake has is not found in the
/// intake (the record at the place does not match): it is appended again,
/// and the move drops the second record on the inbox's unique key. So a
/// collision of 64-bit keyed hashes (about 2^-29 for a full intake) can
/// make a redelivery look new, never a new entry look like a redelivery.
fn existing(
    segments: &Segments,
    inbox: &Connection,
    keys: &Keys,
    dedupe_key: &str,
) -> Result<Option<InboxId>, StoreError> {
    if let Some(&place) = keys.rows.get(&keys.hash(dedupe_key)) {
        if let Some(id) = record_at(segments, place)?.filter(|r| r.dedupe_key == dedupe_key).map(|r| r.id) {
            return super::inbox::parse_id(&id).map(Some);
        }
    }
    let id: Option<String> = inbox
        .prepare_cached("SELECT id FROM inbox WHERE dedupe_key = ?1")
        .and_then(|mut s| s.query_row([dedupe_key], |r| r.get(0)).optional())
        .map_err(sql_error)?;
    id.map(|id| super::inbox::parse_id(&id)).transpose()
}

/// The record at `place`, unless its segment is gone (moved).
fn record_at(segments: &Segments, place: Place) -> Result<Option<Record>, StoreError> {
    let numbers = segments.numbers().map_err(StoreError::unavailable)?;
    let Some(&number) = numbers.iter().find(|n| place.in_segment(**n)) else { return Ok(None) };
    let Some(mut reader) = Reader::open(&segments.path(number), place.offset()).map_err(StoreError::unavailable)?
    else {
        return Ok(None);
    };
    Ok(reader.next_record().map_err(StoreError::unavailable)?.map(|(_, r)| r))
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

    /// Inserts `e` as a row of `table` (an older intake table, or the
    /// inbox) through `conn`, as a store would; `due_at` is the inbox's own
    /// column.
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

    /// The intake table of earlier versions (in the inbox file, then in
    /// `intake.sqlite3`).
    const OLD_INTAKE_TABLE: &str = "CREATE TABLE intake (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,
        team_id TEXT NOT NULL, source TEXT NOT NULL, dedupe_key TEXT NOT NULL, order_key TEXT NOT NULL,
        payload TEXT NOT NULL, received_at INTEGER NOT NULL, trace_context TEXT)";

    fn claimed_ids(claimed: &[crate::inbox::ClaimedEntry]) -> Vec<crate::domain::InboxId> {
        claimed.iter().map(|c| c.id).collect()
    }

    /// A crash after a move and before the segment's deletion leaves an
    /// entry in both: the next open delivers it once and empties the intake.
    #[tokio::test]
    async fn an_entry_moved_but_not_deleted_before_a_crash_is_claimed_once() {
        let dir = tempfile::tempdir().unwrap();
        let team = TeamId::new();
        drop(EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap());
        let e = entry(team, "k", "o1");
        let mut bytes = Vec::new();
        super::log::encode(&e, &mut bytes);
        super::log::Segments::open(&dir.path().join(super::DIR)).unwrap().append(&bytes).unwrap();
        let conn = rusqlite::Connection::open(dir.path().join("inbox.sqlite3")).unwrap();
        insert_raw(&conn, "main.inbox", &e);
        drop(conn);
        let store = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        let lease = std::time::Duration::from_secs(30);
        let claimed = store.claim(&[team], 10, Utc::now(), lease).await.unwrap();
        assert_eq!(claimed_ids(&claimed), [e.id]);
        assert_eq!(store.stats().await.unwrap().pending, 0, "nothing left in the intake");
        assert_eq!(store.append(&[entry(team, "k", "o1")]).await.unwrap(), [Appended::Duplicate(e.id)]);
        let segments = super::log::Segments::open(&dir.path().join(super::DIR)).unwrap().numbers().unwrap();
        assert_eq!(segments.len(), 1, "the moved segment is gone, an empty one is open: {segments:?}");
    }

    /// Intake rows of the two earlier versions (a table of the inbox file,
    /// then `intake.sqlite3`) move into the inbox at open, in order, and
    /// the table and the file go.
    #[tokio::test]
    async fn the_intake_of_older_versions_moves_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let team = TeamId::new();
        drop(EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap());
        let (a, b, c) = (entry(team, "a", "o1"), entry(team, "b", "o2"), entry(team, "c", "o3"));
        let conn = rusqlite::Connection::open(dir.path().join("inbox.sqlite3")).unwrap();
        conn.execute_batch(OLD_INTAKE_TABLE).unwrap();
        insert_raw(&conn, "main.intake", &a);
        drop(conn);
        let old_file = dir.path().join("intake.sqlite3");
        let conn = rusqlite::Connection::open(&old_file).unwrap();
        conn.execute_batch(OLD_INTAKE_TABLE).unwrap();
        insert_raw(&conn, "main.intake", &b);
        insert_raw(&conn, "main.intake", &c);
        drop(conn);
        let store = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        let lease = std::time::Duration::from_secs(30);
        let claimed = store.claim(&[team], 10, Utc::now(), lease).await.unwrap();
        assert_eq!(claimed_ids(&claimed), [a.id, b.id, c.id]);
        let conn = rusqlite::Connection::open(dir.path().join("inbox.sqlite3")).unwrap();
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'intake'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0, "the old table is gone");
        assert!(!old_file.exists(), "the old file is gone");
    }

    /// Two stores on one directory (the service and a CLI beside it): what
    /// either appends reaches the inbox once, and a redelivery to the one
    /// whose records the other moved is still a duplicate.
    #[tokio::test]
    async fn two_processes_share_the_intake() {
        let dir = tempfile::tempdir().unwrap();
        let team = TeamId::new();
        let service = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        let first = accepted(&service.append(&[entry(team, "a", "o1")]).await.unwrap()[0]);
        // The second open moves what the first appended.
        let cli = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
        let second = accepted(&cli.append(&[entry(team, "b", "o2")]).await.unwrap()[0]);
        assert_eq!(service.append(&[entry(team, "a", "o1")]).await.unwrap(), [Appended::Duplicate(first)]);
        let third = accepted(&service.append(&[entry(team, "c", "o3")]).await.unwrap()[0]);
        let lease = std::time::Duration::from_secs(30);
        let claimed = service.claim(&[team], 10, Utc::now(), lease).await.unwrap();
        assert_eq!(claimed_ids(&claimed), [first, second, third]);
        assert_eq!(cli.claim(&[team], 10, Utc::now(), lease).await.unwrap().len(), 0);
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
        assert_eq!(claimed_ids(&claimed), [first]);
        // (The settler may move it first when this machine is slow; the
        // claim finds it either way.)
        let second = accepted(&store.append(&[entry(team, "b", "o2")]).await.unwrap()[0]);
        let claimed = store.claim(&[team], 5, Utc::now(), lease).await.unwrap();
        assert_eq!(claimed_ids(&claimed), [second]);
        assert_eq!(store.intake.held().unwrap(), 0);
    }
}
