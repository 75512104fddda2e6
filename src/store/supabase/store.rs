use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::rest::{encoded, PLAN_AGAIN};
use super::SupabaseStore;
use crate::domain::{
    Booking, Client, EmailAddress, Event, EventId, InboundEmail, InboxId, OfferId, OfferRecord, RoomId, SendState,
    StoredEmail, Task, TaskAction, TaskDecision, TaskId, TaskStatus,
};
use crate::store::sequence::{month_prefix, next_sequence};
use crate::store::{timestamp, Claim, MailContext, Store, StoreError};
use crate::workflow::{Applied, Catalogue, Plan};

#[derive(Deserialize)]
struct EmailRow {
    message_id: Option<String>,
    subject: String,
    thread_id: Option<String>,
    in_reply_to: Option<String>,
    is_sent: bool,
    received_at: Option<DateTime<Utc>>,
}

/// What `oe_booking` returns, and `oe_mail_context` (whose client may be
/// the sender's without a booking).
#[derive(Deserialize)]
struct ContextRow {
    event: Option<Event>,
    client: Option<Client>,
    last_inbound: Option<EmailRow>,
    offer: Option<OfferRecord>,
}

impl ContextRow {
    fn into_context(self) -> MailContext {
        let booking = match (self.event, &self.client) {
            (Some(event), Some(client)) => Some(Booking {
                client: client.clone(),
                event,
                last_inbound: self.last_inbound.map(EmailRow::into_stored),
                offer: self.offer,
            }),
            _ => None,
        };
        MailContext { booking, client: self.client }
    }
}

impl EmailRow {
    fn into_stored(self) -> StoredEmail {
        StoredEmail::new(
            self.message_id,
            self.subject,
            self.thread_id,
            self.in_reply_to,
            self.is_sent,
            self.received_at.unwrap_or_default(),
        )
    }
}

#[derive(Deserialize)]
struct BookedRow {
    event_date: NaiveDate,
    #[serde(default)]
    room_ids: Option<Vec<RoomId>>,
}

/// An error `oe_apply_plans` reports for one plan, by SQLSTATE: class 40
/// (deadlock, serialization failure), 53 (resources) and an offer number
/// another booking took first pass with a retry; the rest is the data.
fn plan_error(error: &str, code: &str) -> StoreError {
    let what = format!("{error} ({code})");
    if code.starts_with("40") || code.starts_with("53") || code == PLAN_AGAIN {
        StoreError::unavailable(what)
    } else {
        StoreError::Invalid(what)
    }
}

fn invalid(e: serde_json::Error) -> StoreError {
    StoreError::Invalid(format!("unexpected row shape: {e}"))
}

#[async_trait]
impl Store for SupabaseStore {
    async fn ping(&self) -> Result<(), StoreError> {
        let _: Vec<Value> = self.rest.get(&format!("tasks?select=id&team_id=eq.{}&limit=1", self.team)).await?;
        let _: Value = self.rest.rpc("oe_inbox_stats", &json!({})).await?;
        Ok(())
    }

    async fn catalogue(&self) -> Result<Catalogue, StoreError> {
        let rooms = format!("rooms?team_id=eq.{}&order=name", self.team);
        let products = format!("products?team_id=eq.{}&available=is.true&order=name", self.team);
        let (rooms, products) = tokio::try_join!(self.rest.get::<Value>(&rooms), self.rest.get::<Value>(&products))?;
        Catalogue::from_rows(&rooms, &products).map_err(StoreError::Invalid)
    }

    async fn booked_rooms(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        except: EventId,
    ) -> Result<Vec<(NaiveDate, RoomId)>, StoreError> {
        let rows: Vec<BookedRow> = self
            .rest
            .get(&format!(
                "events?team_id=eq.{}&status=in.(option,confirmed)&event_date=gte.{from}&event_date=lte.{to}\
                 &id=neq.{except}&select=event_date,room_ids&order=event_date",
                self.team
            ))
            .await?;
        Ok(rows
            .into_iter()
            .flat_map(|r| r.room_ids.unwrap_or_default().into_iter().map(move |room| (r.event_date, room)))
            .collect())
    }

