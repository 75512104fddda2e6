//! The acknowledgement's table: `intake`, rows in arrival order and no
//! index.
//!
//! A webhook's commit used to insert straight into `inbox`, whose unique
//! `dedupe_key` and `order_key` indexes take each new key on a random page:
//! a commit of a few entries wrote a page per entry per index into the WAL,
//! and the acknowledgement rate fell with the size of the inbox (15k/s on
//! two cores, against 29–34k/s for rows appended at the end of an
//! unindexed table; benches/run.sh, README "Performance"). So `append`
//! only adds rows at the end of
//! `intake`, and they move into `inbox` in large batches ([`settle`]): by
//! every other inbox operation before it reads or changes the inbox (so
//! none of them sees the difference), and by the store's settler thread
//! when the writer is idle or the intake holds [`CAP`] rows.
//!
//! Duplicates among the rows not yet moved are found through [`Keys`], an
//! in-memory map of their keys' hashes (bounded by [`CAP`], empty after
//! each move), confirmed against the row itself; older keys through the
//! inbox's unique index, which `append` only reads.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::db::{sql_error, Db};
use crate::domain::InboxId;
use crate::inbox::{Appended, NewEntry};
use crate::store::StoreError;

/// Rows moved per transaction: large enough that index pages are shared by
/// many new keys, small enough that an acknowledgement waiting for the
/// move waits a few milliseconds.
pub(super) const CHUNK: usize = 2048;

/// Rows the intake may hold before the settler moves them even while
/// webhooks keep arriving: about 8 s of a burst at 30k/s, and at most
/// about 9 MB of [`Keys`], returned to the allocator after the move.
const CAP: usize = 256 * 1024;

/// How long the writer must have been idle before the settler moves rows
/// that claims have not: a burst is acknowledged first, indexed after.
const IDLE: Duration = Duration::from_millis(50);

/// The keys of the rows in `intake` that this process appended:
/// hash of the dedupe key -> the row's rowid.
#[derive(Default)]
pub(super) struct Keys {
    rows: HashMap<u64, i64>,
    hasher: RandomState,
    /// When the last batch was appended, for the settler's idle test.
    last_append: Option<Instant>,
}

/// Shared by the store's clones. Whoever holds the inbox connection may
/// lock it; nobody holding it asks for the connection (the settler reads
/// it, lets go, then asks), so the two locks never deadlock.
pub(super) type SharedKeys = Arc<Mutex<Keys>>;

impl Keys {
    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }
}

/// How many rows the intake holds, whichever process appended them:
/// their rowids are contiguous (appended at the end, moved from the front),
/// so two probes of the rowid's b-tree count them however many there are.
pub(super) fn rows(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT coalesce(max(rowid) - min(rowid) + 1, 0) FROM intake", [], |r| r.get(0)).map_err(sql_error)
}

/// How many keys this process remembers (the rows it appended, unmoved).
#[cfg(test)]
fn held(keys: &SharedKeys) -> Result<usize, StoreError> {
    Ok(lock(keys)?.rows.len())
}

fn lock(keys: &SharedKeys) -> Result<std::sync::MutexGuard<'_, Keys>, StoreError> {
    keys.lock().map_err(|_| StoreError::Invalid("the intake keys were poisoned".into()))
}

/// The id of the entry already holding `dedupe_key`, in the intake or the
/// inbox.
fn existing(tx: &Transaction<'_>, keys: &Keys, dedupe_key: &str) -> Result<Option<InboxId>, StoreError> {
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
    let id: Option<String> = tx
        .prepare_cached("SELECT id FROM inbox WHERE dedupe_key = ?1")
        .and_then(|mut s| s.query_row([dedupe_key], |r| r.get(0)).optional())
        .map_err(sql_error)?;
    id.map(|id| super::inbox::parse_id(&id)).transpose()
}

/// Appends `entries` in one transaction, each as a new row or, when its
/// key is taken, as a duplicate of the entry holding it (a later entry of
/// the same batch included).
pub(super) fn append(
    conn: &mut Connection,
    keys: &SharedKeys,
    entries: &[NewEntry],
) -> Result<Vec<Appended>, StoreError> {
    let mut keys = lock(keys)?;
    let mut added = Vec::with_capacity(entries.len());
    let appended = append_rows(conn, &mut keys, entries, &mut added);
    match appended {
        Ok(_) => keys.last_append = Some(Instant::now()),
        // Rolled back: the rows are not there, nor may their keys be.
        Err(_) => {
            for hash in &added {
                keys.rows.remove(hash);
            }
        }
    }
    appended
}

/// [`append`]'s transaction; the hash of every key it remembers goes to
/// `added`.
fn append_rows(
    conn: &mut Connection,
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
        results.push(match existing(&tx, keys, &e.dedupe_key)? {
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

/// Moves up to `limit` of the oldest intake rows into the inbox, in arrival
/// order, in one transaction; returns how many moved. Rows whose id or key
/// the inbox already holds (a duplicate appended by a second process) are
/// dropped: the first entry stands.
pub(super) fn settle(conn: &mut Connection, keys: &SharedKeys, limit: usize) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql_error)?;
    let last: Option<i64> = tx
        .query_row("SELECT max(rowid) FROM (SELECT rowid FROM intake ORDER BY rowid LIMIT ?1)", [limit as i64], |r| {
            r.get(0)
        })
        .map_err(sql_error)?;
    let Some(last) = last else { return Ok(0) };
    tx.prepare_cached(
        "INSERT OR IGNORE INTO inbox (id, team_id, source, dedupe_key, order_key, payload, due_at, received_at,
                                      trace_context)
         SELECT id, team_id, source, dedupe_key, order_key, payload, received_at, received_at, trace_context
         FROM intake WHERE rowid <= ?1 ORDER BY rowid",
    )
    .and_then(|mut s| s.execute([last]))
    .map_err(sql_error)?;
    let moved = tx
        .prepare_cached("DELETE FROM intake WHERE rowid <= ?1")
        .and_then(|mut s| s.execute([last]))
        .map_err(sql_error)?;
    tx.commit().map_err(sql_error)?;
    let mut keys = lock(keys)?;
    keys.rows.retain(|_, rowid| *rowid > last);
    if keys.rows.is_empty() {
        // The map of a burst's keys goes back to the allocator.
        keys.rows.shrink_to_fit();
    }
    Ok(moved)
}

/// Moves every intake row into the inbox (see [`settle`]).
pub(super) fn settle_all(conn: &mut Connection, keys: &SharedKeys) -> Result<(), StoreError> {
    while settle(conn, keys, CHUNK)? == CHUNK {}
    Ok(())
}

/// The settler: moves intake rows that no claim has moved, once the writer
/// has been idle for [`IDLE`] or the intake holds [`CAP`] rows.
/// It stops once the store is dropped.
pub(super) fn spawn_settler(inbox: Db, keys: &SharedKeys) -> Result<(), StoreError> {
    let keys = Arc::downgrade(keys);
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
        if let Err(e) = inbox.run_here(|c| settle(c, &keys, CHUNK)) {
            tracing::warn!(error = %e, "moving accepted entries into the inbox failed; will try again");
        }
    });
    spawned.map(drop).map_err(StoreError::unavailable)
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
        assert_eq!(super::held(&store.intake).unwrap(), 0, "moved, and forgotten by the map");
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
        assert_eq!(super::held(&store.intake).unwrap(), 0);
    }
}
