//! Site visits: proposing slots, confirming the one chosen.

use chrono::NaiveDateTime;

use super::{format_date, format_time, Letter};
use crate::workflow::extract::Language;

fn slot(at: NaiveDateTime, lang: Language) -> String {
    let time = format_time(at.time());
    match lang {
        Language::En => format!("{}, {time}", format_date(at.date(), lang)),
        Language::De => format!("{}, {time} Uhr", format_date(at.date(), lang)),
    }
}

pub fn visit_slots(name: &str, lang: Language, venue: &str, slots: &[NaiveDateTime]) -> String {
    let mut l = Letter::new(lang, name);
    l.para(
        "We would be delighted to show you around before you decide.",
        "Gerne zeigen wir Ihnen unsere Räume vor Ort, bevor Sie sich entscheiden.",
    );
    l.intro(
        "We can offer you the following times for a visit:",
        "Für eine Besichtigung können wir Ihnen folgende Termine anbieten:",
    );
    for s in slots {
        l.bullet(&slot(*s, lang));
    }
    l.gap();
    l.para(
        "Just let us know which suits you best. A visit takes about 30 minutes.",
        "Teilen Sie uns einfach mit, welcher Termin Ihnen passt. Eine Besichtigung dauert etwa 30 Minuten.",
    );
    l.sign(venue)
}

pub fn visit_booked(name: &str, lang: Language, venue: &str, at: NaiveDateTime) -> String {
    let mut l = Letter::new(lang, name);
    let (date, time) = (format_date(at.date(), lang), format_time(at.time()));
    l.para(
        &format!("Thank you for your reply. We look forward to welcoming you for a visit on {date} at {time}."),
        &format!(
            "Vielen Dank für Ihre Rückmeldung. Gerne erwarten wir Sie am {date}, um {time} Uhr, zur Besichtigung."
        ),
    );
    l.para("Please ask for the events team at reception.", "Bitte melden Sie sich am Empfang beim Event-Team.");
    l.sign(venue)
}
