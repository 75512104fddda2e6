//! Applying a workflow plan in one SQLite transaction.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::db::sql_error;
use super::store::client_by_email;
use crate::domain::{ClientId, EventId, TaskId, TeamId, UserId};
use crate::store::timestamp;
use crate::store::StoreError;
use crate::workflow::{Applied, ClientWrite, EventWrite, Plan};

pub(super) fn apply(c: &mut Connection, team: TeamId, user: UserId, plan: &Plan) -> Result<Applied, StoreError> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql_error)?;
    if already_applied(&tx, team, plan)? {
        return Ok(Applied { duplicate: true, ..Applied::default() });
    }
    let now = timestamp(Utc::now());
    let (team_s, user_s) = (team.to_string(), user.to_string());

    let mut client_id: Option<ClientId> = match &plan.client {
        None => None,
        Some(ClientWrite::Existing { id }) => Some(*id),
        Some(ClientWrite::Ensure(new)) => Some(match client_by_email(&tx, team, new.email.as_str())? {
            Some(existing) => existing.id,
            None => {
                let id = ClientId::new();
                tx.execute(
                    "INSERT INTO clients (id, team_id, user_id, name, email, company, status, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'lead', ?7, ?7)",
                    params![id.to_string(), team_s, user_s, new.name, new.email.as_str(), new.company, now],
                )
                .map_err(sql_error)?;
                id
            }
        }),
    };

    let event_id: Option<EventId> = match &plan.event {
        None => None,
        Some(EventWrite::Create(e)) => {
            let id = EventId::new();
            tx.execute(
                "INSERT INTO events (id, team_id, user_id, client_id, title, description, event_date, start_time, end_time,
                     attendees, status, current_step, date_confirmed, seating_layout, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)",
                params![
                    id.to_string(), team_s, user_s, client_id.map(|c| c.to_string()), e.title, e.description,
                    e.event_date.to_string(), e.start_time.format("%H:%M:%S").to_string(), e.end_time.format("%H:%M:%S").to_string(),
                    e.attendees, enum_text(&e.status)?, e.current_step, e.date_confirmed, e.seating_layout, now,
                ],
            )
            .map_err(sql_error)?;
            Some(id)
        }
        Some(EventWrite::Update { id, patch }) => {
            let status = patch.status.as_ref().map(enum_text).transpose()?;
            let changed = tx
                .execute(
                    "UPDATE events SET status = coalesce(?3, status), current_step = coalesce(?4, current_step),
                         date_confirmed = coalesce(?5, date_confirmed), updated_at = ?6
                     WHERE id = ?1 AND team_id = ?2",
                    params![id.to_string(), team_s, status, patch.current_step, patch.date_confirmed, now],
                )
                .map_err(sql_error)?;
            if changed == 0 {
                return Err(StoreError::Invalid(format!("event {id} not found")));
            }
            if client_id.is_none() {
                client_id = tx
                    .query_row("SELECT client_id FROM events WHERE id = ?1", [id.to_string()], |r| {
                        r.get::<_, Option<String>>(0)
                    })
                    .map_err(sql_error)?
                    .and_then(|s| s.parse().ok());
            }
            Some(*id)
        }
    };

    for m in &plan.emails {
        tx.execute(
            "INSERT INTO emails (id, team_id, user_id, from_email, to_email, subject, body_text, body_html, event_id, client_id,
                 is_sent, received_at, thread_id, message_id, in_reply_to, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                uuid::Uuid::now_v7().to_string(), team_s, user_s, m.from_email, m.to_email, m.subject, m.body_text, m.body_html,
                event_id.map(|e| e.to_string()), client_id.map(|c| c.to_string()), m.is_sent, timestamp(m.received_at),
                m.thread_id, m.message_id, m.in_reply_to, now,
            ],
        )
        .map_err(sql_error)?;
    }

    let mut task_ids = Vec::with_capacity(plan.tasks.len());
    for t in &plan.tasks {
        let id = TaskId::new();
        let payload = serde_json::to_string(&t.payload).map_err(|e| StoreError::Invalid(e.to_string()))?;
        tx.execute(
            "INSERT INTO tasks (id, team_id, user_id, title, description, category, status, priority, event_id, client_name,
                 payload, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9, ?10, ?11, ?11)",
            params![
                id.to_string(), team_s, user_s, t.title, t.description, enum_text(&t.category)?, enum_text(&t.priority)?,
                event_id.map(|e| e.to_string()), t.client_name, payload, now,
            ],
        )
        .map_err(sql_error)?;
        task_ids.push(id);
    }

    for u in &plan.task_updates {
        tx.execute(
            "UPDATE tasks SET payload = json_set(payload, '$.send_state', ?3), updated_at = ?4 WHERE id = ?1 AND team_id = ?2",
            params![u.id.to_string(), team_s, u.send_state, now],
        )
        .map_err(sql_error)?;
    }

    tx.commit().map_err(sql_error)?;
    Ok(Applied { client_id, event_id, task_ids, duplicate: false })
}

/// A plan is keyed by the Message-IDs of its mails: if one is stored, the
/// plan was applied before (a redelivery, or a retry after a crash).
fn already_applied(tx: &Transaction<'_>, team: TeamId, plan: &Plan) -> Result<bool, StoreError> {
    for m in &plan.emails {
        let found = tx
            .query_row(
                "SELECT 1 FROM emails WHERE team_id = ?1 AND message_id = ?2",
                params![team.to_string(), m.message_id],
                |_| Ok(()),
            )
            .optional()
            .map_err(sql_error)?;
        if found.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The lower-case text of a serde enum (`lead`, `Email Tasks`, ...).
fn enum_text<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::Invalid("expected a string enum".into())),
    }
}
