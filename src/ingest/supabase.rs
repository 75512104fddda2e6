//! Supabase database webhooks: each change is classified here, once, into
//! what it means for the workflow (a decision, a correction, a paid deposit);
//! a change that means nothing is acknowledged without being stored.

use chrono::{DateTime, Utc};

use super::{json_error, IngestError, Ingested};
use crate::domain::{keys, DbChange, EmailAddress, InboxEvent, TeamId};
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
    let order_key = order_key(change);
    Some((event, order_key))
}

/// A task decision is ordered with its client's mails (the task's
/// `recipient_email`), so an approval and a reply of one booking never run
/// at once; a paid deposit with its event's reconciliation; other rows by
/// their own id.
fn order_key(change: &DbChange) -> String {
    let record = change.record.as_ref().or(change.old_record.as_ref());
    let recipient = record
        .and_then(|r| r.get("payload"))
        .and_then(|p| p.get("recipient_email"))
        .and_then(|e| e.as_str())
        .and_then(|e| EmailAddress::parse(e).ok());
    let event = record
        .and_then(|r| r.get("event_id"))
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse().ok())
        .filter(|_| change.table == "offers");
    match (recipient, event) {
        (Some(email), _) => keys::client(&email),
        // A paid deposit: in line with its reconciliation.
        (None, Some(event)) => keys::event(event),
        (None, None) => {
            let id = record.and_then(|r| r.get("id")).and_then(|v| v.as_str()).unwrap_or_default();
            format!("{}:{id}", change.table)
        }
    }
}
