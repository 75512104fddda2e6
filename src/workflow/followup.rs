//! Follow-ups on time: the reminders a venue sends when the client has gone
//! quiet, and the release of a room whose option lapsed. Pure: the booking,
//! whether a draft already waits for the manager, and the clock go in; a
//! due follow-up (or a [`Plan`] drafting it) comes out.
//!
//! Each follow-up is due on one local date (its `due`): the sweep
//! (`dispatch/reconcile.rs`) asks [`due_follow_up`] which one a booking
//! has, and the handler drafts it with [`on_follow_up`] only if
//! [`still_due`] holds on the booking as it then is. A drafted follow-up is
//! recorded in `workflow_state.follow_ups`, so it is never drafted twice.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::plan::{OfferPatch, OfferWrite, Plan};
use super::turn::{Reply, Trigger, Turn};
use super::{draft, steps, Context, Facts, Step};
use crate::domain::{
    Booking, EventStatus, FollowUp, FollowUpDrafted, FollowUpKind, FollowUpNote, OfferRecord, OfferStatus, TaskAction,
    TaskKind,
};

/// When follow-ups are drafted, in days (the venue's local dates). `0`
/// switches a kind off. Lapsed options are always released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpTimings {
    /// A reminder this many days before a sent offer's `valid_until`, when
    /// the client has not answered (`OE_FOLLOWUP_OFFER_EXPIRY_DAYS`).
    pub offer_expiry_days: u32,
    /// A reminder this many days before an accepted offer's deposit is due,
    /// while unpaid (`OE_FOLLOWUP_DEPOSIT_DAYS`).
    pub deposit_days: u32,
    /// A nudge when the client has not answered the service's last message
    /// for this many days (`OE_FOLLOWUP_NUDGE_DAYS`).
    pub nudge_days: u32,
}

impl Default for FollowUpTimings {
    fn default() -> Self {
        Self { offer_expiry_days: 3, deposit_days: 3, nudge_days: 5 }
    }
}

/// The order in which kinds are considered: a booking gets at most one
/// follow-up per sweep, the most pressing first.
const KINDS: [FollowUpKind; 4] =
    [FollowUpKind::OptionLapsed, FollowUpKind::DepositDue, FollowUpKind::OfferExpiry, FollowUpKind::Nudge];

/// Why a kind applies to a booking today: the date it counts from, and the
/// last day it makes sense (`None`: open-ended).
#[derive(Debug, Clone, Copy)]
struct Basis {
    anchor: NaiveDate,
    until: Option<NaiveDate>,
}

/// The follow-up the booking has due at `now`, if any: the most pressing
/// kind whose day has come and that was not drafted before. `draft_pending`:
/// a draft of this booking waits for the manager (then the service waits
/// for itself, not for the client: only a lapsed option is acted on).
pub fn due_follow_up(
    booking: &Booking,
    draft_pending: bool,
    timings: &FollowUpTimings,
    now: DateTime<Utc>,
    tz: Tz,
) -> Option<FollowUp> {
    let today = now.with_timezone(&tz).date_naive();
    KINDS.into_iter().find_map(|kind| {
        let basis = basis(kind, booking, draft_pending, tz)?;
        let due = match kind {
            FollowUpKind::OfferExpiry => before(basis.anchor, timings.offer_expiry_days)?,
            FollowUpKind::DepositDue => before(basis.anchor, timings.deposit_days)?,
            FollowUpKind::Nudge => after(basis.anchor, timings.nudge_days)?,
            FollowUpKind::OptionLapsed => after(basis.anchor, 1)?,
        };
        let follow_up = FollowUp { kind, event: booking.event.id, due };
        applies(booking, &follow_up, basis, today).then_some(follow_up)
    })
}

