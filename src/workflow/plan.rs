//! What a step handler decides: the writes to make (applied atomically by
//! the store, one transaction or one RPC) and the mail to send.
//!
//! A plan never carries `team_id`, `user_id` or foreign keys between its own
//! rows: the store fills those in, so a handler cannot write a row for the
//! wrong tenant or point a task at the wrong event.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ClientId, EmailAddress, EventId, EventStatus, TaskCategory, TaskId, TaskPayload, TaskPriority};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub client: Option<ClientWrite>,
    pub event: Option<EventWrite>,
    /// Inbound and outbound mails; rows are tied to the plan's event/client.
    pub emails: Vec<EmailWrite>,
    pub tasks: Vec<TaskWrite>,
    pub task_updates: Vec<TaskUpdate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ClientWrite {
    /// Find the client by (team, lower-cased email) or create it. Done in
    /// the same transaction as the rest, so concurrent inquiries from one
    /// new sender cannot create two clients.
    Ensure(NewClient),
    /// Use this existing client.
    Existing { id: ClientId },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewClient {
    pub email: EmailAddress,
    pub name: String,
    pub company: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum EventWrite {
    Create(NewEvent),
    Update { id: EventId, patch: EventPatch },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub description: Option<String>,
}

/// Columns to change on an existing event; `None` leaves a column as is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_step: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_confirmed: Option<bool>,
}

impl EventPatch {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// An `emails` row. For inbound mail, `message_id` doubles as the
/// idempotency key of the whole plan: a plan whose inbound mail is already
/// stored is not applied again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskWrite {
    pub title: String,
    pub description: Option<String>,
    pub category: TaskCategory,
    pub priority: TaskPriority,
    pub client_name: Option<String>,
    pub payload: TaskPayload,
}

/// Marks how the service acted on a decided task (`payload.send_state`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskUpdate {
    pub id: TaskId,
    pub send_state: String,
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
}
