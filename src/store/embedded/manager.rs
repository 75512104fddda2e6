//! What the manager does in the frontend, for the embedded store only
//! (`oe-webhooks tasks`, `replay`'s approval fixtures).

use chrono::Utc;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

use super::db::sql_error;
use super::EmbeddedStore;
use crate::domain::{Resolution, TaskId};
use crate::store::timestamp;
use crate::store::StoreError;

impl EmbeddedStore {
    /// The newest pending task (with `payload.action` = `action`), as the
    /// row JSON a Supabase webhook would carry.
    pub async fn latest_pending_task_row(&self, action: Option<&str>) -> Result<Option<Value>, StoreError> {
        let (team, action) = (self.team.to_string(), action.map(str::to_string));
        self.data
            .run(move |c| {
                let id: Option<String> = c
                    .query_row(
                        "SELECT id FROM tasks WHERE team_id = ?1 AND status = 'pending'
                           AND (?2 IS NULL OR json_extract(payload, '$.action') = ?2)
                         ORDER BY created_at DESC, rowid DESC LIMIT 1",
                        params![team, action],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(sql_error)?;
                match id {
                    Some(id) => task_row(c, &id),
                    None => Ok(None),
                }
            })
            .await
    }

    /// The newest offer that is not cancelled, as a webhook's row JSON
    /// (`replay`'s `{{offer}}` placeholder, e.g. to mark its deposit paid).
    pub async fn latest_offer_row(&self) -> Result<Option<Value>, StoreError> {
        let team = self.team.to_string();
        self.data
            .run(move |c| {
                row_json(
                    c,
                    "SELECT * FROM offers WHERE team_id = ?1 AND status <> 'cancelled'
                     ORDER BY created_at DESC, rowid DESC LIMIT 1",
                    &team,
                )
            })
            .await
    }

    /// Where the most recently changed booking stands, in one line: how
    /// `replay` shows a conversation advancing.
    pub async fn progress(&self) -> Result<Option<String>, StoreError> {
        let team = self.team.to_string();
        self.data
            .run(move |c| {
                c.query_row(
                    "SELECT e.title, e.current_step, e.status,
                            (SELECT json_extract(t.payload, '$.action') FROM tasks t
                              WHERE t.event_id = e.id AND t.status = 'pending'
                              ORDER BY t.created_at DESC, t.rowid DESC LIMIT 1)
                       FROM events e WHERE e.team_id = ?1 ORDER BY e.updated_at DESC, e.rowid DESC LIMIT 1",
                    [team],
                    |r| {
                        let (title, step, status, task): (String, i64, String, Option<String>) =
                            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                        let task = task.map(|t| format!(", awaiting {t}")).unwrap_or_default();
                        Ok(format!("\"{title}\": step {step}, {status}{task}"))
                    },
                )
                .optional()
                .map_err(sql_error)
            })
            .await
    }

    /// Sets status `completed`, `payload.resolution` and the edit, like the
    /// frontend; returns the row before and after.
    pub async fn record_manager_decision(
        &self,
        id: TaskId,
        resolution: Resolution,
        edited: Option<String>,
    ) -> Result<Option<(Value, Value)>, StoreError> {
        let team = self.team.to_string();
        let resolution = match resolution {
            Resolution::Approved => "approved",
            Resolution::Rejected => "rejected",
        };
        self.data
            .run(move |c| {
                let id = id.to_string();
                let Some(before) = task_row(c, &id)? else { return Ok(None) };
                if before["status"] != "completed" {
                    c.execute(
                        "UPDATE tasks SET status = 'completed', completed_at = ?3, updated_at = ?3,
                             payload = json_set(payload, '$.resolution', ?4, '$.edited_message', ?5)
                         WHERE id = ?1 AND team_id = ?2",
                        params![id, team, timestamp(Utc::now()), resolution, edited],
                    )
                    .map_err(sql_error)?;
                }
                let after = task_row(c, &id)?.unwrap_or(Value::Null);
                Ok(Some((before, after)))
            })
            .await
    }
}

/// A manager's edit of a booking, as the frontend makes it.
#[derive(Debug, Clone, Default)]
pub struct BookingEdit {
    pub attendees: Option<i64>,
    /// A room by its name.
    pub room: Option<String>,
    /// Product lines to take off the current offer, by product name.
    pub remove_lines: Vec<String>,
}

/// A changed row as a database webhook carries it.
#[derive(Debug, Clone)]
pub struct RowChange {
    pub table: &'static str,
    pub old: Value,
    /// `None` for a deleted row.
    pub new: Option<Value>,
}

impl RowChange {
    /// The change as a database webhook carries it.
    pub fn db_change(&self) -> crate::domain::DbChange {
        crate::domain::DbChange {
            kind: if self.new.is_some() {
                crate::domain::ChangeKind::Update
            } else {
                crate::domain::ChangeKind::Delete
            },
            table: self.table.into(),
            schema: "public".into(),
            record: self.new.clone(),
            old_record: Some(self.old.clone()),
        }
    }
}

impl EmbeddedStore {
    /// The open event whose id is `id` or starts with it (unique), or the
    /// newest open one for `newest`.
    pub async fn find_event(&self, id: &str) -> Result<Vec<String>, StoreError> {
        let (team, prefix) = (self.team.to_string(), id.trim().to_ascii_lowercase());
        self.data
            .run(move |c| {
                // `newest`: the newest open booking; else every id starting so.
                let newest = prefix == "newest";
                let mut stmt = c
                    .prepare(
                        "SELECT id FROM events WHERE team_id = ?1
                           AND (CASE WHEN ?2 THEN status IN ('lead', 'option', 'confirmed') ELSE id LIKE ?3 || '%' END)
                         ORDER BY created_at DESC LIMIT CASE WHEN ?2 THEN 1 ELSE -1 END",
                    )
                    .map_err(sql_error)?;
                let ids = stmt
                    .query_map(params![team, newest, prefix], |r| r.get::<_, String>(0))
                    .map_err(sql_error)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(sql_error)?;
                Ok(ids)
            })
            .await
    }

