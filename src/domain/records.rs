//! Rows the workflow reads back, typed. Column names follow the frontend's tables
//! (tests/supabase/10_schema.sql).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientId, EmailAddress, EventId, RoomId, TeamId};

pub use super::offer::{OfferRecord, OfferStatus};
pub use super::workflow_state::WorkflowState;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    pub id: ClientId,
    pub team_id: TeamId,
    pub email: EmailAddress,
    pub name: String,
    pub company: Option<String>,
    pub status: String,
    /// Street line(s) of the billing address; with the parts below, step 6
    /// asks for whatever is missing.
    #[serde(default)]
    pub billing_address: Option<String>,
    #[serde(default)]
    pub billing_postal_code: Option<String>,
    #[serde(default)]
    pub billing_city: Option<String>,
    #[serde(default)]
    pub billing_country: Option<String>,
}

impl Client {
    /// Street, postal code and city are known (the country defaults to the venue's).
    pub fn has_billing_address(&self) -> bool {
        let known = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        known(&self.billing_address) && known(&self.billing_postal_code) && known(&self.billing_city)
    }
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

/// An `events` row with the workflow columns (README, "The workflow").
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
    #[serde(default, deserialize_with = "null_as_default")]
    pub room_ids: Vec<RoomId>,
    #[serde(default)]
    pub requirements_hash: Option<String>,
    #[serde(default)]
    pub room_eval_hash: Option<String>,
    #[serde(default)]
    pub offer_hash: Option<String>,
    /// The conversation's memory beyond the columns (`events.workflow_state`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub workflow_state: WorkflowState,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
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
    /// The event's current offer (the latest one not cancelled).
    #[serde(default)]
    pub offer: Option<OfferRecord>,
}
