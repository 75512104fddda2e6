use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::db::sql_error;
use super::EmbeddedStore;
use crate::domain::{InboxId, TeamId};
use crate::inbox::{Appended, ClaimedEntry, EntryStatus, Inbox, InboxStats, Lease, NewEntry};
use crate::store::StoreError;

#[async_trait]
impl Inbox for EmbeddedStore {
    async fn append(&self, entries: Vec<NewEntry>) -> Result<Vec<Appended>, StoreError> {
        let rows: Vec<_> = entries
            .into_iter()
            .map(|e| {
                (
                    e.id,
                    e.team.to_string(),
                    e.source,
                    e.dedupe_key,
                    e.order_key,
                    e.payload,
                    e.received_at.timestamp_millis(),
                    e.trace_context,
                )
            })
            .collect();
        // Inline, not on the blocking pool: the inbox writer calls this from
        // a thread of its own (see `Inbox::append`).
        self.inbox.run_here(move |conn| {
            let tx = conn.transaction().map_err(sql_error)?;
            let mut results = Vec::with_capacity(rows.len());
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO inbox (id, team_id, source, dedupe_key, order_key, payload, due_at, received_at,
                                        trace_context)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) ON CONFLICT (dedupe_key) DO NOTHING",
                    )
                    .map_err(sql_error)?;
                let mut existing =
                    tx.prepare_cached("SELECT id FROM inbox WHERE dedupe_key = ?1").map_err(sql_error)?;
                for (id, team, source, dedupe_key, order_key, payload, received, trace) in &rows {
                    let inserted = insert
                        .execute(params![id.to_string(), team, source, dedupe_key, order_key, payload, received, trace])
                        .map_err(sql_error)?;
                    results.push(if inserted == 1 {
                        Appended::Accepted(*id)
                    } else {
                        let first: String = existing.query_row([dedupe_key], |r| r.get(0)).map_err(sql_error)?;
                        Appended::Duplicate(parse_id(&first)?)
                    });
                }
            }
            tx.commit().map_err(sql_error)?;
            Ok(results)
        })
    }

    async fn claim(
        &self,
        teams: &[TeamId],
        limit: usize,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<ClaimedEntry>, StoreError> {
        let teams = serde_json::to_string(teams).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let now_ms = now.timestamp_millis();
        let lease_until = now_ms + lease.as_millis() as i64;
        self.inbox
            .run(move |conn| {
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql_error)?;
                let claimed = {
                    // Oldest due entries whose booking (order key) has no
                    // older unfinished entry: per-booking order, and no two
                    // workers on one booking.
                    let mut stmt = tx
                        .prepare_cached(
                            "UPDATE inbox SET status = 'processing', attempts = attempts + 1, lease_until = ?2
                             WHERE seq IN (
                                 SELECT i.seq FROM inbox i INDEXED BY inbox_open
                                 WHERE i.status IN ('pending', 'processing')
                                   AND (CASE i.status WHEN 'pending' THEN i.due_at ELSE i.lease_until END) <= ?1
                                   AND i.team_id IN (SELECT value FROM json_each(?4))
                                   AND NOT EXISTS (
                                       SELECT 1 FROM inbox j
                                       WHERE j.order_key = i.order_key AND j.team_id = i.team_id AND j.seq < i.seq
                                         AND j.status IN ('pending', 'processing'))
                                 ORDER BY i.seq LIMIT ?3)
                             RETURNING id, team_id, source, order_key, payload, attempts, trace_context",
                        )
                        .map_err(sql_error)?;
                    let rows = stmt
                        .query_map(params![now_ms, lease_until, limit as i64, teams], |r| {
                            Ok((
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, String>(3)?,
                                r.get::<_, String>(4)?,
                                r.get::<_, u32>(5)?,
                                r.get::<_, Option<String>>(6)?,
                            ))
                        })
                        .map_err(sql_error)?
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(sql_error)?;
                    rows
                };
                tx.commit().map_err(sql_error)?;
                let mut entries = Vec::with_capacity(claimed.len());
                for (id, team, source, order_key, payload, attempts, trace_context) in claimed {
                    match serde_json::from_str(&payload) {
                        Ok(event) => entries.push(ClaimedEntry {
                            id: parse_id(&id)?,
                            team: team.parse().map_err(|_| StoreError::Invalid(format!("inbox team {team:?}")))?,
                            source,
                            order_key,
                            event,
                            attempts,
                            trace_context,
                        }),
                        // Unreadable (e.g. written by an incompatible
                        // version): park it, do not let it block the rest.
                        Err(e) => {
                            tracing::error!(inbox_id = %id, error = %e, "unreadable inbox entry parked as dead");
                            conn.execute(
                                "UPDATE inbox SET status = 'dead', lease_until = NULL, last_error = ?2 WHERE id = ?1",
                                params![id, format!("unreadable payload: {e}")],
                            )
                            .map_err(sql_error)?;
                        }
                    }
                }
                Ok(entries)
            })
            .await
    }

    async fn complete(&self, leases: &[Lease], now: DateTime<Utc>) -> Result<(), StoreError> {
        let (leases, now) = (leases.to_vec(), now.timestamp_millis());
        self.inbox
            .run(move |conn| {
                let tx = conn.transaction().map_err(sql_error)?;
                {
                    let mut stmt = tx
                        .prepare_cached(
                            "UPDATE inbox SET status = 'done', lease_until = NULL, finished_at = ?3
                             WHERE id = ?1 AND attempts = ?2 AND status = 'processing'",
                        )
                        .map_err(sql_error)?;
                    for l in &leases {
                        stmt.execute(params![l.id.to_string(), l.attempt, now]).map_err(sql_error)?;
                    }
                }
                tx.commit().map_err(sql_error)
            })
            .await
    }

    async fn retry_at(&self, lease: Lease, due: DateTime<Utc>, error: &str) -> Result<(), StoreError> {
        let (due, error) = (due.timestamp_millis(), error.to_string());
        self.inbox
            .run(move |conn| {
                conn.execute(
                    "UPDATE inbox SET status = 'pending', lease_until = NULL, due_at = ?3, last_error = ?4
                     WHERE id = ?1 AND attempts = ?2 AND status = 'processing'",
                    params![lease.id.to_string(), lease.attempt, due, error],
                )
                .map_err(sql_error)?;
                Ok(())
            })
            .await
    }

    async fn bury(&self, lease: Lease, error: &str) -> Result<(), StoreError> {
        let error = error.to_string();
        self.inbox
            .run(move |conn| {
                conn.execute(
                    "UPDATE inbox SET status = 'dead', lease_until = NULL, last_error = ?3
                     WHERE id = ?1 AND attempts = ?2 AND status = 'processing'",
                    params![lease.id.to_string(), lease.attempt, error],
                )
                .map_err(sql_error)?;
                Ok(())
            })
            .await
    }

    async fn renew(&self, leases: &[Lease], lease: Duration) -> Result<(), StoreError> {
        let leases = leases.to_vec();
        let until = Utc::now().timestamp_millis() + lease.as_millis() as i64;
        self.inbox
            .run(move |conn| {
                let tx = conn.transaction().map_err(sql_error)?;
                {
                    let mut stmt = tx
                        .prepare_cached(
                            "UPDATE inbox SET lease_until = ?3 WHERE id = ?1 AND attempts = ?2 AND status = 'processing'",
                        )
                        .map_err(sql_error)?;
                    for l in &leases {
                        stmt.execute(params![l.id.to_string(), l.attempt, until]).map_err(sql_error)?;
                    }
                }
                tx.commit().map_err(sql_error)
            })
            .await
    }

    async fn status(&self, id: InboxId) -> Result<Option<EntryStatus>, StoreError> {
        self.inbox
            .run(move |conn| {
                let s: Option<String> = conn
                    .query_row("SELECT status FROM inbox WHERE id = ?1", [id.to_string()], |r| r.get(0))
                    .optional()
                    .map_err(sql_error)?;
                Ok(s.as_deref().and_then(EntryStatus::parse))
            })
            .await
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let before = before.timestamp_millis();
        self.inbox
            .run(move |conn| {
                conn.execute("DELETE FROM inbox WHERE status = 'done' AND finished_at < ?1", [before])
                    .map(|n| n as u64)
                    .map_err(sql_error)
            })
            .await
    }

    async fn stats(&self) -> Result<InboxStats, StoreError> {
        self.inbox
            .run(|conn| {
                let mut stats = InboxStats::default();
                let mut stmt =
                    conn.prepare_cached("SELECT status, count(*) FROM inbox GROUP BY status").map_err(sql_error)?;
                let rows =
                    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))).map_err(sql_error)?;
                for row in rows {
                    let (status, n) = row.map_err(sql_error)?;
                    match EntryStatus::parse(&status) {
                        Some(EntryStatus::Pending) => stats.pending = n,
                        Some(EntryStatus::Processing) => stats.processing = n,
                        Some(EntryStatus::Done) => stats.done = n,
                        Some(EntryStatus::Dead) => stats.dead = n,
                        None => {}
                    }
                }
                Ok(stats)
            })
            .await
    }

    async fn oldest_unfinished(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.oldest_unfinished_entry().await
    }
}

impl EmbeddedStore {
    /// See [`Inbox::oldest_unfinished`]; the walk of `inbox_open` from its
    /// head finds it at once, however long the backlog.
    async fn oldest_unfinished_entry(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let ms: Option<i64> = self
            .inbox
            .run(|conn| {
                conn.query_row(
                    "SELECT received_at FROM inbox INDEXED BY inbox_open
                     WHERE status IN ('pending', 'processing') ORDER BY seq LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql_error)
            })
            .await?;
        Ok(ms.and_then(DateTime::from_timestamp_millis))
    }

    /// After a restart of the single process that owns this data directory,
    /// entries left `processing` were in flight when it stopped: make them
    /// due now instead of waiting for their lease to expire.
    pub async fn recover_in_flight(&self) -> Result<usize, StoreError> {
        self.inbox
            .run(|conn| {
                conn.execute("UPDATE inbox SET lease_until = 0 WHERE status = 'processing'", []).map_err(sql_error)
            })
            .await
    }
}

fn parse_id(s: &str) -> Result<InboxId, StoreError> {
    s.parse().map_err(|_| StoreError::Invalid(format!("inbox id {s:?} is not a UUID")))
}
