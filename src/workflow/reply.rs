//! A client's mail on an open booking: understand it, apply what it
//! changes (at any step: billing details, cancellation, a site visit; by
//! step: the date, the room's requirements, products, the answer to the
//! offer), then let the steps run. Anything the rules cannot answer goes to
//! a manager as `manual_review`, without a draft.

use chrono::{Datelike, Duration, NaiveDate};

use super::extract::{Extracted, Intent, Reading};
use super::intake::inbound_row;
use super::plan::Plan;
use super::steps::{accept_offer, advance, cancel, decline, detour, visit, withdraw_proposal};
use super::turn::{Reply, Trigger, Turn};
use super::{Context, Facts, Step};
use crate::domain::{Booking, InboundEmail, MailDigest, ProductChoice, TaskAction, TaskContext, TaskPriority};

/// An identical body within this window is the same mail sent twice.
const RESEND_WINDOW_MINUTES: i64 = 60;

pub(super) fn on_reply(
    booking: &Booking,
    mail: &InboundEmail,
    reading: &Reading,
    ctx: &Context,
    facts: &Facts,
) -> Plan {
    let (fresh, found) = (reading.fresh.as_str(), &reading.found);
    let digest = digest(mail, fresh);
    if let Some(last) = &booking.event.workflow_state.last_mail {
        if last.digest == digest && mail.received_at - last.at < Duration::minutes(RESEND_WINDOW_MINUTES) {
            return Plan::default();
        }
    }

    let mut t = Turn::new(booking, facts, ctx, Trigger::ClientMail);
    // "Ok, passt." is too short to tell the language: keep the known one.
    if t.event.workflow_state.language.is_none() || fresh.split_whitespace().count() >= MIN_WORDS_FOR_LANGUAGE {
        t.lang = found.language;
    }
    t.subject = mail.subject.clone();
    t.inbound = Some(inbound_row(mail, ctx));
    let state = &mut t.event.workflow_state;
    state.language = Some(t.lang);
    state.last_mail = Some(MailDigest { digest, at: mail.received_at });
    take_billing(&mut t, found);

    let asked = found.intents.contains(&Intent::Question);
    let visit = found.intents.contains(&Intent::SiteVisit);
    // Anything that moves the booking comes first; a site visit asked for in
    // the same mail is flagged for the manager rather than answered alone.
    let moves =
        [Intent::Accept, Intent::Decline, Intent::Counter, Intent::Change].iter().any(|i| found.intents.contains(i))
            || (!t.event.date_confirmed && !found.dates.is_empty() && t.event.workflow_state.site_visit.is_none());
    if found.intents.contains(&Intent::Cancel) {
        if found.visit_cancelled {
            // "Cancel the site visit" must not cancel the event.
            t.reply(Reply::manual_review("the client cancels something around a site visit"));
        } else {
            cancel(&mut t);
        }
    } else if found.complaint {
        // An upset client gets a person, not a rule: nothing in the mail
        // changes the booking until the manager has read it.
        t.reply(Reply::manual_review("the client is upset (a complaint): answer personally"));
    } else if moves || !visit::handle(&mut t, found) {
        if read(&mut t, found, fresh) {
            advance(&mut t);
        }
        if visit {
            flag(&mut t, |c| c.site_visit_requested = true);
        }
        if t.accepted_with_changes {
            flag(&mut t, |c| c.accepted_with_changes = true);
        }
        if t.reply.is_none() {
            t.reply(Reply::manual_review(if asked {
                "the client asks something the rules cannot answer"
            } else {
                "no automatic answer for this message"
            }));
        }
    }
    if asked {
        flag(&mut t, |c| c.open_question = true);
    }
    flag_doubts(&mut t, found);
    t.finish()
}

/// The largest discount the workflow drafts as a revised offer (for the
/// manager to approve, like every offer); a client asking for more ("Maybe
/// 15%?") is the manager's to answer, the offer stays as sent.
const MAX_DISCOUNT_PERCENT: u32 = 10;

/// Fewer words than this keep the booking's language.
const MIN_WORDS_FOR_LANGUAGE: usize = 6;

