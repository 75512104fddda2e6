//! SQLite rows to domain records. Columns are read by name, so the SELECT
//! lists below only need to name what each record uses.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::Row;
use serde_json::{Map, Value};

use crate::domain::money::parse_scaled;
use crate::domain::{Client, EmailAddress, Event, EventStatus, OfferRecord, StoredEmail, Task};

pub(super) const CLIENT_COLUMNS: &str =
    "id, team_id, email, name, company, status, billing_address, billing_postal_code, billing_city, billing_country";
pub(super) const EVENT_COLUMNS: &str =
    "id, team_id, client_id, title, event_date, start_time, end_time, attendees, status, \
     current_step, date_confirmed, caller_step, seating_layout, preferred_room, room_ids, \
     requirements_hash, room_eval_hash, offer_hash, workflow_state";
pub(super) const OFFER_COLUMNS: &str =
    "id, offer_number, status, offer_date, valid_until, total_amount, deposit_enabled, deposit_amount, \
     deposit_deadline_days, deposit_paid_at, confirmed_at";
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
        billing_address: row.get("billing_address")?,
        billing_postal_code: row.get("billing_postal_code")?,
        billing_city: row.get("billing_city")?,
        billing_country: row.get("billing_country")?,
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
        requirements_hash: row.get("requirements_hash")?,
        room_eval_hash: row.get("room_eval_hash")?,
        offer_hash: row.get("offer_hash")?,
        workflow_state: json(row, "workflow_state")?,
    })
}

/// CHF in a REAL column as Rappen. The column holds the double nearest to
/// rappen / 100; its shortest decimal text is that amount again, so no
/// float arithmetic touches it.
fn rappen(row: &Row<'_>, col: &str) -> rusqlite::Result<Option<i64>> {
    row.get::<_, Option<f64>>(col)?
        .map(|chf| parse_scaled(&chf.to_string(), 2).ok_or_else(|| bad(col, format!("{chf} is not an amount"))))
        .transpose()
}

/// An `offers` row.
pub(super) fn offer(row: &Row<'_>) -> rusqlite::Result<OfferRecord> {
    Ok(OfferRecord {
        id: parsed(row, "id")?,
        offer_number: row.get("offer_number")?,
        status: enum_col(row, "status")?,
        offer_date: parsed::<NaiveDate>(row, "offer_date")?,
        valid_until: parsed_opt::<NaiveDate>(row, "valid_until")?,
        total_rappen: rappen(row, "total_amount")?.ok_or_else(|| bad("total_amount", "missing"))?,
        deposit_enabled: row.get("deposit_enabled")?,
        deposit_rappen: rappen(row, "deposit_amount")?,
        deposit_deadline_days: row.get("deposit_deadline_days")?,
        deposit_paid_at: parsed_opt::<DateTime<Utc>>(row, "deposit_paid_at")?,
        confirmed_at: parsed_opt::<DateTime<Utc>>(row, "confirmed_at")?,
    })
}

/// A whole row as JSON, the way PostgREST renders it: `json_cols` (JSON
/// text) parsed, `bool_cols` (0/1) as booleans. For the catalogue, whose
/// parser reads rows of either store.
pub(super) fn json_row(row: &Row<'_>, json_cols: &[&str], bool_cols: &[&str]) -> rusqlite::Result<Value> {
    let mut obj = Map::new();
    for (i, name) in row.as_ref().column_names().into_iter().enumerate() {
        let v = match row.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) if bool_cols.contains(&name) => Value::Bool(n != 0),
            ValueRef::Integer(n) => Value::from(n),
            ValueRef::Real(f) => Value::from(f),
            ValueRef::Text(t) if json_cols.contains(&name) => serde_json::from_slice(t).map_err(|e| bad(name, e))?,
            ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(_) => Value::Null,
        };
        obj.insert(name.to_string(), v);
    }
    Ok(Value::Object(obj))
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
