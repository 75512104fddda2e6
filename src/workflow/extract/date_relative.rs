//! Relative dates resolved against `today`: "tomorrow"/"morgen",
//! "next Friday"/"nächsten Freitag", "Friday next week", "in 2 weeks".
//!
//! Choices (documented because they are ambiguous in real mail):
//! - "next Friday", "this Friday", "kommenden Freitag" all mean the first
//!   Friday strictly after today.
//! - "Friday next week" / "nächste Woche Freitag" means the Friday of the
//!   next Monday-to-Sunday week.
//! - A relative date in a sentence about calling, replying or being away
//!   ("I'll call you tomorrow", "bis morgen") is not an event date.
//! - German "Morgen" (capitalised) is "morning" ("Guten Morgen"); only the
//!   lowercase adverb "morgen" means tomorrow.

use super::context::sentence_around;
use super::date::{Candidate, Found};
use super::lexicon::{weekday_from_word, WEEKDAY_ALTERNATION};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use regex::Regex;
use std::sync::LazyLock;

static TOMORROW: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(day after tomorrow|übermorgen|uebermorgen|tomorrow|morgen)\b")
        .expect("static regex")
});

static NEXT_WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(
        r"(?i)\b(?:next|this|this coming|coming|nächsten|naechsten|nächster|naechster|kommenden|kommender|diesen|dieser)\s+({WEEKDAY_ALTERNATION})\b"
    ))
    .expect("static regex")
});

static WEEKDAY_NEXT_WEEK: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(
        r"(?i)\b(?:({WEEKDAY_ALTERNATION})\s+(?:of\s+)?(?:next week|in der nächsten woche|nächste woche|naechste woche|kommende woche)|(?:next week|nächste woche|naechste woche|kommende woche)\s+(?:on\s+|am\s+)?({WEEKDAY_ALTERNATION}))\b"
    ))
    .expect("static regex")
});

/// "in 2 weeks", "in a week", "in 3 Tagen", "in einer Woche".
static IN_PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\bin\s+(\d{1,2}|a|one|einer|einem)\s+(days?|weeks?|tagen|tag|wochen|woche)\b")
        .expect("static regex")
});

/// Sentences about contacting each other or being away, not about the event.
static NOT_ABOUT_THE_EVENT: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:call|phone|ring|reply|respond|answer|get back|send|e-?mail you|write|reach|back in (?:the )?office|out of (?:the )?office|vacation|see you|talk|melde\w*|anruf\w*|anrufen|zurückruf\w*|telefon\w*|antwort\w*|schick\w*|send\w*|erreich\w*|büro|abwesend|ferien|urlaub|bis morgen|sprechen|hören)\b")
        .expect("static regex")
});

/// Every relative date in `text`, already resolved against `today`.
pub(crate) fn relative_candidates(text: &str, today: NaiveDate) -> Vec<Candidate> {
    let mut out = Vec::new();
    for found in TOMORROW.find_iter(text) {
        let word = found.as_str();
        // Only the lowercase adverb is "tomorrow"; "Morgen" is the morning.
        if word.eq_ignore_ascii_case("morgen") && word != "morgen" {
            continue;
        }
        let days = match word.to_lowercase().as_str() {
            "tomorrow" | "morgen" => 1,
            _ => 2,
        };
        out.extend(at(text, found.start(), found.end(), today.checked_add_days(Days::new(days))));
    }
    for captures in NEXT_WEEKDAY.captures_iter(text) {
        let (Some(whole), Some(word)) = (captures.get(0), captures.get(1)) else {
            continue;
        };
        let date = weekday_from_word(word.as_str()).and_then(|w| next_weekday_after(today, w));
        out.extend(at(text, whole.start(), whole.end(), date));
    }
    for captures in WEEKDAY_NEXT_WEEK.captures_iter(text) {
        let Some(whole) = captures.get(0) else {
            continue;
        };
        let date = captures
            .get(1)
            .or_else(|| captures.get(2))
            .and_then(|word| weekday_from_word(word.as_str()))
            .and_then(|weekday| weekday_of_next_week(today, weekday));
        out.extend(at(text, whole.start(), whole.end(), date));
    }
    for captures in IN_PERIOD.captures_iter(text) {
        let (Some(whole), Some(amount), Some(unit)) = (captures.get(0), captures.get(1), captures.get(2)) else {
            continue;
        };
        let amount: u64 = amount.as_str().parse().unwrap_or(1);
        let per_unit = if unit.as_str().to_lowercase().starts_with('w') { 7 } else { 1 };
        let date = today.checked_add_days(Days::new(amount * per_unit));
        out.extend(at(text, whole.start(), whole.end(), date));
    }
    out
}

