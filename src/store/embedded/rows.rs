//! SQLite rows to domain records. Columns are read by name, so the SELECT
//! lists below only need to name what each record uses.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rusqlite::Row;

use crate::domain::{Client, EmailAddress, Event, EventStatus, Room, StoredEmail, Task};

pub(super) const CLIENT_COLUMNS: &str = "id, team_id, email, name, company, status";
pub(super) const EVENT_COLUMNS: &str =
    "id, team_id, client_id, title, event_date, start_time, end_time, attendees, status, \
     current_step, date_confirmed, caller_step, seating_layout, preferred_room, room_ids";
pub(super) const TASK_COLUMNS: &str =
    "id, team_id, title, category, status, priority, event_id, client_name, payload, created_at, completed_at";

fn bad(col: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("{col}: {e}").into())
}

fn parsed<T: std::str::FromStr>(row: &Row<'_>, col: &str) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    row.get::<_, String>(col)?.parse().map_err(|e| bad(col, e))
}

fn parsed_opt<T: std::str::FromStr>(row: &Row<'_>, col: &str) -> rusqlite::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    row.get::<_, Option<String>>(col)?.map(|s| s.parse().map_err(|e| bad(col, e))).transpose()
}

fn json<T: serde::de::DeserializeOwned>(row: &Row<'_>, col: &str) -> rusqlite::Result<T> {
    serde_json::from_str(&row.get::<_, String>(col)?).map_err(|e| bad(col, e))
}

/// A lower-case enum column (`status`, `priority`, ...) through serde.
fn enum_col<T: serde::de::DeserializeOwned>(row: &Row<'_>, col: &str) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(row.get(col)?)).map_err(|e| bad(col, e))
}

pub(super) fn client(row: &Row<'_>) -> rusqlite::Result<Client> {
    Ok(Client {
        id: parsed(row, "id")?,
        team_id: parsed(row, "team_id")?,
        email: EmailAddress::parse(&row.get::<_, String>("email")?).map_err(|e| bad("email", e))?,
        name: row.get("name")?,
        company: row.get("company")?,
        status: row.get("status")?,
    })
}

pub(super) fn event(row: &Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        id: parsed(row, "id")?,
        team_id: parsed(row, "team_id")?,
        client_id: parsed_opt(row, "client_id")?,
        title: row.get("title")?,
        event_date: parsed::<NaiveDate>(row, "event_date")?,
        start_time: parsed::<NaiveTime>(row, "start_time")?,
        end_time: parsed::<NaiveTime>(row, "end_time")?,
        attendees: row.get("attendees")?,
        status: enum_col::<EventStatus>(row, "status")?,
        current_step: row.get("current_step")?,
        date_confirmed: row.get("date_confirmed")?,
        caller_step: row.get("caller_step")?,
        seating_layout: row.get("seating_layout")?,
        preferred_room: row.get("preferred_room")?,
        room_ids: json(row, "room_ids")?,
    })
}

pub(super) fn task(row: &Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: parsed(row, "id")?,
        team_id: parsed(row, "team_id")?,
        title: row.get("title")?,
        category: enum_col(row, "category")?,
        status: enum_col(row, "status")?,
        priority: enum_col(row, "priority")?,
        event_id: parsed_opt(row, "event_id")?,
        client_name: row.get("client_name")?,
        payload: json(row, "payload")?,
        created_at: parsed::<DateTime<Utc>>(row, "created_at")?,
        completed_at: parsed_opt::<DateTime<Utc>>(row, "completed_at")?,
    })
}

pub(super) fn room(row: &Row<'_>) -> rusqlite::Result<Room> {
    Ok(Room {
        id: parsed(row, "id")?,
        name: row.get("name")?,
        capacity: row.get("capacity")?,
        theater_capacity: row.get("theater_capacity")?,
        cocktail_capacity: row.get("cocktail_capacity")?,
        seated_dinner_capacity: row.get("seated_dinner_capacity")?,
        standing_capacity: row.get("standing_capacity")?,
        amenities: json(row, "amenities")?,
    })
}

pub(super) fn stored_email(row: &Row<'_>) -> rusqlite::Result<StoredEmail> {
    Ok(StoredEmail::new(
        row.get("message_id")?,
        row.get("subject")?,
        row.get("thread_id")?,
        row.get("in_reply_to")?,
        row.get("is_sent")?,
        parsed::<DateTime<Utc>>(row, "received_at")?,
    ))
}
