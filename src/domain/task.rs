use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ChangeKind, DbChange, EventId, InboxId, TaskContext, TaskId, TeamId};

/// What the manager is asked to decide (`tasks.payload.action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskAction {
    ApproveMessage,
    ApproveOffer,
    ApproveDate,
    ApproveRoom,
    ManualReview,
    ConfirmEvent,
}

impl TaskAction {
    /// The stored spelling (`approve_offer`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApproveMessage => "approve_message",
            Self::ApproveOffer => "approve_offer",
            Self::ApproveDate => "approve_date",
            Self::ApproveRoom => "approve_room",
            Self::ManualReview => "manual_review",
            Self::ConfirmEvent => "confirm_event",
        }
    }

    /// The action stored as `s`; `None` for one the service does not know.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(Value::String(s.to_string())).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Pending,
    InProgress,
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskPriority {
    Low,
    Medium,
    High,
}

/// `tasks.category`: the frontend groups tasks by these exact labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskCategory {
    #[serde(rename = "Email Tasks")]
    Email,
    #[serde(rename = "Event Tasks")]
    Event,
}

/// How far the service got acting on a decided task
/// (`tasks.payload.send_state`): the at-most-once protocol of a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendState {
    /// An inbox entry claimed the decision (`claimed_by`); nothing sent yet.
    Claimed,
    /// Just before the mail goes to the mail server.
    Sending,
    /// The mail server took the mail; the sent mail is not recorded yet.
    Delivered,
    /// Sent and recorded.
    Sent,
    /// Nothing to send (an acknowledged manual review, a task without booking).
    Handled,
    /// A newer draft of the booking replaced this one: never sent.
    Superseded,
}

impl SendState {
    /// The claim is held and the effect not finished: only its claimant may resume.
    pub fn unfinished(self) -> bool {
        matches!(self, Self::Claimed | Self::Sending | Self::Delivered)
    }

    /// The stored name (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claimed => "claimed",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Sent => "sent",
            Self::Handled => "handled",
            Self::Superseded => "superseded",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Approved,
    Rejected,
}

/// A HIL task as stored (`tasks` row), with its payload typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub team_id: TeamId,
    pub title: String,
    pub category: TaskCategory,
    pub status: TaskStatus,
    pub priority: TaskPriority,
    pub event_id: Option<EventId>,
    pub client_name: Option<String>,
    pub payload: TaskPayload,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// `tasks.payload`: the contract with the frontend. Step-specific
/// context (conflicts, offer id, proposals) travels in `context`, whose
/// fields sit beside these in the same JSON object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskPayload {
    pub action: TaskAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_message: Option<String>,
    /// Set by the service when it acts on the decision (see [`SendState`]).
    /// Makes the effect happen at most once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_state: Option<SendState>,
    /// The inbox entry that claimed the decision: only it may resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<InboxId>,
    /// Message-ID of the mail being sent, so a resumed entry records the
    /// mail that actually went out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outgoing_message_id: Option<String>,
    /// A newer draft of the same booking replaced this one before the
    /// manager decided: the task is closed (`status` completed, `send_state`
    /// `superseded`) and never sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<TaskId>,
    /// An answer beside the booking's main line (a site visit's slots or
    /// booking): it neither replaces the pending draft nor is replaced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aside: bool,
    #[serde(flatten)]
    pub context: TaskContext,
}

impl TaskPayload {
    /// A draft for the manager to approve before it goes to `recipient_email`.
    pub fn draft(
        action: TaskAction,
        body: String,
        subject: String,
        recipient_email: String,
        context: TaskContext,
    ) -> Self {
        Self {
            draft_message: Some(body),
            draft_subject: Some(subject),
            ..Self::manual_review(Some(recipient_email), context)
        }
        .with_action(action)
    }

    fn with_action(self, action: TaskAction) -> Self {
        Self { action, ..self }
    }

    /// A `manual_review` payload: no draft, the manager acts by hand.
    pub fn manual_review(recipient_email: Option<String>, context: TaskContext) -> Self {
        Self {
            action: TaskAction::ManualReview,
            draft_message: None,
            draft_subject: None,
            recipient_email,
            resolution: None,
            edited_message: None,
            send_state: None,
            claimed_by: None,
            outgoing_message_id: None,
            superseded_by: None,
            aside: false,
            context,
        }
    }
}

/// The manager's decision on a task, read from a `tasks` UPDATE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDecision {
    pub task_id: TaskId,
    pub resolution: Resolution,
    pub edited_message: Option<String>,
}

impl TaskDecision {
    /// The decision recorded on a completed task that the service has not
    /// acted on yet (reconciliation), if any.
    pub fn unhandled(task: Task) -> Option<Self> {
        if task.status != TaskStatus::Completed || task.payload.send_state.is_some() {
            return None;
        }
        Some(Self {
            task_id: task.id,
            resolution: task.payload.resolution?,
            edited_message: task.payload.edited_message,
        })
    }

    /// Only the transition *into* `completed` with a resolution is a
    /// decision. Everything else — title edits, priority changes and the
    /// echoes of the service's own writes (which happen after completion) —
    /// yields `None` and is ignored.
    pub fn from_change(change: &DbChange, team: TeamId) -> Option<Self> {
        if change.table != "tasks" || change.kind != ChangeKind::Update {
            return None;
        }
        let record = change.record.as_ref()?;
        if change.new_str("status")? != "completed" || change.old_str("status") == Some("completed") {
            return None;
        }
        if let Some(row_team) = change.new_str("team_id") {
            if row_team.parse::<TeamId>().ok()? != team {
                return None;
            }
        }
        let payload = record.get("payload")?;
        let resolution: Resolution = serde_json::from_value(payload.get("resolution")?.clone()).ok()?;
        let edited_message = payload
            .get("edited_message")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        Some(Self { task_id: change.new_str("id")?.parse().ok()?, resolution, edited_message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(old_status: &str, new_status: &str, payload: Value) -> DbChange {
        let id = "0190f0a0-0000-7000-8000-000000000001";
        DbChange {
            kind: ChangeKind::Update,
            table: "tasks".into(),
            schema: "public".into(),
            record: Some(json!({"id": id, "status": new_status, "payload": payload})),
            old_record: Some(json!({"id": id, "status": old_status})),
        }
    }

    #[test]
    fn completing_with_approval_is_a_decision_and_the_edit_wins() {
        let d = TaskDecision::from_change(
            &change(
                "pending",
                "completed",
                json!({"action": "approve_message", "resolution": "approved", "edited_message": " Hi "}),
            ),
            TeamId::new(),
        )
        .unwrap();
        assert_eq!(d.resolution, Resolution::Approved);
        assert_eq!(d.edited_message.as_deref(), Some("Hi"));
    }

    #[test]
    fn updates_after_completion_and_other_edits_are_ignored() {
        let team = TeamId::new();
        let approved = json!({"resolution": "approved"});
        assert!(TaskDecision::from_change(&change("completed", "completed", approved.clone()), team).is_none());
        assert!(TaskDecision::from_change(&change("pending", "in_progress", approved), team).is_none());
        assert!(TaskDecision::from_change(&change("pending", "completed", json!({})), team).is_none());
    }

    #[test]
    fn rows_of_another_team_are_ignored() {
        let mut c = change("pending", "completed", json!({"resolution": "rejected"}));
        c.record.as_mut().unwrap()["team_id"] = json!(TeamId::new().to_string());
        assert!(TaskDecision::from_change(&c, TeamId::new()).is_none());
    }
}
