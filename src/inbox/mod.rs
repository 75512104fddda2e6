//! The durable inbox: every accepted webhook is a row here before the
//! sender gets its 2xx. The row *is* the work queue; workers claim rows with
//! a lease, and a crash only delays them.

mod backoff;
mod worker;
mod writer;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::domain::InboxEvent;
use crate::domain::{EmailAddress, InboxId, TeamId};
use crate::store::StoreError;

pub use backoff::Backoff;
pub use worker::{Handler, HandlerError, Worker, WorkerSettings};
pub use writer::{AppendError, InboxWriter};

/// A webhook accepted at the edge, ready to persist.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub id: InboxId,
    /// The team the entry belongs to, decided at the edge (the mail's
    /// recipient mailbox, the changed row's `team_id`). Only a process
    /// serving this team claims it, and only under it.
    pub team: TeamId,
    /// `supabase`, `email:mailgun`, `cli`, ... (for logs and metrics).
    pub source: String,
    /// Redeliveries carry the same key; the inbox keeps the first.
    pub dedupe_key: String,
    /// Entries with the same key are processed one at a time, in order.
    pub order_key: String,
    /// The `InboxEvent` as JSON, serialized by the request's own thread so
    /// the single inbox writer only runs SQL; typed as JSON so no store
    /// checks it again before the 202.
    pub payload: Box<serde_json::value::RawValue>,
    pub received_at: DateTime<Utc>,
    /// The W3C `traceparent` of the request that accepted the entry (only
    /// when tracing is on), so its processing continues the same trace.
    pub trace_context: Option<String>,
}

impl NewEntry {
    pub fn new(
        team: TeamId,
        source: impl Into<String>,
        dedupe_key: String,
        order_key: String,
        event: &InboxEvent,
        received_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: InboxId::new(),
            team,
            source: source.into(),
            dedupe_key,
            order_key,
            // Plain data with string keys: serialization cannot fail.
            payload: serde_json::value::to_raw_value(event).expect("inbox events serialize"),
            received_at,
            trace_context: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    Accepted(InboxId),
    /// Already in the inbox under this id.
    Duplicate(InboxId),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedEntry {
    pub id: InboxId,
    /// See [`NewEntry::team`].
    pub team: TeamId,
    pub source: String,
    pub order_key: String,
    pub event: InboxEvent,
    /// Including the current one.
    pub attempts: u32,
    /// See [`NewEntry::trace_context`].
    pub trace_context: Option<String>,
}

/// The claim a worker holds on an entry: its id and the attempt it was
/// claimed for. Outcome writes and lease renewals match both, so a worker
/// that outlived its lease (the entry claimed again, `attempts` moved on)
/// cannot overwrite what the new holder records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    pub id: InboxId,
    pub attempt: u32,
}

impl ClaimedEntry {
    pub fn lease(&self) -> Lease {
        Lease { id: self.id, attempt: self.attempts }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    Pending,
    Processing,
    Done,
    Dead,
    /// Put aside by an operator (`inbox discard`): never processed, kept
    /// with who and why ([`Discarded`]) until the keys' retention ends.
    Discarded,
}

impl EntryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Done => "done",
            Self::Dead => "dead",
            Self::Discarded => "discarded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "processing" => Self::Processing,
            "done" => Self::Done,
            "dead" => Self::Dead,
            "discarded" => Self::Discarded,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InboxStats {
    pub pending: u64,
    pub processing: u64,
    pub done: u64,
    pub dead: u64,
    /// Put aside by an operator (`inbox discard`).
    pub discarded: u64,
}

/// Storage of the inbox; implemented by both stores.
#[async_trait]
pub trait Inbox: Send + Sync {
    /// Persists all entries durably in one commit; a duplicate key yields
    /// the id of the entry already stored. Only [`InboxWriter`] calls this,
    /// from a thread of its own, so an implementation may block in it.
    async fn append(&self, entries: &[NewEntry]) -> Result<Vec<Appended>, StoreError>;

