use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::SupabaseStore;
use crate::domain::{EmailAddress, InboxId, TeamId};
use crate::inbox::{
    Appended, AttemptError, ClaimedEntry, Discarded, EntryFilter, EntryStatus, EntryView, ErasedEntries, Inbox,
    InboxEvent, InboxStats, Lease, NewEntry,
};
use crate::store::{timestamp, StoreError};

/// A row of `oe_inbox_append`'s `p_entries`, borrowed from its entry: the
/// request body is written straight from the entries, the payload as the
/// JSON text it already is.
#[derive(Serialize)]
struct AppendRow<'a> {
    id: InboxId,
    team_id: TeamId,
    source: &'a str,
    dedupe_key: &'a str,
    order_key: &'a str,
    payload: &'a RawValue,
    received_at: String,
    trace_context: Option<&'a str>,
}

#[derive(Serialize)]
struct AppendArgs<'a> {
    p_entries: Vec<AppendRow<'a>>,
}

#[derive(Deserialize)]
struct AppendResult {
    id: InboxId,
    duplicate: bool,
}

#[derive(Deserialize)]
struct ClaimedRow {
    id: InboxId,
    team_id: TeamId,
    source: String,
    order_key: String,
    payload: Value,
    attempts: u32,
    #[serde(default)]
    trace_context: Option<String>,
}

/// An `oe_inbox` row as [`EntryView`] reads it.
#[derive(Deserialize)]
struct ViewRow {
    id: InboxId,
    team_id: Option<TeamId>,
    source: String,
    dedupe_key: String,
    order_key: String,
    status: String,
    attempts: u32,
    errors: Vec<AttemptError>,
    received_at: DateTime<Utc>,
    due_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    discarded_by: Option<String>,
    discard_reason: Option<String>,
    payload_pruned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    payload: Option<Value>,
}

const VIEW_COLUMNS: &str = "id,team_id,source,dedupe_key,order_key,status,attempts,errors,received_at,due_at,\
finished_at,discarded_by,discard_reason,payload_pruned_at";

impl ViewRow {
    fn into_view(self) -> Result<EntryView, StoreError> {
        let status = EntryStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Invalid(format!("inbox status {:?}", self.status)))?;
        let discarded = match (self.discarded_by, self.discard_reason) {
            (Some(by), Some(reason)) => Some(Discarded { by, reason, at: self.finished_at.unwrap_or_default() }),
            _ => None,
        };
        Ok(EntryView {
            id: self.id,
            // Entries of a version before teams have none (README, "Venues").
            team: self.team_id.unwrap_or(TeamId(uuid::Uuid::nil())),
            source: self.source,
            dedupe_key: self.dedupe_key,
            order_key: self.order_key,
            status,
            attempts: self.attempts,
            errors: self.errors,
            received_at: self.received_at,
            due_at: self.due_at.filter(|_| status == EntryStatus::Pending),
            finished_at: self.finished_at,
            discarded,
            payload: self.payload.filter(|_| self.payload_pruned_at.is_none()),
            payload_pruned_at: self.payload_pruned_at,
        })
    }
}

#[derive(Deserialize)]
struct IdRow {
    id: InboxId,
}

#[derive(Deserialize)]
struct ErasedRow {
    id: InboxId,
    erased: bool,
}

/// `in.(...)` of ids; PostgREST needs at least one, so an empty list is
/// answered without a request.
fn id_filter(ids: &[InboxId]) -> String {
    format!("id=in.({})", ids.iter().map(InboxId::to_string).collect::<Vec<_>>().join(","))
}

/// A value inside a PostgREST filter, quoted so commas and dots stay literal.
fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

#[derive(Deserialize)]
struct StatusRow {
    status: String,
}

/// The filter of entries still held under a lease: a worker that outlived
/// its lease matches nothing (the entry was claimed again, `attempts` moved).
fn held(ids: &[InboxId], attempt: u32) -> String {
    let list: Vec<String> = ids.iter().map(InboxId::to_string).collect();
    format!("oe_inbox?id=in.({})&attempts=eq.{attempt}&status=eq.processing", list.join(","))
}

/// Leases grouped by attempt (nearly all are the first), one request each.
fn by_attempt(leases: &[Lease]) -> std::collections::BTreeMap<u32, Vec<InboxId>> {
    let mut groups = std::collections::BTreeMap::<u32, Vec<InboxId>>::new();
    for l in leases {
        groups.entry(l.attempt).or_default().push(l.id);
    }
    groups
}

