//! One turn of the conversation: a working copy of the booking that the
//! steps change, and the one reply (a draft for the manager) they produce.
//! [`Turn::finish`] turns the differences into a [`Plan`].

use super::draft;
use super::extract::Language;
use super::plan::{ClientPatch, ClientWrite, EmailWrite, EventPatch, EventWrite, OfferWrite, Plan, TaskWrite};
use super::{Catalogue, Context, Facts};
use crate::domain::{
    Booking, Client, Event, OfferRecord, TaskAction, TaskCategory, TaskContext, TaskKind, TaskPayload, TaskPriority,
    Understood, UnderstoodProduct,
};

/// What a step decided to tell the client (or to ask the manager).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reply {
    pub action: TaskAction,
    /// `None` for a manual review: the manager writes the answer.
    pub body: Option<String>,
    /// Facts behind the draft for the manager (`payload` context).
    pub context: TaskContext,
    pub priority: TaskPriority,
    /// An answer beside the booking's main line (a site visit's): it
    /// neither replaces the pending draft nor is replaced by it.
    pub aside: bool,
}

impl Reply {
    pub fn draft(action: TaskAction, body: String, kind: TaskKind) -> Self {
        Self { action, body: Some(body), context: TaskContext::of(kind), priority: TaskPriority::Medium, aside: false }
    }

    /// See [`Reply::aside`](Self::aside).
    pub fn aside(self) -> Self {
        Self { aside: true, ..self }
    }

    pub fn manual_review(reason: &str) -> Self {
        Self {
            action: TaskAction::ManualReview,
            body: None,
            context: TaskContext::review(reason),
            priority: TaskPriority::High,
            aside: false,
        }
    }
}

/// What started the turn: a client's mail (a draft answers them), a
/// manager's approval (only news worth a mail is drafted, no reminders), or
/// a paid deposit (the confirmation, or what is still missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trigger {
    ClientMail,
    Approval,
    DepositPaid,
    /// The manager corrected the booking in the frontend: nothing is drafted.
    Correction,
    /// Time passed (a reminder, a lapsed option): see `followup.rs`.
    FollowUp,
}

pub(super) struct Turn<'a> {
    pub ctx: &'a Context,
    pub facts: &'a Facts,
    pub trigger: Trigger,
    pub lang: Language,
    before: &'a Booking,
    pub client: Client,
    pub event: Event,
    /// The current offer as the turn leaves it.
    pub offer: Option<OfferRecord>,
    pub offers: Vec<OfferWrite>,
    pub reply: Option<Reply>,
    pub inbound: Option<EmailWrite>,
    /// Subject of the thread, for the draft's `Re:` line.
    pub subject: String,
    /// The client accepted the offer in this turn (the draft thanks them).
    pub accepted_now: bool,
    /// The client accepted and changed something in one mail.
    pub accepted_with_changes: bool,
}

impl<'a> Turn<'a> {
    pub fn new(booking: &'a Booking, facts: &'a Facts, ctx: &'a Context, trigger: Trigger) -> Self {
        let lang = booking.event.workflow_state.language.unwrap_or(Language::En);
        let subject =
            booking.last_inbound.as_ref().map(|m| m.subject.clone()).unwrap_or_else(|| booking.event.title.clone());
        Self {
            ctx,
            facts,
            trigger,
            lang,
            before: booking,
            client: booking.client.clone(),
            event: booking.event.clone(),
            offer: booking.offer.clone(),
            offers: Vec::new(),
            reply: None,
            inbound: None,
            subject,
            accepted_now: false,
            accepted_with_changes: false,
        }
    }

    pub fn reply(&mut self, reply: Reply) {
        self.reply = Some(reply);
    }

    pub fn draft(&mut self, action: TaskAction, body: String, kind: TaskKind) {
        self.reply(Reply::draft(action, body, kind));
    }

    pub fn name(&self) -> &str {
        &self.client.name
    }

