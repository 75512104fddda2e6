//! Supabase database webhooks: each change is classified here, once, into
//! what it means for the workflow (a decision, a correction, a paid deposit);
//! a change that means nothing is acknowledged without being stored.

use chrono::{DateTime, Utc};

use super::{json_error, IngestError, Ingested};
use crate::domain::{keys, Correction, DbChange, EmailAddress, InboxEvent, TeamId};
use crate::inbox::NewEntry;
use crate::tenant::Directory;

pub(super) fn entry(
    directory: &Directory,
    webhook_id: String,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<Ingested, IngestError> {
    let change: DbChange = serde_json::from_slice(body).map_err(json_error)?;
    if change.table.is_empty() {
        return Err(IngestError::Unusable("`table` is empty".into()));
    }
    // The row's own team, as the database signed it; the handler reads and
    // writes under that team only.
    let team = directory.route_change(change.team())?;
    Ok(match classified(&change, team) {
        Some((event, order_key)) => {
            Ingested::Entry(NewEntry::new(team, "supabase", format!("webhook:{webhook_id}"), order_key, &event, now))
        }
        None => Ingested::Ignored("a change that needs no action"),
    })
}

/// What `change` means for `team` and the key it is ordered by, or `None`
/// when it needs no action (title edits, the service's own echoes).
pub fn classified(change: &DbChange, team: TeamId) -> Option<(InboxEvent, String)> {
    let event = InboxEvent::from_change(change, team)?;
    let order_key = order_key(&event, change);
    Some((event, order_key))
}

/// A task decision is ordered with its client's mails (the task's
/// `recipient_email`), so an approval and a reply of one booking never run
/// at once; a paid deposit and a correction of the event row with the
/// booking (as the CLI's edits and the reconciliation's deposits are); a
/// line's correction, whose row names only its offer, by the row.
fn order_key(event: &InboxEvent, change: &DbChange) -> String {
    match event {
        InboxEvent::DepositPaid { event, .. }
        | InboxEvent::Correction { correction: Correction::Event { event, .. } } => keys::event(*event),
        InboxEvent::Decision { .. } => {
            let recipient = (change.record.as_ref().or(change.old_record.as_ref()))
                .and_then(|r| r.get("payload"))
                .and_then(|p| p.get("recipient_email"))
                .and_then(|e| e.as_str())
                .and_then(|e| EmailAddress::parse(e).ok());
            match recipient {
                Some(email) => keys::client(&email),
                None => row_key(change),
            }
        }
        _ => row_key(change),
    }
}

fn row_key(change: &DbChange) -> String {
    let row = change.record.as_ref().or(change.old_record.as_ref());
    let id = row.and_then(|r| r.get("id")).and_then(|v| v.as_str()).unwrap_or_default();
    format!("{}:{id}", change.table)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::{ChangeKind, EventId, OfferId};

    fn update(table: &str, record: serde_json::Value, old: serde_json::Value) -> DbChange {
        DbChange {
            kind: ChangeKind::Update,
            table: table.into(),
            schema: "public".into(),
            record: Some(record),
            old_record: Some(old),
        }
    }

    /// A booking's corrected event row and its paid deposit share the
    /// booking's key; a decision goes with its client's mails.
    #[test]
    fn changes_are_ordered_with_the_booking_or_the_client_they_concern() {
        let (team, event, offer) = (TeamId::new(), EventId::new(), OfferId::new());
        let key = |change: &DbChange| classified(change, team).map(|(_, key)| key);
        let corrected = update(
            "events",
            json!({"id": event, "team_id": team, "attendees": 60}),
            json!({"id": event, "team_id": team, "attendees": 70}),
        );
        let paid = update(
            "offers",
            json!({"id": offer, "team_id": team, "event_id": event, "deposit_paid_at": "2027-01-02T10:00:00Z"}),
            json!({"id": offer, "team_id": team, "event_id": event, "deposit_paid_at": null}),
        );
        assert_eq!(key(&corrected), Some(keys::event(event)));
        assert_eq!(key(&paid), Some(keys::event(event)));
        let task = "0190f0a0-0000-7000-8000-000000000001";
        let decided = update(
            "tasks",
            json!({"id": task, "team_id": team, "status": "completed",
                   "payload": {"resolution": "approved", "recipient_email": "Anna@Keller.ch"}}),
            json!({"id": task, "team_id": team, "status": "pending"}),
        );
        assert_eq!(key(&decided), Some(keys::client(&EmailAddress::parse("anna@keller.ch").unwrap())));
    }
}