/// The follow-up still holds for the booking as it is at `now`: the client
/// has not answered meanwhile, the offer is still the one it was about, it
/// was not drafted yet. The handler's check, independent of the timings
/// (the sweep chose the due date).
pub fn still_due(booking: &Booking, follow_up: &FollowUp, draft_pending: bool, now: DateTime<Utc>, tz: Tz) -> bool {
    let today = now.with_timezone(&tz).date_naive();
    let Some(basis) = basis(follow_up.kind, booking, draft_pending, tz) else { return false };
    // The due date belongs to this basis (not to an older offer or an
    // earlier silence of the client).
    let belongs = match follow_up.kind {
        FollowUpKind::OfferExpiry | FollowUpKind::DepositDue => follow_up.due <= basis.anchor,
        FollowUpKind::Nudge => follow_up.due > basis.anchor,
        FollowUpKind::OptionLapsed => after(basis.anchor, 1) == Some(follow_up.due),
    };
    follow_up.event == booking.event.id && belongs && applies(booking, follow_up, basis, today)
}

/// Its day has come, its window is open, and it was not drafted before.
fn applies(booking: &Booking, f: &FollowUp, basis: Basis, today: NaiveDate) -> bool {
    let drafted = booking.event.workflow_state.follow_ups.iter().any(|d| d.kind == f.kind && d.due == f.due);
    f.due <= today && basis.until.map_or(true, |u| today <= u) && !drafted
}

fn basis(kind: FollowUpKind, b: &Booking, draft_pending: bool, tz: Tz) -> Option<Basis> {
    let e = &b.event;
    if !matches!(e.status, EventStatus::Lead | EventStatus::Option) {
        return None;
    }
    // A sent offer on the table, nothing else going on (no detour).
    let sent_offer = || {
        b.offer
            .as_ref()
            .filter(|o| o.status == OfferStatus::Sent && e.status == EventStatus::Option)
            .filter(|_| e.current_step == Step::Negotiation.number())
            .and_then(|o| o.valid_until)
    };
    match kind {
        FollowUpKind::OptionLapsed => Some(Basis { anchor: sent_offer()?, until: None }),
        _ if draft_pending => None,
        FollowUpKind::OfferExpiry => {
            waiting_since(b)?;
            let valid_until = sent_offer()?;
            Some(Basis { anchor: valid_until, until: Some(valid_until) })
        }
        FollowUpKind::DepositDue => {
            let offer = b.offer.as_ref().filter(|o| o.status == OfferStatus::Confirmed && o.deposit_due())?;
            let due = deposit_due_date(offer, tz)?;
            Some(Basis { anchor: due, until: Some(due) })
        }
        FollowUpKind::Nudge => {
            let since = waiting_since(b)?;
            // One nudge per silence: none once a follow-up was drafted
            // after the client's last mail.
            let last_inbound = b.last_inbound.as_ref().map(|m| m.received_at);
            let followed_up = e.workflow_state.follow_ups.iter().any(|f| last_inbound.map_or(true, |m| f.at > m));
            (!followed_up).then(|| Basis { anchor: since.with_timezone(&tz).date_naive(), until: None })
        }
    }
}

/// The service's last message went out after the client's last mail: the
/// booking waits for the client since then.
fn waiting_since(b: &Booking) -> Option<DateTime<Utc>> {
    let sent = b.event.workflow_state.last_sent_at?;
    let answered = b.last_inbound.as_ref().is_some_and(|m| m.received_at >= sent);
    (!answered).then_some(sent)
}

/// The day an accepted offer's deposit is due: the acceptance's local date
/// plus the offer's deadline (14 days when unset, as step 6 states it).
fn deposit_due_date(offer: &OfferRecord, tz: Tz) -> Option<NaiveDate> {
    let accepted = offer.confirmed_at?.with_timezone(&tz).date_naive();
    let days = offer.deposit_deadline_days.and_then(|d| u64::try_from(d).ok()).unwrap_or(14);
    accepted.checked_add_days(Days::new(days))
}

/// `days` before `d`; `None` when the kind is off (0 days).
fn before(d: NaiveDate, days: u32) -> Option<NaiveDate> {
    (days > 0).then(|| d.checked_sub_days(Days::new(days.into()))).flatten()
}

fn after(d: NaiveDate, days: u32) -> Option<NaiveDate> {
    (days > 0).then(|| d.checked_add_days(Days::new(days.into()))).flatten()
}

