//! Follow-ups the service drafts when time passes (see
//! `workflow/followup.rs`): a reminder before an offer runs out or a
//! deposit is due, a nudge after a silence, the note that an option lapsed.
//! Sentences come from the language's catalogue (`messages/`).

use chrono::NaiveDate;

use super::{format_date, Letter};
use crate::workflow::extract::Language;
use crate::workflow::offer::chf;
use crate::workflow::Payment;

/// The sent offer `number` for the event on `event_date` is valid until
/// `valid_until`; the client has not answered.
pub fn offer_expiry(
    name: &str,
    lang: Language,
    venue: &str,
    number: &str,
    event_date: NaiveDate,
    valid_until: NaiveDate,
) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    let (date, until) = (format_date(event_date, lang), format_date(valid_until, lang));
    l.para(&m.offer_expiry_reminder(number, &date, &until));
    l.para(m.questions_or_confirm());
    l.sign(venue)
}

/// The deposit (`amount` in Rappen, due on the date) of the accepted offer
/// `number` is not paid yet. `payment`: the venue's bank details.
pub fn deposit_due(
    name: &str,
    lang: Language,
    venue: &str,
    number: &str,
    event_date: NaiveDate,
    (amount, due): (i64, NaiveDate),
    payment: Option<&Payment>,
) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    let (date, due) = (format_date(event_date, lang), format_date(due, lang));
    l.para(&m.deposit_reminder(&chf(amount), &date, &due, number));
    if let Some(pay) = payment {
        l.bank_details(pay, number);
        l.gap();
    }
    l.para(m.deposit_already_paid());
    l.sign(venue)
}

/// The client has not answered the service's last message; `event_date`
/// when the date is confirmed.
pub fn nudge(name: &str, lang: Language, venue: &str, event_date: Option<NaiveDate>) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    let date = event_date.map(|d| format_date(d, lang));
    l.para(&m.nudge(date.as_deref()));
    l.para(m.looking_forward_to_reply());
    l.sign(venue)
}

/// The offer `number` ran out on `valid_until` without an acceptance: the
/// option on `room` lapsed and the room is released.
pub fn option_lapsed(
    name: &str,
    lang: Language,
    venue: &str,
    number: &str,
    event_date: NaiveDate,
    valid_until: NaiveDate,
    room: Option<&str>,
) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    let (date, until) = (format_date(event_date, lang), format_date(valid_until, lang));
    l.para(&m.option_lapsed(number, &date, &until, room));
    l.para(m.still_interested());
    l.sign(venue)
}
