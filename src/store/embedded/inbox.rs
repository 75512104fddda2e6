use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::db::{json_list, sql_error};
use super::intake;
use super::EmbeddedStore;
use crate::domain::{EmailAddress, InboxId, TeamId};
use crate::inbox::{
    Appended, AttemptError, ClaimedEntry, Discarded, EntryFilter, EntryStatus, EntryView, ErasedEntries, Inbox,
    InboxStats, Lease, NewEntry,
};
use crate::store::StoreError;

#[async_trait]
impl Inbox for EmbeddedStore {
    async fn append(&self, entries: &[NewEntry]) -> Result<Vec<Appended>, StoreError> {
        // Inline, not on the blocking pool: the inbox writer calls this from
        // a thread of its own (see `Inbox::append`).
        self.intake.append(entries)
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
        let intake = self.intake.clone();
        self.inbox
            .run(move |conn| {
                let mut claimed = claim_due(conn, &teams, limit, now_ms, lease_until)?;
                // Intake rows are newer than every inbox entry: they matter
                // only once the inbox has too few due entries, and moving
                // them then, a chunk at a time, keeps moves (CPU the
                // acknowledgements need) rare during a burst.
                if claimed.len() < limit && intake.settle(conn, intake::CHUNK)? > 0 {
                    claimed.extend(claim_due(conn, &teams, limit - claimed.len(), now_ms, lease_until)?);
                }
                let mut entries = Vec::with_capacity(claimed.len());
                for ClaimedRow { id, team, source, order_key, payload, attempts, trace_context } in claimed {
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
        self.settled(move |conn| {
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
                conn.execute("DELETE FROM inbox WHERE status IN ('done', 'discarded') AND finished_at < ?1", [before])
                    .map(|n| n as u64)
                    .map_err(sql_error)
            })
            .await
    }

    async fn stats(&self) -> Result<InboxStats, StoreError> {
        // /readyz and /metrics ask for this during a burst, and moving the
        // whole intake then would take the CPU the acknowledgements need:
        // the entries this process appended and has not moved count as
        // pending where they are. When it holds none, whatever another
        // process (a CLI) appended is moved first, so it is counted too.
        let held = self.intake.held()?;
        let intake = self.intake.clone();
        self.inbox
            .run(move |conn| {
                if held == 0 {
                    intake.settle_all(conn)?;
                }
                let mut stats = InboxStats { pending: held, ..InboxStats::default() };
                let mut stmt = conn
                    .prepare_cached("SELECT status, count(*) FROM inbox INDEXED BY inbox_status GROUP BY status")
                    .map_err(sql_error)?;
                let rows =
                    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))).map_err(sql_error)?;
                for row in rows {
                    let (status, n) = row.map_err(sql_error)?;
                    match EntryStatus::parse(&status) {
                        Some(EntryStatus::Pending) => stats.pending += n,
                        Some(EntryStatus::Processing) => stats.processing = n,
                        Some(EntryStatus::Done) => stats.done = n,
                        Some(EntryStatus::Dead) => stats.dead = n,
                        Some(EntryStatus::Discarded) => stats.discarded = n,
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
    async fn entries(&self, filter: &EntryFilter) -> Result<Vec<EntryView>, StoreError> {
        let status = filter.status.map(EntryStatus::as_str);
        let source = filter.source.clone();
        let since = filter.since.map(|t| t.timestamp_millis());
        let limit = if filter.limit == 0 { -1 } else { filter.limit as i64 };
        self.settled(move |conn| {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "SELECT {VIEW_COLUMNS}, NULL FROM inbox
                         WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR source = ?2) AND (?3 IS NULL OR received_at >= ?3)
                         ORDER BY seq DESC LIMIT ?4"
                    ))
                    .map_err(sql_error)?;
                let rows = stmt.query_map(params![status, source, since, limit], view_row).map_err(sql_error)?;
                rows.map(|r| r.map_err(sql_error).and_then(|r| r.into_view())).collect()
            })
            .await
    }

    async fn entry(&self, id: InboxId, with_payload: bool) -> Result<Option<EntryView>, StoreError> {
        self.settled(move |conn| {
            let payload = if with_payload { "CASE WHEN payload_pruned_at IS NULL THEN payload END" } else { "NULL" };
            conn.query_row(
                &format!("SELECT {VIEW_COLUMNS}, {payload} FROM inbox WHERE id = ?1"),
                [id.to_string()],
                view_row,
            )
            .optional()
            .map_err(sql_error)?
            .map(ViewRow::into_view)
            .transpose()
        })
        .await
    }

    async fn requeue(&self, ids: &[InboxId], now: DateTime<Utc>) -> Result<Vec<InboxId>, StoreError> {
        let ids = json_list(ids);
        let now = now.timestamp_millis();
        self.inbox
            .run(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "UPDATE inbox SET status = 'pending', due_at = ?2, lease_until = NULL, finished_at = NULL,
                             discarded_by = NULL, discard_reason = NULL
                         WHERE id IN (SELECT value FROM json_each(?1)) AND status IN ('dead', 'discarded')
                           AND payload_pruned_at IS NULL
                         RETURNING id",
                    )
                    .map_err(sql_error)?;
                let rows = stmt.query_map(params![ids, now], |r| r.get::<_, String>(0)).map_err(sql_error)?;
                rows.map(|r| r.map_err(sql_error).and_then(|s| parse_id(&s))).collect()
            })
            .await
    }

