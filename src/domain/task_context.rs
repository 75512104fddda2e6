//! `tasks.payload` beside the draft: why the task exists (its [`TaskKind`],
//! tagged by `kind`), what was understood, and what acting on it needs.
//! Written by the workflow, read back when the manager decides.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::{Attachment, FollowUp, FollowUpKind, OfferId, RoomId, TaskId};

/// The language a client writes in; drafts answer in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    En,
    De,
}

/// The task's context. Every field is optional on read: tasks written by
/// older versions or by hand still parse (an unknown or missing `kind` is
/// `None`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskContext {
    /// What the task is about; `None` for a plain manual review.
    #[serde(flatten)]
    pub kind: Option<TaskKind>,
    /// The booking's step (1–7) when the task was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Why the manager must look (a manual review's cause).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The draft holds something the rules were unsure of (see `doubts`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open_question: bool,
    /// What the rules were unsure of, in words for the manager.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doubts: Vec<String>,
    /// The client also asked to see the venue.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub site_visit_requested: bool,
    /// The client accepted and changed something in the same mail.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accepted_with_changes: bool,
    /// What the booking holds, for the manager at a glance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub understood: Option<Understood>,
}

impl TaskContext {
    pub fn of(kind: TaskKind) -> Self {
        Self { kind: Some(kind), ..Self::default() }
    }

    /// A manual review's context: why the manager must answer by hand.
    pub fn review(reason: impl Into<String>) -> Self {
        Self { reason: Some(reason.into()), ..Self::default() }
    }

    /// The fields the context adds to the task's payload, as the frontend
    /// reads them (for listings: `tasks show`, the operator page).
    pub fn fields(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        }
    }
}

/// Why a task exists, with what deciding it needs (`payload.kind` and the
/// fields beside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskKind {
    /// The acknowledgement of a new inquiry; `missing` names what the
    /// client still has to say (`event_date`, `attendees`).
    Intake {
        #[serde(default)]
        missing: Vec<String>,
        /// Metadata only: attachment content never enters the database.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<Attachment>,
    },
    AskDate,
    /// Dates offered instead of the one asked for.
    DateProposals {
        reason: DateIssue,
        #[serde(default)]
        requested_date: Option<NaiveDate>,
        proposals: Vec<NaiveDate>,
    },
    AskAttendees,
    /// No room holds the group; the largest is named.
    NoRoomFits {
        #[serde(default)]
        attendees: Option<u32>,
        #[serde(default)]
        largest_room: Option<RoomCapacity>,
        /// Rooms other bookings hold that day.
        #[serde(default)]
        conflicts: Vec<String>,
    },
    /// A room to approve; `proposal` identifies what it was proposed for
    /// (an approval only holds it while the proposal is still current).
    RoomProposal {
        proposal: String,
        room_id: RoomId,
        room_name: String,
        #[serde(default)]
        alternatives: Vec<RoomRef>,
        #[serde(default)]
        matched: Vec<String>,
        #[serde(default)]
        missing: Vec<String>,
        #[serde(default)]
        conflicts: Vec<String>,
    },
    Offer(OfferSummary),
    /// An offer replacing one the client already had.
    RevisedOffer(OfferSummary),
    /// The confirmation of a booking whose prerequisites are met.
    Confirmation {
        #[serde(default)]
        offer: Option<OfferRef>,
        #[serde(default)]
        room_name: Option<String>,
    },
    /// What the client still has to do before the booking is confirmed.
    Prerequisites {
        billing_missing: bool,
        /// CHF, two decimals (`"1200.00"`).
        #[serde(default)]
        deposit_chf: Option<String>,
        #[serde(default)]
        deposit_due: Option<NaiveDate>,
    },
    Declined,
    Cancelled {
        was_confirmed: bool,
    },
    SiteVisitSlots {
        slots: Vec<NaiveDateTime>,
    },
    SiteVisitBooked {
        site_visit_at: NaiveDateTime,
    },
    /// The manager approved a draft after the booking moved on: it was
    /// sent, the booking was not changed.
    StaleApproval {
        approved_task_id: TaskId,
    },
    /// The manager rejected a draft: nothing was sent.
    RejectedDraft {
        rejected_task_id: TaskId,
    },
    /// A reminder before the sent offer runs out.
    #[serde(rename = "followup_offer_expiry")]
    FollowUpOfferExpiry(FollowUpNote),
    /// A reminder before the deposit is due.
    #[serde(rename = "followup_deposit_due")]
    FollowUpDepositDue(FollowUpNote),
    /// A nudge after the client's silence.
    #[serde(rename = "followup_nudge")]
    FollowUpNudge(FollowUpNote),
    /// The option ran out: the room was released, the client is told.
    #[serde(rename = "followup_option_lapsed")]
    FollowUpOptionLapsed(FollowUpNote),
}

