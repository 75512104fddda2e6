//! Storage behind one trait, two implementations: `embedded` (SQLite, for
//! development and single-node use) and `supabase` (PostgREST). Both pass the
//! same conformance tests (`tests/api/conformance.rs`).

pub mod catalog;
pub mod embedded;
mod sequence;
pub mod supabase;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{
    Booking, Client, EmailAddress, EventId, InboundEmail, InboxId, OfferId, RoomId, SendState, Task, TaskAction,
    TaskDecision, TaskId, TaskStatus,
};
use crate::workflow::{Applied, Catalogue, Plan};

pub use catalog::CatalogFile;

/// Timestamps as both stores write them: RFC 3339, milliseconds, UTC.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Worth retrying: busy database, network, 5xx, 429, timeout.
    #[error("store unavailable")]
    Unavailable(#[source] BoxError),
    /// Credentials or permissions are wrong: retrying will not help.
    #[error("store refused access: {0}")]
    Forbidden(String),
    /// The data does not fit the schema (a bug or a schema mismatch).
    #[error("store rejected the data: {0}")]
    Invalid(String),
    /// A unique constraint refused the write: on an idempotent write, the
    /// work was done before.
    #[error("already stored: {0}")]
    Duplicate(String),
}

impl StoreError {
    pub fn unavailable(e: impl Into<BoxError>) -> Self {
        Self::Unavailable(e.into())
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    /// The same error for another waiter of a failed batch (the source is
    /// kept as text).
    pub fn replicate(&self) -> Self {
        match self {
            Self::Unavailable(e) => Self::Unavailable(e.to_string().into()),
            Self::Forbidden(s) => Self::Forbidden(s.clone()),
            Self::Invalid(s) => Self::Invalid(s.clone()),
            Self::Duplicate(s) => Self::Duplicate(s.clone()),
        }
    }
}

/// See [`Store::mail_context`].
#[derive(Debug, Clone, PartialEq)]
pub struct MailContext {
    pub booking: Option<Booking>,
    pub client: Option<Client>,
}

/// The outcome of claiming a decided task before acting on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This caller owns the effect; the task as stored after the claim.
    Claimed(Box<Task>),
    /// This caller claimed it before (a retry of the same inbox entry):
    /// `payload.send_state` says how far it got.
    Resume(Box<Task>),
    /// Someone already acted on this decision (a redelivery, a replica).
    AlreadyHandled,
    /// A newer draft of the booking replaced this task before the decision
    /// arrived (the task named): nothing may be sent for it.
    Superseded(TaskId),
    NotFound,
}

impl Claim {
    /// What a claim that lost the compare-and-set means for `claimant`:
    /// its own earlier, unfinished claim (resume), or someone else's.
    pub fn of_existing(task: Task, claimant: InboxId) -> Self {
        let mine = task.payload.claimed_by == Some(claimant);
        let unfinished = task.payload.send_state.is_some_and(SendState::unfinished);
        if let Some(newer) = task.payload.superseded_by {
            Claim::Superseded(newer)
        } else if mine && unfinished {
            Claim::Resume(Box::new(task))
        } else {
            Claim::AlreadyHandled
        }
    }
}

/// Domain storage for one team: every read and write is scoped to it.
#[async_trait]
pub trait Store: Send + Sync {
    /// Reachable and usable (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// The team's rooms with their prices and its available products.
    async fn catalogue(&self) -> Result<Catalogue, StoreError>;

    /// Rooms held from `from` to `to` (inclusive) by events in `option` or
    /// `confirmed` other than `except`: (event_date, room) pairs.
    async fn booked_rooms(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        except: EventId,
    ) -> Result<Vec<(NaiveDate, RoomId)>, StoreError>;

    /// 1 + the highest sequence of the offer numbers of `offer_date`'s month
    /// (`OE-YYYY-MM-XXXX`). Two bookings may read the same number at once:
    /// the unique offer number then refuses the second plan, which the store
    /// reports as `Unavailable` so it is planned again with a fresh number.
    async fn next_offer_sequence(&self, offer_date: NaiveDate) -> Result<u32, StoreError>;

    /// Open events whose current offer has its deposit paid but that are not
    /// confirmed yet (a lost deposit webhook): reconciliation confirms them.
    async fn paid_unconfirmed(&self) -> Result<Vec<EventId>, StoreError>;

    async fn client_by_email(&self, email: &EmailAddress) -> Result<Option<Client>, StoreError>;

    /// The open booking a mail belongs to: first by its In-Reply-To and
    /// References against stored mails, then the sender's latest open one.
    async fn booking_for_mail(&self, mail: &InboundEmail) -> Result<Option<Booking>, StoreError>;

    async fn booking(&self, event: EventId) -> Result<Option<Booking>, StoreError>;

