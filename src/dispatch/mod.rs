//! Turns inbox entries into effects: load the state, run the pure workflow,
//! apply its plan, send approved mail. The only place where the workflow
//! meets I/O.

mod catalogue;
mod coalesce;
mod followups;
mod reconcile;
mod tenants;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use chrono_tz::Tz;
use tracing::{debug, info, instrument, warn};

use crate::domain::{
    Booking, Correction, DepositPayment, EmailAddress, EventId, InboundEmail, InboxId, OfferId, SendState,
    TaskDecision, TeamId,
};
use crate::inbox::{ClaimedEntry, Handler, HandlerError, InboxEvent};
use crate::ingest::resend::{FetchError, ResendApi};
use crate::mail::{Mailer, SendError};
use crate::metrics::Metrics;
use crate::store::{Claim, MailContext, Store, StoreError};
use crate::workflow::{self, Applied, Context, Extractor, Facts, Occupancy, Plan, Rules, TaskUpdate};

use catalogue::CatalogueCache;
use coalesce::Coalescer;
pub use reconcile::Reconciler;
pub use tenants::{Stores, Tenants};

#[derive(Debug, Clone)]
pub struct Venue {
    pub team: TeamId,
    pub timezone: Tz,
    pub name: String,
    pub email: EmailAddress,
    pub payment: Option<workflow::Payment>,
}

pub struct Dispatcher {
    pub(crate) store: Arc<dyn Store>,
    /// Reads each mail before the workflow runs (the rules, by default).
    extractor: Arc<dyn Extractor>,
    contexts: Coalescer<InboundEmail, MailContext>,
    applies: Coalescer<Plan, Applied>,
    catalogue: CatalogueCache,
    mailer: Mailer,
    resend: ResendApi,
    venue: Venue,
    metrics: Arc<Metrics>,
}

/// How far ahead room occupancy is read for a booking: date proposals and
/// detours look at most this far.
const OCCUPANCY_DAYS: u64 = 550;

