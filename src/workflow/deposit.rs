//! The deposit arrived (`offers.deposit_paid_at` set in the frontend): the
//! last prerequisite of step 7. Paying also counts as accepting the offer.

use super::plan::{OfferPatch, OfferWrite, Plan};
use super::steps::{accept_offer, advance};
use super::turn::{Reply, Trigger, Turn};
use super::{Context, Facts, Step};
use crate::domain::{Booking, DepositPayment, EventStatus, OfferStatus};

pub(super) fn on_deposit_paid(
    booking: &Booking,
    payment: Option<&DepositPayment>,
    ctx: &Context,
    facts: &Facts,
) -> Plan {
    let open = matches!(booking.event.status, EventStatus::Lead | EventStatus::Option);
    let Some(offer) = booking.offer.as_ref().filter(|o| o.status != OfferStatus::Cancelled) else {
        return Plan::default();
    };
    // A payment on an offer that is no longer current changes nothing here.
    if !open || payment.is_some_and(|p| p.offer != offer.id) {
        return Plan::default();
    }
    let mut t = Turn::new(booking, facts, ctx, Trigger::DepositPaid);
    if let (Some(p), None) = (payment, offer.deposit_paid_at) {
        if let Some(o) = t.offer.as_mut() {
            o.deposit_paid_at = Some(p.paid_at);
        }
        t.offers.push(OfferWrite::Update {
            id: offer.id,
            patch: OfferPatch {
                deposit_paid_at: Some(p.paid_at),
                payment_status: Some("paid".into()),
                ..OfferPatch::default()
            },
        });
    }
    if !t.offer.as_ref().is_some_and(|o| o.deposit_paid_at.is_some()) {
        return Plan::default();
    }
    // The webhook, its redelivery and reconciliation all report it: act once.
    if t.event.workflow_state.deposit_handled == Some(offer.id) {
        return Plan::default();
    }
    t.event.workflow_state.deposit_handled = Some(offer.id);
    let step = t.event.current_step;
    let sent_or_accepted = matches!(offer.status, OfferStatus::Sent | OfferStatus::Confirmed);
    if step < Step::Negotiation.number() || !sent_or_accepted {
        // Paid while the booking is being changed (a detour) or before the
        // offer went out: the payment is recorded, a person decides.
        t.reply(Reply::manual_review("deposit paid while the booking is being changed or before the offer was sent"));
        return t.finish();
    }
    if step == Step::Negotiation.number() {
        accept_offer(&mut t);
    }
    t.event.current_step = Step::Confirmation.number();
    advance(&mut t);
    t.finish()
}