    /// Claims up to `limit` due entries of the given `teams` (pending and
    /// due, or processing with an expired lease), oldest first, never two of
    /// one `order_key`, and never one whose key has an older unfinished
    /// entry. Entries of other teams are never returned, whatever their age.
    async fn claim(
        &self,
        teams: &[TeamId],
        limit: usize,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<ClaimedEntry>, StoreError>;

    /// Marks entries done, several in one round trip. Only entries still
    /// held under these leases change; the others were claimed again.
    async fn complete(&self, leases: &[Lease], now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Gives the entry back, due again at `due`, if still held under `lease`.
    async fn retry_at(&self, lease: Lease, due: DateTime<Utc>, error: &str) -> Result<(), StoreError>;

    /// Parks the entry as dead (no more attempts), if still held under `lease`.
    async fn bury(&self, lease: Lease, error: &str) -> Result<(), StoreError>;

    /// Extends the leases of entries still being worked on (a heartbeat),
    /// so a short lease only expires for a worker that stopped.
    async fn renew(&self, leases: &[Lease], lease: Duration) -> Result<(), StoreError>;

    async fn status(&self, id: InboxId) -> Result<Option<EntryStatus>, StoreError>;

    /// Deletes entries done (or discarded) before `before`, de-duplication
    /// keys included; returns how many. Dead ones stay for inspection. A
    /// redelivery after that is processed again, harmlessly: effects are
    /// idempotent on the mail's Message-ID.
    async fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;

    async fn stats(&self) -> Result<InboxStats, StoreError>;

    /// When the oldest unfinished (pending or processing) entry was
    /// received; `None` when nothing waits. Feeds the backlog-age gauge and
    /// alert (README, "Operating").
    async fn oldest_unfinished(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    // Operator actions (README, "Inbox operations"), on both stores.

    /// Entries matching `filter`, newest first, without payloads.
    async fn entries(&self, filter: &EntryFilter) -> Result<Vec<EntryView>, StoreError>;

    /// One entry; its payload only `with_payload`.
    async fn entry(&self, id: InboxId, with_payload: bool) -> Result<Option<EntryView>, StoreError>;

    /// Makes dead or discarded entries (with their payload) pending and due
    /// now; returns the ids it requeued (the others were in another state,
    /// pruned, or unknown). The worker then handles them like any entry:
    /// effects are idempotent, so nothing is sent twice.
    async fn requeue(&self, ids: &[InboxId], now: DateTime<Utc>) -> Result<Vec<InboxId>, StoreError>;

    /// Puts pending or dead entries aside as `discarded`, recording `by` and
    /// `reason`; returns the ids it discarded (entries in hand, done or
    /// unknown are left alone).
    async fn discard(
        &self,
        ids: &[InboxId],
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<InboxId>, StoreError>;

    /// Removes the payloads of entries done or discarded before `before`,
    /// keeping the rows (and so their de-duplication keys); returns how many.
    async fn prune_payloads(&self, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Removes the payloads of every finished entry of the client `email`
    /// (by its ordering key or an address in the payload); dead ones become
    /// discarded with the reason `erased`.
    async fn erase_client(&self, email: &EmailAddress, now: DateTime<Utc>) -> Result<ErasedEntries, StoreError>;
}

/// Which entries an operator lists (`inbox list`, `GET /admin/inbox`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryFilter {
    pub status: Option<EntryStatus>,
    /// Exact source, e.g. `email:mailgun`, `supabase`, `reconcile`.
    pub source: Option<String>,
    /// Only entries received at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// At most this many, newest first (0: no limit).
    pub limit: usize,
}

/// One failed attempt, as recorded when the worker gave an entry back or
/// parked it (`errors`, oldest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttemptError {
    pub at: DateTime<Utc>,
    /// The attempt that failed (1-based).
    pub attempt: u32,
    pub error: String,
}

/// Who put an entry aside, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Discarded {
    pub by: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// An inbox entry as an operator sees it (`inbox show`, `/admin/inbox/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    #[schema(value_type = String, format = Uuid)]
    pub id: InboxId,
    #[schema(value_type = String, format = Uuid)]
    pub team: TeamId,
    pub source: String,
    /// The de-duplication key (`webhook-id`, a Message-ID, ...).
    pub dedupe_key: String,
    /// Entries of one key are processed one at a time (`client:<address>`, ...).
    pub order_key: String,
    pub status: EntryStatus,
    /// Attempts so far; a retried entry keeps counting (leases are fenced by it).
    pub attempts: u32,
    /// Every failed attempt, oldest first.
    pub errors: Vec<AttemptError>,
    pub received_at: DateTime<Utc>,
    /// When a pending entry is next due.
    pub due_at: Option<DateTime<Utc>>,
    /// When it was done or discarded.
    pub finished_at: Option<DateTime<Utc>>,
    pub discarded: Option<Discarded>,
    /// When its payload was removed (retention or erasure); such an entry
    /// cannot be retried.
    pub payload_pruned_at: Option<DateTime<Utc>>,
    /// The stored event, only when asked for: it holds personal data.
    #[schema(value_type = Option<Object>)]
    pub payload: Option<serde_json::Value>,
}

/// What an erasure did to the inbox ([`Inbox::erase_client`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ErasedEntries {
    /// Entries whose payload was removed (dead ones are discarded as well).
    pub erased: Vec<InboxId>,
    /// Entries of the client still pending or in hand, left alone: run the
    /// erasure again once they are processed.
    pub in_flight: Vec<InboxId>,
}
