//! Step 4: the offer for the held room. A new offer is made only when its
//! inputs changed (`offer_hash`); it replaces (cancels) the previous one.

use super::Flow;
use crate::domain::{OfferRecord, OfferStatus, OfferSummary, ProductChoice, TaskAction, TaskKind};
use crate::workflow::draft;
use crate::workflow::offer::{calculate, decimal, OfferRequest, PriceType, ProductPricing};
use crate::workflow::plan::{NewOffer, OfferPatch, OfferWrite};
use crate::workflow::rooms::fnv1a64;
use crate::workflow::turn::{Reply, Turn};
use crate::workflow::Step;

pub(super) fn run(t: &mut Turn<'_>) -> Flow {
    let Some(&room_id) = t.event.room_ids.first() else {
        t.event.current_step = Step::RoomAvailability.number();
        return Flow::Next;
    };
    t.event.current_step = Step::Offer.number();
    let Some(room) = t.facts.catalogue.room(room_id) else {
        t.reply(Reply::manual_review("the held room is not in the room list any more"));
        return Flow::Stop;
    };
    let hash = offer_hash(t);
    if let Some(current) = t.offer.as_ref().filter(|o| o.status != OfferStatus::Cancelled) {
        if t.event.offer_hash.as_deref() == Some(hash.as_str()) {
            return unchanged(t, current.status);
        }
    }

    let attendees = t.event.attendees.and_then(|a| u32::try_from(a).ok()).unwrap_or(0);
    // Never charge for what the room already has (a projector, a stage).
    let (included, products): (Vec<_>, Vec<_>) = t
        .event
        .workflow_state
        .products
        .iter()
        .filter_map(|c| {
            t.facts.catalogue.product(c.id).map(|p| (p.pricing.clone(), quantity(c, &p.pricing, attendees)))
        })
        .partition(|(p, _)| room_includes(&room.option.amenities, p));
    let included: Vec<String> = included.into_iter().map(|(p, _)| p.name).collect();
    let mut offer = calculate(&OfferRequest {
        room: room.pricing.clone(),
        start: t.event.start_time,
        end: t.event.end_time,
        attendees,
        products,
        offer_date: t.ctx.today(),
        sequence: t.facts.offer_sequence,
        discount_bp: t.event.workflow_state.discount_percent.unwrap_or(0).min(100) * 100,
    });
    // An offer is never valid beyond the day of the event.
    offer.valid_until = offer.valid_until.min(t.event.event_date);
    // "It replaces our previous offer" only when the client has one: a
    // draft the manager never sent is replaced silently.
    let revised = t.offer.as_ref().is_some_and(|o| matches!(o.status, OfferStatus::Sent | OfferStatus::Confirmed));
    if let Some(old) = t.offer.take().filter(|o| o.status != OfferStatus::Cancelled) {
        t.offers.push(OfferWrite::Update {
            id: old.id,
            patch: OfferPatch { status: Some(OfferStatus::Cancelled), ..OfferPatch::default() },
        });
    }
    let id = t.facts.new_offer_id;
    t.offers.push(OfferWrite::Create(NewOffer {
        id,
        offer_number: offer.offer_number.clone(),
        subject: format!("{} – {}", offer.offer_number, t.event.title),
        offer_date: offer.offer_date,
        valid_until: offer.valid_until,
        subtotal_rappen: offer.subtotal_rappen,
        vat_rappen: offer.vat_rappen,
        total_rappen: offer.total_rappen,
        deposit: offer.deposit,
        items: offer.items.clone(),
    }));
    t.offer = Some(OfferRecord {
        id,
        offer_number: offer.offer_number.clone(),
        status: OfferStatus::Draft,
        offer_date: offer.offer_date,
        valid_until: Some(offer.valid_until),
        total_rappen: offer.total_rappen,
        deposit_enabled: offer.deposit.is_some(),
        deposit_rappen: offer.deposit.map(|d| d.amount_rappen),
        deposit_deadline_days: offer.deposit.map(|d| d.deadline_days as i32),
        deposit_paid_at: None,
        confirmed_at: None,
    });
    t.event.offer_hash = Some(hash);
    t.event.workflow_state.confirmation_drafted = false;
    let body = draft::offer(t.name(), t.lang, &t.ctx.venue_name, &offer, super::when(t), attendees, revised);
    let summary = OfferSummary {
        offer_id: id,
        offer_number: offer.offer_number.clone(),
        room_name: room.option.name.clone(),
        total_chf: decimal(offer.total_rappen),
        deposit_chf: offer.deposit.map(|d| decimal(d.amount_rappen)),
        discount_percent: t.event.workflow_state.discount_percent,
        included_in_room: included,
    };
    let context = if revised { TaskKind::RevisedOffer(summary) } else { TaskKind::Offer(summary) };
    t.draft(TaskAction::ApproveOffer, body, context);
    Flow::Stop
}

