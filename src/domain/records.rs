//! Rows the workflow reads back, typed. Column names follow SPEC §6.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientId, EmailAddress, EventId, RoomId, TeamId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    pub id: ClientId,
    pub team_id: TeamId,
    pub email: EmailAddress,
    pub name: String,
    pub company: Option<String>,
    pub status: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Lead,
    Option,
    Confirmed,
    Cancelled,
}

impl EventStatus {
    pub fn is_open(self) -> bool {
        matches!(self, Self::Lead | Self::Option | Self::Confirmed)
    }
}

/// An `events` row with the workflow columns (SPEC §6, WORKFLOW.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub team_id: TeamId,
    pub client_id: Option<ClientId>,
    pub title: String,
    pub event_date: NaiveDate,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub attendees: Option<i32>,
    pub status: EventStatus,
    pub current_step: i32,
    pub date_confirmed: bool,
    pub caller_step: Option<i32>,
    pub seating_layout: Option<String>,
    pub preferred_room: Option<String>,
    #[serde(default)]
    pub room_ids: Vec<RoomId>,
}

/// A mail stored in `emails`, as far as threading needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEmail {
    pub message_id: Option<String>,
    pub subject: String,
    pub references: Vec<String>,
    pub is_sent: bool,
    pub received_at: DateTime<Utc>,
}

impl StoredEmail {
    /// Rebuilds References from what `emails` keeps: the thread root and
    /// the parent (RFC 5322 allows trimming the middle of the chain).
    pub fn new(
        message_id: Option<String>,
        subject: String,
        thread_id: Option<String>,
        in_reply_to: Option<String>,
        is_sent: bool,
        received_at: DateTime<Utc>,
    ) -> Self {
        let mut references: Vec<String> = Vec::new();
        for r in [thread_id, in_reply_to].into_iter().flatten() {
            if Some(&r) != message_id.as_ref() && !references.contains(&r) {
                references.push(r);
            }
        }
        Self { message_id, subject, references, is_sent, received_at }
    }
}

/// One conversation about one event: what a step handler needs to decide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booking {
    pub client: Client,
    pub event: Event,
    /// The client's latest inbound mail, to thread replies to it.
    pub last_inbound: Option<StoredEmail>,
}

/// A bookable room (read only). Per-layout capacities fall back to `capacity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub id: RoomId,
    pub name: String,
    pub capacity: Option<i32>,
    pub theater_capacity: Option<i32>,
    pub cocktail_capacity: Option<i32>,
    pub seated_dinner_capacity: Option<i32>,
    pub standing_capacity: Option<i32>,
    #[serde(default)]
    pub amenities: Vec<String>,
}
