//! Concrete event dates and date ranges.
//!
//! Pipeline: every pattern below proposes candidates with their byte span;
//! overlapping candidates are resolved in favour of the earliest, then the
//! longest ("14–16 March" beats "16 March"); then candidates in a payment,
//! invoice, birth or negated context are dropped; two dates joined by
//! "to"/"bis" become a range, unless the sentence talks about moving the
//! event, in which case the first one is the old date and is dropped.
//!
//! Day-first everywhere: this is a Swiss venue, "03/04/2026" is 3 April.
//! Dates without a year resolve to their next occurrence on/after `today`
//! (a weekday given with it, "Freitag, 12. Juni", may push it one year on).
//! Explicit years outside `today.year() - 2 ..= today.year() + 10` are not
//! event dates (founding years, birthdays, typos of a different kind).

use super::context::{
    char_before, chars_after, clause_after, clause_before, has_currency_before, is_negated, is_negated_after,
    sentence_around,
};
use super::date_relative::relative_candidates;
use super::date_vague::find_vague;
use super::lexicon::{month_number, weekday_from_word, MONTH_ALTERNATION, WEEKDAY_ALTERNATION};
use super::VagueDate;
use chrono::{Datelike, NaiveDate, Weekday};
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// What [`extract_dates`] found in one text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DateFindings {
    pub dates: Vec<NaiveDate>,
    pub range: Option<(NaiveDate, NaiveDate)>,
    pub vague: Option<VagueDate>,
}

/// A calendar day as written, before the year is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DayMonth {
    pub day: u32,
    pub month: u32,
    pub year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    Single(DayMonth),
    /// "14, 15 or 16 March": alternatives, all reported as dates.
    List(Vec<DayMonth>),
    Range(DayMonth, DayMonth),
    /// Already resolved against `today` ("tomorrow", "next Friday").
    Relative(NaiveDate),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub start: usize,
    pub end: usize,
    pub found: Found,
}

const ORDINAL: &str = r"(?:st|nd|rd|th)?";
const YEAR: &str = r"(?P<year>(?:19|20)\d{2})\b";

fn compile(pattern: &str) -> Regex {
    let pattern = pattern.replace("MONTHS", MONTH_ALTERNATION).replace("ORD", ORDINAL).replace("YEAR", YEAR);
    super::pattern::compile(&format!("(?i){pattern}")).expect("static regex")
}

/// 15.03.2026, 15.3.26, 15/03/2026, 15-03-2026
static NUMERIC_DMY: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(\d{1,2})([./-])(\d{1,2})([./-])(\d{4}|\d{2})\b"));
/// 15.3. (German, no year)
static NUMERIC_DM: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(\d{1,2})\.(\d{1,2})\."));
/// 2026-03-15
static ISO: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"));
/// 15 March 2026, 15. März, the 15th of March, 15-Mar-2026
static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"\b(?:the\s+)?(?P<day>\d{1,2})ORD\.?[\s-]*(?:of\s+)?(?P<month>MONTHS)\b\.?(?:,?[\s-]*YEAR)?")
});
/// March 15th, 2026
static MONTH_DAY: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b(?P<month>MONTHS)\b\.?\s+(?:the\s+)?(?P<day>\d{1,2})ORD\b(?:,?\s*YEAR)?"));
/// 14-16 March 2027, vom 14. bis 16. März, between 3 and 5 June
static DAY_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:(?P<prefix>from|vom|von|between|zwischen)\s+)?(?:the\s+)?(?P<d1>\d{1,2})ORD\.?\s*(?P<conn>-|–|—|to|till|until|through|thru|bis(?:\s+zum)?|and|und)\s*(?:the\s+)?(?P<d2>\d{1,2})ORD\.?[\s-]*(?:of\s+)?(?P<month>MONTHS)\b\.?(?:,?[\s-]*YEAR)?",
    )
});
/// March 14-16, 2027
static MONTH_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?P<month>MONTHS)\b\.?\s+(?P<d1>\d{1,2})ORD\s*(?:-|–|—|to|till|until|through|thru)\s*(?P<d2>\d{1,2})ORD\b(?:,?\s*YEAR)?",
    )
});
/// 14.–16.03.2027, 14.-16.3.
static NUMERIC_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"\b(?P<d1>\d{1,2})\.?\s*(?:-|–|—|bis)\s*(?P<d2>\d{1,2})\.(?P<m>\d{1,2})\.(?P<year>(?:19|20)?\d{2}\b)?")
});
/// 14, 15 or 16 March; am 14. oder 15. Mai
static DAY_LIST: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?P<list>\d{1,2}ORD\.?(?:\s*(?:,|/|&|or|oder|and|und)\s*(?:the\s+)?\d{1,2}ORD\.?)+)[\s-]*(?:of\s+)?(?P<month>MONTHS)\b\.?(?:,?[\s-]*YEAR)?",
    )
});
static LIST_DAY: LazyLock<Regex> = LazyLock::new(|| compile(r"\d{1,2}"));

