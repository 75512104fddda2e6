//! Supabase database webhooks.

use chrono::{DateTime, Utc};

use super::{json_error, IngestError};
use crate::domain::DbChange;
use crate::inbox::{InboxEvent, NewEntry};
use crate::tenant::Directory;

pub(super) fn entry(
    directory: &Directory,
    webhook_id: String,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<NewEntry, IngestError> {
    let change: DbChange = serde_json::from_slice(body).map_err(json_error)?;
    if change.table.is_empty() {
        return Err(IngestError::Unusable("`table` is empty".into()));
    }
    // The row's own team, as the database signed it; the handler reads and
    // writes under that team only.
    let team = directory.route_change(change.team())?;
    let order_key = order_key(&change);
    Ok(NewEntry::new(
        team,
        "supabase",
        format!("webhook:{webhook_id}"),
        order_key,
        &InboxEvent::DbChange { change },
        now,
    ))
}

/// A task decision is ordered with its client's mails (the task's
/// `recipient_email`), so an approval and a reply of one booking never run
/// at once; a paid deposit with its event's reconciliation; other rows by
/// their own id.
pub fn order_key(change: &DbChange) -> String {
    let record = change.record.as_ref().or(change.old_record.as_ref());
    let recipient = record
        .and_then(|r| r.get("payload"))
        .and_then(|p| p.get("recipient_email"))
        .and_then(|e| e.as_str())
        .and_then(|e| crate::domain::EmailAddress::parse(e).ok());
    let event = record.and_then(|r| r.get("event_id")).and_then(|v| v.as_str()).filter(|_| change.table == "offers");
    match (recipient, event) {
        (Some(email), _) => format!("client:{email}"),
        // A paid deposit: in line with its reconciliation (`event:{id}`).
        (None, Some(event)) => format!("event:{event}"),
        (None, None) => {
            let id = record.and_then(|r| r.get("id")).and_then(|v| v.as_str()).unwrap_or_default();
            format!("{}:{id}", change.table)
        }
    }
}
