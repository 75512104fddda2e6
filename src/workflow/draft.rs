//! Drafts to the client, in the client's language. Hard facts (dates,
//! times, counts) come from the state handed in, never from the mail text.

use std::fmt::Write;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

use super::extract::{Language, Layout};

/// What intake understood from the inquiry; `None` means "ask for it".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Understood {
    pub date: Option<NaiveDate>,
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    pub attendees: Option<u32>,
    pub layout: Option<Layout>,
}

impl Understood {
    /// Facts the workflow cannot go on without (WORKFLOW.md step 1).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.date.is_none() {
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
    match u.date {
        Some(d) => facts.push(format!("{}: {}", if de { "Datum" } else { "Date" }, format_date(d, lang))),
        None => asks.push(if de {
            "das gewünschte Datum (oder einige mögliche Daten)"
        } else {
            "the date you have in mind (or a few options)"
        }),
    }
    match (u.start, u.end) {
        (Some(s), Some(e)) => {
            facts.push(format!("{}: {}–{}", if de { "Zeit" } else { "Time" }, format_time(s), format_time(e)))
        }
        (Some(s), None) => facts.push(format!(
            "{}: {} {}",
            if de { "Beginn" } else { "Start" },
            if de { "ab" } else { "from" },
            format_time(s)
        )),
        _ => {}
    }
    match u.attendees {
        Some(n) => facts.push(format!("{}: {n}", if de { "Anzahl Personen" } else { "Guests" })),
        None => asks.push(if de { "die ungefähre Anzahl Personen" } else { "the approximate number of guests" }),
    }
    if let Some(l) = u.layout {
        facts.push(format!("{}: {}", if de { "Bestuhlung" } else { "Seating" }, l.label(lang)));
    }

    let mut out = String::new();
    if de {
        let _ = writeln!(out, "Guten Tag {name}\n\nVielen Dank für Ihre Anfrage an {venue}.");
    } else {
        let _ = writeln!(out, "Dear {name},\n\nThank you for your inquiry to {venue}.");
    }
    if !facts.is_empty() {
        out.push_str(if de { "So haben wir Ihre Anfrage verstanden:\n" } else { "This is what we understood:\n" });
        for f in &facts {
            let _ = writeln!(out, "- {f}");
        }
    }
    out.push('\n');
    if asks.is_empty() {
        out.push_str(if de {
            "Wir prüfen nun die Verfügbarkeit unserer Räume und melden uns in Kürze mit einem Vorschlag.\n"
        } else {
            "We are now checking which of our rooms are available and will come back to you shortly with a proposal.\n"
        });
    } else {
        out.push_str(if de {
            "Damit wir Ihnen passende Räume und ein Angebot vorschlagen können, teilen Sie uns bitte noch mit:\n"
        } else {
            "So that we can suggest the right room and prepare an offer, could you let us know:\n"
        });
        for a in &asks {
            let _ = writeln!(out, "- {a}");
        }
    }
    out.push_str(if de { "\nFreundliche Grüsse\n" } else { "\nKind regards,\n" });
    let _ = write!(out, "{venue}");
    out
}

pub fn reply_subject(subject: &str, lang: Language) -> String {
    let s = subject.trim();
    let lower = s.to_lowercase();
    if lower.starts_with("re:") || lower.starts_with("aw:") {
        s.to_string()
    } else if s.is_empty() {
        match lang {
            Language::De => "Ihre Anfrage".into(),
            Language::En => "Your inquiry".into(),
        }
    } else {
        format!("Re: {s}")
    }
}

/// The venue's date format: weekday and `dd.mm.yyyy` (Swiss usage).
pub fn format_date(d: NaiveDate, lang: Language) -> String {
    format!("{}, {}", weekday_name(d.weekday(), lang), d.format("%d.%m.%Y"))
}

pub fn format_time(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn weekday_name(w: Weekday, lang: Language) -> &'static str {
    const EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    const DE: [&str; 7] = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"];
    let i = w.num_days_from_monday() as usize;
    match lang {
        Language::En => EN[i],
        Language::De => DE[i],
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

    #[test]
    fn replies_keep_an_existing_prefix() {
        assert_eq!(reply_subject("Workshop", Language::En), "Re: Workshop");
        assert_eq!(reply_subject("AW: Anfrage", Language::De), "AW: Anfrage");
        assert_eq!(reply_subject(" ", Language::De), "Ihre Anfrage");
    }
}
