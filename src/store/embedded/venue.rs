//! The venue as the workflow plans with it: rooms and products (the
//! catalogue) and which rooms other bookings hold.

use chrono::NaiveDate;
use rusqlite::{params, Connection};
use serde_json::Value;

use super::db::sql_error;
use super::rows;
use crate::domain::{EventId, RoomId, TeamId};
use crate::store::StoreError;
use crate::workflow::Catalogue;

pub(super) fn catalogue(c: &Connection, team: TeamId) -> Result<Catalogue, StoreError> {
    let team = team.to_string();
    let rooms = json_rows(
        c,
        "SELECT * FROM rooms WHERE team_id = ?1 ORDER BY name",
        &team,
        &["amenities", "layout_capacities"],
        &["deposit_required"],
    )?;
    // Unavailable products are left out by the parser as well; filtering
    // here keeps the rows small.
    let products = json_rows(
        c,
        "SELECT * FROM products WHERE team_id = ?1 AND available <> 0 ORDER BY name",
        &team,
        &["synonyms"],
        &["available"],
    )?;
    Catalogue::from_rows(&rooms, &products).map_err(StoreError::Invalid)
}

fn json_rows(
    c: &Connection,
    sql: &str,
    team: &str,
    json_cols: &[&str],
    bool_cols: &[&str],
) -> Result<Vec<Value>, StoreError> {
    let mut stmt = c.prepare_cached(sql).map_err(sql_error)?;
    let rows = stmt
        .query_map([team], |r| rows::json_row(r, json_cols, bool_cols))
        .map_err(sql_error)?
        .collect::<Result<_, _>>()
        .map_err(sql_error)?;
    Ok(rows)
}

pub(super) fn booked_rooms(
    c: &Connection,
    team: TeamId,
    from: NaiveDate,
    to: NaiveDate,
    except: EventId,
) -> Result<Vec<(NaiveDate, RoomId)>, StoreError> {
    let mut stmt = c
        .prepare_cached(
            "SELECT e.event_date, r.value FROM events e INDEXED BY events_held, json_each(e.room_ids) r
             WHERE e.team_id = ?1 AND e.status IN ('option', 'confirmed')
               AND e.event_date BETWEEN ?2 AND ?3 AND e.id <> ?4
             ORDER BY e.event_date",
        )
        .map_err(sql_error)?;
    let pairs: Vec<(String, String)> = stmt
        .query_map(params![team.to_string(), from.to_string(), to.to_string(), except.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(sql_error)?
        .collect::<Result<_, _>>()
        .map_err(sql_error)?;
    pairs
        .into_iter()
        .map(|(date, room)| {
            let bad = |e: &dyn std::fmt::Display| StoreError::Invalid(format!("events row {date}/{room}: {e}"));
            Ok((date.parse().map_err(|e| bad(&e))?, room.parse().map_err(|e| bad(&e))?))
        })
        .collect()
}
