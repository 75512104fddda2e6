//! The booking workflow (WORKFLOW.md), pure and deterministic: every
//! function here takes the current state plus one input (and the clock and
//! fresh ids as parameters) and returns a [`Plan`]. No I/O, so every rule is
//! unit-testable.

mod approval;
mod catalogue;
mod correction;
mod deposit;
mod draft;
pub mod extract;
mod followup;
mod intake;
pub mod offer;
mod plan;
mod reply;
pub mod rooms;
mod step;
mod steps;
mod turn;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::domain::{Booking, Client, Correction, DepositPayment, EmailAddress, InboundEmail, OfferId};

pub use approval::{on_decision, Approval};
pub use catalogue::{CatalogProduct, CatalogRoom, Catalogue, Occupancy};
pub use extract::{Extractor, Reading, Rules};
pub use followup::{due_follow_up, on_follow_up, still_due, FollowUpTimings};
pub use plan::{
    Applied, ClientPatch, ClientWrite, EmailWrite, EventPatch, EventWrite, Invite, NewClient, NewEvent, NewOffer,
    OfferPatch, OfferWrite, OutgoingMail, Plan, TaskUpdate, TaskWrite,
};
pub use step::Step;

/// Facts from outside the input that a handler may use.
#[derive(Debug, Clone)]
pub struct Context {
    pub now: DateTime<Utc>,
    pub timezone: Tz,
    pub venue_name: String,
    pub venue_email: EmailAddress,
    /// Where the venue's deposits are paid; `None`: the deposit request
    /// gives the reference only, the manager adds the bank details.
    pub payment: Option<Payment>,
}

/// The venue's bank details for a deposit request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The IBAN in its printed form, in groups of four (`CH93 0076 ...`).
    pub iban: String,
    pub beneficiary: String,
}

/// A time of day from constant hours and minutes.
fn hm((h, m): (u32, u32)) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid constant time")
}

impl Context {
    /// Today in the venue's timezone: "tomorrow" means the venue's tomorrow.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.timezone).date_naive()
    }
}

/// What steps 2–7 read besides the booking: the catalogue, which rooms
/// other bookings hold, and the fresh values an offer needs (passed in to
/// keep the handlers deterministic).
#[derive(Debug, Clone)]
pub struct Facts {
    pub catalogue: std::sync::Arc<Catalogue>,
    pub occupancy: Occupancy,
    /// The sequence the next offer number of this month would get.
    pub offer_sequence: u32,
    pub new_offer_id: OfferId,
}

/// A mail that belongs to no open booking (step 1); `reading` is what an
/// [`extract::Extractor`] made of it.
pub fn on_inquiry(
    known_client: Option<&Client>,
    mail: &InboundEmail,
    reading: &Reading,
    ctx: &Context,
    catalogue: &Catalogue,
) -> Plan {
    intake::plan(known_client, mail, reading, ctx, catalogue)
}

/// A client's mail on an open booking: the handler of its current step,
/// after whatever the mail changes (detours, cancellation, site visit).
pub fn on_reply(booking: &Booking, mail: &InboundEmail, reading: &Reading, ctx: &Context, facts: &Facts) -> Plan {
    reply::on_reply(booking, mail, reading, ctx, facts)
}

/// A deposit was paid: `payment` as a database webhook reports it (recorded
/// on the offer if the store does not have it yet, as in embedded mode), or
/// `None` when reconciliation found it recorded already.
pub fn on_deposit_paid(booking: &Booking, payment: Option<&DepositPayment>, ctx: &Context, facts: &Facts) -> Plan {
    deposit::on_deposit_paid(booking, payment, ctx, facts)
}

/// The manager corrected the booking in the frontend (the event row, an
/// offer's lines): the workflow state takes the correction over, so later
/// turns and offers keep it. Drafts nothing.
pub fn on_correction(booking: &Booking, correction: &Correction, ctx: &Context, facts: &Facts) -> Plan {
    correction::on_correction(booking, correction, ctx, facts)
}

#[cfg(test)]
pub(crate) mod tests;