    async fn next_offer_sequence(&self, offer_date: NaiveDate) -> Result<u32, StoreError> {
        // Offer numbers are unique across the project, so the sequence is
        // the project's, not the team's: two teams never pick one number.
        // `*` is PostgREST's LIKE wildcard; the prefix holds no `_` or `%`.
        // The numeric maximum is taken here: SQL would compare text.
        let rows: Vec<Value> = self
            .rest
            .get(&format!("offers?offer_number=like.{}*&select=offer_number", encoded(&month_prefix(offer_date))))
            .await?;
        Ok(next_sequence(offer_date, rows.iter().filter_map(|r| r["offer_number"].as_str())))
    }

    async fn paid_unconfirmed(&self) -> Result<Vec<EventId>, StoreError> {
        // Events with a paid offer (`paid`, an inner join, keeps the answer
        // small), with their current offer (`current`): only when that one
        // is paid, since a newer revised offer replaces a paid older one.
        let rows: Vec<Value> = self
            .rest
            .get(&format!(
                "events?team_id=eq.{}&status=in.(lead,option)\
                 &select=id,paid:offers!inner(id),current:offers(deposit_paid_at)\
                 &paid.deposit_paid_at=not.is.null&paid.status=neq.cancelled\
                 &current.status=neq.cancelled&current.order=created_at.desc,id.desc&current.limit=1\
                 &order=created_at",
                self.team
            ))
            .await?;
        Ok(rows
            .iter()
            .filter(|r| r["current"].get(0).is_some_and(|o| !o["deposit_paid_at"].is_null()))
            .filter_map(|r| r["id"].as_str()?.parse().ok())
            .collect())
    }

    async fn client_by_email(&self, email: &EmailAddress) -> Result<Option<Client>, StoreError> {
        // The service stores addresses lower-cased; rows typed in the
        // frontend may not be, hence ilike (with LIKE's wildcards escaped).
        // `*` is ilike's wildcard and cannot be escaped: such addresses
        // (legal, rare) are matched exactly.
        let filter = if email.as_str().contains('*') {
            format!("eq.{}", encoded(email.as_str()))
        } else {
            format!("ilike.{}", encoded(&email.as_str().replace('%', "\\%").replace('_', "\\_")))
        };
        let rows: Vec<Client> =
            self.rest.get(&format!("clients?team_id=eq.{}&email={filter}&limit=1", self.team)).await?;
        Ok(rows.into_iter().next())
    }

    async fn booking_for_mail(&self, mail: &InboundEmail) -> Result<Option<Booking>, StoreError> {
        Ok(self.mail_context(mail).await?.booking)
    }

    async fn booking(&self, event: EventId) -> Result<Option<Booking>, StoreError> {
        let row: Option<ContextRow> =
            self.rest.rpc("oe_booking", &json!({"p_team": self.team, "p_event": event})).await?;
        Ok(row.and_then(|r| r.into_context().booking))
    }

    async fn mail_context(&self, mail: &InboundEmail) -> Result<MailContext, StoreError> {
        let refs: Vec<&str> = mail.thread_refs().collect();
        let args = json!({"p_team": self.team, "p_refs": refs, "p_sender": mail.from.email});
        let c: ContextRow = self.rest.rpc("oe_mail_context", &args).await?;
        Ok(c.into_context())
    }

    async fn mail_contexts(
        &self,
        mails: Vec<InboundEmail>,
    ) -> Result<Vec<Result<MailContext, StoreError>>, StoreError> {
        let items: Vec<Value> = mails
            .iter()
            .map(|m| json!({"refs": m.thread_refs().collect::<Vec<_>>(), "sender": m.from.email}))
            .collect();
        let rows: Vec<ContextRow> =
            self.rest.rpc("oe_mail_contexts", &json!({"p_team": self.team, "p_mails": items})).await?;
        Ok(rows.into_iter().map(|c| Ok(c.into_context())).collect())
    }

