//! The manager's corrections in the frontend become the booking: what the
//! manager set (a room, a line's quantity) or took away (a line) is what
//! every later turn and offer builds on. Nothing is drafted: the manager
//! speaks to the client through the next task, or in person.

use super::plan::Plan;
use super::steps::{self, offer_hash};
use super::turn::{Trigger, Turn};
use super::{Context, Facts};
use crate::domain::{Booking, Correction, ProductChoice};

pub(super) fn on_correction(booking: &Booking, correction: &Correction, ctx: &Context, facts: &Facts) -> Plan {
    let mut t = Turn::new(booking, facts, ctx, Trigger::Correction);
    let state = &mut t.event.workflow_state;
    match *correction {
        Correction::Event { room_changed, .. } => {
            // The row holds the manager's values already. A room the manager
            // set is held from now on; a changed head count or seating makes
            // the next turn re-check only what depends on it (the hashes).
            if room_changed && !t.event.room_ids.is_empty() {
                state.room_set_by_manager = true;
                steps::withdraw_proposal(&mut t);
            }
            return t.finish();
        }
        Correction::LineRemoved { product, .. } => {
            state.products.retain(|c| c.id != product);
            if !state.removed_products.contains(&product) {
                state.removed_products.push(product);
            }
        }
        Correction::LineChanged { product, quantity, .. } => {
            state.removed_products.retain(|p| *p != product);
            match state.products.iter_mut().find(|c| c.id == product) {
                Some(c) => {
                    c.quantity = Some(quantity);
                    c.times = None;
                }
                None => state.products.push(ProductChoice { id: product, quantity: Some(quantity), times: None }),
            }
        }
    }
    // The offer as the manager left it is the current one: its inputs are
    // up to date, so the correction alone makes no new offer.
    if t.event.offer_hash.is_some() {
        t.event.offer_hash = Some(offer_hash(&t));
    }
    t.finish()
}