#[async_trait]
impl Inbox for SupabaseStore {
    async fn append(&self, entries: &[NewEntry]) -> Result<Vec<Appended>, StoreError> {
        let rows = entries
            .iter()
            .map(|e| AppendRow {
                id: e.id,
                team_id: e.team,
                source: &e.source,
                dedupe_key: &e.dedupe_key,
                order_key: &e.order_key,
                payload: &e.payload,
                received_at: timestamp(e.received_at),
                trace_context: e.trace_context.as_deref(),
            })
            .collect();
        let results: Vec<AppendResult> = self.rest.rpc("oe_inbox_append", &AppendArgs { p_entries: rows }).await?;
        Ok(results
            .into_iter()
            .map(|r| if r.duplicate { Appended::Duplicate(r.id) } else { Appended::Accepted(r.id) })
            .collect())
    }

    async fn claim(
        &self,
        teams: &[TeamId],
        limit: usize,
        _now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<ClaimedEntry>, StoreError> {
        // Due times are compared with the database's clock, shared by all
        // replicas, rather than each replica's own.
        let args = json!({"p_limit": limit, "p_lease_ms": lease.as_millis() as u64, "p_teams": teams});
        let rows: Vec<ClaimedRow> = self.rest.rpc("oe_inbox_claim", &args).await?;
        let mut entries = Vec::with_capacity(rows.len());
        for r in rows {
            match serde_json::from_value::<InboxEvent>(r.payload) {
                Ok(event) => entries.push(ClaimedEntry {
                    id: r.id,
                    team: r.team_id,
                    source: r.source,
                    order_key: r.order_key,
                    event,
                    attempts: r.attempts,
                    trace_context: r.trace_context,
                }),
                // Unreadable (e.g. written by an incompatible version):
                // park it, do not let it block the rest.
                Err(e) => {
                    tracing::error!(inbox_id = %r.id, error = %e, "unreadable inbox entry parked as dead");
                    self.bury(Lease { id: r.id, attempt: r.attempts }, &format!("unreadable payload: {e}")).await?;
                }
            }
        }
        Ok(entries)
    }

    async fn complete(&self, leases: &[Lease], now: DateTime<Utc>) -> Result<(), StoreError> {
        let body = json!({"status": "done", "lease_until": null, "finished_at": timestamp(now)});
        for (attempt, ids) in by_attempt(leases) {
            self.rest.patch(&held(&ids, attempt), &body).await?;
        }
        Ok(())
    }

    async fn retry_at(&self, lease: Lease, due: DateTime<Utc>, error: &str) -> Result<(), StoreError> {
        let body = json!({"status": "pending", "lease_until": null, "due_at": timestamp(due), "last_error": error});
        self.rest.patch(&held(&[lease.id], lease.attempt), &body).await.map(drop)
    }

    async fn bury(&self, lease: Lease, error: &str) -> Result<(), StoreError> {
        let body = json!({"status": "dead", "lease_until": null, "last_error": error});
        self.rest.patch(&held(&[lease.id], lease.attempt), &body).await.map(drop)
    }

    async fn renew(&self, leases: &[Lease], lease: Duration) -> Result<(), StoreError> {
        // The database's clock, like the claim's.
        for (attempt, ids) in by_attempt(leases) {
            let args = json!({"p_ids": ids, "p_attempts": attempt, "p_lease_ms": lease.as_millis() as u64});
            self.rest.rpc::<Value>("oe_inbox_renew", &args).await?;
        }
        Ok(())
    }

    async fn status(&self, id: InboxId) -> Result<Option<EntryStatus>, StoreError> {
        let rows: Vec<StatusRow> = self.rest.get(&format!("oe_inbox?id=eq.{id}&select=status")).await?;
        Ok(rows.first().and_then(|r| EntryStatus::parse(&r.status)))
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let req = self
            .rest
            .request(
                reqwest::Method::DELETE,
                &format!("oe_inbox?status=in.(done,discarded)&finished_at=lt.{}", timestamp(before)),
            )
            .header("Prefer", "return=representation")
            .query(&[("select", "id")]);
        let deleted: Vec<Value> = self.rest.send(req).await?;
        Ok(deleted.len() as u64)
    }

    async fn stats(&self) -> Result<InboxStats, StoreError> {
        let v: Value = self.rest.rpc("oe_inbox_stats", &json!({})).await?;
        let n = |k: &str| v[k].as_u64().unwrap_or(0);
        Ok(InboxStats {
            pending: n("pending"),
            processing: n("processing"),
            done: n("done"),
            dead: n("dead"),
            discarded: n("discarded"),
        })
    }

    async fn oldest_unfinished(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        #[derive(Deserialize)]
        struct Received {
            received_at: DateTime<Utc>,
        }
        let rows: Vec<Received> =
            self.rest.get("oe_inbox?status=in.(pending,processing)&order=seq.asc&limit=1&select=received_at").await?;
        Ok(rows.first().map(|r| r.received_at))
    }
    async fn entries(&self, filter: &EntryFilter) -> Result<Vec<EntryView>, StoreError> {
        let mut query = vec![("select", VIEW_COLUMNS.to_string()), ("order", "seq.desc".to_string())];
        if let Some(status) = filter.status {
            query.push(("status", format!("eq.{}", status.as_str())));
        }
        if let Some(source) = &filter.source {
            query.push(("source", format!("eq.{}", quoted(source))));
        }
        if let Some(since) = filter.since {
            query.push(("received_at", format!("gte.{}", timestamp(since))));
        }
        if filter.limit > 0 {
            query.push(("limit", filter.limit.to_string()));
        }
        let req = self.rest.request(reqwest::Method::GET, "oe_inbox").query(&query);
        let rows: Vec<ViewRow> = self.rest.send(req).await?;
        rows.into_iter().map(ViewRow::into_view).collect()
    }

    async fn entry(&self, id: InboxId, with_payload: bool) -> Result<Option<EntryView>, StoreError> {
        let columns = if with_payload { format!("{VIEW_COLUMNS},payload") } else { VIEW_COLUMNS.to_string() };
        let rows: Vec<ViewRow> = self.rest.get(&format!("oe_inbox?id=eq.{id}&select={columns}")).await?;
        rows.into_iter().next().map(ViewRow::into_view).transpose()
    }

    async fn requeue(&self, ids: &[InboxId], now: DateTime<Utc>) -> Result<Vec<InboxId>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let body = json!({"status": "pending", "due_at": timestamp(now), "lease_until": null, "finished_at": null,
                          "discarded_by": null, "discard_reason": null});
        let path =
            format!("oe_inbox?{}&status=in.(dead,discarded)&payload_pruned_at=is.null&select=id", id_filter(ids));
        let rows = self.rest.patch(&path, &body).await?;
        ids_of(rows)
    }

