//! Dates the client gives as a span of days rather than a day: an ISO week
//! ("KW 23", "week 23"), a part of a month ("Mitte Juni", "early June",
//! "Ende Mai"), the week around Easter ("the week after Easter", "vor
//! Ostern"); feast days that follow Easter ("Auffahrt", "Pfingstmontag"),
//! which are single days; and the weekdays the client wishes ("ein
//! Wochentag, Mo–Do", "a Friday", "unter der Woche").
//!
//! Words come from `lang`; the year is the one written after the phrase,
//! else the next occurrence on or after today.

use super::context::{ceil_boundary, clause_after, clause_before, is_negated};
use super::lang::{self, Feast, PartOfMonth};
use super::lexicon::{month_number, weekday_from_word, MONTH_ALTERNATION, WEEKDAY_ALTERNATION};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use regex::Regex;
use std::sync::LazyLock;

/// Easter Sunday of `year` (Gregorian calendar), by the anonymous Gregorian
/// algorithm ("Meeus/Jones/Butcher", Jean Meeus, *Astronomical Algorithms*,
/// 1991, ch. 8), valid for every Gregorian year. `None` only for years
/// chrono cannot represent.
pub fn easter(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Days after Easter Sunday of a feast.
fn feast_offset(feast: Feast) -> i64 {
    match feast {
        Feast::GoodFriday => -2,
        Feast::Easter => 0,
        Feast::EasterMonday => 1,
        Feast::Ascension => 39,
        Feast::Pentecost => 49,
        Feast::WhitMonday => 50,
    }
}

/// What this module found in a mail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Windows {
    /// Feast days named ("Auffahrt" -> that Thursday).
    pub dates: Vec<NaiveDate>,
    /// The first span of days named, inclusive.
    pub window: Option<(NaiveDate, NaiveDate)>,
    /// Weekdays the client wishes, Monday first; empty when none.
    pub weekdays: Vec<Weekday>,
}

const YEAR_AFTER: &str = r"(?:\s*,?\s*(?P<year>20\d{2})\b)?";

static FEAST: LazyLock<Vec<(Regex, Feast)>> = LazyLock::new(|| {
    lang::pairs(|w| w.feasts)
        .into_iter()
        .map(|(words, feast)| (compile(&format!(r"\b(?:{words})\b{YEAR_AFTER}")), feast))
        .collect()
});

static AROUND_EASTER: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:(?P<after>{after})|(?P<before>{before}))\b{YEAR_AFTER}",
        after = lang::alternation(|w| w.after_easter),
        before = lang::alternation(|w| w.before_easter),
    ))
});

static WEEK: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:{labels})\s*(?P<week>\d{{1,2}})\b(?:\s*(?:/|,)?\s*(?P<year>20\d{{2}})\b)?",
        labels = lang::alternation(|w| w.week_labels)
    ))
});

/// After a week number: a unit or a month means it was not a week number.
static NOT_A_WEEK_AFTER: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"^\s*(?:[.:]\d|weeks?|wochen|days?|tage|{MONTH_ALTERNATION}\b)")));

static PART_OF_MONTH: LazyLock<Vec<(Regex, PartOfMonth)>> = LazyLock::new(|| {
    lang::pairs(|w| w.parts_of_month)
        .into_iter()
        .map(|(words, part)| {
            (compile(&format!(r"\b(?:{words})[\s-]*(?P<month>{MONTH_ALTERNATION})\b\.?{YEAR_AFTER}")), part)
        })
        .collect()
});

/// "the third week of March 2027", "in der dritten Märzwoche": days 15–21
/// (week `n` of a month is its days 7n−6 to 7n; the last week its last
/// seven days), each with its ordinal number.
static WEEK_OF_MONTH: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let ordinals = lang::pairs(|w| w.week_ordinals).into_iter().map(|(o, _)| o).collect::<Vec<_>>().join("|");
    lang::LANGUAGES
        .iter()
        .flat_map(|w| w.week_of_month.iter())
        .map(|template| {
            let pattern = template
                .replace("{n}", &format!("(?P<n>{ordinals})"))
                .replace("{m}", &format!("(?P<month>{MONTH_ALTERNATION})"));
            compile(&format!(r"\b{pattern}\b\.?{YEAR_AFTER}"))
        })
        .collect()
});

