use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::db::{cached, cached_row, json_list, sql_error};
use super::rows::{self, CLIENT_COLUMNS, EVENT_COLUMNS, TASK_COLUMNS};
use super::EmbeddedStore;
use super::{offers, venue};
use crate::domain::{
    Booking, Client, EmailAddress, EventId, InboundEmail, InboxId, OfferId, RoomId, SendState, Task, TaskAction,
    TaskDecision, TaskId, TaskStatus, TeamId,
};
use crate::store::{timestamp, Claim, MailContext, Store, StoreError};
use crate::workflow::{Applied, Catalogue, Plan};

#[async_trait]
impl Store for EmbeddedStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.data.run(|c| cached_row(c, "SELECT 1", [], |_| Ok(())).map_err(sql_error)).await?;
        // "inbox writable": a write transaction that changes nothing.
        self.inbox.run(|c| c.execute_batch("BEGIN IMMEDIATE; ROLLBACK;").map_err(sql_error)).await
    }

    async fn catalogue(&self) -> Result<Catalogue, StoreError> {
        let team = self.team;
        self.data.run(move |c| venue::catalogue(c, team)).await
    }

    async fn booked_rooms(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        except: EventId,
    ) -> Result<Vec<(NaiveDate, RoomId)>, StoreError> {
        let team = self.team;
        self.reads.run(move |c| venue::booked_rooms(c, team, from, to, except)).await
    }

    async fn next_offer_sequence(&self, offer_date: NaiveDate) -> Result<u32, StoreError> {
        self.data.run(move |c| offers::next_offer_sequence(c, offer_date)).await
    }

    async fn paid_unconfirmed(&self) -> Result<Vec<EventId>, StoreError> {
        let team = self.team;
        self.reads.run(move |c| offers::paid_unconfirmed(c, team)).await
    }

    async fn client_by_email(&self, email: &EmailAddress) -> Result<Option<Client>, StoreError> {
        let (team, email) = (self.team, email.to_string());
        self.data.run(move |c| client_by_email(c, team, &email)).await
    }

    async fn booking_for_mail(&self, mail: &InboundEmail) -> Result<Option<Booking>, StoreError> {
        let (team, refs, sender) = (self.team, thread_refs(mail), mail.from.email.to_string());
        self.data.run(move |c| booking_for_mail(c, team, &refs, &sender)).await
    }

    /// One call on the database thread for the whole batch: the coalesced
    /// contexts of many workers cost one hand-off, not one each.
    async fn mail_contexts(
        &self,
        mails: Vec<InboundEmail>,
    ) -> Result<Vec<Result<MailContext, StoreError>>, StoreError> {
        let team = self.team;
        let asks: Vec<(Vec<String>, String)> =
            mails.iter().map(|m| (thread_refs(m), m.from.email.to_string())).collect();
        self.reads
            .run(move |c| {
                Ok(asks
                    .iter()
                    .map(|(refs, sender)| {
                        let booking = booking_for_mail(c, team, refs, sender)?;
                        let client = match &booking {
                            Some(b) => Some(b.client.clone()),
                            None => client_by_email(c, team, sender)?,
                        };
                        Ok(MailContext { booking, client })
                    })
                    .collect())
            })
            .await
    }

    async fn apply_many(&self, plans: Vec<Plan>) -> Result<Vec<Result<Applied, StoreError>>, StoreError> {
        let (team, user) = (self.team, self.user);
        self.data.run(move |c| super::apply::apply_many(c, team, user, &plans)).await
    }

    async fn booking(&self, event: EventId) -> Result<Option<Booking>, StoreError> {
        let team = self.team;
        self.data.run(move |c| load_booking(c, team, &event.to_string())).await
    }

    async fn apply(&self, plan: &Plan) -> Result<Applied, StoreError> {
        let (plan, team, user) = (plan.clone(), self.team, self.user);
        self.data.run(move |c| super::apply::apply(c, team, user, &plan)).await
    }

    async fn event_of_offer(&self, offer: OfferId) -> Result<Option<EventId>, StoreError> {
        let team = self.team.to_string();
        self.data
            .run(move |c| {
                let id: Option<String> = cached_row(
                    c,
                    "SELECT event_id FROM offers WHERE id = ?1 AND team_id = ?2",
                    params![offer.to_string(), team],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql_error)?;
                Ok(id.and_then(|id| id.parse().ok()))
            })
            .await
    }

    async fn task(&self, id: TaskId) -> Result<Option<Task>, StoreError> {
        let team = self.team.to_string();
        self.data
            .run(move |c| {
                cached_row(
                    c,
                    &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1 AND team_id = ?2"),
                    params![id.to_string(), team],
                    rows::task,
                )
                .optional()
                .map_err(sql_error)
            })
            .await
    }

    async fn tasks(&self, status: Option<TaskStatus>) -> Result<Vec<Task>, StoreError> {
        let team = self.team.to_string();
        let status = status
            .map(|s| serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default());
        self.data
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(&format!(
                        "SELECT {TASK_COLUMNS} FROM tasks WHERE team_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY created_at DESC, rowid DESC"
                    ))
                    .map_err(sql_error)?;
                let tasks = stmt.query_map(params![team, status], rows::task).map_err(sql_error)?.collect::<Result<_, _>>().map_err(sql_error)?;
                Ok(tasks)
            })
            .await
    }

    async fn pending_tasks_of(&self, events: &[EventId]) -> Result<Vec<Task>, StoreError> {
        let (team, events) = (self.team.to_string(), json_list(events));
        self.reads
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(&format!(
                        "SELECT {TASK_COLUMNS} FROM tasks INDEXED BY tasks_event
                         WHERE event_id IN (SELECT value FROM json_each(?2)) AND status = 'pending' AND team_id = ?1
                         ORDER BY created_at DESC, rowid DESC"
                    ))
                    .map_err(sql_error)?;
                let tasks = stmt.query_map(params![team, events], rows::task).map_err(sql_error)?;
                tasks.collect::<Result<_, _>>().map_err(sql_error)
            })
            .await
    }

    async fn pending_task_counts(&self) -> Result<Vec<(TaskAction, u64)>, StoreError> {
        let team = self.team.to_string();
        self.reads
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT json_extract(payload, '$.action'), count(*) FROM tasks INDEXED BY tasks_pending_action
                         WHERE team_id = ?1 AND status = 'pending' GROUP BY 1",
                    )
                    .map_err(sql_error)?;
                let counts = stmt
                    .query_map([team], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, u64>(1)?)))
                    .map_err(sql_error)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(sql_error)?;
                Ok(counts.into_iter().filter_map(|(action, n)| Some((TaskAction::parse(&action?)?, n))).collect())
            })
            .await
    }

    async fn claim_task(
        &self,
        decision: &TaskDecision,
        claimant: InboxId,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let (team, d, now) = (self.team.to_string(), decision.clone(), timestamp(now));
        let resolution = serde_json::to_value(d.resolution).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.data
            .run(move |c| {
                // The WHERE on send_state makes this a compare-and-set: of
                // two deliveries of one approval, exactly one gets the row.
                let claimed = cached_row(
                    c,
                        &format!(
                            "UPDATE tasks SET status = 'completed', completed_at = coalesce(completed_at, ?3), updated_at = ?3,
                                 payload = json_set(payload, '$.resolution', ?4, '$.send_state', 'claimed', '$.claimed_by', ?6,
                                                    '$.edited_message', coalesce(?5, json_extract(payload, '$.edited_message')))
                             WHERE id = ?1 AND team_id = ?2 AND json_extract(payload, '$.send_state') IS NULL
                             RETURNING {TASK_COLUMNS}"
                        ),
                        params![d.task_id.to_string(), team, now, resolution.as_str(), d.edited_message, claimant.to_string()],
                        rows::task,
                    )
                    .optional()
                    .map_err(sql_error)?;
                if let Some(task) = claimed {
                    return Ok(Claim::Claimed(Box::new(task)));
                }
                let existing = cached_row(
                    c,
                        &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1 AND team_id = ?2"),
                        params![d.task_id.to_string(), team],
                        rows::task,
                    )
                    .optional()
                    .map_err(sql_error)?;
                Ok(existing.map_or(Claim::NotFound, |t| Claim::of_existing(t, claimant)))
            })
            .await
    }

    async fn set_send_state(
        &self,
        id: TaskId,
        claimant: InboxId,
        state: Option<SendState>,
        outgoing_message_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let team = self.team.to_string();
        let (state, message_id) = (state.map(SendState::as_str), outgoing_message_id.map(str::to_string));
        self.data
            .run(move |c| {
                cached(
                c,
                    "UPDATE tasks SET payload = CASE WHEN ?3 IS NULL
                         THEN json_remove(payload, '$.send_state', '$.claimed_by', '$.outgoing_message_id')
                         ELSE json_set(payload, '$.send_state', ?3,
                                       '$.outgoing_message_id', coalesce(?4, json_extract(payload, '$.outgoing_message_id')))
                         END
                     WHERE id = ?1 AND team_id = ?2 AND json_extract(payload, '$.claimed_by') = ?5",
                    params![id.to_string(), team, state, message_id, claimant.to_string()],
                )
                .map_err(sql_error)?;
                Ok(())
            })
            .await
    }

    async fn unhandled_decisions(&self) -> Result<Vec<TaskDecision>, StoreError> {
        let team = self.team.to_string();
        self.reads
            .run(move |c| {
                let mut stmt = c
                    .prepare_cached(&format!(
                        "SELECT {TASK_COLUMNS} FROM tasks INDEXED BY tasks_unacted WHERE team_id = ?1 AND status = 'completed'
                           AND json_extract(payload, '$.resolution') IN ('approved', 'rejected')
                           AND json_extract(payload, '$.send_state') IS NULL"
                    ))
                    .map_err(sql_error)?;
                let tasks: Vec<Task> = stmt
                    .query_map([team], rows::task)
                    .map_err(sql_error)?
                    .collect::<Result<_, _>>()
                    .map_err(sql_error)?;
                Ok(tasks.into_iter().filter_map(TaskDecision::unhandled).collect())
            })
            .await
    }

    async fn follow_up_candidates(&self, from: NaiveDate, limit: usize) -> Result<Vec<Booking>, StoreError> {
        let team = self.team;
        self.reads.run(move |c| super::followups::candidates(c, team, from, limit)).await
    }

    async fn unhandled_corrections(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::store::JournaledCorrection>, StoreError> {
        let team = self.team;
        self.reads.run(move |c| super::followups::unhandled_corrections(c, team, before, limit)).await
    }

    async fn correction_handled(&self, id: i64) -> Result<(), StoreError> {
        let team = self.team;
        self.data.run(move |c| super::followups::correction_handled(c, team, id)).await
    }

    async fn erase_client_mail(&self, email: &EmailAddress) -> Result<u64, StoreError> {
        let (team, email) = (self.team.to_string(), email.as_str().to_string());
        self.data
            .run(move |c| {
                c.execute(
                    "UPDATE emails SET body_text = '[erased]', body_html = NULL
                     WHERE team_id = ?1 AND (lower(from_email) = ?2 OR lower(to_email) = ?2)
                       AND (body_text IS NOT '[erased]' OR body_html IS NOT NULL)",
                    params![team, email],
                )
                .map(|n| n as u64)
                .map_err(sql_error)
            })
            .await
    }
}