/// Applies the mail to the booking; `false` when the steps need not run
/// (the mail closed the booking, or is ambiguous).
fn read(t: &mut Turn<'_>, found: &Extracted, fresh: &str) -> bool {
    let step = t.event.current_step;
    let change = found.change_requested();
    let today = t.ctx.today();

    if found.intents.contains(&Intent::Decline) && !found.intents.contains(&Intent::Accept) {
        decline(t);
        return false;
    }

    // The date: while none is confirmed any date is an answer; later only
    // an explicit change moves it (a date in a payment line is not one).
    let picked = pick_proposal(found, &t.event.workflow_state.proposed_dates);
    let mentioned = found.dates.iter().copied().find(|d| *d > today).or(found.dates.first().copied());
    let options = super::intake::date_options(found, today);
    if !t.event.date_confirmed {
        if let (None, false) = (picked, options.is_empty()) {
            t.event.workflow_state.date_options = options;
            t.event.workflow_state.date_requested = false;
        } else if let Some(d) = picked.or(mentioned) {
            set_date(t, d);
        } else if let Some(v) = &found.vague_date {
            t.event.workflow_state.vague_date = Some(v.clone());
        }
        take_times(t, found);
    } else if t.event.workflow_state.times_assumed && !change {
        // The acknowledgement asked for the times: any times answer it.
        if take_times(t, found) && step >= Step::Offer.number() {
            detour(t, Step::Offer);
        }
    } else if change {
        let new: Vec<NaiveDate> =
            found.dates.iter().copied().filter(|d| *d != t.event.event_date && *d > today).collect();
        match new.as_slice() {
            [] => {}
            [d] => {
                let d = *d;
                detour(t, Step::DateConfirmation);
                set_date(t, d);
                t.event.date_confirmed = false;
            }
            // "Move it from the 12th to the 19th" names two: let a person read it.
            _ => {
                t.reply(Reply::manual_review("several new dates in one change request"));
                return false;
            }
        }
        if take_times(t, found) && step >= Step::Offer.number() {
            detour(t, Step::Offer);
        }
    }

    // The room's requirements: a new count or layout re-evaluates the room.
    // Before a room is held any number answers the question; after, only a
    // count stated as a change does.
    let stated = step < Step::Offer.number() || change;
    let count = if step < Step::Offer.number() {
        // "Yes, 24 is right!" answers the venue's question for the count.
        found.attendees.or(found.confirmed_count.filter(|_| t.event.attendees.is_none()))
    } else {
        found.group_size.or(found.attendees.filter(|_| change))
    };
    let mut requirements_changed = false;
    if let Some(n) = count.and_then(|n| i32::try_from(n).ok()) {
        requirements_changed |= t.event.attendees != Some(n);
        t.event.attendees = Some(n);
    }
    let wanted = &mut t.event.workflow_state.wanted_amenities;
    for a in super::rooms::amenities_in(fresh) {
        if stated && !wanted.iter().any(|w| w.eq_ignore_ascii_case(&a)) {
            wanted.push(a);
            requirements_changed = true;
        }
    }
    if let Some(l) = found.layout.filter(|_| stated) {
        let code = l.code().to_string();
        requirements_changed |= t.event.seating_layout.as_deref() != Some(code.as_str());
        t.event.seating_layout = Some(code);
    }
    if let Some(&room) = found.rooms.first() {
        if t.event.room_ids.first() != Some(&room) {
            t.event.preferred_room = t.facts.catalogue.room_name(room);
            t.event.room_ids.clear();
            // The client chose a room: it is held (step 3 keeps it when it
            // fits and is free that day) rather than proposed again.
            if t.event.date_confirmed {
                t.event.room_ids.push(room);
                withdraw_proposal(t);
            }
            requirements_changed = true;
        }
    }
    if requirements_changed && t.event.date_confirmed {
        detour(t, Step::RoomAvailability);
    }

    // Products and price: they change the offer only.
    if take_products(t, found) && step >= Step::Offer.number() {
        detour(t, Step::Offer);
    }
    if found.intents.contains(&Intent::Counter) && step >= Step::Offer.number() {
        match found.discount_percent {
            Some(p) if p > 0 && p <= MAX_DISCOUNT_PERCENT => {
                t.event.workflow_state.discount_percent = Some(p);
                detour(t, Step::Offer);
            }
            Some(p) if p > MAX_DISCOUNT_PERCENT => {
                t.reply(Reply::manual_review(&format!(
                    "the client asks for {p} % off, more than the {MAX_DISCOUNT_PERCENT} % the rules allow"
                )));
                return false;
            }
            _ if t.event.current_step >= Step::Negotiation.number() => {
                t.reply(Reply::manual_review("the client negotiates the price without a concrete request"));
                return false;
            }
            _ => {}
        }
    }

    if found.intents.contains(&Intent::Accept) {
        if t.event.current_step == Step::Negotiation.number() {
            accept_offer(t);
        } else if step == Step::Negotiation.number() {
            // Accepted and changed in one mail: the change wins (a revised
            // offer), and the manager sees that the client also accepted.
            t.accepted_with_changes = true;
        }
    }
    true
}

fn set_date(t: &mut Turn<'_>, d: NaiveDate) {
    if t.event.event_date != d {
        // A room proposed for another day no longer stands.
        withdraw_proposal(t);
    }
    t.event.event_date = d;
    let state = &mut t.event.workflow_state;
    state.date_requested = true;
    state.vague_date = None;
}