impl From<StoreError> for HandlerError {
    fn from(e: StoreError) -> Self {
        if e.is_transient() {
            HandlerError::Transient(error_chain(&e))
        } else {
            HandlerError::Permanent(error_chain(&e))
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[async_trait]
impl Handler for Dispatcher {
    async fn handle(&self, entry: &ClaimedEntry) -> Result<(), HandlerError> {
        if entry.team != self.venue.team {
            // Never answer one venue's client under another venue's name.
            return Err(HandlerError::Permanent(format!(
                "entry of team {} reached team {}",
                entry.team, self.venue.team
            )));
        }
        self.on_event(&entry.event, entry.id).await
    }
}

impl Dispatcher {
    pub fn new(store: Arc<dyn Store>, mailer: Mailer, resend: ResendApi, venue: Venue, metrics: Arc<Metrics>) -> Self {
        let (s1, s2) = (store.clone(), store.clone());
        let contexts = Coalescer::spawn(64, move |mails| {
            let store = s1.clone();
            async move { store.mail_contexts(mails).await }
        });
        let applies = Coalescer::spawn(64, move |plans| {
            let store = s2.clone();
            async move { store.apply_many(plans).await }
        });
        let catalogue = CatalogueCache::new(store.clone());
        Self { store, extractor: Arc::new(Rules), contexts, applies, catalogue, mailer, resend, venue, metrics }
    }

    /// The plan, marked as this team's: the store refuses it under any other.
    fn ours(&self, plan: Plan) -> Plan {
        Plan { team: Some(self.venue.team), ..plan }
    }

    fn context(&self) -> Context {
        Context {
            now: Utc::now(),
            timezone: self.venue.timezone,
            venue_name: self.venue.name.clone(),
            venue_email: self.venue.email.clone(),
            payment: self.venue.payment.clone(),
        }
    }

    #[instrument(skip_all, fields(message_id = %mail.message_id))]
    async fn on_mail(&self, mail: &InboundEmail) -> Result<(), HandlerError> {
        let MailContext { booking, client } = self.contexts.call(mail.clone()).await?;
        let ctx = self.context();
        let plan = match &booking {
            None => {
                let catalogue = self.catalogue.get().await?;
                let reading = self.extractor.read(mail, ctx.today(), catalogue.vocabulary());
                workflow::on_inquiry(client.as_ref(), mail, &reading, &ctx, &catalogue)
            }
            Some(b) => {
                let facts = self.facts(b, &ctx).await?;
                let reading = self.extractor.read(mail, ctx.today(), facts.catalogue.vocabulary());
                workflow::on_reply(b, mail, &reading, &ctx, &facts)
            }
        };
        let applied = self.applies.call(self.ours(plan)).await?;
        if applied.duplicate {
            info!("mail was already processed; no effect");
        } else {
            info!(event_id = %applied.event_id.map(|e| e.to_string()).unwrap_or_default(), tasks = applied.task_ids.len(), "mail processed");
        }
        Ok(())
    }

    /// What steps 2–7 read besides the booking (see [`Facts`]).
    async fn facts(&self, booking: &Booking, ctx: &Context) -> Result<Facts, StoreError> {
        let today = ctx.today();
        let until = today.checked_add_days(chrono::Days::new(OCCUPANCY_DAYS)).unwrap_or(today);
        let booked = self.store.booked_rooms(today, until, booking.event.id).await?;
        Ok(Facts {
            catalogue: self.catalogue.get().await?,
            occupancy: Occupancy::new(booked),
            offer_sequence: self.store.next_offer_sequence(today).await?,
            new_offer_id: OfferId::new(),
        })
    }

    async fn on_event(&self, event: &InboxEvent, entry: InboxId) -> Result<(), HandlerError> {
        match event {
            InboxEvent::Mail { mail } => self.on_mail(mail).await,
            InboxEvent::Decision { decision } => self.on_decision(decision, entry).await,
            InboxEvent::Correction { correction } => {
                self.on_correction(correction).await?;
                // Its journal row, and any identical one, need no reconciling.
                let team = self.venue.team;
                self.corrections_seen(|c| {
                    matches!(InboxEvent::from_change(c, team), Some(InboxEvent::Correction { correction: seen }) if seen == *correction)
                })
                .await
            }
            InboxEvent::FollowUp { follow_up, at } => self.on_follow_up(follow_up, *at).await,
            InboxEvent::DepositPaid { event, payment } => self.on_deposit_paid(*event, *payment).await,
            InboxEvent::ResendReceived { notice } => {
                let mail = self.resend.fetch(notice, Utc::now()).await.map_err(|e| match e {
                    FetchError::Transient(why) => HandlerError::Transient(why),
                    FetchError::Permanent(why) => HandlerError::Permanent(why),
                })?;
                self.on_mail(&mail).await
            }
            InboxEvent::DbChange { change } => match InboxEvent::from_change(change, self.venue.team) {
                Some(event) => Box::pin(self.on_event(&event, entry)).await,
                None => {
                    // Title edits, priority changes, our own writes' echoes.
                    debug!(table = %change.table, kind = ?change.kind, "change needs no action");
                    self.corrections_seen(|c| c == change).await
                }
            },
        }
    }

    /// The manager corrected the booking in the frontend: the workflow
    /// state takes it over (see [`workflow::on_correction`]).
    #[instrument(skip_all, fields(correction = ?correction))]
    async fn on_correction(&self, correction: &Correction) -> Result<(), HandlerError> {
        let event = match *correction {
            Correction::Event { event, .. } => Some(event),
            Correction::LineRemoved { offer, .. } | Correction::LineChanged { offer, .. } => {
                self.store.event_of_offer(offer).await?
            }
        };
        let booking = match event {
            Some(e) => self.store.booking(e).await?,
            None => None,
        };
        let Some(booking) = booking else {
            warn!("correction of a booking that does not exist in this team; ignored");
            return Ok(());
        };
        let ctx = self.context();
        let plan = workflow::on_correction(&booking, correction, &ctx, &self.facts(&booking, &ctx).await?);
        self.store.apply(&self.ours(plan)).await?;
        info!("manager's correction taken over by the booking");
        Ok(())
    }

    /// `payment` is the webhook's report; reconciliation passes `None` (the
    /// payment is recorded on the offer already).
    #[instrument(skip_all, fields(event_id = %event))]
    async fn on_deposit_paid(&self, event: EventId, payment: Option<DepositPayment>) -> Result<(), HandlerError> {
        let Some(booking) = self.store.booking(event).await? else {
            warn!("deposit paid on an event that does not exist in this team; ignored");
            return Ok(());
        };
        let ctx = self.context();
        let plan = workflow::on_deposit_paid(&booking, payment.as_ref(), &ctx, &self.facts(&booking, &ctx).await?);
        if plan == Plan::default() {
            info!("deposit needs no action (already handled, or the booking is closed)");
            return Ok(());
        }
        self.store.apply(&self.ours(plan)).await?;
        info!("deposit paid: booking moves to confirmation");
        Ok(())
    }

    /// Acts on a manager's decision at most once. The task moves through
    /// `claimed` (by this inbox entry) -> `sending` (just before SMTP) ->
    /// `delivered` (the server took it) -> `sent` (recorded). A retry of the
    /// same entry resumes from where it stopped; only a stop *during* the
    /// send is ambiguous, and that one is parked for a human, never resent.
    #[instrument(skip_all, fields(task_id = %decision.task_id, resolution = ?decision.resolution))]
    async fn on_decision(&self, decision: &TaskDecision, claimant: InboxId) -> Result<(), HandlerError> {
        let (task, resumed) = match self.store.claim_task(decision, claimant, Utc::now()).await? {
            Claim::Claimed(task) => (task, false),
            Claim::Resume(task) => (task, true),
            Claim::AlreadyHandled => {
                info!("decision already acted on; no effect");
                return Ok(());
            }
            Claim::Superseded(newer) => {
                warn!(newer_task = %newer, "decision on a draft that a newer one replaced: nothing sent; decide on the newer task");
                return Ok(());
            }
            Claim::NotFound => {
                warn!("decision on a task that does not exist in this team; ignored");
                return Ok(());
            }
        };
        let state = if resumed { task.payload.send_state } else { None };
        if state == Some(SendState::Sending) {
            return Err(HandlerError::Permanent(
                "interrupted while sending the approved mail; not resent to avoid a duplicate: check the mail server's log"
                    .into(),
            ));
        }
        let booking = match task.event_id {
            Some(event) => self.store.booking(event).await?,
            None => None,
        };
        let Some(booking) = booking else {
            // A task the frontend created by hand: nothing for us to do.
            self.store
                .apply(&self.ours(Plan {
                    task_updates: vec![TaskUpdate { id: task.id, send_state: SendState::Handled }],
                    ..Plan::default()
                }))
                .await?;
            return Ok(());
        };
        // A resumed send records the mail that went out, under its own id.
        let message_id = task
            .payload
            .outgoing_message_id
            .clone()
            .unwrap_or_else(|| format!("{}@{}", uuid::Uuid::now_v7(), self.venue.email.domain()));
        let ctx = self.context();
        let facts = self.facts(&booking, &ctx).await?;
        let approval = workflow::on_decision(&booking, &task, decision, &ctx, &facts, &message_id);
        if let (Some(mail), false) = (&approval.mail, state == Some(SendState::Delivered)) {
            self.store.set_send_state(task.id, claimant, Some(SendState::Sending), Some(&message_id)).await?;
            match self.mailer.send(mail).await {
                Ok(()) => {
                    self.metrics.mail_sent();
                    info!(to_domain = mail.to.domain(), "approved message sent");
                    self.store.set_send_state(task.id, claimant, Some(SendState::Delivered), None).await?;
                }
                Err(SendError::NotSent { reason, permanent }) => {
                    // Certainly not sent: give the claim back so a retry may send.
                    self.store.set_send_state(task.id, claimant, None, None).await?;
                    return Err(if permanent {
                        HandlerError::Permanent(reason)
                    } else {
                        HandlerError::Transient(reason)
                    });
                }
                Err(e @ SendError::Uncertain(_)) => {
                    // Stays `sending`: a second send could duplicate the mail.
                    return Err(HandlerError::Permanent(format!(
                        "{e}; not retried to avoid sending twice, check the mail server"
                    )));
                }
            }
        }
        self.store.apply(&self.ours(approval.plan)).await?;
        Ok(())
    }
}
