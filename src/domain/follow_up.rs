//! Follow-ups: messages the service drafts on its own, when time passes
//! rather than when someone writes (README, "Follow-ups").

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::EventId;

/// What a follow-up is about. The serde name is part of the inbox entry's
/// de-duplication key and of the task's `payload.kind` (`followup_<kind>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    /// The sent offer runs out soon and the client has not answered.
    OfferExpiry,
    /// The accepted offer's deposit is due soon and not paid.
    DepositDue,
    /// The client has not answered the service's last message for a while.
    Nudge,
    /// The sent offer ran out without an acceptance: the room is released
    /// and the client told.
    OptionLapsed,
}

impl FollowUpKind {
    /// The stored name (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OfferExpiry => "offer_expiry",
            Self::DepositDue => "deposit_due",
            Self::Nudge => "nudge",
            Self::OptionLapsed => "option_lapsed",
        }
    }
}

/// One follow-up of one booking, due on `due` (the venue's local date):
/// a booking has at most one follow-up per kind and due date, whoever
/// finds it and however often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FollowUp {
    pub kind: FollowUpKind,
    pub event: EventId,
    pub due: NaiveDate,
}

impl FollowUp {
    /// The inbox de-duplication key: `followup:<kind>:<event>:<due>`.
    pub fn dedupe_key(&self) -> String {
        format!("followup:{}:{}:{}", self.kind.as_str(), self.event, self.due)
    }
}

/// A follow-up the service drafted (`workflow_state.follow_ups`), so it is
/// never drafted again, whatever the inbox still remembers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpDrafted {
    pub kind: FollowUpKind,
    pub due: NaiveDate,
    /// When it was drafted (the sweep's clock).
    pub at: DateTime<Utc>,
}