/// Payment, invoice, deadline, birth and version contexts: a date in the
/// same clause after one of these words is not the event date.
static TRAP_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:payments?|pay|paid|payable|invoice\w*|billing|deadline|due\s+(?:on|by|date)|due\s*:?\s*$|deposit|valid(?:ity)?|expir\w*|version|v\d|rechnung\w*|zahlung\w*|zahlbar|bezahl\w*|einzahl\w*|überweis\w*|ueberweis\w*|frist\w*|fällig\w*|faellig\w*|anzahlung|depot|kaution|gültig\w*|gueltig\w*|spätestens|spaetestens|no later than|latest by|by the latest|dated|datiert|closed|geschlossen|office|büro|abwesend|absent|out of office|on holiday|holidays|vacation|ferien|urlaub)\b",
    )
});
/// Birth dates: "born 15.03.1985", "Geburtsdatum: 1.2.2001". Only right
/// before the date, so "geboren ... und feiere am 12. Dezember" keeps the party.
static BIRTH_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"\b(?:born|geboren|geburtsdatum|date of birth|birthdate|dob)\s*(?:on|am|:)?\s*(?:the\s+)?$")
});
/// The trap word follows the date: "am 12. Dezember geboren", "vom 3. bis
/// 10. Januar in den Ferien", "24.12.–2.1. geschlossen".
static TRAP_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^\s*(?:\d{4}\s*)?(?:geboren|born|in den ferien|in den urlaub|im urlaub|in urlaub|on holiday|on vacation|abwesend|away|out of (?:the )?office|geschlossen|closed)\b",
    )
});
/// "Ihr Angebot vom 3. März", "your offer of 3 March": a document date.
static DOCUMENT_DATE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:angebot|offerte|anfrage|e-?mail|mail|schreiben|brief|nachricht|telefonat|gespräch|vertrag|offer|quote|quotation|message|letter|inquiry|enquiry|conversation|contract|call)\w*\s+(?:vom|from|of|dated|sent on)\s+(?:the\s+)?$",
    )
});
/// A time preposition right before "9.10." makes it a time, not a date.
static TIME_PREPOSITION_BEFORE: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(?:um|at|ab|gegen|around)\s*$"));
/// "March 6 pm" is a time; only checked where the match ends in a digit.
static TIME_UNIT_AFTER: LazyLock<Regex> = LazyLock::new(|| compile(r"^\s*(?:uhr|h|am|pm|a\.m|p\.m)\b"));
/// "15.3. Uhr" never happens, "9.10 Uhr" does; German "am" is "on", not a.m.
static HOUR_UNIT_AFTER: LazyLock<Regex> = LazyLock::new(|| compile(r"^\s*(?:uhr|h)\b"));
/// A weekday right before a date: "Freitag, 12. Juni", "Friday the 12th".
static WEEKDAY_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(r"(?i)\b({WEEKDAY_ALTERNATION})\b\s*,?\s*(?:the\s+|den\s+|der\s+)?$"))
        .expect("static regex")
});
/// A short weekday right before a date: "Fr 10.9.27", "Fri. 10/9/27". Swiss
/// "Fr" is also the franc, but a franc amount has no second separator.
static SHORT_WEEKDAY_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    let short: Vec<&str> = super::lang::LANGUAGES.iter().flat_map(|w| w.weekday_short.iter().copied()).collect();
    compile(&format!(r"\b(?:{})\.?\s*,?\s*$", short.join("|")))
});
/// The sentence talks about moving the event: "from X to Y" is old -> new.
static CHANGE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:move|moving|moved|postpone\w*|reschedul\w*|shift\w*|chang\w*|switch\w*|push\w*|verschieb\w*|verschoben|verleg\w*|änder\w*|aender\w*|umbuch\w*|umlegen)\b",
    )
});
static RANGE_CONNECTOR: LazyLock<Regex> =
    LazyLock::new(|| compile(r"^\s*(?:-|–|—|to|till|until|through|thru|bis(?:\s+(?:zum|am))?)\s*(?:the\s+|den\s+)?$"));