/// `true` if the times changed. A start without an end keeps the
/// event's length where it can, else runs to [`super::intake::end_after`].
fn take_times(t: &mut Turn<'_>, found: &Extracted) -> bool {
    let before = (t.event.start_time, t.event.end_time);
    if found.start_time.is_some() || found.end_time.is_some() {
        t.event.workflow_state.times_assumed = false;
    }
    match (found.start_time, found.end_time) {
        (Some(s), Some(e)) => {
            (t.event.start_time, t.event.end_time) = (s, e);
            t.event.workflow_state.end_assumed = false;
        }
        (Some(s), None) => {
            (t.event.start_time, t.event.end_time) = (s, super::intake::end_after(s));
            t.event.workflow_state.end_assumed = true;
        }
        (None, Some(e)) => {
            t.event.end_time = e;
            t.event.workflow_state.end_assumed = false;
        }
        (None, None) => {}
    }
    before != (t.event.start_time, t.event.end_time)
}

/// Products named in the mail join (or leave) the offer; `true` if the
/// selection changed.
fn take_products(t: &mut Turn<'_>, found: &Extracted) -> bool {
    let removed_by_manager = t.event.workflow_state.removed_products.clone();
    let chosen = &mut t.event.workflow_state.products;
    let before = chosen.clone();
    // A line the manager took off the offer stays off: the manager's word is final.
    for m in found.products.iter().filter(|m| !removed_by_manager.contains(&m.id)) {
        chosen.retain(|c| c.id != m.id);
        if !m.removed {
            chosen.push(ProductChoice { id: m.id, quantity: m.quantity, times: m.times });
        }
    }
    *chosen != before
}

/// Billing details are captured at any step; a part the mail leaves out
/// stays as it was.
fn take_billing(t: &mut Turn<'_>, found: &Extracted) {
    let Some(b) = &found.billing else { return };
    let street = match (&b.care_of, &b.street) {
        (Some(care_of), Some(street)) => Some(format!("{care_of}, {street}")),
        (_, street) => street.clone(),
    };
    let c = &mut t.client;
    for (field, value) in [
        (&mut c.billing_address, &street),
        (&mut c.billing_postal_code, &b.postal_code),
        (&mut c.billing_city, &b.city),
        (&mut c.billing_country, &b.country),
        (&mut c.company, &b.company),
    ] {
        if let Some(v) = value.as_ref().filter(|v| !v.trim().is_empty()) {
            *field = Some(v.trim().to_string());
        }
    }
}

/// Something in the mail the draft does not answer (a question, a visit
/// wish): the draft goes to the manager flagged and with high priority, to
/// be completed before it is sent.
/// Marks the draft for the manager's attention (`set` names what).
fn flag(t: &mut Turn<'_>, set: impl FnOnce(&mut TaskContext)) {
    if let Some(r) = t.reply.as_mut().filter(|r| r.action != TaskAction::ManualReview) {
        r.priority = TaskPriority::High;
        set(&mut r.context);
    }
}

/// What the extractors were unsure about ([`extract::Doubt`]) is an open
/// question: the draft is flagged for the manager with the reasons.
fn flag_doubts(t: &mut Turn<'_>, found: &Extracted) {
    if found.doubts.is_empty() {
        return;
    }
    flag(t, |c| {
        c.open_question = true;
        c.doubts = found.doubts.iter().map(|d| d.reason()).collect();
    });
}

/// The proposal the client chose: a proposed date they name, "the second
/// one", or a plain yes when there was only one.
fn pick_proposal(found: &Extracted, proposals: &[NaiveDate]) -> Option<NaiveDate> {
    if proposals.is_empty() {
        return None;
    }
    if let Some(d) = found.dates.iter().find(|d| proposals.contains(d)) {
        return Some(*d);
    }
    if found.dates.is_empty() {
        if let Some(i) = found.choice {
            return proposals.get(i).copied();
        }
        // "The 19th": the one proposal on that day of the month.
        if let Some(day) = found.day_of_month {
            let matching: Vec<&NaiveDate> = proposals.iter().filter(|p| p.day() == day).collect();
            if let [only] = matching.as_slice() {
                return Some(**only);
            }
        }
    }
    (proposals.len() == 1 && found.intents.contains(&Intent::Accept)).then(|| proposals[0])
}

/// The mail's fresh text (`fresh`, quotes stripped), whitespace-normalized,
/// with the message it answers: the same words answering another message
/// are a new answer, not a resend.
pub(super) fn digest(mail: &InboundEmail, fresh: &str) -> String {
    let words: String = fresh.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let normalized = format!("{words}\u{1e}{}", mail.in_reply_to.as_deref().unwrap_or_default());
    format!("{:016x}", super::rooms::fnv1a64(normalized.as_bytes()))
}