    /// The event an offer of this team belongs to.
    async fn event_of_offer(&self, offer: OfferId) -> Result<Option<EventId>, StoreError>;

    /// Everything intake needs about a mail's sender: the open booking it
    /// belongs to, else the known client. One round trip where the store
    /// can (an RPC in Supabase mode).
    async fn mail_context(&self, mail: &InboundEmail) -> Result<MailContext, StoreError> {
        let booking = self.booking_for_mail(mail).await?;
        let client = match &booking {
            Some(b) => Some(b.client.clone()),
            None => self.client_by_email(&mail.from.email).await?,
        };
        Ok(MailContext { booking, client })
    }

    /// Applies a plan atomically. A plan whose inbound mail (by Message-ID)
    /// is already stored writes nothing and reports `duplicate`.
    async fn apply(&self, plan: &Plan) -> Result<Applied, StoreError>;

    /// Applies several plans, each atomically on its own (one failing does
    /// not undo the others), in as few round trips as the store allows.
    async fn apply_many(&self, plans: Vec<Plan>) -> Result<Vec<Result<Applied, StoreError>>, StoreError> {
        let mut out = Vec::with_capacity(plans.len());
        for plan in &plans {
            out.push(self.apply(plan).await);
        }
        Ok(out)
    }

    /// [`Store::mail_context`] for several mails at once.
    async fn mail_contexts(
        &self,
        mails: Vec<InboundEmail>,
    ) -> Result<Vec<Result<MailContext, StoreError>>, StoreError> {
        let mut out = Vec::with_capacity(mails.len());
        for mail in &mails {
            out.push(self.mail_context(mail).await);
        }
        Ok(out)
    }

    async fn task(&self, id: TaskId) -> Result<Option<Task>, StoreError>;

    /// Tasks, newest first, optionally of one status. For operators (CLI,
    /// admin page): it reads every matching task, so the service's own
    /// paths use the bounded reads below.
    async fn tasks(&self, status: Option<TaskStatus>) -> Result<Vec<Task>, StoreError>;

    /// The pending tasks of `events`, newest first: bounded by the events
    /// asked about, whatever the team's history.
    async fn pending_tasks_of(&self, events: &[EventId]) -> Result<Vec<Task>, StoreError>;

    /// How many tasks wait for a manager, by action (the `oe_tasks_pending`
    /// gauge): counted by the database, no task is read into memory. Tasks
    /// whose action the service does not know are left out.
    async fn pending_task_counts(&self) -> Result<Vec<(TaskAction, u64)>, StoreError>;

    /// Conditional update: records the decision on the task (status
    /// `completed`, resolution, edit) and marks it `claimed` by `claimant`
    /// (the inbox entry), but only if nobody has claimed it before.
    async fn claim_task(
        &self,
        decision: &TaskDecision,
        claimant: InboxId,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;

    /// Moves a claimed task to `state` (`sending`, `delivered`), or gives
    /// the claim back with `None` when the effect certainly did not happen.
    /// Only the claimant may.
    async fn set_send_state(
        &self,
        id: TaskId,
        claimant: InboxId,
        state: Option<SendState>,
        outgoing_message_id: Option<&str>,
    ) -> Result<(), StoreError>;

    /// Decisions recorded on tasks that the service has not acted on (a
    /// lost webhook): reconciliation feeds them through the normal path.
    async fn unhandled_decisions(&self) -> Result<Vec<TaskDecision>, StoreError>;

    /// Where follow-ups may be due: the open bookings (events in `lead` or
    /// `option`) whose event is on or after `from`, nearest first, at most
    /// `limit` (one indexed query; the rules in `workflow::due_follow_up`
    /// decide what is due).
    async fn follow_up_candidates(&self, from: NaiveDate, limit: usize) -> Result<Vec<Booking>, StoreError>;

    /// The manager's corrections the database journaled (in the same
    /// transaction as the edit) that are not marked handled, recorded before
    /// `before`, oldest first, at most `limit`: reconciliation feeds them
    /// through the webhook's path when their webhook was lost.
    async fn unhandled_corrections(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<JournaledCorrection>, StoreError>;

    /// Marks a journaled correction handled (idempotent).
    async fn correction_handled(&self, id: i64) -> Result<(), StoreError>;

    /// Erasure (GDPR): empties the bodies (text `[erased]`, no HTML) of the
    /// stored mails from or to `email`; returns how many it emptied (mails
    /// already erased are not counted again).
    async fn erase_client_mail(&self, email: &EmailAddress) -> Result<u64, StoreError>;
}

/// A manager's correction as the database journaled it: the change exactly
/// as its webhook carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct JournaledCorrection {
    pub id: i64,
    pub change: crate::domain::DbChange,
}