static CHANGE_CONNECTOR: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^\s*(?:-|–|—|->|to|till|until|bis(?:\s+(?:zum|am))?|auf(?:\s+(?:den|dem))?|nach|into|for)\s*(?:the\s+|den\s+)?$",
    )
});
static FROM_PREFIX: LazyLock<Regex> = LazyLock::new(|| compile(r"^(?:from|vom|von)\b"));

/// Find event dates, a date range and a vague date in `text` (already
/// stripped of quoted history; number words already digits).
pub fn extract_dates(text: &str, today: NaiveDate) -> DateFindings {
    let mut candidates = absolute_candidates(text);
    candidates.extend(relative_candidates(text, today));
    let candidates = without_overlaps(candidates);
    let taken_spans: Vec<(usize, usize)> = candidates.iter().map(|c| (c.start, c.end)).collect();

    let mut kept: Vec<Candidate> =
        candidates.into_iter().filter(|candidate| !is_non_event_date(text, candidate)).collect();
    link_pairs(text, &mut kept, today);

    let mut findings = DateFindings::default();
    for candidate in &kept {
        let weekday = weekday_before(text, candidate.start);
        match &candidate.found {
            Found::Single(day) => push_unique(&mut findings.dates, resolve(*day, today, weekday)),
            Found::List(days) => {
                for day in days {
                    push_unique(&mut findings.dates, resolve(*day, today, None));
                }
            }
            Found::Range(first, last) => {
                if let Some((from, to)) = resolve_range(*first, *last, today, weekday) {
                    push_unique(&mut findings.dates, Some(from));
                    push_unique(&mut findings.dates, Some(to));
                    findings.range.get_or_insert((from, to));
                }
            }
            Found::Relative(date) => push_unique(&mut findings.dates, Some(*date)),
        }
    }
    findings.vague = find_vague(text, today, &taken_spans);
    findings
}

fn push_unique(dates: &mut Vec<NaiveDate>, date: Option<NaiveDate>) {
    if let Some(date) = date {
        if !dates.contains(&date) {
            dates.push(date);
        }
    }
}

/// Earliest first, then longest; drop everything overlapping a kept one.
fn without_overlaps(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by_key(|c| (c.start, std::cmp::Reverse(c.end)));
    let mut kept: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        if kept.last().map_or(true, |last| candidate.start >= last.end) {
            kept.push(candidate);
        }
    }
    kept
}

/// Payment/invoice/birth/version/document dates and negated dates.
fn is_non_event_date(text: &str, candidate: &Candidate) -> bool {
    let clause = clause_before(text, candidate.start, 60, false);
    TRAP_BEFORE.is_match(clause)
        || DOCUMENT_DATE_BEFORE.is_match(clause)
        || BIRTH_BEFORE.is_match(clause)
        || TRAP_AFTER.is_match(clause_after(text, candidate.end, 30))
        || is_negated(text, candidate.start)
        || is_negated_after(text, candidate.end)
}