    async fn discard(
        &self,
        ids: &[InboxId],
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<InboxId>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let body = json!({"status": "discarded", "finished_at": timestamp(now), "lease_until": null,
                          "discarded_by": by, "discard_reason": reason});
        let rows =
            self.rest.patch(&format!("oe_inbox?{}&status=in.(pending,dead)&select=id", id_filter(ids)), &body).await?;
        ids_of(rows)
    }

    async fn prune_payloads(&self, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let body = json!({"payload": {}, "payload_pruned_at": timestamp(now)});
        let path = format!(
            "oe_inbox?status=in.(done,discarded)&finished_at=lt.{}&payload_pruned_at=is.null&select=id",
            timestamp(before)
        );
        Ok(self.rest.patch(&path, &body).await?.len() as u64)
    }

    async fn erase_client(&self, email: &EmailAddress, _now: DateTime<Utc>) -> Result<ErasedEntries, StoreError> {
        let rows: Vec<ErasedRow> = self.rest.rpc("oe_inbox_erase", &json!({"p_email": email.as_str()})).await?;
        let mut out = ErasedEntries::default();
        for r in rows {
            if r.erased {
                out.erased.push(r.id)
            } else {
                out.in_flight.push(r.id)
            }
        }
        Ok(out)
    }
}

fn ids_of(rows: Vec<Value>) -> Result<Vec<InboxId>, StoreError> {
    rows.into_iter()
        .map(|r| serde_json::from_value::<IdRow>(r).map(|r| r.id).map_err(|e| StoreError::Invalid(e.to_string())))
        .collect()
}
