//! Reads of `offers` for the workflow: the booking's current offer, the
//! month's offer numbers, deposits paid on bookings not yet confirmed.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};

use super::db::{cached_row, sql_error};
use super::rows::{self, OFFER_COLUMNS};
use crate::domain::{EventId, OfferRecord, TeamId};
use crate::store::sequence::{month_prefix, next_sequence};
use crate::store::StoreError;

/// The event's current offer: the latest one not cancelled (by creation,
/// then insertion order).
pub(super) fn latest_offer(c: &Connection, team: TeamId, event_id: &str) -> Result<Option<OfferRecord>, StoreError> {
    cached_row(
        c,
        &format!(
            "SELECT {OFFER_COLUMNS} FROM offers WHERE event_id = ?1 AND team_id = ?2 AND status <> 'cancelled'
                 ORDER BY created_at DESC, rowid DESC LIMIT 1"
        ),
        params![event_id, team.to_string()],
        rows::offer,
    )
    .optional()
    .map_err(sql_error)
}

/// Offer numbers are unique across teams (as in Supabase), so the sequence
/// counts every team's numbers.
pub(super) fn next_offer_sequence(c: &Connection, offer_date: NaiveDate) -> Result<u32, StoreError> {
    // A range on the unique index: every number from `OE-YYYY-MM-` up to
    // (not including) `OE-YYYY-MM.` ('.' follows '-'), the month's numbers
    // only. (LIKE cannot use that index: it is case-insensitive.) The
    // numeric maximum is taken in Rust.
    let prefix = month_prefix(offer_date);
    let end = format!("{}.", &prefix[..prefix.len() - 1]);
    let mut stmt = c
        .prepare_cached("SELECT offer_number FROM offers WHERE offer_number >= ?1 AND offer_number < ?2")
        .map_err(sql_error)?;
    let numbers: Vec<String> = stmt
        .query_map(params![prefix, end], |r| r.get(0))
        .map_err(sql_error)?
        .collect::<Result<_, _>>()
        .map_err(sql_error)?;
    Ok(next_sequence(offer_date, numbers.iter().map(String::as_str)))
}

pub(super) fn paid_unconfirmed(c: &Connection, team: TeamId) -> Result<Vec<EventId>, StoreError> {
    let mut stmt = c
        .prepare_cached(
            // CROSS JOIN keeps the paid offers as the outer loop (else
            // SQLite walks the team's events and probes the list).
            "SELECT e.id FROM (SELECT DISTINCT event_id FROM offers INDEXED BY offers_paid
                               WHERE team_id = ?1 AND deposit_paid_at IS NOT NULL) paid
             CROSS JOIN events e ON e.id = paid.event_id
             WHERE e.team_id = ?1 AND e.status IN ('lead', 'option')
               AND (SELECT o.deposit_paid_at FROM offers o
                    WHERE o.event_id = e.id AND o.team_id = ?1 AND o.status <> 'cancelled'
                    ORDER BY o.created_at DESC, o.rowid DESC LIMIT 1) IS NOT NULL
             ORDER BY e.created_at, e.rowid",
        )
        .map_err(sql_error)?;
    let ids: Vec<String> = stmt
        .query_map([team.to_string()], |r| r.get(0))
        .map_err(sql_error)?
        .collect::<Result<_, _>>()
        .map_err(sql_error)?;
    ids.iter().map(|id| id.parse().map_err(|e| StoreError::Invalid(format!("events.id {id}: {e}")))).collect()
}
