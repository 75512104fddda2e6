//! Reads for follow-ups (`Store::follow_up_candidates`) and the journal of
//! the manager's corrections (`corrections`, written by `bookings edit` in
//! the edit's own transaction).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection};

use super::db::sql_error;
use super::store::load_booking;
use crate::domain::{Booking, DbChange, TeamId};
use crate::store::{timestamp, JournaledCorrection, StoreError};

/// Open bookings on or after `from`, nearest first (the `events_date`
/// index: team, date).
pub(super) fn candidates(
    c: &Connection,
    team: TeamId,
    from: NaiveDate,
    limit: usize,
) -> Result<Vec<Booking>, StoreError> {
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

/// Journals a correction in the caller's transaction (the edit's own).
pub(super) fn journal(c: &Connection, team: &str, change: &DbChange, now: DateTime<Utc>) -> Result<(), StoreError> {
    let json = serde_json::to_string(change).map_err(|e| StoreError::Invalid(e.to_string()))?;
    c.execute(
        "INSERT INTO corrections (team_id, change, created_at) VALUES (?1, ?2, ?3)",
        params![team, json, timestamp(now)],
    )
    .map_err(sql_error)?;
    Ok(())
}

pub(super) fn unhandled_corrections(
    c: &Connection,
    team: TeamId,
    before: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<JournaledCorrection>, StoreError> {
    let mut stmt = c
        .prepare_cached(
            "SELECT id, change FROM corrections WHERE team_id = ?1 AND handled_at IS NULL AND created_at < ?2
             ORDER BY id LIMIT ?3",
        )
        .map_err(sql_error)?;
    let rows: Vec<(i64, String)> = stmt
        .query_map(params![team.to_string(), timestamp(before), limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(sql_error)?
        .collect::<Result<_, _>>()
        .map_err(sql_error)?;
    rows.into_iter()
        .map(|(id, json)| {
            let change =
                serde_json::from_str(&json).map_err(|e| StoreError::Invalid(format!("corrections.change: {e}")))?;
            Ok(JournaledCorrection { id, change })
        })
        .collect()
}

pub(super) fn correction_handled(c: &Connection, team: TeamId, id: i64) -> Result<(), StoreError> {
    c.execute(
        "UPDATE corrections SET handled_at = ?3 WHERE id = ?1 AND team_id = ?2 AND handled_at IS NULL",
        params![id, team.to_string(), timestamp(Utc::now())],
    )
    .map_err(sql_error)?;
    Ok(())
}