/// Two single dates joined by "to"/"bis": a range, or (when the sentence is
/// about moving the event) old date -> new date, of which only the new stays.
fn link_pairs(text: &str, candidates: &mut Vec<Candidate>, today: NaiveDate) {
    let mut index = 0;
    while index < candidates.len() {
        let is_change = CHANGE_CUE.is_match(sentence_around(text, candidates[index].start, candidates[index].end, 100));
        if let Found::Range(_, last) = candidates[index].found {
            // "move it from 15 to 22 March": a change, not a two-week event.
            let starts_with_from = FROM_PREFIX.is_match(&text[candidates[index].start..]);
            if is_change && starts_with_from {
                candidates[index].found = Found::Single(last);
            }
        }
        let Some(next) = candidates.get(index + 1) else {
            break;
        };
        let between = text.get(candidates[index].end..next.start).unwrap_or("");
        if let (Found::Single(first), Found::Single(second)) = (&candidates[index].found, &next.found) {
            if is_change && CHANGE_CONNECTOR.is_match(between) {
                candidates.remove(index);
                continue;
            }
            if RANGE_CONNECTOR.is_match(between) && resolve_range(*first, *second, today, None).is_some() {
                let range = Found::Range(*first, *second);
                let end = next.end;
                candidates[index].found = range;
                candidates[index].end = end;
                candidates.remove(index + 1);
            }
        }
        index += 1;
    }
}

/// The weekday written right before a date, used to pick its year.
fn weekday_before(text: &str, start: usize) -> Option<Weekday> {
    let window = clause_window(text, start, 30);
    let captures = WEEKDAY_BEFORE.captures(window)?;
    weekday_from_word(captures.get(1)?.as_str())
}

/// Up to `max` bytes before `start`, ignoring clause boundaries.
fn clause_window(text: &str, start: usize, max: usize) -> &str {
    let end = super::context::floor_boundary(text, start);
    let from = super::context::ceil_boundary(text, end.saturating_sub(max));
    &text[from..end]
}

fn plausible_year(year: i32, today: NaiveDate) -> bool {
    (today.year() - 2..=today.year() + 10).contains(&year)
}

/// Resolve a written day to a date; yearless days go to their next
/// occurrence on/after `today`, honouring a written weekday if the next
/// year fits it and this one does not.
pub(crate) fn resolve(day: DayMonth, today: NaiveDate, weekday: Option<Weekday>) -> Option<NaiveDate> {
    if let Some(year) = day.year {
        return plausible_year(year, today).then(|| NaiveDate::from_ymd_opt(year, day.month, day.day)).flatten();
    }
    let next = (today.year()..=today.year() + 4)
        .filter_map(|year| NaiveDate::from_ymd_opt(year, day.month, day.day))
        .find(|date| *date >= today)?;
    match weekday {
        Some(weekday) if next.weekday() != weekday => {
            let following = NaiveDate::from_ymd_opt(next.year() + 1, day.month, day.day);
            Some(following.filter(|d| d.weekday() == weekday).unwrap_or(next))
        }
        _ => Some(next),
    }
}

/// Resolve both ends of a range; a year written only once applies to both.
/// Ranges must run forward and last at most 31 days.
fn resolve_range(
    first: DayMonth,
    last: DayMonth,
    today: NaiveDate,
    weekday: Option<Weekday>,
) -> Option<(NaiveDate, NaiveDate)> {
    let (from, to) = match (first.year, last.year) {
        (Some(_), Some(_)) => (resolve(first, today, None)?, resolve(last, today, None)?),
        (None, Some(year)) => {
            // "30 December to 2 January 2028": the first end is in 2027.
            let first_year = if first.month > last.month { year - 1 } else { year };
            let first = DayMonth { year: Some(first_year), ..first };
            (resolve(first, today, None)?, resolve(last, today, None)?)
        }
        (first_year, None) => {
            let hint = if first_year.is_none() { weekday } else { None };
            let from = resolve(first, today, hint)?;
            let same_year = NaiveDate::from_ymd_opt(from.year(), last.month, last.day);
            let to = match same_year {
                Some(to) if to > from => to,
                _ => NaiveDate::from_ymd_opt(from.year() + 1, last.month, last.day)?,
            };
            (from, to)
        }
    };
    let length = (to - from).num_days();
    (1..=31).contains(&length).then_some((from, to))
}