/// The offer already matches the state: continue where the booking was.
/// Equipment the room's amenities already name ("Projector" and a room
/// with a projector). Amenities "upon request" are not included; nor is
/// anything billed per person or per hour (food, staff).
fn room_includes(amenities: &[String], product: &ProductPricing) -> bool {
    let included: Vec<String> = amenities
        .iter()
        .filter(|a| {
            let a = a.to_lowercase();
            !a.contains("request") && !a.contains("anfrage")
        })
        .cloned()
        .collect();
    matches!(product.price_type, PriceType::PerEvent | PriceType::PerUnit)
        && product.name.split('/').any(|half| crate::workflow::rooms::has_equipment(&included, half.trim()))
}

/// The quantity the offer bills for a chosen product: for a per-person
/// item the servings (everyone × times, or the persons the client named),
/// else the client's pieces or hours.
fn quantity(choice: &ProductChoice, pricing: &ProductPricing, attendees: u32) -> Option<u32> {
    match (pricing.price_type, choice.times) {
        (PriceType::PerPerson, Some(times)) => Some(attendees.saturating_mul(times)),
        _ => choice.quantity,
    }
}

fn unchanged(t: &mut Turn<'_>, status: OfferStatus) -> Flow {
    match status {
        // Its approval task is pending: the manager will send it.
        OfferStatus::Draft => Flow::Stop,
        // Sent and not accepted yet: whatever the detour came from, the
        // client's answer to it is what comes next.
        OfferStatus::Sent => {
            t.event.caller_step = None;
            t.event.current_step = Step::Negotiation.number();
            Flow::Next
        }
        // Accepted already (cancelled offers never get here): back to where
        // the detour came from, at least the transition.
        OfferStatus::Confirmed | OfferStatus::Cancelled => {
            t.event.current_step =
                t.event.caller_step.take().unwrap_or(Step::Transition.number()).max(Step::Transition.number());
            Flow::Next
        }
    }
}

/// Everything the offer is computed from, fingerprinted.
pub(in crate::workflow) fn offer_hash(t: &Turn<'_>) -> String {
    let e = &t.event;
    let mut products: Vec<&ProductChoice> = e.workflow_state.products.iter().collect();
    products.sort_by_key(|p| p.id);
    let canonical = format!(
        "offer-v1|{:?}|{}|{}|{}|{:?}|{:?}|{:?}",
        e.room_ids.first(),
        e.event_date,
        e.start_time,
        e.end_time,
        e.attendees,
        products.iter().map(|p| (p.id.to_string(), p.quantity)).collect::<Vec<_>>(),
        e.workflow_state.discount_percent,
    );
    // Times ("two coffee breaks") only where given, so hashes of offers
    // without them stay as they were.
    let times: Vec<(String, u32)> = products.iter().filter_map(|p| p.times.map(|n| (p.id.to_string(), n))).collect();
    let canonical = if times.is_empty() { canonical } else { format!("{canonical}|times={times:?}") };
    format!("{:016x}", fnv1a64(canonical.as_bytes()))
}