    async fn discard(
        &self,
        ids: &[InboxId],
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<InboxId>, StoreError> {
        let (ids, by, reason, now) = (json_list(ids), by.to_string(), reason.to_string(), now.timestamp_millis());
        self.settled(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "UPDATE inbox SET status = 'discarded', finished_at = ?4, lease_until = NULL,
                             discarded_by = ?2, discard_reason = ?3
                         WHERE id IN (SELECT value FROM json_each(?1)) AND status IN ('pending', 'dead')
                         RETURNING id",
                )
                .map_err(sql_error)?;
            let rows = stmt.query_map(params![ids, by, reason, now], |r| r.get::<_, String>(0)).map_err(sql_error)?;
            rows.map(|r| r.map_err(sql_error).and_then(|s| parse_id(&s))).collect()
        })
        .await
    }

    async fn prune_payloads(&self, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let (before, now) = (before.timestamp_millis(), now.timestamp_millis());
        self.inbox
            .run(move |conn| {
                conn.execute(
                    "UPDATE inbox SET payload = '{}', payload_pruned_at = ?2
                     WHERE status IN ('done', 'discarded') AND finished_at < ?1 AND payload_pruned_at IS NULL",
                    [before, now],
                )
                .map(|n| n as u64)
                .map_err(sql_error)
            })
            .await
    }

    async fn erase_client(&self, email: &EmailAddress, now: DateTime<Utc>) -> Result<ErasedEntries, StoreError> {
        let (email, now) = (email.as_str().to_string(), now.timestamp_millis());
        self.settled(move |conn| {
            let tx = conn.transaction().map_err(sql_error)?;
            // The client's own entries (ordered by their address), and any
            // other that names the address (a task's recipient, ...).
            const MATCH: &str =
                "payload_pruned_at IS NULL AND (order_key = 'client:' || ?1 OR instr(lower(payload), ?1) > 0)";
            let ids = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<Vec<InboxId>, StoreError> {
                let mut stmt = tx.prepare(sql).map_err(sql_error)?;
                let rows = stmt.query_map(args, |r| r.get::<_, String>(0)).map_err(sql_error)?;
                rows.map(|r| r.map_err(sql_error).and_then(|s| parse_id(&s))).collect()
            };
            let in_flight =
                ids(&format!("SELECT id FROM inbox WHERE status IN ('pending', 'processing') AND {MATCH}"), &[&email])?;
            let erased = ids(
                &format!(
                    "UPDATE inbox SET payload = '{{}}', payload_pruned_at = ?2,
                             discarded_by = CASE status WHEN 'dead' THEN 'erase' ELSE discarded_by END,
                             discard_reason = CASE status WHEN 'dead' THEN 'erased' ELSE discard_reason END,
                             finished_at = coalesce(finished_at, ?2),
                             status = CASE status WHEN 'dead' THEN 'discarded' ELSE status END
                         WHERE status IN ('done', 'dead', 'discarded') AND {MATCH}
                         RETURNING id"
                ),
                &[&email, &now],
            )?;
            tx.commit().map_err(sql_error)?;
            Ok(ErasedEntries { erased, in_flight })
        })
        .await
    }
}

/// An entry as its claim returned it, before its payload is read.
struct ClaimedRow {
    id: String,
    team: String,
    source: String,
    order_key: String,
    payload: String,
    attempts: u32,
    trace_context: Option<String>,
}

