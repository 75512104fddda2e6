//! Applying a workflow plan in one SQLite transaction.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};

use super::db::{cached, cached_row, sql_error};
use super::store::client_by_email;
use crate::domain::{ClientId, EventId, TaskId, TeamId, UserId};
use crate::store::timestamp;
use crate::store::StoreError;
use crate::workflow::{Applied, ClientPatch, ClientWrite, EventPatch, EventWrite, Plan};

pub(super) fn apply(c: &mut Connection, team: TeamId, user: UserId, plan: &Plan) -> Result<Applied, StoreError> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql_error)?;
    let applied = write(&tx, team, user, plan)?;
    tx.commit().map_err(sql_error)?;
    Ok(applied)
}

/// Applies `plans` in one transaction, each inside a savepoint of its own:
/// a plan that fails is undone alone and reports its error, the others
/// commit together. One commit (and one WAL append) for the whole batch is
/// what lets the embedded store keep up with the coalesced calls of many
/// workers. `Err` only when the batch's own transaction fails (then none
/// of them is applied).
pub(super) fn apply_many(
    c: &mut Connection,
    team: TeamId,
    user: UserId,
    plans: &[Plan],
) -> Result<Vec<Result<Applied, StoreError>>, StoreError> {
    let mut tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql_error)?;
    let mut out = Vec::with_capacity(plans.len());
    for plan in plans {
        let sp = tx.savepoint().map_err(sql_error)?;
        match write(&sp, team, user, plan) {
            Ok(applied) => {
                sp.commit().map_err(sql_error)?;
                out.push(Ok(applied));
            }
            // Dropping the savepoint rolls this plan back, and only it.
            Err(e) => out.push(Err(e)),
        }
    }
    tx.commit().map_err(sql_error)?;
    Ok(out)
}