    /// Applies the edit to the rows as the frontend would, in one
    /// transaction; returns each changed row before and after.
    pub async fn edit_booking(&self, event: String, edit: BookingEdit) -> Result<Vec<RowChange>, StoreError> {
        let team = self.team.to_string();
        self.data
            .run(move |c| {
                let tx = c.transaction().map_err(sql_error)?;
                let mut changes = Vec::new();
                let event_sql = "SELECT * FROM events WHERE id = ?1";
                let before = row_json(&tx, event_sql, &event)?
                    .ok_or_else(|| StoreError::Invalid(format!("no event {event}")))?;
                if let Some(n) = edit.attendees {
                    tx.execute(
                        "UPDATE events SET attendees = ?2 WHERE id = ?1 AND team_id = ?3",
                        params![event, n, team],
                    )
                    .map_err(sql_error)?;
                }
                if let Some(name) = &edit.room {
                    let room: String = tx
                        .query_row("SELECT id FROM rooms WHERE team_id = ?1 AND name = ?2", params![team, name], |r| {
                            r.get(0)
                        })
                        .optional()
                        .map_err(sql_error)?
                        .ok_or_else(|| StoreError::Invalid(format!("no room named {name:?}")))?;
                    let ids = serde_json::json!([room]).to_string();
                    tx.execute(
                        "UPDATE events SET room_ids = ?2 WHERE id = ?1 AND team_id = ?3",
                        params![event, ids, team],
                    )
                    .map_err(sql_error)?;
                }
                if edit.attendees.is_some() || edit.room.is_some() {
                    let after = row_json(&tx, event_sql, &event)?;
                    changes.push(RowChange { table: "events", old: before, new: after });
                }
                for name in &edit.remove_lines {
                    let line: Option<String> = tx
                        .query_row(
                            "SELECT li.id FROM offer_line_items li JOIN offers o ON o.id = li.offer_id
                             WHERE o.event_id = ?1 AND o.status <> 'cancelled' AND li.name = ?2",
                            params![event, name],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(sql_error)?;
                    let line =
                        line.ok_or_else(|| StoreError::Invalid(format!("no line {name:?} on the current offer")))?;
                    let old = row_json(&tx, "SELECT * FROM offer_line_items WHERE id = ?1", &line)?.unwrap_or_default();
                    tx.execute("DELETE FROM offer_line_items WHERE id = ?1", [&line]).map_err(sql_error)?;
                    changes.push(RowChange { table: "offer_line_items", old, new: None });
                }
                // Journaled with the edit, so a queued change lost on the
                // way (a crash before the inbox took it) is reconciled.
                for ch in &changes {
                    super::followups::journal(&tx, &team, &ch.db_change(), chrono::Utc::now())?;
                }
                tx.commit().map_err(sql_error)?;
                Ok(changes)
            })
            .await
    }
}

fn task_row(c: &Connection, id: &str) -> Result<Option<Value>, StoreError> {
    row_json(c, "SELECT * FROM tasks WHERE id = ?1", id)
}

/// A row as JSON with its columns' natural types (`payload` as an object),
/// like PostgREST and database webhooks render it.
fn row_json(c: &Connection, sql: &str, param: &str) -> Result<Option<Value>, StoreError> {
    let mut stmt = c.prepare_cached(sql).map_err(sql_error)?;
    let names: Vec<String> = stmt.column_names().into_iter().map(str::to_string).collect();
    stmt.query_row([param], |row| {
        let mut obj = Map::new();
        for (i, name) in names.iter().enumerate() {
            let v = match row.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(f) => Value::from(f),
                ValueRef::Text(t) => {
                    let s = String::from_utf8_lossy(t).into_owned();
                    if name == "payload" {
                        serde_json::from_str(&s).unwrap_or(Value::String(s))
                    } else {
                        Value::String(s)
                    }
                }
                ValueRef::Blob(_) => Value::Null,
            };
            obj.insert(name.clone(), v);
        }
        Ok(Value::Object(obj))
    })
    .optional()
    .map_err(sql_error)
}
