//! Reads for follow-ups (`Store::follow_up_candidates`).

use chrono::NaiveDate;
use rusqlite::{params, Connection};

use super::db::sql_error;
use super::store::load_booking;
use crate::domain::{Booking, TeamId};
use crate::store::StoreError;

/// Open bookings on or after `from`, nearest first (the `events_date`
/// index: team, date).
pub(super) fn candidates(c: &Connection, team: TeamId, from: NaiveDate, limit: usize) -> Result<Vec<Booking>, StoreError> {
    let mut stmt = c
        .prepare_cached(
            "SELECT id FROM events WHERE team_id = ?1 AND event_date >= ?2 AND status IN ('lead', 'option')
             ORDER BY event_date, id LIMIT ?3",
        )
        .map_err(sql_error)?;
    let ids: Vec<String> = stmt
        .query_map(params![team.to_string(), from.to_string(), limit as i64], |r| r.get(0))
        .map_err(sql_error)?
        .collect::<Result<_, _>>()
        .map_err(sql_error)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(load_booking(c, team, &id)?);
    }
    Ok(out)
}
