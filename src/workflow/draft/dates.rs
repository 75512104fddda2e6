//! Step 2: asking for a date, or proposing concrete ones.

use chrono::NaiveDate;

use super::{format_date, Letter};
use crate::workflow::extract::Language;

/// Why the requested date cannot simply be confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateIssue {
    /// The date has passed.
    Past(NaiveDate),
    /// The venue is closed that day.
    Closed(NaiveDate),
    /// Every room that fits is taken that day.
    Taken(NaiveDate),
    /// Only a month (and maybe a weekday) was given.
    Vague,
}

pub fn ask_for_date(name: &str, lang: Language, venue: &str, ask_attendees: bool) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    l.para(m.thanks_for_message());
    l.intro(m.ask_date_intro());
    l.bullet(m.ask_preferred_date());
    if ask_attendees {
        l.bullet(m.ask_guests());
    }
    l.gap();
    l.sign(venue)
}

pub fn date_proposals(name: &str, lang: Language, venue: &str, issue: DateIssue, proposals: &[NaiveDate]) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    match issue {
        DateIssue::Past(d) => l.para(&m.date_past(&format_date(d, lang))),
        DateIssue::Closed(d) => l.para(&m.date_closed(&format_date(d, lang))),
        DateIssue::Taken(d) => l.para(&m.date_taken(&format_date(d, lang))),
        DateIssue::Vague => &mut l,
    };
    if proposals.is_empty() {
        l.para(m.ask_other_dates());
    } else {
        l.intro(m.dates_intro());
        for d in proposals {
            l.bullet(&format_date(*d, lang));
        }
        l.gap();
        l.para(m.pick_a_date());
    }
    l.sign(venue)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_taken_date_is_named_and_the_alternatives_listed() {
        let text = date_proposals(
            "Anna Keller",
            Language::En,
            "The Atelier",
            DateIssue::Taken(d(2027, 3, 12)),
            &[d(2027, 3, 19), d(2027, 3, 26)],
        );
        assert!(text.contains("all rooms suitable for your event are already booked on Friday, 12.03.2027"), "{text}");
        assert!(text.contains("- Friday, 19.03.2027\n- Friday, 26.03.2027\n"), "{text}");
    }

    #[test]
    fn german_proposals_without_any_free_date_ask_for_others() {
        let text = date_proposals("Jonas Meier", Language::De, "The Atelier", DateIssue::Vague, &[]);
        assert!(text.contains("einige andere Termine"), "{text}");
        assert!(!text.contains("- "), "no date may be claimed: {text}");
    }
}