/// Each week ordinal as a whole-word pattern with its number.
static WEEK_ORDINALS: LazyLock<Vec<(Regex, u32)>> = LazyLock::new(|| {
    lang::pairs(|w| w.week_ordinals).into_iter().map(|(words, n)| (compile(&format!("^(?:{words})$")), n)).collect()
});

/// The number of a week ordinal ("3rd" -> 3, "letzten" -> 5).
fn week_ordinal(word: &str) -> Option<u32> {
    WEEK_ORDINALS.iter().find_map(|(whole, n)| whole.is_match(word).then_some(*n))
}

fn week_of_month(n: u32, month: u32, year: Option<i32>, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let span = |y: i32| {
        let first = NaiveDate::from_ymd_opt(y, month, 1)?;
        let last = first.checked_add_months(chrono::Months::new(1))? - Days::new(1);
        let (from, to) = if n >= 5 { (last.day() - 6, last.day()) } else { (7 * n - 6, 7 * n) };
        Some((first.with_day(from)?, first.with_day(to)?))
    };
    match year {
        Some(y) => span(y),
        None => span(today.year()).filter(|(_, end)| *end >= today).or_else(|| span(today.year() + 1)),
    }
}

/// A preference right before a span ("am liebsten", "ideally"), from `lang`.
static PREFERENCE: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"\b(?:{})[\s,:]*$", lang::alternation(|w| w.preference))));

static WEEKDAY_WISH: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"\b(?:{})\b", lang::alternation(|w| w.weekday_wish))));

/// "Mo–Do", "Mon-Thu", "Montag bis Donnerstag", "Monday to Thursday".
static WEEKDAY_SPAN: LazyLock<Regex> = LazyLock::new(|| {
    let short: Vec<&str> = lang::LANGUAGES.iter().flat_map(|w| w.weekday_short.iter().copied()).collect();
    let day = format!(r"(?:{WEEKDAY_ALTERNATION}|{})\.?", short.join("|"));
    compile(&format!(r"\b(?P<from>{day})\s*(?:-|–|—|bis|to|till|through|until)\s*(?P<to>{day})(?:\b|$)"))
});

/// "a Friday", "einen Freitag", "on Fridays", "am liebsten freitags".
static ONE_WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:(?:a|an|any|ein|einen|einem|irgendein\w*)\s+(?P<day>{WEEKDAY_ALTERNATION})\b|(?P<plural>{WEEKDAY_ALTERNATION})s\b|(?P<adverb>montags|dienstags|mittwochs|donnerstags|freitags|samstags|sonntags)\b)"
    ))
});

fn compile(pattern: &str) -> Regex {
    super::pattern::compile(&format!("(?i){pattern}")).expect("static regex")
}

