//! After the manager decides (WORKFLOW.md, "After the manager decides").

use super::plan::{EmailWrite, Invite, OfferPatch, OfferWrite, OutgoingMail, Plan, TaskUpdate, TaskWrite};
use super::rooms::requirements_hash;
use super::steps::{self, advance};
use super::turn::{Reply, Trigger, Turn};
use super::{Context, Facts, Step};
use crate::domain::{
    Booking, EmailAddress, EventStatus, OfferId, OfferStatus, Resolution, RoomId, SendState, Task, TaskAction,
    TaskCategory, TaskContext, TaskDecision, TaskKind, TaskPayload, TaskPriority,
};

/// The effects of one decision: the mail to send (if any), and the writes
/// to make once it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    pub mail: Option<OutgoingMail>,
    pub plan: Plan,
}

/// `message_id` is the fresh id for the outgoing mail (passed in to keep
/// this function deterministic).
pub fn on_decision(
    booking: &Booking,
    task: &Task,
    decision: &TaskDecision,
    ctx: &Context,
    facts: &Facts,
    message_id: &str,
) -> Approval {
    match decision.resolution {
        Resolution::Approved => approved(booking, task, decision, ctx, facts, message_id),
        Resolution::Rejected => rejected(booking, task, ctx, facts),
    }
}

fn approved(
    booking: &Booking,
    task: &Task,
    decision: &TaskDecision,
    ctx: &Context,
    facts: &Facts,
    message_id: &str,
) -> Approval {
    let body = decision
        .edited_message
        .clone()
        .or_else(|| task.payload.edited_message.clone())
        .or_else(|| task.payload.draft_message.clone())
        .filter(|b| !b.trim().is_empty());
    let done = TaskUpdate { id: task.id, send_state: SendState::Sent };
    let mut t = Turn::new(booking, facts, ctx, Trigger::Approval);
    if let Some(lang) = task.payload.context.language {
        t.lang = lang;
    }
    after_approval(&mut t, task);
    if task.payload.action == TaskAction::ManualReview && body.is_some() {
        // The manager answered in their own words: what they wrote (and set
        // in the booking) is what the client's next "ok" answers, never the
        // service's older proposals.
        t.event.workflow_state.proposed_dates.clear();
        steps::withdraw_proposal(&mut t);
    }
    if body.is_some() {
        // From now on the booking waits for the client (follow-ups).
        t.event.workflow_state.last_sent_at = Some(ctx.now);
    }
    let mut plan = t.finish();
    let Some(body) = body else {
        // Approving a task without a message (e.g. a manual review) is an
        // acknowledgement: nothing to send.
        plan.task_updates.push(TaskUpdate { send_state: SendState::Handled, ..done });
        return Approval { mail: None, plan };
    };
    let to = task
        .payload
        .recipient_email
        .as_deref()
        .and_then(|e| EmailAddress::parse(e).ok())
        .unwrap_or_else(|| booking.client.email.clone());
    let last = booking.last_inbound.as_ref();
    let subject = task
        .payload
        .draft_subject
        .clone()
        .or_else(|| last.map(|m| format!("Re: {}", m.subject.trim())))
        .unwrap_or_else(|| ctx.venue_name.clone());
    let in_reply_to = last.and_then(|m| m.message_id.clone());
    let mut references = last.map(|m| m.references.clone()).unwrap_or_default();
    references.extend(in_reply_to.clone());

    let mail = OutgoingMail {
        from: ctx.venue_email.clone(),
        from_name: ctx.venue_name.clone(),
        to: to.clone(),
        to_name: Some(booking.client.name.clone()),
        subject: subject.clone(),
        body: body.clone(),
        message_id: message_id.to_string(),
        in_reply_to: in_reply_to.clone(),
        references: references.clone(),
        invite: invite(booking, task, ctx, facts),
    };
    let sent_row = EmailWrite {
        from_email: ctx.venue_email.to_string(),
        to_email: to.to_string(),
        subject,
        body_text: body,
        body_html: None,
        is_sent: true,
        received_at: ctx.now,
        message_id: message_id.to_string(),
        in_reply_to,
        thread_id: references.first().cloned().unwrap_or_else(|| message_id.to_string()),
    };
    plan.emails.push(sent_row);
    plan.task_updates.push(done);
    Approval { mail: Some(mail), plan }
}