/// Every absolute (calendar) date pattern, validated but not yet filtered.
fn absolute_candidates(text: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    for captures in NUMERIC_DMY.captures_iter(text) {
        out.extend(numeric_dmy(text, &captures));
    }
    for captures in NUMERIC_DM.captures_iter(text) {
        out.extend(numeric_dm(text, &captures));
    }
    for captures in ISO.captures_iter(text) {
        out.extend(iso(text, &captures));
    }
    for captures in DAY_MONTH.captures_iter(text) {
        out.extend(textual_single(text, &captures));
    }
    for captures in MONTH_DAY.captures_iter(text) {
        out.extend(textual_single(text, &captures));
    }
    for captures in DAY_RANGE.captures_iter(text) {
        out.extend(textual_range(text, &captures));
    }
    for captures in MONTH_RANGE.captures_iter(text) {
        out.extend(textual_range(text, &captures));
    }
    for captures in NUMERIC_RANGE.captures_iter(text) {
        out.extend(numeric_range(text, &captures));
    }
    for captures in DAY_LIST.captures_iter(text) {
        out.extend(day_list(text, &captures));
    }
    out
}

fn number<T: std::str::FromStr>(captures: &Captures, group: &str) -> Option<T> {
    captures.name(group)?.as_str().parse().ok()
}

fn indexed<T: std::str::FromStr>(captures: &Captures, group: usize) -> Option<T> {
    captures.get(group)?.as_str().parse().ok()
}

fn day_month(day: u32, month: u32, year: Option<i32>) -> Option<DayMonth> {
    let year = year.map(|y| if y < 100 { 2000 + y } else { y });
    ((1..=31).contains(&day) && (1..=12).contains(&month)).then_some(DayMonth { day, month, year })
}

/// A number glued to other numbers ("1.2.3.4", "044/15.03", "+41") or to a
/// price is not a date.
fn numeric_context_ok(text: &str, start: usize, end: usize) -> bool {
    not_glued(text, start, end) && !has_currency_before(text, start)
}

/// Nothing numeric glued to either end ("1.2.3.4", "044/15.03", "+41").
fn not_glued(text: &str, start: usize, end: usize) -> bool {
    let glued_before =
        char_before(text, start).is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | '/' | '-' | '+' | ',' | ':'));
    let glued_after = match chars_after(text, end) {
        (Some(c), _) if c.is_ascii_digit() => true,
        (Some('.' | '/' | '-' | ',' | ':'), Some(next)) => next.is_ascii_digit(),
        _ => false,
    };
    !glued_before && !glued_after
}

/// [`numeric_context_ok`] for a day and month: after a short weekday
/// ("Fr 10.9.27") the "Fr" is Friday, not francs.
fn date_context_ok(text: &str, start: usize, end: usize) -> bool {
    let weekday_before = SHORT_WEEKDAY_BEFORE.is_match(clause_window(text, start, 8));
    not_glued(text, start, end) && (weekday_before || !has_currency_before(text, start))
}

fn candidate(captures: &Captures, found: Found) -> Option<Candidate> {
    let whole = captures.get(0)?;
    Some(Candidate { start: whole.start(), end: whole.end(), found })
}

fn numeric_dmy(text: &str, captures: &Captures) -> Option<Candidate> {
    let whole = captures.get(0)?;
    let separator = captures.get(2)?.as_str();
    let year_text = captures.get(5)?.as_str();
    if separator != captures.get(4)?.as_str() || (separator == "-" && year_text.len() != 4) {
        return None;
    }
    if !date_context_ok(text, whole.start(), whole.end()) {
        return None;
    }
    let day = day_month(indexed(captures, 1)?, indexed(captures, 3)?, year_text.parse().ok())?;
    candidate(captures, Found::Single(day))
}

fn numeric_dm(text: &str, captures: &Captures) -> Option<Candidate> {
    let whole = captures.get(0)?;
    // "15.3." must end there: "15.3.26" is NUMERIC_DMY, "1.2.3" a version.
    let ends_cleanly = match chars_after(text, whole.end()) {
        (None, _) => true,
        (Some(c), _) => c.is_whitespace() || matches!(c, ',' | ';' | ')' | '!' | '?' | '-' | '–'),
    };
    let before = clause_window(text, whole.start(), 12);
    if !ends_cleanly
        || !date_context_ok(text, whole.start(), whole.end())
        || TIME_PREPOSITION_BEFORE.is_match(before)
        || HOUR_UNIT_AFTER.is_match(&text[whole.end()..])
    {
        return None;
    }
    let day = day_month(indexed(captures, 1)?, indexed(captures, 2)?, None)?;
    candidate(captures, Found::Single(day))
}

