//! Step 1: the acknowledgement of a new inquiry.

use chrono::{NaiveDate, NaiveTime};

use super::{format_date, format_end, format_span, format_time, Letter};
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
    let mut l = Letter::new(lang, name);
    let m = l.m();
    let mut facts = Vec::new();
    let mut asks = Vec::new();
    match (u.date, &u.vague) {
        (Some(d), _) => facts.push(m.fact_date(&format_date(d, lang))),
        (None, Some(v)) => facts.push(m.fact_vague_date(v.month, v.year, v.weekday)),
        (None, None) if !u.options.is_empty() => {
            let dates: Vec<String> = u.options.iter().map(|d| format_date(*d, lang)).collect();
            facts.push(m.fact_date_options(&dates))
        }
        (None, None) => asks.push(m.ask_date()),
    }
    match (u.start, u.end) {
        (Some(s), Some(e)) => facts.push(m.fact_time(&format_span(s, e, lang))),
        (Some(s), None) => facts.push(m.fact_start(&format_time(s))),
        (None, Some(e)) => {
            facts.push(m.fact_end(&format_end(e, lang)));
            asks.push(m.ask_start());
        }
        (None, None) => asks.push(m.ask_start_and_end()),
    }
    match u.attendees {
        Some(n) => facts.push(m.fact_guests(n)),
        None => asks.push(m.ask_guests()),
    }
    if let Some(layout) = u.layout {
        facts.push(m.fact_seating(layout));
    }

    if facts.is_empty() {
        l.para(m.thanks_for_inquiry());
    } else {
        l.intro(m.noted_details());
        for f in &facts {
            l.bullet(f);
        }
        l.gap();
    }
    if !asks.is_empty() {
        l.intro(m.still_needed());
        for a in &asks {
            l.bullet(a);
        }
        l.gap();
    }
    if u.date.is_some() || u.vague.is_some() || !u.options.is_empty() {
        l.para(m.checking_availability());
    }
    l.sign(venue)
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