/// The calendar entry a confirmation or a booked site visit carries.
fn invite(booking: &Booking, task: &Task, ctx: &Context, facts: &Facts) -> Option<Invite> {
    let e = &booking.event;
    let domain = ctx.venue_email.domain();
    if task.payload.action == TaskAction::ConfirmEvent {
        let start = e.event_date.and_time(e.start_time);
        // An end at or before the start is past midnight ("bis Mitternacht").
        let mut end = e.event_date.and_time(e.end_time);
        if end <= start {
            end += chrono::Duration::days(1);
        }
        let room = e.room_ids.first().and_then(|r| facts.catalogue.room_name(*r));
        let location = match room {
            Some(room) => format!("{}, {room}", ctx.venue_name),
            None => ctx.venue_name.clone(),
        };
        return Some(Invite {
            uid: format!("{}-event@{domain}", e.id),
            summary: e.title.clone(),
            location,
            start,
            end,
            timezone: ctx.timezone,
        });
    }
    if let Some(TaskKind::SiteVisitBooked { site_visit_at: at }) = task.payload.context.kind {
        return Some(Invite {
            uid: format!("{}-visit@{domain}", e.id),
            summary: format!("Site visit – {}", ctx.venue_name),
            location: ctx.venue_name.clone(),
            start: at,
            end: at + chrono::Duration::hours(1),
            timezone: ctx.timezone,
        });
    }
    None
}

/// The step transition an approval completes (WORKFLOW.md, "state
/// written"), and the steps that can run right after it without the
/// client (the room proposal after the intake reply, the offer after the
/// room). A transition applies only while the booking is where the task
/// left it: an approval that arrives after the client changed or cancelled
/// something still sends what the manager approved, but moves nothing and
/// asks the manager to look (a stale room or offer must not be held or sent
/// as current).
fn after_approval(t: &mut Turn<'_>, task: &Task) {
    let kind = task.payload.context.kind.as_ref();
    let step = t.event.current_step;
    let open = matches!(t.event.status, EventStatus::Lead | EventStatus::Option);
    let current = match task.payload.action {
        TaskAction::ApproveMessage if matches!(kind, Some(TaskKind::Intake { .. })) => {
            let nothing_missing = matches!(kind, Some(TaskKind::Intake { missing, .. }) if missing.is_empty());
            // A client reply may have run step 2 already.
            if open && nothing_missing && step == Step::DateConfirmation.number() && !t.event.date_confirmed {
                advance(t);
            }
            true
        }
        TaskAction::ApproveMessage if matches!(kind, Some(TaskKind::Prerequisites { .. })) => {
            if open && step == Step::Transition.number() {
                t.event.current_step = Step::Confirmation.number();
            }
            !open || step >= Step::Transition.number()
        }
        TaskAction::ApproveMessage | TaskAction::ApproveDate | TaskAction::ManualReview => true,
        TaskAction::ApproveRoom => {
            let (room, proposal) = match kind {
                Some(TaskKind::RoomProposal { room_id, proposal, .. }) => (Some(*room_id), Some(proposal.as_str())),
                _ => (None, None),
            };
            match room.filter(|r| open && room_still_proposed(t, *r, proposal)) {
                Some(room) => {
                    t.event.room_ids = vec![room];
                    t.event.room_eval_hash = Some(requirements_hash(&steps::requirements(t)));
                    t.event.current_step = Step::Offer.number();
                    t.event.workflow_state.proposed_rooms.clear();
                    advance(t);
                    true
                }
                None => {
                    // Whatever made it stale, the next turn proposes anew.
                    steps::withdraw_proposal(t);
                    false
                }
            }
        }
        TaskAction::ApproveOffer => {
            let id: Option<OfferId> = match kind {
                Some(TaskKind::Offer(o) | TaskKind::RevisedOffer(o)) => Some(o.offer_id),
                _ => None,
            };
            let draft = t.offer.as_mut().filter(|o| Some(o.id) == id && o.status == OfferStatus::Draft);
            match draft.filter(|_| open && step == Step::Offer.number()) {
                Some(offer) => {
                    offer.status = OfferStatus::Sent;
                    t.offers.push(OfferWrite::Update {
                        id: offer.id,
                        patch: OfferPatch { status: Some(OfferStatus::Sent), ..OfferPatch::default() },
                    });
                    t.event.status = EventStatus::Option;
                    t.event.current_step = Step::Negotiation.number();
                    t.event.caller_step = None;
                    true
                }
                None => false,
            }
        }
        TaskAction::ConfirmEvent => {
            if open && step == Step::Confirmation.number() && steps::prerequisites_met(t) {
                t.event.status = EventStatus::Confirmed;
                t.client.status = "confirmed".into();
                true
            } else {
                false
            }
        }
    };
    if !current {
        let mut review = Reply::manual_review(
            "approved after the booking moved on: the message was sent, the booking was not changed",
        );
        review.context.kind = Some(TaskKind::StaleApproval { approved_task_id: task.id });
        t.reply(review);
    }
}