    async fn apply_many(&self, plans: Vec<Plan>) -> Result<Vec<Result<Applied, StoreError>>, StoreError> {
        let args = json!({"p_team": self.team, "p_user": self.user, "p_plans": plans});
        let results: Vec<Value> = self.rest.rpc("oe_apply_plans", &args).await?;
        Ok(results
            .into_iter()
            .map(|r| match r.get("error").and_then(Value::as_str) {
                Some(error) => Err(plan_error(error, r["code"].as_str().unwrap_or_default())),
                None => serde_json::from_value(r).map_err(invalid),
            })
            .collect())
    }

    async fn apply(&self, plan: &Plan) -> Result<Applied, StoreError> {
        let args = json!({"p_team": self.team, "p_user": self.user, "p_plan": plan});
        match self.rest.rpc::<Applied>("oe_apply_plan", &args).await {
            // Two replicas applied the same mail at once: the unique
            // Message-ID index let one win; for the other it is done.
            Err(StoreError::Duplicate(_)) => Ok(Applied { duplicate: true, ..Applied::default() }),
            other => other,
        }
    }

    async fn event_of_offer(&self, offer: OfferId) -> Result<Option<EventId>, StoreError> {
        let rows: Vec<Value> =
            self.rest.get(&format!("offers?id=eq.{offer}&team_id=eq.{}&select=event_id", self.team)).await?;
        Ok(rows.first().and_then(|r| r["event_id"].as_str()?.parse().ok()))
    }

    async fn task(&self, id: TaskId) -> Result<Option<Task>, StoreError> {
        let rows: Vec<Task> = self.rest.get(&format!("tasks?id=eq.{id}&team_id=eq.{}", self.team)).await?;
        Ok(rows.into_iter().next())
    }

    async fn tasks(&self, status: Option<TaskStatus>) -> Result<Vec<Task>, StoreError> {
        let filter = match status {
            Some(s) => format!("&status=eq.{}", serde_json::to_value(s).map_err(invalid)?.as_str().unwrap_or_default()),
            None => String::new(),
        };
        self.rest.get(&format!("tasks?team_id=eq.{}{filter}&order=created_at.desc", self.team)).await
    }