fn iso(text: &str, captures: &Captures) -> Option<Candidate> {
    let whole = captures.get(0)?;
    if !numeric_context_ok(text, whole.start(), whole.end()) {
        return None;
    }
    let day = day_month(indexed(captures, 3)?, indexed(captures, 2)?, indexed(captures, 1))?;
    candidate(captures, Found::Single(day))
}

/// Month word of a textual match; `None` for the verb "may".
fn month_of(captures: &Captures) -> Option<u32> {
    month_number(captures.name("month")?.as_str())
}

/// Textual dates must not be glued to other numbers either: "18:15 March",
/// "March 6:30", "March 6 pm" are not dates.
fn textual_context_ok(text: &str, captures: &Captures) -> Option<()> {
    let whole = captures.get(0)?;
    let first_digit = captures.name("day").or_else(|| captures.name("d1")).or_else(|| captures.name("list"))?;
    let glued_before = char_before(text, first_digit.start())
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | '/' | ',' | ':' | '+'));
    let after = &text[whole.end()..];
    let glued_after = matches!(chars_after(text, whole.end()), (Some(':' | '.' | '/'), Some(d)) if d.is_ascii_digit())
        || (whole.as_str().ends_with(|c: char| c.is_ascii_digit())
            && captures.name("year").is_none()
            && TIME_UNIT_AFTER.is_match(after))
        || after.starts_with('%');
    (!glued_before && !glued_after && !has_currency_before(text, first_digit.start())).then_some(())
}

fn textual_single(text: &str, captures: &Captures) -> Option<Candidate> {
    textual_context_ok(text, captures)?;
    let day = day_month(number(captures, "day")?, month_of(captures)?, number(captures, "year"))?;
    candidate(captures, Found::Single(day))
}

fn textual_range(text: &str, captures: &Captures) -> Option<Candidate> {
    textual_context_ok(text, captures)?;
    // "and"/"und" only make a range after "between"/"zwischen";
    // "3 and 5 June" are two dates (handled by DAY_LIST).
    if let Some(connector) = captures.name("conn") {
        let is_and = matches!(connector.as_str().to_lowercase().as_str(), "and" | "und");
        let has_between = captures
            .name("prefix")
            .is_some_and(|p| matches!(p.as_str().to_lowercase().as_str(), "between" | "zwischen"));
        if is_and && !has_between {
            return None;
        }
    }
    let month = month_of(captures)?;
    let year = number(captures, "year");
    let first = day_month(number(captures, "d1")?, month, year)?;
    let last = day_month(number(captures, "d2")?, month, year)?;
    (first.day < last.day).then_some(())?;
    candidate(captures, Found::Range(first, last))
}

fn numeric_range(text: &str, captures: &Captures) -> Option<Candidate> {
    let whole = captures.get(0)?;
    let first_digit = captures.name("d1")?;
    if !numeric_context_ok(text, first_digit.start(), whole.end()) {
        return None;
    }
    let month = number(captures, "m")?;
    let year = number(captures, "year");
    let first = day_month(number(captures, "d1")?, month, year)?;
    let last = day_month(number(captures, "d2")?, month, year)?;
    (first.day < last.day).then_some(())?;
    candidate(captures, Found::Range(first, last))
}