/// Drafts the follow-up for the manager's approval (and, for a lapsed
/// option, releases the room at once: the event goes back to `lead`
/// without a room, at step 3, and the offer is cancelled). An empty plan
/// when it is no longer due ([`still_due`] at `ctx.now`).
pub fn on_follow_up(
    booking: &Booking,
    follow_up: &FollowUp,
    draft_pending: bool,
    ctx: &Context,
    facts: &Facts,
) -> Plan {
    if !still_due(booking, follow_up, draft_pending, ctx.now, ctx.timezone) {
        return Plan::default();
    }
    let mut t = Turn::new(booking, facts, ctx, Trigger::FollowUp);
    t.event.workflow_state.follow_ups.push(FollowUpDrafted { kind: follow_up.kind, due: follow_up.due, at: ctx.now });
    let (lang, venue) = (t.lang, ctx.venue_name.clone());
    let name = t.name().to_string();
    let event_date = t.event.event_date;
    let offer = t.offer.clone();
    let number = offer.as_ref().map(|o| o.offer_number.clone()).unwrap_or_default();
    let note = FollowUpNote {
        follow_up: *follow_up,
        offer_id: offer.as_ref().map(|o| o.id),
        offer_number: offer.as_ref().map(|o| o.offer_number.clone()),
        valid_until: None,
        deposit_due: None,
        released_room: None,
    };
    let context = |note: FollowUpNote| TaskKind::follow_up(note);
    let reply = match follow_up.kind {
        FollowUpKind::OfferExpiry => {
            let valid_until = offer.as_ref().and_then(|o| o.valid_until).unwrap_or(follow_up.due);
            let body = draft::followup::offer_expiry(&name, lang, &venue, &number, event_date, valid_until);
            Reply::draft(
                TaskAction::ApproveMessage,
                body,
                context(FollowUpNote { valid_until: Some(valid_until), ..note.clone() }),
            )
        }
        FollowUpKind::DepositDue => {
            let o = offer.as_ref().expect("a deposit follow-up is due only with its offer");
            let due = deposit_due_date(o, ctx.timezone).unwrap_or(follow_up.due);
            let amount = o.deposit_rappen.unwrap_or(0);
            let body = draft::followup::deposit_due(
                &name,
                lang,
                &venue,
                &number,
                event_date,
                (amount, due),
                ctx.payment.as_ref(),
            );
            Reply::draft(
                TaskAction::ApproveMessage,
                body,
                context(FollowUpNote { deposit_due: Some(due), ..note.clone() }),
            )
        }
        FollowUpKind::Nudge => {
            let body = draft::followup::nudge(&name, lang, &venue, t.event.date_confirmed.then_some(event_date));
            Reply::draft(TaskAction::ApproveMessage, body, context(note.clone()))
        }
        FollowUpKind::OptionLapsed => {
            let room = t.event.room_ids.first().and_then(|r| facts.catalogue.room_name(*r));
            release(&mut t);
            let valid_until = offer.as_ref().and_then(|o| o.valid_until).unwrap_or(follow_up.due);
            let body =
                draft::followup::option_lapsed(&name, lang, &venue, &number, event_date, valid_until, room.as_deref());
            let reply = Reply::draft(
                TaskAction::ApproveMessage,
                body,
                context(FollowUpNote { valid_until: Some(valid_until), released_room: room.clone(), ..note.clone() }),
            );
            // Beside a draft that waits (an answer to the client's last
            // mail), never in its place.
            if draft_pending {
                reply.aside()
            } else {
                reply
            }
        }
    };
    t.reply(reply);
    t.finish()
}

/// The option lapsed: the offer is cancelled, the event no longer holds
/// the room (`lead`, no room, back to step 3, whose next turn checks what
/// is free again).
fn release(t: &mut Turn<'_>) {
    if let Some(offer) = t.offer.take() {
        t.offers.push(OfferWrite::Update {
            id: offer.id,
            patch: OfferPatch { status: Some(OfferStatus::Cancelled), ..OfferPatch::default() },
        });
    }
    t.event.status = EventStatus::Lead;
    t.event.room_ids.clear();
    t.event.current_step = Step::RoomAvailability.number();
    t.event.caller_step = None;
    steps::withdraw_proposal(t);
    let state = &mut t.event.workflow_state;
    state.room_set_by_manager = false;
    state.confirmation_drafted = false;
}

#[cfg(test)]
mod tests;