/// A candidate at `[start, end)` unless the sentence is about contact/absence.
fn at(text: &str, start: usize, end: usize, date: Option<NaiveDate>) -> Option<Candidate> {
    let date = date?;
    if NOT_ABOUT_THE_EVENT.is_match(sentence_around(text, start, end, 80)) {
        return None;
    }
    Some(Candidate { start, end, found: Found::Relative(date) })
}

/// The first `weekday` strictly after `today`.
fn next_weekday_after(today: NaiveDate, weekday: Weekday) -> Option<NaiveDate> {
    let ahead = (weekday.num_days_from_monday() + 7 - today.weekday().num_days_from_monday()) % 7;
    let ahead = if ahead == 0 { 7 } else { ahead };
    today.checked_add_days(Days::new(u64::from(ahead)))
}

/// `weekday` in the Monday-to-Sunday week after the current one.
fn weekday_of_next_week(today: NaiveDate, weekday: Weekday) -> Option<NaiveDate> {
    let days_to_next_monday = 7 - today.weekday().num_days_from_monday();
    today.checked_add_days(Days::new(u64::from(days_to_next_monday + weekday.num_days_from_monday())))
}

#[cfg(test)]
mod tests {
    use super::super::date::extract_dates;
    use chrono::NaiveDate;

    // 2026-11-25 is a Wednesday.
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dates(text: &str) -> Vec<NaiveDate> {
        extract_dates(text, today()).dates
    }

    #[test]
    fn tomorrow_and_morgen() {
        assert_eq!(dates("Is the room free tomorrow evening?"), vec![d(2026, 11, 26)]);
        assert_eq!(dates("Geht es morgen Abend?"), vec![d(2026, 11, 26)]);
        assert_eq!(dates("und übermorgen?"), vec![d(2026, 11, 27)]);
    }

    #[test]
    fn guten_morgen_is_a_greeting_not_a_date() {
        assert!(dates("Guten Morgen Frau Meier").is_empty());
    }

    #[test]
    fn call_you_tomorrow_is_not_an_event_date() {
        assert!(dates("I will call you tomorrow.").is_empty());
        assert!(dates("Ich melde mich morgen wieder.").is_empty());
    }

    #[test]
    fn next_weekday() {
        assert_eq!(dates("next Friday"), vec![d(2026, 11, 27)]);
        assert_eq!(dates("am nächsten Freitag"), vec![d(2026, 11, 27)]);
        assert_eq!(dates("next Wednesday"), vec![d(2026, 12, 2)]);
        assert_eq!(dates("kommenden Montag"), vec![d(2026, 11, 30)]);
    }

    #[test]
    fn weekday_next_week() {
        assert_eq!(dates("Friday next week"), vec![d(2026, 12, 4)]);
        assert_eq!(dates("nächste Woche am Dienstag"), vec![d(2026, 12, 1)]);
    }

    #[test]
    fn in_some_weeks_or_days() {
        assert_eq!(dates("in 2 weeks"), vec![d(2026, 12, 9)]);
        assert_eq!(dates("in 2 Wochen"), vec![d(2026, 12, 9)]);
        assert_eq!(dates("in a week"), vec![d(2026, 12, 2)]);
        assert_eq!(dates("in 3 Tagen"), vec![d(2026, 11, 28)]);
    }
}
