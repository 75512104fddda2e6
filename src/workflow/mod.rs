//! The booking workflow (WORKFLOW.md), pure and deterministic: every
//! function here takes the current state plus one input (and the clock and
//! fresh ids as parameters) and returns a [`Plan`]. No I/O, so every rule is
//! unit-testable.

mod approval;
mod catalogue;
mod draft;
pub mod extract;
mod intake;
pub mod offer;
mod plan;
pub mod rooms;
mod step;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::{Booking, Client, EmailAddress, InboundEmail};

pub use approval::{on_decision, Approval};
pub use catalogue::{CatalogProduct, CatalogRoom, Catalogue, Occupancy};
pub use plan::{
    Applied, ClientPatch, ClientWrite, EmailWrite, EventPatch, EventWrite, NewClient, NewEvent, NewOffer, OfferPatch,
    OfferWrite, OutgoingMail, Plan, TaskUpdate, TaskWrite,
};
pub use step::Step;

/// Facts from outside the input that a handler may use.
#[derive(Debug, Clone)]
pub struct Context {
    pub now: DateTime<Utc>,
    pub timezone: Tz,
    pub venue_name: String,
    pub venue_email: EmailAddress,
}

impl Context {
    /// Today in the venue's timezone: "tomorrow" means the venue's tomorrow.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.timezone).date_naive()
    }
}

/// An inbound client mail: intake when it belongs to no open booking,
/// otherwise the handler of the booking's current step.
pub fn on_mail(booking: Option<&Booking>, known_client: Option<&Client>, mail: &InboundEmail, ctx: &Context) -> Plan {
    match booking {
        None => intake::plan(known_client, mail, ctx),
        // Steps 2–7 are not implemented yet: the mail is recorded on its
        // booking and a manager reviews it (WORKFLOW.md: anything the rules
        // cannot answer goes to `manual_review`, no draft).
        Some(b) => intake::manual_review(b, mail, ctx),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::TimeZone;

    use super::*;

    /// The venue on a fixed morning: handlers' tests are deterministic.
    pub fn ctx() -> Context {
        Context {
            now: Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap(),
            timezone: chrono_tz::Europe::Zurich,
            venue_name: "The Atelier".into(),
            venue_email: EmailAddress::parse("events@atelier-zurich.ch").unwrap(),
        }
    }
}
