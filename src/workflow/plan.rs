//! What a step handler decides: the writes to make (applied atomically by
//! the store, one transaction or one RPC) and the mail to send.
//!
//! A plan never carries `team_id`, `user_id` or foreign keys between its own
//! rows: the store fills those in, so a handler cannot write a row for the
//! wrong tenant or point a task at the wrong event.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize, Serializer};

use super::offer::{Deposit, LineItem};
use crate::domain::{
    ClientId, EmailAddress, Event, EventId, EventStatus, OfferId, OfferStatus, RoomId, SendState, TaskCategory, TaskId,
    TaskPayload, TaskPriority, TeamId, WorkflowState,
};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// The team whose input this plan answers (the inbox entry's), stamped
    /// by the dispatcher. A store refuses a plan of another team than its
    /// own, whole (`oe_apply_plan` raises `OE002`); unset, the store's team.
    #[serde(skip_serializing_if = "Option::is_none", rename = "team_id")]
    pub team: Option<TeamId>,
    pub client: Option<ClientWrite>,
    /// Columns to change on the plan's client (billing details, status).
    #[serde(skip_serializing_if = "ClientPatch::is_empty")]
    pub client_update: ClientPatch,
    pub event: Option<EventWrite>,
    /// Offers of the plan's event: a new one with its line items, status changes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<OfferWrite>,
    /// Inbound and outbound mails; rows are tied to the plan's event/client.
    pub emails: Vec<EmailWrite>,
    pub tasks: Vec<TaskWrite>,
    pub task_updates: Vec<TaskUpdate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ClientWrite {
    /// Find the client by (team, lower-cased email) or create it. Done in
    /// the same transaction as the rest, so concurrent inquiries from one
    /// new sender cannot create two clients.
    Ensure(NewClient),
    /// Use this existing client.
    Existing { id: ClientId },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewClient {
    pub email: EmailAddress,
    pub name: String,
    pub company: Option<String>,
}

/// Billing details and status; `None` leaves a column as is.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClientPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_country: Option<String>,
}

impl ClientPatch {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum EventWrite {
    Create(NewEvent),
    /// `expected_turn`: apply only if the event's `workflow_state.turn` is
    /// still this (no other turn wrote the booking since it was read);
    /// otherwise the store refuses the plan as `Unavailable` and it is
    /// planned again on fresh state.
    Update {
        id: EventId,
        patch: EventPatch,
        #[serde(skip_serializing_if = "Option::is_none")]
        expected_turn: Option<u64>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewEvent {
    pub title: String,
    pub event_date: NaiveDate,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub attendees: Option<i32>,
    pub status: EventStatus,
    pub current_step: i32,
    pub date_confirmed: bool,
    pub seating_layout: Option<String>,
    /// A room the client named ("Room B").
    pub preferred_room: Option<String>,
    pub description: Option<String>,
    pub workflow_state: WorkflowState,
}

/// Columns to change on an existing event; `None` leaves a column as is.
/// `caller_step: Some(None)` clears the column (serialized as `null`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EventPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_step: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_confirmed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "inner")]
    pub caller_step: Option<Option<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<NaiveTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<NaiveTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendees: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seating_layout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_room: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_ids: Option<Vec<RoomId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirements_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_eval_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_state: Option<WorkflowState>,
}

fn inner<S: Serializer>(v: &Option<Option<i32>>, s: S) -> Result<S::Ok, S::Error> {
    v.flatten().serialize(s)
}

impl EventPatch {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// The columns that differ from `before` to `after`: handlers change a
    /// copy of the event and write only the difference.
    pub fn between(before: &Event, after: &Event) -> Self {
        fn changed<T: PartialEq + Clone>(a: &T, b: &T) -> Option<T> {
            (a != b).then(|| b.clone())
        }
        Self {
            status: changed(&before.status, &after.status),
            current_step: changed(&before.current_step, &after.current_step),
            date_confirmed: changed(&before.date_confirmed, &after.date_confirmed),
            caller_step: changed(&before.caller_step, &after.caller_step),
            event_date: changed(&before.event_date, &after.event_date),
            start_time: changed(&before.start_time, &after.start_time),
            end_time: changed(&before.end_time, &after.end_time),
            attendees: changed(&before.attendees, &after.attendees).flatten(),
            seating_layout: changed(&before.seating_layout, &after.seating_layout).flatten(),
            preferred_room: changed(&before.preferred_room, &after.preferred_room).flatten(),
            room_ids: changed(&before.room_ids, &after.room_ids),
            requirements_hash: changed(&before.requirements_hash, &after.requirements_hash).flatten(),
            room_eval_hash: changed(&before.room_eval_hash, &after.room_eval_hash).flatten(),
            offer_hash: changed(&before.offer_hash, &after.offer_hash).flatten(),
            workflow_state: changed(&before.workflow_state, &after.workflow_state),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OfferWrite {
    Create(NewOffer),
    Update { id: OfferId, patch: OfferPatch },
}

/// A new offer of the plan's event (status `draft`). Its id is chosen by the
/// handler so the plan's task can point at it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewOffer {
    pub id: OfferId,
    pub offer_number: String,
    pub subject: String,
    pub offer_date: NaiveDate,
    pub valid_until: NaiveDate,
    pub subtotal_rappen: i64,
    pub vat_rappen: i64,
    pub total_rappen: i64,
    pub deposit: Option<Deposit>,
    pub items: Vec<LineItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OfferPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<OfferStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deposit_paid_at: Option<DateTime<Utc>>,
}

/// An `emails` row. For inbound mail, `message_id` doubles as the
/// idempotency key of the whole plan: a plan whose inbound mail is already
/// stored is not applied again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmailWrite {
    pub from_email: String,
    pub to_email: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub is_sent: bool,
    pub received_at: DateTime<Utc>,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    /// The thread root's Message-ID (`emails.thread_id`).
    pub thread_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskWrite {
    pub title: String,
    pub description: Option<String>,
    pub category: TaskCategory,
    pub priority: TaskPriority,
    pub client_name: Option<String>,
    pub payload: TaskPayload,
}

/// Marks how the service acted on a decided task (`payload.send_state`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskUpdate {
    pub id: TaskId,
    pub send_state: SendState,
}

/// What `Store::apply` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub client_id: Option<ClientId>,
    pub event_id: Option<EventId>,
    pub task_ids: Vec<TaskId>,
    /// The plan's inbound mail was already stored: nothing was written.
    pub duplicate: bool,
}

/// A message to send to the client after approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub from: EmailAddress,
    pub from_name: String,
    pub to: EmailAddress,
    pub to_name: Option<String>,
    pub subject: String,
    pub body: String,
    /// Bare Message-ID of this mail, stored so the client's reply threads.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// A calendar entry to attach (`.ics`): the confirmed event, a booked
    /// site visit.
    pub invite: Option<Invite>,
}

/// What a calendar entry says, in the venue's local time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invite {
    /// Stable per booking and kind, so a calendar updates rather than
    /// duplicates the entry when a new invite follows.
    pub uid: String,
    pub summary: String,
    pub location: String,
    pub start: chrono::NaiveDateTime,
    pub end: chrono::NaiveDateTime,
    pub timezone: chrono_tz::Tz,
}
