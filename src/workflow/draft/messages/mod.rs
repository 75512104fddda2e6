//! Every sentence a draft says, one typed catalogue per language.
//!
//! [`Messages`] has one method per sentence or label, its parameters named
//! and already formatted by the caller (dates, times and amounts in the
//! venue's format), so a missing translation is a compile error, not a
//! runtime lookup that fails. `en.rs` and `de.rs` implement it; adding
//! French is a `fr.rs` implementing [`Messages`], a `Language::Fr` and one
//! arm in [`of`].

mod de;
mod en;

use chrono::Weekday;

use crate::workflow::extract::{Language, Layout};
use crate::workflow::offer::LineUnit;

/// The catalogue of `lang`.
pub fn of(lang: Language) -> &'static dyn Messages {
    match lang {
        Language::En => &en::En,
        Language::De => &de::De,
    }
}

/// The sentences of one language. Parameters are finished text: `date` is
/// "Friday, 12.03.2027" (see `format_date`), `time` is "18:00", `amount`
/// is "CHF 1'345.85", `when` is the whole of [`super::When::text`].
pub trait Messages: Sync {
    // --- the letter and its formats
    /// "Dear Anna Keller," and the blank line after it.
    fn greeting(&self, name: &str) -> String;
    /// The sign-off line above the venue's name.
    fn closing(&self) -> &'static str;
    /// The subject of a reply to a mail without one.
    fn default_subject(&self) -> &'static str;
    fn weekday(&self, day: Weekday) -> &'static str;
    /// `month` is 1–12.
    fn month(&self, month: u32) -> &'static str;
    /// A time of day alone: "18:00" / "18:00 Uhr".
    fn clock(&self, time: &str) -> String;
    /// "18:00–23:00" / "18:00–23:00 Uhr".
    fn span(&self, start: &str, end: &str) -> String;
    /// An event that ends at midnight: "18:00–midnight".
    fn span_to_midnight(&self, start: &str) -> String;
    /// "midnight" / "Mitternacht".
    fn midnight(&self) -> &'static str;
    /// Appended to a time the client did not give: " (time to be confirmed)".
    fn time_to_confirm(&self) -> &'static str;
    /// A start the client gave without an end: "Friday, 12.03.2027, from 18:00 (end time to be confirmed)".
    fn starting_at(&self, date: &str, start: &str) -> String;
    /// How a seating layout is named to the client.
    fn layout(&self, layout: Layout) -> &'static str;

    // --- intake (step 1)
    fn thanks_for_inquiry(&self) -> &'static str;
    fn noted_details(&self) -> &'static str;
    fn still_needed(&self) -> &'static str;
    fn checking_availability(&self) -> &'static str;
    fn fact_date(&self, date: &str) -> String;
    /// `dates` are several formatted dates the client would take.
    fn fact_date_options(&self, dates: &[String]) -> String;
    /// Only a month (and maybe a weekday): `year` when the client named one.
    fn fact_vague_date(&self, month: u32, year: Option<i32>, weekday: Option<Weekday>) -> String;
    fn fact_time(&self, span: &str) -> String;
    fn fact_start(&self, start: &str) -> String;
    /// `end` is a clock time or the word for midnight.
    fn fact_end(&self, end: &str) -> String;
    fn fact_guests(&self, attendees: u32) -> String;
    fn fact_seating(&self, layout: Layout) -> String;
    fn fact_room(&self, room: &str) -> String;
    fn ask_date(&self) -> &'static str;
    fn ask_start(&self) -> &'static str;
    fn ask_start_and_end(&self) -> &'static str;
    fn ask_guests(&self) -> &'static str;

    // --- dates (step 2)
    fn thanks_for_message(&self) -> &'static str;
    fn ask_date_intro(&self) -> &'static str;
    fn ask_preferred_date(&self) -> &'static str;
    fn date_past(&self, date: &str) -> String;
    fn date_closed(&self, date: &str) -> String;
    fn date_taken(&self, date: &str) -> String;
    fn ask_other_dates(&self) -> &'static str;
    fn dates_intro(&self) -> &'static str;
    fn pick_a_date(&self) -> &'static str;