/// Leases up to `limit` of the oldest due entries of `teams` (a JSON array)
/// whose booking (order key) has no older unfinished entry: per-booking
/// order, and no two workers on one booking. Times are Unix ms.
fn claim_due(
    conn: &mut rusqlite::Connection,
    teams: &str,
    limit: usize,
    now_ms: i64,
    lease_until: i64,
) -> Result<Vec<ClaimedRow>, StoreError> {
    // Its first statement writes: it takes the write lock at once.
    let tx = conn.transaction().map_err(sql_error)?;
    let rows = tx
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
        .and_then(|mut stmt| {
            stmt.query_map(params![now_ms, lease_until, limit as i64, teams], |r| {
                Ok(ClaimedRow {
                    id: r.get(0)?,
                    team: r.get(1)?,
                    source: r.get(2)?,
                    order_key: r.get(3)?,
                    payload: r.get(4)?,
                    attempts: r.get(5)?,
                    trace_context: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(sql_error)?;
    tx.commit().map_err(sql_error)?;
    Ok(rows)
}

/// The columns of an [`EntryView`], in [`view_row`]'s order (the payload
/// comes last, chosen by the caller).
const VIEW_COLUMNS: &str = "id, team_id, source, dedupe_key, order_key, status, attempts, errors, received_at,
    CASE status WHEN 'pending' THEN due_at END, finished_at, discarded_by, discard_reason, payload_pruned_at";

struct ViewRow {
    id: String,
    team: String,
    source: String,
    dedupe_key: String,
    order_key: String,
    status: String,
    attempts: u32,
    errors: String,
    received_at: i64,
    due_at: Option<i64>,
    finished_at: Option<i64>,
    discarded_by: Option<String>,
    discard_reason: Option<String>,
    payload_pruned_at: Option<i64>,
    payload: Option<String>,
}

fn view_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ViewRow> {
    Ok(ViewRow {
        id: r.get(0)?,
        team: r.get(1)?,
        source: r.get(2)?,
        dedupe_key: r.get(3)?,
        order_key: r.get(4)?,
        status: r.get(5)?,
        attempts: r.get(6)?,
        errors: r.get(7)?,
        received_at: r.get(8)?,
        due_at: r.get(9)?,
        finished_at: r.get(10)?,
        discarded_by: r.get(11)?,
        discard_reason: r.get(12)?,
        payload_pruned_at: r.get(13)?,
        payload: r.get(14)?,
    })
}

fn millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Invalid(format!("inbox time {ms} out of range")))
}

impl ViewRow {
    fn into_view(self) -> Result<EntryView, StoreError> {
        let invalid = |what: &str, e: &dyn std::fmt::Display| StoreError::Invalid(format!("inbox {what}: {e}"));
        let finished_at = self.finished_at.map(millis).transpose()?;
        let discarded = match (self.discarded_by, self.discard_reason) {
            (Some(by), Some(reason)) => Some(Discarded { by, reason, at: finished_at.unwrap_or_default() }),
            _ => None,
        };
        Ok(EntryView {
            id: parse_id(&self.id)?,
            team: self.team.parse().map_err(|_| StoreError::Invalid(format!("inbox team {:?}", self.team)))?,
            source: self.source,
            dedupe_key: self.dedupe_key,
            order_key: self.order_key,
            status: EntryStatus::parse(&self.status).ok_or_else(|| invalid("status", &self.status))?,
            attempts: self.attempts,
            errors: serde_json::from_str::<Vec<AttemptError>>(&self.errors).map_err(|e| invalid("errors", &e))?,
            received_at: millis(self.received_at)?,
            due_at: self.due_at.map(millis).transpose()?,
            finished_at,
            discarded,
            payload_pruned_at: self.payload_pruned_at.map(millis).transpose()?,
            payload: self.payload.map(|p| serde_json::from_str(&p)).transpose().map_err(|e| invalid("payload", &e))?,
        })
    }
}

impl EmbeddedStore {
    /// Runs `f` on the inbox connection once every row of the intake has
    /// moved into the inbox, so `f` sees every accepted entry.
    async fn settled<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let intake = self.intake.clone();
        self.inbox
            .run(move |conn| {
                intake.settle_all(conn)?;
                f(conn)
            })
            .await
    }

    /// See [`Inbox::oldest_unfinished`]; the walk of `inbox_open` from its
    /// head finds it at once, however long the backlog.
    async fn oldest_unfinished_entry(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        // Not `settled` (see `stats`): every intake record is newer than
        // any inbox entry, so the intake's first record counts only when
        // the inbox has no unfinished entry.
        let head: Option<i64> = self
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
        let ms = match head {
            Some(ms) => Some(ms),
            None => self.intake.oldest_received_at()?,
        };
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

pub(super) fn parse_id(s: &str) -> Result<InboxId, StoreError> {
    s.parse().map_err(|_| StoreError::Invalid(format!("inbox id {s:?} is not a UUID")))
}