/// Spans, feast days and weekday wishes in `text` (see the module docs).
pub(crate) fn find_windows(text: &str, today: NaiveDate) -> Windows {
    let mut found = Windows::default();
    // Longest first where names overlap: "Pentecost Monday" is not also Pentecost.
    let mut feasts: Vec<(usize, usize, NaiveDate)> = Vec::new();
    for (regex, feast) in FEAST.iter() {
        for captures in regex.captures_iter(text) {
            let Some(whole) = captures.get(0) else { continue };
            if is_negated(text, whole.start()) {
                continue;
            }
            let year = captures.name("year").and_then(|y| y.as_str().parse().ok());
            if let Some(date) = next_feast(*feast, year, today) {
                feasts.push((whole.start(), whole.end(), date));
            }
        }
    }
    feasts.sort_by_key(|(start, end, _)| (*start, std::cmp::Reverse(*end)));
    let mut last_end = 0;
    for (start, end, date) in feasts {
        if start >= last_end && !found.dates.contains(&date) {
            found.dates.push(date);
        }
        last_end = last_end.max(end);
    }
    let mut windows: Vec<(usize, (NaiveDate, NaiveDate))> = Vec::new();
    for captures in AROUND_EASTER.captures_iter(text) {
        let Some(whole) = captures.get(0) else { continue };
        let year = captures.name("year").and_then(|y| y.as_str().parse().ok());
        let after = captures.name("after").is_some();
        let window = easter_week(year, today, after);
        if let (Some(window), false) = (window, is_negated(text, whole.start())) {
            windows.push((whole.start(), window));
        }
    }
    for captures in WEEK.captures_iter(text) {
        let (Some(whole), Some(week)) = (captures.get(0), captures.name("week")) else { continue };
        if NOT_A_WEEK_AFTER.is_match(&text[week.end()..]) || is_negated(text, whole.start()) {
            continue;
        }
        let Ok(number) = week.as_str().parse::<u32>() else { continue };
        let year = captures.name("year").and_then(|y| y.as_str().parse().ok());
        if let Some(window) = iso_week(number, year, today) {
            windows.push((whole.start(), window));
        }
    }
    for (regex, part) in PART_OF_MONTH.iter() {
        for captures in regex.captures_iter(text) {
            let (Some(whole), Some(month)) = (captures.get(0), captures.name("month")) else { continue };
            let Some(month) = month_number(month.as_str()) else { continue };
            if is_negated(text, whole.start()) {
                continue;
            }
            let year = captures.name("year").and_then(|y| y.as_str().parse().ok());
            if let Some(window) = part_of_month(*part, month, year, today) {
                windows.push((whole.start(), window));
            }
        }
    }
    for regex in WEEK_OF_MONTH.iter() {
        for captures in regex.captures_iter(text) {
            let (Some(whole), Some(n), Some(month)) = (captures.get(0), captures.name("n"), captures.name("month"))
            else {
                continue;
            };
            let (Some(n), Some(month)) = (week_ordinal(n.as_str()), month_number(month.as_str())) else { continue };
            if is_negated(text, whole.start()) {
                continue;
            }
            let year = captures.name("year").and_then(|y| y.as_str().parse().ok());
            if let Some(window) = week_of_month(n, month, year, today) {
                windows.push((whole.start(), window));
            }
        }
    }
    windows.sort_by_key(|(start, _)| *start);
    // "nach Ostern, am liebsten Anfang Mai": the preferred span narrows the
    // others; without a preference the first span named counts.
    let preferred = windows
        .iter()
        .find(|(start, _)| PREFERENCE.is_match(&text[ceil_boundary(text, start.saturating_sub(30))..*start]));
    found.window = preferred.or(windows.first()).map(|(_, window)| *window);
    found.weekdays = weekday_wish(text);
    found
}

/// The feast in `year`, or its next occurrence on/after `today`.
fn next_feast(feast: Feast, year: Option<i32>, today: NaiveDate) -> Option<NaiveDate> {
    let on = |y: i32| easter(y)?.checked_add_signed(chrono::Duration::days(feast_offset(feast)));
    match year {
        Some(y) => on(y),
        None => on(today.year()).filter(|d| *d >= today).or_else(|| on(today.year() + 1)),
    }
}

/// Monday to Sunday after Easter Sunday, or the seven days before it.
fn easter_week(year: Option<i32>, today: NaiveDate, after: bool) -> Option<(NaiveDate, NaiveDate)> {
    let week = |y: i32| {
        let sunday = easter(y)?;
        if after {
            Some((sunday + Days::new(1), sunday + Days::new(7)))
        } else {
            Some((sunday - Days::new(7), sunday - Days::new(1)))
        }
    };
    match year {
        Some(y) => week(y),
        None => week(today.year()).filter(|(_, end)| *end >= today).or_else(|| week(today.year() + 1)),
    }
}

/// Monday to Sunday of ISO week `number`.
fn iso_week(number: u32, year: Option<i32>, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let week = |y: i32| {
        let monday = NaiveDate::from_isoywd_opt(y, number, Weekday::Mon)?;
        Some((monday, monday + Days::new(6)))
    };
    match year {
        Some(y) => week(y),
        None => week(today.iso_week().year()).filter(|(_, end)| *end >= today).or_else(|| week(today.year() + 1)),
    }
}