/// The room is still the proposal on the table: the same proposal (made for
/// the same requirements and day), at step 3, and the room still free.
fn room_still_proposed(t: &Turn<'_>, room: RoomId, proposal: Option<&str>) -> bool {
    let state = &t.event.workflow_state;
    t.event.date_confirmed
        && t.event.current_step == Step::RoomAvailability.number()
        && proposal.is_some()
        && state.rooms_proposed_for.as_deref() == proposal
        && state.proposed_rooms.first() == Some(&room)
        && !t.facts.occupancy.booked_on(t.event.event_date).contains(&room)
}

/// Nothing is sent; the booking stays where it was and a manual-review task
/// records the rejection.
fn rejected(booking: &Booking, task: &Task, ctx: &Context, facts: &Facts) -> Approval {
    let name = booking.client.name.clone();
    let review = TaskWrite {
        title: format!("Draft rejected: reply to {name} manually"),
        description: Some(format!("The draft of \"{}\" was rejected; nothing was sent.", task.title)),
        category: TaskCategory::Email,
        priority: TaskPriority::High,
        client_name: Some(name),
        payload: TaskPayload::manual_review(
            task.payload.recipient_email.clone(),
            TaskContext {
                step: Some(booking.event.current_step),
                ..TaskContext::of(TaskKind::RejectedDraft { rejected_task_id: task.id })
            },
        ),
    };
    let mut t = Turn::new(booking, facts, ctx, Trigger::Approval);
    if task.payload.action == TaskAction::ApproveRoom {
        // A rejected room proposal is withdrawn: the next mail gets a new one.
        steps::withdraw_proposal(&mut t);
    }
    let mut plan = t.finish();
    plan.tasks.push(review);
    plan.task_updates.push(TaskUpdate { id: task.id, send_state: SendState::Handled });
    Approval { mail: None, plan }
}

#[cfg(test)]
mod tests {
    use super::super::plan::{EventPatch, EventWrite};
    use super::*;
    use crate::domain::OfferRecord;

    use super::super::tests::{booking, ctx, decide, decided_task, facts};
    use serde_json::json;

    /// The patch changes nothing but the turn counter.
    fn only_the_turn(patch: &EventPatch) -> bool {
        EventPatch { workflow_state: None, ..patch.clone() }.is_empty()
    }

    #[test]
    fn an_approved_draft_is_sent_in_the_clients_thread_and_recorded() {
        let a = decide(
            &booking(EventStatus::Lead, 2),
            &decided_task(TaskAction::ApproveMessage, json!({})),
            Resolution::Approved,
            None,
        );
        let mail = a.mail.unwrap();
        assert_eq!(
            (mail.to.as_str(), mail.body.as_str(), mail.subject.as_str()),
            ("anna@keller.ch", "Draft text", "Re: Workshop")
        );
        assert_eq!(mail.in_reply_to.as_deref(), Some("m2@keller.ch"));
        assert_eq!(mail.references, ["m1@keller.ch", "r1@atelier-zurich.ch", "m2@keller.ch"]);
        assert_eq!(a.plan.emails.len(), 1);
        assert!(a.plan.emails[0].is_sent);
        assert_eq!(a.plan.task_updates[0].send_state, SendState::Sent);
        let Some(EventWrite::Update { patch, .. }) = &a.plan.event else { panic!("the sent mail joins its event") };
        assert!(only_the_turn(patch), "an acknowledgement changes no booking state: {patch:?}");
        assert!(a.plan.tasks.is_empty());
    }

