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
    l.para("Thank you for your message.", "Vielen Dank für Ihre Nachricht.");
    l.intro(
        "To check availability and prepare an offer, could you let us know:",
        "Damit wir die Verfügbarkeit prüfen und ein Angebot erstellen können, teilen Sie uns bitte mit:",
    );
    l.bullet(if l.de() {
        "das gewünschte Datum (oder einige mögliche Daten)"
    } else {
        "your preferred date (or a few options)"
    });
    if ask_attendees {
        l.bullet(if l.de() { "die ungefähre Anzahl Personen" } else { "the approximate number of guests" });
    }
    l.gap();
    l.sign(venue)
}

pub fn date_proposals(name: &str, lang: Language, venue: &str, issue: DateIssue, proposals: &[NaiveDate]) -> String {
    let mut l = Letter::new(lang, name);
    match issue {
        DateIssue::Past(d) => {
            let d = format_date(d, lang);
            l.para(
                &format!("Thank you for your message. The date you mentioned, {d}, has already passed."),
                &format!(
                    "Vielen Dank für Ihre Nachricht. Das genannte Datum, {d}, liegt bereits in der Vergangenheit."
                ),
            )
        }
        DateIssue::Closed(d) => {
            let d = format_date(d, lang);
            l.para(
                &format!("Thank you for your inquiry. Unfortunately the venue is closed on {d}."),
                &format!("Vielen Dank für Ihre Anfrage. Leider ist unser Haus am {d}, geschlossen."),
            )
        }
        DateIssue::Taken(d) => {
            let d = format_date(d, lang);
            l.para(
                &format!("Unfortunately, all rooms suitable for your event are already booked on {d}."),
                &format!("Leider sind am {d}, alle für Ihren Anlass passenden Räume bereits belegt."),
            )
        }
        DateIssue::Vague => &mut l,
    };
    if proposals.is_empty() {
        l.para(
            "Could you tell us a few other dates that would suit you? We will check them right away.",
            "Könnten Sie uns einige andere Termine nennen, die für Sie in Frage kommen? Wir prüfen sie umgehend.",
        );
    } else {
        l.intro("We can offer you the following dates:", "Gerne schlagen wir Ihnen folgende Termine vor:");
        for d in proposals {
            l.bullet(&format_date(*d, lang));
        }
        l.gap();
        l.para(
            "Please let us know which date suits you best, and we will send you a room proposal.",
            "Bitte teilen Sie uns mit, welcher Termin Ihnen am besten passt; wir senden Ihnen dann gerne einen passenden Raumvorschlag.",
        );
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
