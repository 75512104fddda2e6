//! What the inbox holds: every accepted webhook, read and classified once at
//! the edge, and the keys that de-duplicate and order the entries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Correction, DbChange, DepositPayment, EventId, FollowUp, InboundEmail, MailNotice, TaskDecision, TeamId};

/// An accepted event, stored as JSON in its inbox row (tagged by `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InboxEvent {
    /// A client's mail.
    Mail { mail: InboundEmail },
    /// A manager's decision on a task (a `tasks` UPDATE into `completed`,
    /// or found by reconciliation).
    Decision { decision: TaskDecision },
    /// A manager's correction of a booking in the frontend.
    Correction { correction: Correction },
    /// A deposit marked paid (`payment`, from the webhook) or an unconfirmed
    /// booking whose deposit reconciliation found paid (no `payment`).
    DepositPaid {
        event: EventId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payment: Option<DepositPayment>,
    },
    /// A mail the provider received; the worker fetches its content.
    ResendReceived { notice: MailNotice },
    /// A follow-up the sweep found due (`dispatch/reconcile.rs`); `at` is
    /// the sweep's clock, which the handler decides on.
    FollowUp { follow_up: FollowUp, at: DateTime<Utc> },
    /// A database change as stored before changes were classified at the
    /// edge: entries acknowledged by an older version are still handled
    /// (classified with [`InboxEvent::from_change`] when claimed).
    DbChange { change: DbChange },
}

impl InboxEvent {
    /// What a Supabase database change means for `team`: a decision, a
    /// correction, a paid deposit, or `None` (title edits, priority
    /// changes, the echoes of the service's own writes, another team's row).
    pub fn from_change(change: &DbChange, team: TeamId) -> Option<Self> {
        if let Some(decision) = TaskDecision::from_change(change, team) {
            return Some(Self::Decision { decision });
        }
        if let Some(payment) = change.deposit_paid(team) {
            return Some(Self::DepositPaid { event: payment.event, payment: Some(payment) });
        }
        Correction::from_change(change, team).map(|correction| Self::Correction { correction })
    }
}

/// The inbox keys every source builds its entries with. A `dedupe_key` is
/// the same for every redelivery of one event (the inbox keeps the first);
/// entries with the same `order_key` are processed one at a time, in order.
pub mod keys {
    use crate::domain::{EmailAddress, EventId, TaskId, TeamId};

    /// A mail, by its Message-ID: the same mail through any route or
    /// provider is one entry.
    pub fn mail(team: TeamId, message_id: &str) -> String {
        format!("mail:{team}:{message_id}")
    }

    /// Everything of one client (mails, decisions on drafts to them).
    pub fn client(email: &EmailAddress) -> String {
        format!("client:{email}")
    }

    /// Everything of one booking without a client address at hand
    /// (deposits, corrections).
    pub fn event(event: EventId) -> String {
        format!("event:{event}")
    }

    /// A decision found by reconciliation: at most one entry per task.
    pub fn decision(task: TaskId) -> String {
        format!("decision:{task}")
    }

    /// A paid deposit found by reconciliation: at most one per booking.
    pub fn deposit(event: EventId) -> String {
        format!("deposit:{event}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::{ChangeKind, Resolution};

    fn change(table: &str, kind: ChangeKind, record: serde_json::Value, old: serde_json::Value) -> DbChange {
        DbChange { kind, table: table.into(), schema: "public".into(), record: Some(record), old_record: Some(old) }
    }

    #[test]
    fn a_change_is_classified_into_the_one_event_it_means() {
        let team = TeamId::new();
        let task = "0190f0a0-0000-7000-8000-000000000001";
        let decided = change(
            "tasks",
            ChangeKind::Update,
            json!({"id": task, "team_id": team, "status": "completed", "payload": {"resolution": "approved"}}),
            json!({"id": task, "team_id": team, "status": "pending"}),
        );
        match InboxEvent::from_change(&decided, team) {
            Some(InboxEvent::Decision { decision }) => assert_eq!(decision.resolution, Resolution::Approved),
            other => panic!("{other:?}"),
        }
        let (event, offer) = (EventId::new(), crate::domain::OfferId::new());
        let paid = change(
            "offers",
            ChangeKind::Update,
            json!({"id": offer, "team_id": team, "event_id": event, "deposit_paid_at": "2027-01-02T10:00:00Z"}),
            json!({"id": offer, "team_id": team, "event_id": event, "deposit_paid_at": null}),
        );
        assert!(
            matches!(InboxEvent::from_change(&paid, team), Some(InboxEvent::DepositPaid { event: e, payment: Some(_) }) if e == event)
        );
        let retitled = change(
            "events",
            ChangeKind::Update,
            json!({"id": event, "team_id": team, "title": "new"}),
            json!({"id": event, "team_id": team, "title": "old"}),
        );
        assert_eq!(InboxEvent::from_change(&retitled, team), None);
        assert_eq!(InboxEvent::from_change(&decided, TeamId::new()), None, "another team's row");
    }

    #[test]
    fn entries_stored_before_payments_were_carried_still_read() {
        let event = EventId::new();
        let old: InboxEvent = serde_json::from_value(json!({"kind": "deposit_paid", "event": event})).unwrap();
        assert_eq!(old, InboxEvent::DepositPaid { event, payment: None });
    }
}
