//! Step 1: the acknowledgement of a new inquiry.

use chrono::{NaiveDate, NaiveTime};

use super::{format_date, format_span, format_time, Letter};
use crate::workflow::extract::{Language, Layout, VagueDate};

/// What intake understood from the inquiry; `None` means "ask for it".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Understood {
    pub date: Option<NaiveDate>,
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    pub attendees: Option<u32>,
    pub layout: Option<Layout>,
    /// Only a month (and maybe a weekday): concrete dates will be proposed.
    pub vague: Option<VagueDate>,
    /// Several dates the client would take ("the 12th or the 19th"): the
    /// venue checks them in order.
    pub options: Vec<NaiveDate>,
}

impl Understood {
    /// Facts the workflow cannot go on without (WORKFLOW.md step 1).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.date.is_none() && self.vague.is_none() && self.options.is_empty() {
            missing.push("event_date");
        }
        if self.attendees.is_none() {
            missing.push("attendees");
        }
        missing
    }
}

pub fn intake(name: &str, u: &Understood, lang: Language, venue: &str) -> String {
    let mut facts = Vec::new();
    let mut asks = Vec::new();
    let de = lang == Language::De;
    match (u.date, &u.vague) {
        (Some(d), _) => facts.push(format!("{}: {}", if de { "Datum" } else { "Date" }, format_date(d, lang))),
        (None, Some(v)) => facts.push(vague_line(v, lang)),
        (None, None) if !u.options.is_empty() => {
            let dates: Vec<String> = u.options.iter().map(|d| format_date(*d, lang)).collect();
            facts.push(if de {
                format!("Daten: {} (wir prüfen die Verfügbarkeit)", dates.join(" oder "))
            } else {
                format!("Dates: {} (we will check availability)", dates.join(" or "))
            })
        }
        (None, None) => asks.push(if de {
            "das gewünschte Datum (oder einige mögliche Daten)"
        } else {
            "the date you have in mind (or a few options)"
        }),
    }
    match (u.start, u.end) {
        (Some(s), Some(e)) => facts.push(format!("{}: {}", if de { "Zeit" } else { "Time" }, format_span(s, e, lang))),
        (Some(s), None) => facts.push(if de {
            format!("Beginn: {} Uhr", format_time(s))
        } else {
            format!("Start: {}", format_time(s))
        }),
        (None, Some(e)) => {
            facts.push(format!("{}: {}", if de { "Ende" } else { "End" }, super::format_end(e, lang)));
            asks.push(if de { "die geplante Anfangszeit" } else { "your planned start time" });
        }
        (None, None) => {
            asks.push(if de { "die geplante Anfangs- und Endzeit" } else { "your planned start and end time" })
        }
    }
    match u.attendees {
        Some(n) => facts.push(format!("{}: {n}", if de { "Anzahl Personen" } else { "Guests" })),
        None => asks.push(if de { "die ungefähre Anzahl Personen" } else { "the approximate number of guests" }),
    }
    if let Some(l) = u.layout {
        facts.push(format!("{}: {}", if de { "Bestuhlung" } else { "Seating" }, l.label(lang)));
    }

    let mut l = Letter::new(lang, name);
    if facts.is_empty() {
        l.para("Thank you for your inquiry.", "Vielen Dank für Ihre Anfrage.");
    } else {
        l.intro(
            "Thank you for your inquiry. We have noted the following details:",
            "Vielen Dank für Ihre Anfrage. Wir haben folgende Angaben notiert:",
        );
        for f in &facts {
            l.bullet(f);
        }
        l.gap();
    }
    if !asks.is_empty() {
        l.intro(
            "So that we can suggest the right room and prepare an offer, we still need:",
            "Damit wir Ihnen einen passenden Raum vorschlagen und ein Angebot erstellen können, benötigen wir noch:",
        );
        for a in &asks {
            l.bullet(a);
        }
        l.gap();
    }
    if u.date.is_some() || u.vague.is_some() || !u.options.is_empty() {
        l.para(
            "We are now checking availability and will get back to you shortly.",
            "Wir prüfen nun die Verfügbarkeit und melden uns in Kürze bei Ihnen.",
        );
    }
    l.sign(venue)
}

/// "Date: a Friday in May 2027 (we will suggest available dates)".
fn vague_line(v: &VagueDate, lang: Language) -> String {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DE: [&str; 12] = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ];
    let i = (v.month.clamp(1, 12) - 1) as usize;
    let year = v.year.map(|y| format!(" {y}")).unwrap_or_default();
    let day = v.weekday.map(|w| super::weekday_name(w, lang));
    match (lang, day) {
        (Language::De, Some(w)) => {
            format!("Datum: ein {w} im {}{year} (wir schlagen Ihnen freie Daten vor)", DE[i])
        }
        (Language::De, None) => format!("Datum: im {}{year} (wir schlagen Ihnen freie Daten vor)", DE[i]),
        (Language::En, Some(w)) => format!("Date: a {w} in {}{year} (we will suggest available dates)", EN[i]),
        (Language::En, None) => format!("Date: in {}{year} (we will suggest available dates)", EN[i]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn an_english_draft_restates_the_facts_and_asks_for_nothing_more() {
        let u = Understood {
            date: Some(d(2027, 3, 14)),
            start: Some(t(9, 0)),
            end: Some(t(17, 0)),
            attendees: Some(24),
            layout: Some(Layout::UShape),
            vague: None,
            options: Vec::new(),
        };
        let text = intake("Anna Keller", &u, Language::En, "The Atelier");
        assert!(text.starts_with("Dear Anna Keller,"));
        assert!(text.contains("- Date: Sunday, 14.03.2027"));
        assert!(text.contains("- Time: 09:00–17:00"));
        assert!(text.contains("- Guests: 24"));
        assert!(text.contains("- Seating: U-shape"));
        assert!(!text.contains("could you let us know"));
    }

    #[test]
    fn a_german_draft_asks_for_the_missing_date_and_count() {
        let text = intake("Jonas Meier", &Understood::default(), Language::De, "The Atelier");
        assert!(text.starts_with("Guten Tag Jonas Meier"));
        assert!(text.contains("- das gewünschte Datum"));
        assert!(text.contains("- die ungefähre Anzahl Personen"));
        assert!(!text.contains("Datum:"), "no date was understood, none may be stated");
    }
}