pub(super) fn client_by_email(c: &Connection, team: TeamId, email: &str) -> Result<Option<Client>, StoreError> {
    cached_row(
        c,
        &format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE team_id = ?1 AND email = ?2"),
        params![team.to_string(), email],
        rows::client,
    )
    .optional()
    .map_err(sql_error)
}

fn thread_refs(mail: &InboundEmail) -> Vec<String> {
    mail.thread_refs().map(str::to_string).collect()
}

/// See [`Store::booking_for_mail`]: each step one index lookup.
fn booking_for_mail(
    c: &Connection,
    team: TeamId,
    refs: &[String],
    sender: &str,
) -> Result<Option<Booking>, StoreError> {
    let team_s = team.to_string();
    for r in refs {
        let event: Option<String> = cached_row(
            c,
            "SELECT event_id FROM emails WHERE team_id = ?1 AND message_id = ?2 AND event_id IS NOT NULL",
            params![team_s, r],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql_error)?;
        if let Some(id) = event {
            let booking = load_booking(c, team, &id)?;
            if booking.as_ref().is_some_and(|b| b.event.status.is_open()) {
                return Ok(booking);
            }
        }
    }
    // Not threaded: the sender's latest booking still in play.
    let latest: Option<String> = cached_row(
        c,
        "SELECT e.id FROM events e JOIN clients cl ON cl.id = e.client_id
         WHERE e.team_id = ?1 AND cl.team_id = ?1 AND cl.email = ?2
           AND (e.status IN ('lead', 'option') OR (e.status = 'confirmed' AND e.event_date >= date('now')))
         ORDER BY e.created_at DESC LIMIT 1",
        params![team_s, sender],
        |row| row.get(0),
    )
    .optional()
    .map_err(sql_error)?;
    match latest {
        Some(id) => load_booking(c, team, &id),
        None => Ok(None),
    }
}

pub(super) fn load_booking(c: &Connection, team: TeamId, event_id: &str) -> Result<Option<Booking>, StoreError> {
    let team_s = team.to_string();
    let Some(event) = cached_row(
        c,
        &format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = ?1 AND team_id = ?2"),
        params![event_id, team_s],
        rows::event,
    )
    .optional()
    .map_err(sql_error)?
    else {
        return Ok(None);
    };
    let Some(client_id) = event.client_id else { return Ok(None) };
    let client = cached_row(
        c,
        &format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = ?1 AND team_id = ?2"),
        params![client_id.to_string(), team_s],
        rows::client,
    )
    .optional()
    .map_err(sql_error)?;
    let last_inbound = cached_row(
        c,
        "SELECT message_id, subject, thread_id, in_reply_to, is_sent, received_at FROM emails
             WHERE event_id = ?1 AND team_id = ?2 AND is_sent = 0 ORDER BY received_at DESC, rowid DESC LIMIT 1",
        params![event_id, team_s],
        rows::stored_email,
    )
    .optional()
    .map_err(sql_error)?;
    let Some(client) = client else { return Ok(None) };
    let offer = offers::latest_offer(c, team, event_id)?;
    Ok(Some(Booking { client, event, last_inbound, offer }))
}