    #[test]
    fn the_managers_edit_wins_over_the_draft() {
        let a = decide(
            &booking(EventStatus::Lead, 2),
            &decided_task(TaskAction::ApproveMessage, json!({})),
            Resolution::Approved,
            Some("Edited"),
        );
        assert_eq!(a.mail.unwrap().body, "Edited");
    }

    #[test]
    fn approving_an_offer_sends_it_and_makes_the_event_an_option_once() {
        let mut b = booking(EventStatus::Lead, 4);
        let offer = OfferRecord {
            id: OfferId::new(),
            offer_number: "OE-2026-11-0001".into(),
            status: OfferStatus::Draft,
            offer_date: ctx().today(),
            valid_until: None,
            total_rappen: 100_000,
            deposit_enabled: false,
            deposit_rappen: None,
            deposit_deadline_days: None,
            deposit_paid_at: None,
            confirmed_at: None,
        };
        b.offer = Some(offer.clone());
        let t = decided_task(
            TaskAction::ApproveOffer,
            json!({"kind": "offer", "offer_id": offer.id, "offer_number": offer.offer_number, "room_name": "Room A",
                   "total_chf": "1000.00"}),
        );
        let a = decide(&b, &t, Resolution::Approved, None);
        let Some(EventWrite::Update { patch, .. }) = &a.plan.event else { panic!("event patch expected") };
        assert_eq!((patch.status, patch.current_step), (Some(EventStatus::Option), Some(5)));
        assert!(
            matches!(&a.plan.offers[..], [OfferWrite::Update { id, patch }] if *id == offer.id && patch.status == Some(OfferStatus::Sent))
        );
        // Approved again later (already sent, an option at step 5): nothing regresses.
        b.event.status = EventStatus::Option;
        b.event.current_step = 5;
        b.offer = Some(OfferRecord { status: OfferStatus::Sent, ..offer });
        let again = decide(&b, &t, Resolution::Approved, None);
        let Some(EventWrite::Update { patch, .. }) = &again.plan.event else { panic!() };
        assert!(only_the_turn(patch) && again.plan.offers.is_empty());
    }

    #[test]
    fn approving_the_room_holds_it_and_drafts_the_offer_right_away() {
        let mut b = booking(EventStatus::Lead, 3);
        b.event.attendees = Some(30);
        let room = facts().catalogue.rooms.iter().find(|r| r.option.name == "Room A").unwrap().option.id;
        b.event.workflow_state.proposed_rooms = vec![room];
        b.event.workflow_state.rooms_proposed_for = Some("req@2027-03-14".into());
        let t = decided_task(
            TaskAction::ApproveRoom,
            json!({"kind": "room_proposal", "room_id": room, "room_name": "Room A", "proposal": "req@2027-03-14"}),
        );
        let a = decide(&b, &t, Resolution::Approved, None);
        let Some(EventWrite::Update { patch, .. }) = &a.plan.event else { panic!() };
        assert_eq!(patch.room_ids, Some(vec![room]));
        assert!(patch.offer_hash.is_some());
        assert!(matches!(&a.plan.offers[..], [OfferWrite::Create(o)] if o.offer_number == "OE-2026-11-0001"));
        assert_eq!(a.plan.tasks[0].payload.action, TaskAction::ApproveOffer);
        let draft = a.plan.tasks[0].payload.draft_message.as_deref().unwrap();
        assert!(draft.contains("- Room A: CHF 500.00 full-day rate"), "{draft}");
    }

    #[test]
    fn a_rejection_sends_nothing_and_opens_a_manual_review() {
        let a = decide(
            &booking(EventStatus::Lead, 2),
            &decided_task(TaskAction::ApproveMessage, json!({})),
            Resolution::Rejected,
            None,
        );
        assert!(a.mail.is_none());
        assert!(a.plan.emails.is_empty());
        assert_eq!(a.plan.tasks[0].payload.action, TaskAction::ManualReview);
        assert_eq!(a.plan.task_updates[0].send_state, SendState::Handled);
    }
}