    // --- rooms (step 3)
    /// `seating` is " (theatre seating)" or empty.
    fn space_for(&self, when: &str, attendees: u32, seating: &str) -> String;
    fn seats(&self, capacity: i32) -> String;
    /// The room has no figure for this seating; `capacity` is its general one.
    fn seats_to_confirm(&self, capacity: i32) -> String;
    fn we_recommend(&self) -> &'static str;
    /// `amenities` is a comma-separated list.
    fn includes(&self, amenities: &str) -> String;
    fn not_included(&self, amenities: &str) -> String;
    fn also_available(&self) -> &'static str;
    fn preparing_offer_for(&self, room: &str) -> String;
    fn no_room_fits(&self, attendees: u32, seating: &str) -> String;
    fn largest_room(&self, room: &str, capacity: i32) -> String;
    fn other_seating_or_smaller_group(&self) -> &'static str;
    fn smaller_group(&self) -> &'static str;
    fn still_available_on(&self, date: &str) -> String;
    fn ask_guests_and_seating(&self) -> &'static str;

    // --- the offer (step 4)
    /// "per person", "flat rate", …; `None` for lines without a unit price.
    fn unit(&self, unit: LineUnit) -> Option<&'static str>;
    fn price_on_request(&self) -> &'static str;
    fn discount(&self) -> &'static str;
    /// "VAT 8.1%" with one rate for every line (`rate` "8.1"), else "VAT".
    fn vat(&self, rate: Option<&str>) -> String;
    fn subtotal(&self) -> &'static str;
    fn total(&self) -> &'static str;
    fn offer_intro(&self, number: &str, when: &str, attendees: u32) -> String;
    /// Only when an offer was sent before: says it replaces it.
    fn revised_offer_intro(&self, number: &str, when: &str, attendees: u32) -> String;
    /// `percent` is "30".
    fn deposit_terms(&self, amount: &str, percent: &str, days: u32) -> String;
    fn valid_until(&self, date: &str) -> String;

    // --- after the acceptance (steps 5–7) and the ends
    fn thanks_for_accepting(&self, number: &str) -> String;
    fn thanks_about_offer(&self, number: &str) -> String;
    fn to_confirm_we_need(&self) -> &'static str;
    fn billing_address_needed(&self) -> &'static str;
    fn deposit_due(&self, amount: &str, due: &str, number: &str) -> String;
    fn bank_details(&self) -> &'static str;
    fn beneficiary(&self) -> &'static str;
    fn payment_reference(&self) -> &'static str;
    fn confirmation_follows(&self) -> &'static str;
    fn we_confirm(&self) -> &'static str;
    fn confirmed_outro(&self) -> &'static str;
    fn declined(&self) -> &'static str;
    fn welcome_back(&self) -> &'static str;
    fn cancelled(&self, date: &str) -> String;
    fn cancellation_terms(&self) -> &'static str;
    fn hope_to_welcome(&self) -> &'static str;

    // --- site visits
    fn visit_slot(&self, date: &str, time: &str) -> String;
    fn visit_offer(&self) -> &'static str;
    fn visit_slots_intro(&self) -> &'static str;
    fn visit_pick(&self) -> &'static str;
    fn visit_booked(&self, date: &str, time: &str) -> String;
    fn visit_reception(&self) -> &'static str;

    // --- follow-ups (workflow/followup.rs)
    fn offer_expiry_reminder(&self, number: &str, date: &str, until: &str) -> String;
    fn questions_or_confirm(&self) -> &'static str;
    fn deposit_reminder(&self, amount: &str, date: &str, due: &str, number: &str) -> String;
    fn deposit_already_paid(&self) -> &'static str;
    /// `date`: the event's date when confirmed.
    fn nudge(&self, date: Option<&str>) -> String;
    fn looking_forward_to_reply(&self) -> &'static str;
    /// `room`: the room the option held, when one did.
    fn option_lapsed(&self, number: &str, date: &str, until: &str, room: Option<&str>) -> String;
    fn still_interested(&self) -> &'static str;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every language names every layout and month with some text: a
    /// missing word would read as a blank in a draft.
    #[test]
    fn every_catalogue_has_a_word_for_every_layout_month_and_unit() {
        for lang in [Language::En, Language::De] {
            let m = of(lang);
            for layout in Layout::ALL {
                assert!(!m.layout(layout).is_empty(), "{lang:?} {layout:?}");
            }
            for month in 1..=12 {
                assert!(!m.month(month).is_empty(), "{lang:?} {month}");
            }
            assert!(m.unit(LineUnit::Person).is_some() && m.unit(LineUnit::OnRequest).is_none());
        }
    }
}