/// Writes one plan inside the caller's transaction (or savepoint).
fn write(tx: &Connection, team: TeamId, user: UserId, plan: &Plan) -> Result<Applied, StoreError> {
    if plan.team.is_some_and(|t| t != team) {
        return Err(StoreError::Forbidden("the plan belongs to another team than this store's".into()));
    }
    if already_applied(tx, team, plan)? {
        return Ok(Applied { duplicate: true, ..Applied::default() });
    }
    let now = timestamp(Utc::now());
    let (team_s, user_s) = (team.to_string(), user.to_string());

    let mut client_id: Option<ClientId> = match &plan.client {
        None => None,
        Some(ClientWrite::Existing { id }) => Some(*id),
        Some(ClientWrite::Ensure(new)) => Some(match client_by_email(tx, team, new.email.as_str())? {
            Some(existing) => existing.id,
            None => {
                let id = ClientId::new();
                cached(
                    tx,
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
            cached(
                tx,
                "INSERT INTO events (id, team_id, user_id, client_id, title, description, event_date, start_time, end_time,
                     attendees, status, current_step, date_confirmed, seating_layout, workflow_state, preferred_room,
                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?17, ?16, ?16)",
                params![
                    id.to_string(), team_s, user_s, client_id.map(|c| c.to_string()), e.title, e.description,
                    e.event_date.to_string(), time_text(e.start_time), time_text(e.end_time),
                    e.attendees, enum_text(&e.status)?, e.current_step, e.date_confirmed, e.seating_layout,
                    json_text(&e.workflow_state)?, now, e.preferred_room,
                ],
            )
            .map_err(sql_error)?;
            Some(id)
        }
        Some(EventWrite::Update { id, patch, expected_turn }) => {
            let changed = update_event(tx, &team_s, &id.to_string(), patch, *expected_turn, &now)?;
            if changed == 0 {
                return Err(match event_turn(tx, &team_s, &id.to_string())? {
                    None => StoreError::Invalid(format!("event {id} not found")),
                    Some(_) => StoreError::unavailable(format!("event {id} changed since it was read; plan again")),
                });
            }
            if client_id.is_none() {
                client_id = cached_row(tx, "SELECT client_id FROM events WHERE id = ?1", [id.to_string()], |r| {
                    r.get::<_, Option<String>>(0)
                })
                .map_err(sql_error)?
                .and_then(|s| s.parse().ok());
            }
            Some(*id)
        }
    };

    if !plan.client_update.is_empty() {
        let id = client_id.ok_or_else(|| StoreError::Invalid("a client update needs the plan's client".into()))?;
        update_client(tx, &team_s, &id.to_string(), &plan.client_update, &now)?;
    }

    for offer in &plan.offers {
        super::apply_offer::write(tx, &team_s, &user_s, event_id, offer, &now)?;
    }

    for m in &plan.emails {
        cached(
                tx,
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
        cached(
                tx,
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

    let drafts: Vec<TaskId> = plan
        .tasks
        .iter()
        .zip(&task_ids)
        .filter(|(t, _)| t.payload.draft_message.as_deref().is_some_and(|d| !d.is_empty()) && !t.payload.aside)
        .map(|(_, id)| *id)
        .collect();
    if let (Some(event), Some(newest)) = (event_id, drafts.last()) {
        supersede_older_drafts(tx, &team_s, event, *newest, &task_ids, &now)?;
    }

    for u in &plan.task_updates {
        cached(
                tx,
            "UPDATE tasks SET payload = json_set(payload, '$.send_state', ?3), updated_at = ?4 WHERE id = ?1 AND team_id = ?2",
            params![u.id.to_string(), team_s, u.send_state.as_str(), now],
        )
        .map_err(sql_error)?;
    }

    Ok(Applied { client_id, event_id, task_ids, duplicate: false })
}

/// A plan is keyed by the Message-IDs of its mails: if one is stored, the
/// plan was applied before (a redelivery, or a retry after a crash).
fn already_applied(tx: &Connection, team: TeamId, plan: &Plan) -> Result<bool, StoreError> {
    for m in &plan.emails {
        let found = cached_row(
            tx,
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

/// Every column of the patch; `None` leaves a column as it is. The flags
/// (?16, ?18) tell "set caller_step / room_ids" from "leave it", since both
/// may be set to an empty value.
/// The event's `workflow_state.turn`, `None` when the event does not exist.
fn event_turn(tx: &Connection, team: &str, id: &str) -> Result<Option<i64>, StoreError> {
    cached_row(
        tx,
        "SELECT coalesce(json_extract(workflow_state, '$.turn'), 0) FROM events WHERE id = ?1 AND team_id = ?2",
        params![id, team],
        |r| r.get(0),
    )
    .optional()
    .map_err(sql_error)
}

fn update_event(
    tx: &Connection,
    team: &str,
    id: &str,
    p: &EventPatch,
    expected_turn: Option<u64>,
    now: &str,
) -> Result<usize, StoreError> {
    let status = p.status.as_ref().map(enum_text).transpose()?;
    let room_ids = p.room_ids.as_ref().map(json_text).transpose()?;
    let workflow_state = p.workflow_state.as_ref().map(json_text).transpose()?;
    cached(
        tx,
        "UPDATE events SET status = coalesce(?3, status), current_step = coalesce(?4, current_step),
             date_confirmed = coalesce(?5, date_confirmed), event_date = coalesce(?6, event_date),
             start_time = coalesce(?7, start_time), end_time = coalesce(?8, end_time),
             attendees = coalesce(?9, attendees), seating_layout = coalesce(?10, seating_layout),
             preferred_room = coalesce(?11, preferred_room), requirements_hash = coalesce(?12, requirements_hash),
             room_eval_hash = coalesce(?13, room_eval_hash), offer_hash = coalesce(?14, offer_hash),
             workflow_state = coalesce(?15, workflow_state),
             caller_step = CASE WHEN ?16 THEN ?17 ELSE caller_step END,
             room_ids = CASE WHEN ?18 THEN ?19 ELSE room_ids END,
             updated_at = ?20
         WHERE id = ?1 AND team_id = ?2
           AND (?21 IS NULL OR coalesce(json_extract(workflow_state, '$.turn'), 0) = ?21)",
        params![
            id,
            team,
            status,
            p.current_step,
            p.date_confirmed,
            p.event_date.map(|d| d.to_string()),
            p.start_time.map(time_text),
            p.end_time.map(time_text),
            p.attendees,
            p.seating_layout,
            p.preferred_room,
            p.requirements_hash,
            p.room_eval_hash,
            p.offer_hash,
            workflow_state,
            p.caller_step.is_some(),
            p.caller_step.flatten(),
            room_ids.is_some(),
            room_ids,
            now,
            expected_turn.and_then(|t| i64::try_from(t).ok()),
        ],
    )
    .map_err(sql_error)
}

fn update_client(tx: &Connection, team: &str, id: &str, p: &ClientPatch, now: &str) -> Result<(), StoreError> {
    let changed = tx
        .execute(
            "UPDATE clients SET status = coalesce(?3, status), company = coalesce(?4, company),
                 billing_address = coalesce(?5, billing_address), billing_postal_code = coalesce(?6, billing_postal_code),
                 billing_city = coalesce(?7, billing_city), billing_country = coalesce(?8, billing_country),
                 updated_at = ?9
             WHERE id = ?1 AND team_id = ?2",
            params![
                id,
                team,
                p.status,
                p.company,
                p.billing_address,
                p.billing_postal_code,
                p.billing_city,
                p.billing_country,
                now
            ],
        )
        .map_err(sql_error)?;
    if changed == 0 {
        return Err(StoreError::Invalid(format!("client {id} not found")));
    }
    Ok(())
}

/// `HH:MM:SS`, as Supabase's `time` columns read back.
fn time_text(t: chrono::NaiveTime) -> String {
    t.format("%H:%M:%S").to_string()
}

fn json_text<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// The lower-case text of a serde enum (`lead`, `Email Tasks`, ...).
pub(super) fn enum_text<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::Invalid("expected a string enum".into())),
    }
}

/// One pending draft per booking: a plan that drafts anew for `event`
/// closes the event's older pending drafts (`send_state` `superseded`,
/// pointing at the plan's newest draft, `newest`), so a stale draft can never be
/// approved and sent. Tasks without a draft (`manual_review`) and asides
/// (a site visit's answers) stay open.
fn supersede_older_drafts(
    tx: &Connection,
    team: &str,
    event: EventId,
    newest: TaskId,
    new: &[TaskId],
    now: &str,
) -> Result<(), StoreError> {
    let new = serde_json::to_string(new).map_err(|e| StoreError::Invalid(e.to_string()))?;
    cached(
        tx,
        "UPDATE tasks SET status = 'completed', completed_at = ?5, updated_at = ?5,
                payload = json_set(payload, '$.send_state', 'superseded', '$.superseded_by', ?3)
         WHERE team_id = ?1 AND event_id = ?2 AND status = 'pending'
           AND id NOT IN (SELECT value FROM json_each(?4))
           AND COALESCE(json_extract(payload, '$.draft_message'), '') <> ''
           AND COALESCE(json_extract(payload, '$.aside'), 0) = 0",
        params![team, event.to_string(), newest.to_string(), new, now],
    )
    .map_err(sql_error)?;
    Ok(())
}