fn day_list(text: &str, captures: &Captures) -> Option<Candidate> {
    textual_context_ok(text, captures)?;
    let month = month_of(captures)?;
    let year = number(captures, "year");
    let days = LIST_DAY
        .find_iter(captures.name("list")?.as_str())
        .map(|m| day_month(m.as_str().parse().ok()?, month, year))
        .collect::<Option<Vec<_>>>()?;
    candidate(captures, Found::List(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dates(text: &str) -> Vec<NaiveDate> {
        extract_dates(text, today()).dates
    }

    fn range(text: &str) -> Option<(NaiveDate, NaiveDate)> {
        extract_dates(text, today()).range
    }

    #[test]
    fn numeric_day_first_formats() {
        assert_eq!(dates("am 15.03.2027"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("on 15.3.27 please"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("date: 15/03/2027"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("03/04/2027"), vec![d(2027, 4, 3)]);
        assert_eq!(dates("15-03-2027"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("2027-03-15"), vec![d(2027, 3, 15)]);
    }

    #[test]
    fn german_date_without_year_is_next_occurrence() {
        assert_eq!(dates("am 15.3. hätten wir gerne"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("am 12.12."), vec![d(2026, 12, 12)]);
    }

    #[test]
    fn textual_english() {
        assert_eq!(dates("on 15 March 2027"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("March 15th, 2027"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("on March 15"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("the 15th of March"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("Dec 3"), vec![d(2026, 12, 3)]);
        assert_eq!(dates("15-Mar-2027"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("Sept. 4th"), vec![d(2027, 9, 4)]);
    }

    #[test]
    fn textual_german() {
        assert_eq!(dates("am 15. März 2027"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("15. Maerz"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("am 3. Dez."), vec![d(2026, 12, 3)]);
        assert_eq!(dates("am 15. Mrz. 2027"), vec![d(2027, 3, 15)]);
    }

    #[test]
    fn weekday_picks_the_matching_year() {
        // 12 June 2027 is a Saturday, 12 June 2026 is past: keep 2027.
        assert_eq!(dates("Samstag, 12. Juni"), vec![d(2027, 6, 12)]);
        // 12 June 2027 is not a Monday but 12 June 2028 is.
        assert_eq!(dates("Montag, 12. Juni"), vec![d(2028, 6, 12)]);
        // No later year nearby fits: keep the next occurrence.
        assert_eq!(dates("Freitag, 12. Juni"), vec![d(2027, 6, 12)]);
    }

    #[test]
    fn ranges() {
        let expected = Some((d(2027, 3, 14), d(2027, 3, 16)));
        assert_eq!(range("14-16 March 2027"), expected);
        assert_eq!(range("14.–16. März 2027"), expected);
        assert_eq!(range("vom 14. bis 16. März"), expected);
        assert_eq!(range("vom 14. bis zum 16. März"), expected);
        assert_eq!(range("March 14-16, 2027"), expected);
        assert_eq!(range("14.-16.03.2027"), expected);
        assert_eq!(range("14.03.2027 - 16.03.2027"), expected);
        assert_eq!(range("from 3 to 5 June"), Some((d(2027, 6, 3), d(2027, 6, 5))));
        assert_eq!(range("between 3 and 5 June"), Some((d(2027, 6, 3), d(2027, 6, 5))));
        assert_eq!(dates("14-16 March 2027"), vec![d(2027, 3, 14), d(2027, 3, 16)]);
    }

    #[test]
    fn range_across_months_and_years() {
        assert_eq!(range("from 30 May to 2 June 2027"), Some((d(2027, 5, 30), d(2027, 6, 2))));
        assert_eq!(range("30.12. bis 2.1."), Some((d(2026, 12, 30), d(2027, 1, 2))));
    }

    #[test]
    fn lists_are_alternative_dates_not_ranges() {
        assert_eq!(dates("3 and 5 June"), vec![d(2027, 6, 3), d(2027, 6, 5)]);
        assert_eq!(dates("the 3rd or the 4th of February"), vec![d(2027, 2, 3), d(2027, 2, 4)]);
        assert_eq!(range("3 and 5 June"), None);
        assert_eq!(dates("am 14., 15. oder 16. Mai"), vec![d(2027, 5, 14), d(2027, 5, 15), d(2027, 5, 16)]);
    }

    #[test]
    fn moving_from_one_date_to_another_keeps_the_new_one() {
        assert_eq!(dates("Could we move it from 15 March to 22 March?"), vec![d(2027, 3, 22)]);
        assert_eq!(range("Could we move it from 15 March to 22 March?"), None);
        assert_eq!(dates("Bitte vom 15.03.2027 auf den 22.03.2027 verschieben"), vec![d(2027, 3, 22)]);
        assert_eq!(dates("please move it from 15 to 22 March"), vec![d(2027, 3, 22)]);
    }

    #[test]
    fn payment_invoice_and_deadline_dates_are_not_event_dates() {
        assert!(dates("payment by 01.02.2027").is_empty());
        assert!(dates("Rechnung vom 3.1.2027").is_empty());
        assert!(dates("Zahlung bis 15.01.2027").is_empty());
        assert!(dates("The deposit is due on 10 January 2027").is_empty());
        assert!(dates("Offer valid until 5 Dec").is_empty());
        assert!(dates("Bezüglich Ihres Angebots vom 20. November").is_empty());
        assert_eq!(dates("Payment by 1 Feb 2027, event on 15 March 2027"), vec![d(2027, 3, 15)]);
    }

    #[test]
    fn negated_dates_are_dropped() {
        assert_eq!(dates("15 March 2027 please, not the 16th of March"), vec![d(2027, 3, 15)]);
        assert_eq!(dates("nicht am 15. März, sondern am 16. März"), vec![d(2027, 3, 16)]);
        assert_eq!(dates("Not March 15 but March 16"), vec![d(2027, 3, 16)]);
        assert_eq!(dates("instead of 15 March we need 22 March"), vec![d(2027, 3, 22)]);
        assert_eq!(dates("We can't do 15 March"), Vec::<NaiveDate>::new());
        assert_eq!(dates("Leider können wir am 5. März nicht. Ginge auch der 12. März?"), vec![d(2027, 3, 12)]);
        assert_eq!(dates("15 March doesn't work, but 22 March does"), vec![d(2027, 3, 22)]);
        assert_eq!(dates("15 March 2027 is not a problem"), vec![d(2027, 3, 15)]);
    }

    #[test]
    fn office_closures_are_not_event_dates() {
        assert!(dates("Our office is closed from 24.12. to 2.1., so please reply before.").is_empty());
        assert!(dates("Ich bin vom 3. bis 10. Januar in den Ferien").is_empty());
    }

    #[test]
    fn birth_dates_are_not_event_dates() {
        assert_eq!(
            dates("Ich bin am 12. Dezember geboren und feiere am 12. Dezember 2026 meinen 40. Geburtstag"),
            vec![d(2026, 12, 12)]
        );
        assert!(dates("born 15.03.1985").is_empty());
        assert!(dates("Geburtsdatum: 15.03.2001").is_empty());
    }

    #[test]
    fn phone_numbers_versions_prices_and_times_are_not_dates() {
        assert!(dates("Call me at +41 44 123 45 67").is_empty());
        assert!(dates("Tel. 044 123 45 67").is_empty());
        assert!(dates("044.123.15.03").is_empty());
        assert!(dates("running version 2.1.26 of the app").is_empty());
        assert!(dates("v1.2.3").is_empty());
        assert!(dates("CHF 1.500 total").is_empty());
        assert!(dates("Preis CHF 12.10.– pro Person").is_empty());
        assert!(dates("Start 18.00, Ende 23.30").is_empty());
        assert!(dates("Wir kommen um 9.10. an").is_empty());
        assert!(dates("192.168.1.20").is_empty());
    }

    #[test]
    fn day_without_month_is_not_a_date() {
        assert!(dates("on the 15th").is_empty());
        assert!(dates("am 15.").is_empty());
    }

    #[test]
    fn implausible_years_and_days_are_dropped() {
        assert!(dates("31.04.2027").is_empty());
        assert!(dates("founded on 3 March 1998").is_empty());
        assert!(dates("30. Februar").is_empty());
    }

    #[test]
    fn past_dates_are_kept_for_the_caller_to_reject() {
        assert_eq!(dates("15.03.2026"), vec![d(2026, 3, 15)]);
    }

    #[test]
    fn order_of_appearance_and_deduplication() {
        assert_eq!(dates("20 March 2027 or 15.03.2027, i.e. 20.03.2027"), vec![d(2027, 3, 20), d(2027, 3, 15)]);
    }

    #[test]
    fn lowercase_may_is_not_a_month() {
        assert!(dates("we may 2 rooms").is_empty());
        assert_eq!(dates("on May 2"), vec![d(2027, 5, 2)]);
    }
}
