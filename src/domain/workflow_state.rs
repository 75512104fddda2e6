//! What the conversation remembers beyond the event's columns, kept in one
//! jsonb column (`events.workflow_state`): the proposals the client may pick
//! from, the wishes that feed the offer, and guards against repeats.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{OfferId, ProductId, RoomId};
use crate::workflow::extract::{Language, VagueDate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkflowState {
    /// Counts the turns that wrote the booking: a turn's write is applied
    /// only if no other turn wrote in between (optimistic concurrency).
    pub turn: u64,
    /// The client's language, for drafts made without a mail (approvals,
    /// the deposit webhook).
    pub language: Option<Language>,
    /// `event_date` is a date the client asked for, not intake's placeholder.
    pub date_requested: bool,
    /// The client gave no time: `start_time`/`end_time` are the venue's
    /// defaults, and drafts say so.
    pub times_assumed: bool,
    /// The client gave a start but no end: `end_time` is assumed, and
    /// drafts say the end is to be confirmed rather than state it.
    pub end_assumed: bool,
    /// "A Friday in May": the month to propose dates from.
    pub vague_date: Option<VagueDate>,
    /// Dates the client would take ("the 12th or the 19th"), checked in order.
    pub date_options: Vec<NaiveDate>,
    /// Dates offered to the client, who may answer "the second one".
    pub proposed_dates: Vec<NaiveDate>,
    /// Rooms offered, best first; the first is held when the manager approves.
    pub proposed_rooms: Vec<RoomId>,
    /// What the room proposal was made for (requirements and date): an
    /// approval of an older proposal, or a new request, is told apart by it.
    pub rooms_proposed_for: Option<String>,
    /// Amenities the client asked for, in their words.
    pub wanted_amenities: Vec<String>,
    /// Products for the offer.
    pub products: Vec<ProductChoice>,
    /// A discount the client asked for, for the manager to approve or not.
    pub discount_percent: Option<u32>,
    pub site_visit: Option<SiteVisit>,
    /// The last inbound body's digest: an identical mail shortly after is a resend.
    pub last_mail: Option<MailDigest>,
    /// A confirmation of the current offer is drafted: a repeated deposit
    /// report adds no second one (a new offer clears it).
    pub confirmation_drafted: bool,
    /// The offer whose paid deposit was handled: the webhook, its redelivery
    /// and reconciliation act once.
    pub deposit_handled: Option<OfferId>,
    /// The manager set the room in the frontend: it is held through later
    /// changes, never replaced by a proposal of the service.
    pub room_set_by_manager: bool,
    /// Products the manager removed from an offer: no later offer brings
    /// them back.
    pub removed_products: Vec<ProductId>,
    /// When the last approved message went to the client: from then on the
    /// booking waits for the client (follow-ups count from here).
    pub last_sent_at: Option<DateTime<Utc>>,
    /// Follow-ups drafted for this booking (kind and due date): never
    /// drafted twice, also after the inbox forgot their entries.
    pub follow_ups: Vec<super::FollowUpDrafted>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductChoice {
    pub id: ProductId,
    /// Pieces (per-unit products), hours (per-hour) or persons (a
    /// per-person item for part of the group: "5 vegetarian menus");
    /// `None` = the default.
    pub quantity: Option<u32>,
    /// How many times a per-person item is served to everyone ("two
    /// coffee breaks" = 2); `None` = once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteVisit {
    pub proposed: Vec<NaiveDateTime>,
    pub booked: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailDigest {
    pub digest: String,
    pub at: DateTime<Utc>,
}