impl TaskKind {
    /// The draft of a follow-up, of the kind its follow-up names.
    pub fn follow_up(note: FollowUpNote) -> Self {
        match note.follow_up.kind {
            FollowUpKind::OfferExpiry => Self::FollowUpOfferExpiry(note),
            FollowUpKind::DepositDue => Self::FollowUpDepositDue(note),
            FollowUpKind::Nudge => Self::FollowUpNudge(note),
            FollowUpKind::OptionLapsed => Self::FollowUpOptionLapsed(note),
        }
    }

    pub fn is_follow_up(&self) -> bool {
        matches!(
            self,
            Self::FollowUpOfferExpiry(_)
                | Self::FollowUpDepositDue(_)
                | Self::FollowUpNudge(_)
                | Self::FollowUpOptionLapsed(_)
        )
    }
}

/// A follow-up's draft: the follow-up and the offer it concerns, with the
/// date or room it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpNote {
    pub follow_up: FollowUp,
    #[serde(default)]
    pub offer_id: Option<OfferId>,
    #[serde(default)]
    pub offer_number: Option<String>,
    /// The offer's last valid day (an expiry reminder, a lapse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_due: Option<NaiveDate>,
    /// The room a lapsed option no longer holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_room: Option<String>,
}

/// Why other dates are proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateIssue {
    Past,
    Closed,
    Taken,
    /// No exact date yet ("a Friday in May").
    Vague,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRef {
    pub id: RoomId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomCapacity {
    pub name: String,
    /// Persons, for the requested seating.
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRef {
    pub offer_id: OfferId,
    pub offer_number: String,
}

/// An offer as the manager approves it. Amounts in CHF, two decimals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferSummary {
    pub offer_id: OfferId,
    pub offer_number: String,
    pub room_name: String,
    pub total_chf: String,
    #[serde(default)]
    pub deposit_chf: Option<String>,
    #[serde(default)]
    pub discount_percent: Option<u32>,
    /// Products the client asked for that the room already has (not billed).
    #[serde(default)]
    pub included_in_room: Vec<String>,
}

/// What the workflow understood of the booking when it wrote the task.
/// Times are `HH:MM` in the venue's zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Understood {
    pub event_date: Option<NaiveDate>,
    #[serde(default)]
    pub date_confirmed: bool,
    #[serde(default, with = "hh_mm")]
    pub start_time: Option<NaiveTime>,
    #[serde(default, with = "hh_mm")]
    pub end_time: Option<NaiveTime>,
    /// The times are the venue's defaults, not the client's.
    #[serde(default)]
    pub times_assumed: bool,
    pub attendees: Option<u32>,
    pub seating_layout: Option<String>,
    #[serde(default)]
    pub room: Option<String>,
    #[serde(default)]
    pub products: Vec<UnderstoodProduct>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnderstoodProduct {
    pub name: String,
    /// Pieces, persons or hours the client named.
    pub quantity: Option<u32>,
    /// Servings per person ("two coffee breaks").
    pub times: Option<u32>,
}

/// `Option<NaiveTime>` as `"HH:MM"` (reads `"HH:MM:SS"` too).
mod hh_mm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<NaiveTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(&t.format("%H:%M")),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveTime>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else { return Ok(None) };
        NaiveTime::parse_from_str(&text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(&text, "%H:%M:%S"))
            .map(Some)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_context_reads_back_as_written_with_times_as_hh_mm() {
        let context = TaskContext {
            step: Some(4),
            language: Some(Language::De),
            open_question: true,
            understood: Some(Understood {
                start_time: NaiveTime::from_hms_opt(18, 30, 0),
                attendees: Some(40),
                ..Understood::default()
            }),
            ..TaskContext::of(TaskKind::Cancelled { was_confirmed: true })
        };
        let json = serde_json::to_value(&context).unwrap();
        assert_eq!(json["kind"], "cancelled");
        assert_eq!(json["was_confirmed"], true);
        assert_eq!(json["understood"]["start_time"], "18:30");
        assert_eq!(serde_json::from_value::<TaskContext>(json).unwrap(), context);
    }

    #[test]
    fn unknown_or_missing_kinds_and_old_time_formats_still_read() {
        let old = json!({"kind": "from_a_future_version", "reason": "r", "understood": {"event_date": null,
            "start_time": "09:00:00", "end_time": null, "attendees": 12, "seating_layout": null}});
        let context: TaskContext = serde_json::from_value(old).unwrap();
        assert_eq!(context.kind, None);
        assert_eq!(context.reason.as_deref(), Some("r"));
        assert_eq!(context.understood.unwrap().start_time, NaiveTime::from_hms_opt(9, 0, 0));
        assert_eq!(serde_json::from_value::<TaskContext>(json!({})).unwrap(), TaskContext::default());
    }
}