    async fn pending_tasks_of(&self, events: &[EventId]) -> Result<Vec<Task>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let ids = events.iter().map(EventId::to_string).collect::<Vec<_>>().join(",");
        self.rest
            .get(&format!("tasks?team_id=eq.{}&status=eq.pending&event_id=in.({ids})&order=created_at.desc", self.team))
            .await
    }

    async fn pending_task_counts(&self) -> Result<Vec<(TaskAction, u64)>, StoreError> {
        #[derive(Deserialize)]
        struct Count {
            action: Option<String>,
            n: u64,
        }
        let counts: Vec<Count> = self.rest.rpc("oe_pending_task_counts", &json!({"p_team": self.team})).await?;
        Ok(counts.into_iter().filter_map(|c| Some((TaskAction::parse(&c.action?)?, c.n))).collect())
    }

    async fn claim_task(
        &self,
        decision: &TaskDecision,
        claimant: InboxId,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let Some(task) = self.task(decision.task_id).await? else { return Ok(Claim::NotFound) };
        if task.payload.send_state.is_some() {
            return Ok(Claim::of_existing(task, claimant));
        }
        let mut payload = task.payload.clone();
        payload.resolution = Some(decision.resolution);
        payload.send_state = Some(SendState::Claimed);
        payload.claimed_by = Some(claimant);
        if decision.edited_message.is_some() {
            payload.edited_message = decision.edited_message.clone();
        }
        let body = json!({
            "status": "completed",
            "completed_at": timestamp(task.completed_at.unwrap_or(now)),
            "payload": payload,
        });
        // The filter on send_state makes this a compare-and-set: of two
        // deliveries (or replicas) exactly one gets a row back.
        let rows = self
            .rest
            .patch(&format!("tasks?id=eq.{}&team_id=eq.{}&payload->>send_state=is.null", task.id, self.team), &body)
            .await?;
        match rows.into_iter().next() {
            Some(row) => Ok(Claim::Claimed(Box::new(serde_json::from_value(row).map_err(invalid)?))),
            None => Ok(Claim::AlreadyHandled),
        }
    }

    async fn set_send_state(
        &self,
        id: TaskId,
        claimant: InboxId,
        state: Option<SendState>,
        outgoing_message_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let Some(task) = self.task(id).await? else { return Ok(()) };
        let mut payload = task.payload;
        match state {
            Some(state) => {
                payload.send_state = Some(state);
                if let Some(m) = outgoing_message_id {
                    payload.outgoing_message_id = Some(m.to_string());
                }
            }
            None => {
                payload.send_state = None;
                payload.claimed_by = None;
                payload.outgoing_message_id = None;
            }
        }
        // Only the claimant may move its claim.
        self.rest
            .patch(
                &format!("tasks?id=eq.{id}&team_id=eq.{}&payload->>claimed_by=eq.{claimant}", self.team),
                &json!({"payload": payload}),
            )
            .await?;
        Ok(())
    }

    async fn unhandled_decisions(&self) -> Result<Vec<TaskDecision>, StoreError> {
        // Only what a decision needs, read leniently: one frontend task of
        // an unusual shape must not stop reconciliation of all the others.
        let rows: Vec<Value> = self
            .rest
            .get(&format!(
                "tasks?team_id=eq.{}&status=eq.completed&payload->>resolution=in.(approved,rejected)&payload->>send_state=is.null\
                 &select=id,payload",
                self.team
            ))
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(TaskDecision {
                    task_id: row["id"].as_str()?.parse().ok()?,
                    resolution: serde_json::from_value(row["payload"]["resolution"].clone()).ok()?,
                    edited_message: row["payload"]["edited_message"].as_str().map(str::to_string),
                })
            })
            .collect())
    }

    async fn follow_up_candidates(&self, from: NaiveDate, limit: usize) -> Result<Vec<Booking>, StoreError> {
        // One RPC: the events by the partial index (team, date) of open
        // ones, each read as `oe_booking` reads it.
        let rows: Vec<ContextRow> = self
            .rest
            .rpc("oe_follow_up_candidates", &json!({"p_team": self.team, "p_from": from, "p_limit": limit}))
            .await?;
        Ok(rows.into_iter().filter_map(|r| r.into_context().booking).collect())
    }

    async fn unhandled_corrections(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<crate::store::JournaledCorrection>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            id: i64,
            change: crate::domain::DbChange,
        }
        let rows: Vec<Row> = self
            .rest
            .get(&format!(
                "oe_corrections?team_id=eq.{}&handled_at=is.null&created_at=lt.{}&select=id,change&order=id&limit={limit}",
                self.team,
                encoded(&timestamp(before))
            ))
            .await?;
        Ok(rows.into_iter().map(|r| crate::store::JournaledCorrection { id: r.id, change: r.change }).collect())
    }

    async fn correction_handled(&self, id: i64) -> Result<(), StoreError> {
        self.rest
            .patch(
                &format!("oe_corrections?id=eq.{id}&team_id=eq.{}&handled_at=is.null", self.team),
                &json!({"handled_at": timestamp(Utc::now())}),
            )
            .await?;
        Ok(())
    }

    async fn erase_client_mail(&self, email: &EmailAddress) -> Result<u64, StoreError> {
        let args = json!({"p_team": self.team, "p_email": email.as_str()});
        self.rest.rpc::<u64>("oe_erase_client_mail", &args).await
    }
}
