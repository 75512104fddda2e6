use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::SupabaseStore;
use crate::domain::{InboxId, TeamId};
use crate::inbox::{Appended, ClaimedEntry, EntryStatus, Inbox, InboxEvent, InboxStats, Lease, NewEntry};
use crate::store::{timestamp, StoreError};

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
    async fn append(&self, entries: Vec<NewEntry>) -> Result<Vec<Appended>, StoreError> {
        let rows = entries
            .iter()
            .map(|e| {
                // The payload is JSON already: embed it as is.
                let payload =
                    RawValue::from_string(e.payload.clone()).map_err(|e| StoreError::Invalid(e.to_string()))?;
                Ok(json!({
                    "id": e.id, "team_id": e.team, "source": e.source, "dedupe_key": e.dedupe_key, "order_key": e.order_key,
                    "payload": payload, "received_at": timestamp(e.received_at), "trace_context": e.trace_context,
                }))
            })
            .collect::<Result<Vec<Value>, StoreError>>()?;
        let results: Vec<AppendResult> = self.rest.rpc("oe_inbox_append", &json!({"p_entries": rows})).await?;
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
            .request(reqwest::Method::DELETE, &format!("oe_inbox?status=eq.done&finished_at=lt.{}", timestamp(before)))
            .header("Prefer", "return=representation")
            .query(&[("select", "id")]);
        let deleted: Vec<Value> = self.rest.send(req).await?;
        Ok(deleted.len() as u64)
    }

    async fn stats(&self) -> Result<InboxStats, StoreError> {
        let v: Value = self.rest.rpc("oe_inbox_stats", &json!({})).await?;
        let n = |k: &str| v[k].as_u64().unwrap_or(0);
        Ok(InboxStats { pending: n("pending"), processing: n("processing"), done: n("done"), dead: n("dead") })
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
}