fn part_of_month(part: PartOfMonth, month: u32, year: Option<i32>, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let span = |y: i32| {
        let first = NaiveDate::from_ymd_opt(y, month, 1)?;
        let last = first.checked_add_months(chrono::Months::new(1))? - Days::new(1);
        let (from, to) = match part {
            PartOfMonth::Early => (1, 10),
            PartOfMonth::Middle => (11, 20),
            PartOfMonth::Late => (21, last.day()),
        };
        Some((first.with_day(from)?, first.with_day(to)?))
    };
    match year {
        Some(y) => span(y),
        None => span(today.year()).filter(|(_, end)| *end >= today).or_else(|| span(today.year() + 1)),
    }
}

/// The weekdays the client asks for, Monday first: a span ("Mo–Do"), a
/// working day ("unter der Woche" = Monday to Friday), or one weekday with
/// an indefinite article or in the plural ("a Friday", "Fridays").
fn weekday_wish(text: &str) -> Vec<Weekday> {
    if let Some(captures) = WEEKDAY_SPAN.captures(text) {
        let from = captures.name("from").and_then(|m| weekday_of(m.as_str()));
        let to = captures.name("to").and_then(|m| weekday_of(m.as_str()));
        if let (Some(from), Some(to)) = (from, to) {
            let (a, b) = (from.num_days_from_monday(), to.num_days_from_monday());
            if a < b {
                return (a..=b).filter_map(|i| Weekday::try_from(u8::try_from(i).ok()?).ok()).collect();
            }
        }
    }
    if let Some(found) = WEEKDAY_WISH.find(text) {
        if !is_negated(text, found.start()) || found.as_str().to_lowercase().contains("weekend") {
            return vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
        }
    }
    let mut days: Vec<Weekday> = Vec::new();
    for captures in ONE_WEEKDAY.captures_iter(text) {
        let Some(whole) = captures.get(0) else { continue };
        if is_negated(text, whole.start()) || clause_before(text, whole.start(), 12, false).contains("next") {
            continue;
        }
        // "a Friday, 12 June": a date follows, no wish.
        if clause_after(text, whole.end(), 12).trim_start().starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let word = captures.name("day").or_else(|| captures.name("plural")).or_else(|| captures.name("adverb"));
        if let Some(day) = word.and_then(|w| weekday_of(w.as_str().trim_end_matches('s'))) {
            if !days.contains(&day) {
                days.push(day);
            }
        }
    }
    days.sort_by_key(Weekday::num_days_from_monday);
    days
}

/// A weekday named alone ("Mittwoch 14 Uhr passt", "Thursday works"),
/// for picking a proposed slot; the caller uses it only when the mail has
/// no date.
pub(crate) fn named_weekday(text: &str) -> Option<Weekday> {
    static NAMED: LazyLock<Regex> = LazyLock::new(|| compile(&format!(r"\b(?:{WEEKDAY_ALTERNATION})\b")));
    NAMED
        .find_iter(text)
        .find(|m| {
            !is_negated(text, m.start()) && !clause_before(text, m.start(), 16, false).to_lowercase().contains("next")
        })
        .and_then(|m| weekday_of(m.as_str()))
}

/// A full or short weekday name in either language.
fn weekday_of(word: &str) -> Option<Weekday> {
    let lower = word.trim_end_matches('.').to_lowercase();
    if let Some(day) = weekday_from_word(&lower) {
        return Some(day);
    }
    lang::LANGUAGES.iter().find_map(|w| {
        let index = w.weekday_short.iter().position(|short| *short == lower)?;
        Weekday::try_from(u8::try_from(index).ok()?).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn easter_matches_known_dates() {
        for (year, month, day) in
            [(2024, 3, 31), (2025, 4, 20), (2026, 4, 5), (2027, 3, 28), (2028, 4, 16), (2038, 4, 25), (2285, 3, 22)]
        {
            assert_eq!(easter(year), Some(d(year, month, day)), "{year}");
        }
    }
}
