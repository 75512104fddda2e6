//! Steps 5–7 and the ends of a booking: accepting the offer, what is still
//! needed (billing address, deposit), the confirmation, declines and
//! cancellations.

use chrono::{Days, NaiveDate};

use super::Flow;
use crate::domain::{EventStatus, OfferRef, OfferStatus, TaskAction, TaskKind};
use crate::workflow::draft::{self, Prerequisites};
use crate::workflow::offer::decimal;
use crate::workflow::plan::{OfferPatch, OfferWrite};
use crate::workflow::turn::{Trigger, Turn};
use crate::workflow::Step;

/// The client accepts the sent offer: it becomes `confirmed` (accepted),
/// the booking moves to step 6. Accepting again changes nothing.
pub(in crate::workflow) fn accept_offer(t: &mut Turn<'_>) {
    let now = t.ctx.now;
    let Some(offer) = t.offer.as_mut().filter(|o| o.status == OfferStatus::Sent) else { return };
    offer.status = OfferStatus::Confirmed;
    offer.confirmed_at = Some(now);
    t.offers.push(OfferWrite::Update {
        id: offer.id,
        patch: OfferPatch { status: Some(OfferStatus::Confirmed), confirmed_at: Some(now), ..OfferPatch::default() },
    });
    t.event.current_step = t.event.current_step.max(Step::Transition.number());
    t.event.caller_step = None;
    t.accepted_now = true;
}

/// Step 6: what stands between the accepted offer and the confirmation.
pub(super) fn prerequisites(t: &mut Turn<'_>) -> Flow {
    if !t.offer.as_ref().is_some_and(|o| o.status == OfferStatus::Confirmed) {
        t.event.current_step = Step::Negotiation.number();
        return Flow::Stop;
    }
    if prerequisites_met(t) {
        t.event.current_step = Step::Confirmation.number();
        return Flow::Next;
    }
    let p = missing(t);
    let p = Prerequisites { just_accepted: t.accepted_now, ..p };
    draft_prerequisites(t, &p);
    Flow::Stop
}

/// Step 7: confirm once everything is there; a late change or question
/// comes through the reply's detours instead.
pub(super) fn confirmation(t: &mut Turn<'_>) -> Flow {
    t.event.current_step = Step::Confirmation.number();
    if matches!(t.event.status, EventStatus::Confirmed | EventStatus::Cancelled) {
        return Flow::Stop;
    }
    let p = missing(t);
    if p.billing_missing || p.deposit.is_some() {
        // After the manager's approval the client has just been told; a
        // mail or a payment deserves an answer on what is still missing.
        if t.trigger != Trigger::Approval {
            draft_prerequisites(t, &p);
        }
        return Flow::Stop;
    }
    if t.event.workflow_state.confirmation_drafted {
        return Flow::Stop;
    }
    t.event.workflow_state.confirmation_drafted = true;
    let room = t.event.room_ids.first().and_then(|id| t.facts.catalogue.room_name(*id));
    let body = draft::confirmation(
        t.name(),
        t.lang,
        &t.ctx.venue_name,
        super::when(t),
        room.as_deref(),
        t.event.attendees.and_then(|a| u32::try_from(a).ok()),
    );
    let offer = t.offer.as_ref().map(|o| OfferRef { offer_id: o.id, offer_number: o.offer_number.clone() });
    t.draft(TaskAction::ConfirmEvent, body, TaskKind::Confirmation { offer, room_name: room });
    Flow::Stop
}

/// Billing address known and no deposit due: the booking may be confirmed.
pub(in crate::workflow) fn prerequisites_met(t: &Turn<'_>) -> bool {
    let p = missing(t);
    !p.billing_missing && p.deposit.is_none()
}

fn missing(t: &Turn<'_>) -> Prerequisites {
    let offer = t.offer.as_ref();
    let deposit = offer.filter(|o| o.deposit_due()).map(|o| {
        let from = o.confirmed_at.map(|c| c.with_timezone(&t.ctx.timezone).date_naive()).unwrap_or(t.ctx.today());
        let days = o.deposit_deadline_days.and_then(|d| u64::try_from(d).ok()).unwrap_or(14);
        (o.deposit_rappen.unwrap_or(0), due(from, days))
    });
    Prerequisites {
        offer_number: offer.map(|o| o.offer_number.clone()).unwrap_or_default(),
        just_accepted: false,
        billing_missing: !t.client.has_billing_address(),
        deposit,
    }
}

fn due(from: NaiveDate, days: u64) -> NaiveDate {
    from.checked_add_days(Days::new(days)).unwrap_or(from)
}

fn draft_prerequisites(t: &mut Turn<'_>, p: &Prerequisites) {
    let body = draft::prerequisites(t.name(), t.lang, &t.ctx.venue_name, p, t.ctx.payment.as_ref());
    let context = TaskKind::Prerequisites {
        billing_missing: p.billing_missing,
        deposit_chf: p.deposit.map(|(a, _)| decimal(a)),
        deposit_due: p.deposit.map(|(_, d)| d),
    };
    t.draft(TaskAction::ApproveMessage, body, context);
}

/// The client declines the offer (or drops the inquiry): the booking and its
/// offer are cancelled and a goodbye is drafted. Declining a confirmed
/// booking is a cancellation (its terms apply).
pub(in crate::workflow) fn decline(t: &mut Turn<'_>) {
    if t.event.status == EventStatus::Confirmed {
        return cancel(t);
    }
    close(t);
    let body = draft::declined(t.name(), t.lang, &t.ctx.venue_name);
    t.draft(TaskAction::ApproveMessage, body, TaskKind::Declined);
}

/// The client cancels, at any step.
pub(in crate::workflow) fn cancel(t: &mut Turn<'_>) {
    let was_confirmed = t.event.status == EventStatus::Confirmed;
    close(t);
    let body = draft::cancelled(t.name(), t.lang, &t.ctx.venue_name, t.event.event_date, was_confirmed);
    t.draft(TaskAction::ApproveMessage, body, TaskKind::Cancelled { was_confirmed });
}

/// Cancels the booking and its offer and releases the room (the goodbye
/// says the reservation is released; a cancelled booking holds nothing).
fn close(t: &mut Turn<'_>) {
    t.event.status = EventStatus::Cancelled;
    t.event.room_ids.clear();
    if let Some(o) = t.offer.as_mut().filter(|o| o.status != OfferStatus::Cancelled) {
        o.status = OfferStatus::Cancelled;
        t.offers.push(OfferWrite::Update {
            id: o.id,
            patch: OfferPatch { status: Some(OfferStatus::Cancelled), ..OfferPatch::default() },
        });
    }
}