    /// The plan that writes what this turn changed, with its reply as a task.
    pub fn finish(mut self) -> Plan {
        let read = self.before.event.workflow_state.turn;
        self.event.workflow_state.turn = read + 1;
        let patch = EventPatch::between(&self.before.event, &self.event);
        let client_update = client_patch(&self.before.client, &self.client);
        let step = self.event.current_step;
        let understood = understood(&self.event, &self.facts.catalogue);
        let tasks: Vec<TaskWrite> = self
            .reply
            .map(|mut r| {
                // What the booking holds now, for the manager at a glance.
                r.context.understood.get_or_insert(understood);
                task(r, &self.client, &self.subject, self.lang, step)
            })
            .into_iter()
            .collect();
        Plan {
            team: None,
            client: Some(ClientWrite::Existing { id: self.client.id }),
            client_update,
            // An empty patch still names the event: mails and tasks attach to it.
            event: Some(EventWrite::Update { id: self.event.id, patch, expected_turn: Some(read) }),
            offers: self.offers,
            emails: self.inbound.into_iter().collect(),
            tasks,
            task_updates: Vec::new(),
        }
    }
}

/// The booking's facts as a task's `understood`: date, times (and whether
/// they were assumed), guests, seating, room and products with quantities.
fn understood(e: &Event, catalogue: &Catalogue) -> Understood {
    let state = &e.workflow_state;
    let products = state
        .products
        .iter()
        .filter_map(|c| {
            let p = catalogue.product(c.id)?;
            Some(UnderstoodProduct { name: p.pricing.name.clone(), quantity: c.quantity, times: c.times })
        })
        .collect();
    Understood {
        event_date: Some(e.event_date),
        date_confirmed: e.date_confirmed,
        start_time: Some(e.start_time),
        end_time: Some(e.end_time),
        times_assumed: state.times_assumed,
        attendees: e.attendees.and_then(|a| u32::try_from(a).ok()),
        seating_layout: e.seating_layout.clone(),
        room: e.room_ids.first().and_then(|r| catalogue.room_name(*r)),
        products,
    }
}

fn task(reply: Reply, client: &Client, subject: &str, lang: Language, step: i32) -> TaskWrite {
    let name = client.name.clone();
    let title = match reply.action {
        TaskAction::ApproveMessage => format!("Approve reply to {name}"),
        TaskAction::ApproveDate => format!("Approve date proposal for {name}"),
        TaskAction::ApproveRoom => format!("Approve room proposal for {name}"),
        TaskAction::ApproveOffer => format!("Approve offer for {name}"),
        TaskAction::ConfirmEvent => format!("Confirm the booking of {name}"),
        TaskAction::ManualReview => format!("Review reply from {name}"),
    };
    let context = TaskContext { step: Some(step), language: Some(lang), ..reply.context };
    let recipient = client.email.to_string();
    let payload = match reply.body {
        Some(body) => TaskPayload::draft(reply.action, body, draft::reply_subject(subject, lang), recipient, context),
        None => TaskPayload::manual_review(Some(recipient), context),
    };
    let payload = TaskPayload { aside: reply.aside, ..payload };
    TaskWrite {
        title,
        description: None,
        category: if reply.action == TaskAction::ConfirmEvent { TaskCategory::Event } else { TaskCategory::Email },
        priority: reply.priority,
        client_name: Some(name),
        payload,
    }
}

fn client_patch(before: &Client, after: &Client) -> ClientPatch {
    fn changed(a: &Option<String>, b: &Option<String>) -> Option<String> {
        (a != b).then(|| b.clone()).flatten()
    }
    ClientPatch {
        status: (before.status != after.status).then(|| after.status.clone()),
        company: changed(&before.company, &after.company),
        billing_address: changed(&before.billing_address, &after.billing_address),
        billing_postal_code: changed(&before.billing_postal_code, &after.billing_postal_code),
        billing_city: changed(&before.billing_city, &after.billing_city),
        billing_country: changed(&before.billing_country, &after.billing_country),
    }
}
