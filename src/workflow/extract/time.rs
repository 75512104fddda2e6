//! Start and end times: "18:00–23:00", "from 6pm to 11pm", "9am-5pm",
//! "ab 18 Uhr", "von 9 bis 17 Uhr", "18.30 Uhr", "14h", "until midnight".
//!
//! Every number that could be a time becomes a token with a marker telling
//! how sure we are: "18:00", "6pm", "18 Uhr", "14h" are times on their own;
//! "18.30" and "noon" only after a time preposition ("um", "at", "from") or
//! next to a sure time in a range; a bare "9" only inside a range with a sure
//! partner ("von 9 bis 17 Uhr"). The first range wins; otherwise the first
//! single time is the start, or the end if it follows "until"/"bis".
//!
//! Midnight as an end ("until midnight", "24:00", "00:00") is reported as
//! 00:00, the end of the event's day (an end before the start runs past
//! midnight; the offer bills the hours across it).
//!
//! Of several single times the start is the first one that opens a span
//! ("ab 17 Uhr", "from 7pm"): "die Trauung ist um 14.30 Uhr ... wir wären
//! ab 17 Uhr bei Ihnen" starts at 17:00; without one, the first.

use super::context::{char_before, chars_after, clause_before, has_currency_before, sentence_around};
use super::lang;
use super::Language;
use chrono::NaiveTime;
use regex::{Captures, Regex};
use std::sync::LazyLock;

static TIME_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<m>\d{2}))?(?:(?P<space>\s*)(?P<suf>[ap]\.?\s?m\b\.?|uhr\b|h(?P<hm>\d{2})?\b|o['’]clock\b)|(?P<ch>i)\b)?")
        .expect("static regex")
});

static WORD_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:12\s*)?(noon|midday|mittag|midnight|mitternacht)\b").expect("static regex")
});

/// A time preposition right before a weak token makes it a time.
static TIME_PREPOSITION: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(
        r"(?i)\b(?:um|ab|at|from|von|bis|until|till|to|zwischen|between|starting|start(?:s|ing)?(?:\s+at)?|beginn\w*|ende|end(?:s|ing)?(?:\s+at)?|gegen|around|ca\.?|approx\.?)\s*(?:(?:{approx})\s*){{0,2}}$",
        approx = lang::alternation(|w| w.approx)
    ))
    .expect("static regex")
});

/// Words that make a lone time the end rather than the start, followed by
/// fillers ("Ende so gegen 22 Uhr", "until about 11pm"), and an end that
/// stays ("End time stays at 1pm", "Ende bleibt bei 17 Uhr"). Plain "to" is left
/// out: "change the start time to 17:00" is not an end time.
static END_CUE: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(
        r"(?i)\b(?:until|till|bis|end(?:s|ing)?|finish(?:es|ing)?|over by|ende|schluss|spätestens|latest)\s*:?\s*(?:(?:at|um|{approx})\s*){{0,3}}$|\bto\s*:\s*$|\b(?:end(?:ing)?[\s-]?time|ende|endzeit|schluss)\s+(?:stays|remains|is still|will stay|bleibt|ist weiterhin|ist nach wie vor)(?:\s+(?:at|um|bei))?\s*(?:(?:{approx})\s*){{0,2}}$",
        approx = lang::alternation(|w| w.approx)
    ))
    .expect("static regex")
});

/// Words that open the client's time at the venue ("ab 17 Uhr", "from
/// 7pm"), followed by fillers; "um"/"at" only name a moment, maybe of
/// another occasion ("die Trauung ist um 14.30 Uhr").
static START_CUE: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(
        r"(?i)\b(?:ab|from)\s*(?:(?:{approx})\s*){{0,3}}$",
        approx = lang::alternation(|w| w.approx)
    ))
    .expect("static regex")
});

/// "from"/"von"/"between" before a range of two bare numbers ("from 9 till 5").
static RANGE_OPENER: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(r"(?i)\b(?:from|von|between|zwischen)\s*$").expect("static regex"));

static RANGE_CONNECTOR: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^\s*(?:-|–|—|to|till|until|bis|and|und)\s*$").expect("static regex")
});
static BARE_END_FOLLOWER: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(
        r"(?i)^\s*(?:$|[,.;)!?\n]|(?:and|und|with|mit|for|für|then|dann|in|im|at|on|please|bitte)\b)",
    )
    .expect("static regex")
});
static AND_CONNECTOR: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(r"(?i)^\s*(?:and|und)\s*$").expect("static regex"));
static BETWEEN_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(r"(?i)\b(?:between|zwischen)\s*$").expect("static regex"));

/// "4h workshop", "für 3 h": durations, not clock times.
static DURATION_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:for|für|during|während|dauer|lasting|approx\.?|ca\.?|about|etwa|rund)\s*$")
        .expect("static regex")
});

/// Sentences about reaching someone or deadlines carry times that are not
/// the event's ("you can reach me until 17:00").
static NOT_ABOUT_THE_EVENT: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:call|phone|reach|reachable|erreichbar|erreichen|anrufen|anruf|telefon\w*|office hours|bürozeiten|öffnungszeiten|opening hours|reply|respond|antwort\w*|deadline|frist|payment|zahlung\w*|sent|gesendet)\b")
        .expect("static regex")
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// "18:00" — sure.
    Colon,
    /// "18.30" — a time only with a preposition or a sure partner.
    Dot,
    Am,
    Pm,
    /// "18 Uhr", "14h", "6 o'clock" — sure, 24-hour.
    Clock,
    /// "9" — only inside a range with a sure partner.
    Bare,
    /// "noon"/"Mittag" — needs a preposition or partner.
    Noon,
    Midnight,
}

impl Marker {
    fn is_sure(self) -> bool {
        matches!(self, Marker::Colon | Marker::Am | Marker::Pm | Marker::Clock | Marker::Midnight)
    }
}

#[derive(Debug, Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    hour: u32,
    minute: u32,
    marker: Marker,
}

/// "anschliessend Business-Lunch im gleichen Raum bis": a following part
/// ending later than the first range (up to 60 characters before its end).
static THEN_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(r"(?i)\b(?:{})\b[^!?\n]*$", lang::alternation(|w| w.then))).expect("static regex")
});

/// Start and end time of the event, if written.
pub fn extract_times(text: &str, language: Language) -> (Option<NaiveTime>, Option<NaiveTime>) {
    let tokens = tokens(text, language);
    if let Some((start, end)) = first_range(text, &tokens) {
        return (start, later_end(text, &tokens, end));
    }
    let mut start = None;
    let mut cued_start = None;
    let mut end = None;
    for token in &tokens {
        let before = clause_before(text, token.start, 24, false);
        let usable = token.marker.is_sure() || TIME_PREPOSITION.is_match(before);
        if !usable || token.marker == Marker::Bare {
            continue;
        }
        if END_CUE.is_match(before) {
            end = end.or_else(|| as_end(token.hour, token.minute));
        } else {
            let time = NaiveTime::from_hms_opt(token.hour % 24, token.minute, 0);
            start = start.or(time);
            if START_CUE.is_match(before) {
                cued_start = cued_start.or(time);
            }
        }
    }
    (cued_start.or(start), end)
}

/// The end of a following part when it is later than the range's end:
/// "9.00 bis 12.00 Uhr Sitzung, anschliessend Business-Lunch bis 13.30 Uhr"
/// is 09:00–13:30. A part ending earlier ("17h-20h (Podium bis 19h,
/// danach Apéro)") changes nothing; midnight (00:00) is the latest end.
fn later_end(text: &str, tokens: &[Token], end: Option<NaiveTime>) -> Option<NaiveTime> {
    let current = end?;
    if current == NaiveTime::MIN {
        return end;
    }
    let later = tokens.iter().filter(|t| t.marker != Marker::Bare).find_map(|t| {
        let before = clause_before(text, t.start, 60, false);
        let candidate = as_end(t.hour, t.minute)?;
        let is_later = candidate == NaiveTime::MIN || candidate > current;
        (END_CUE.is_match(before) && THEN_BEFORE.is_match(before) && is_later).then_some(candidate)
    });
    later.or(end)
}

/// The first pair "A - B" / "from A to B" / "between A and B" with at least
/// one sure time, meridiem carried over ("6 to 11pm" is 18:00–23:00).
fn first_range(text: &str, tokens: &[Token]) -> Option<(Option<NaiveTime>, Option<NaiveTime>)> {
    tokens.windows(2).find_map(|pair| {
        let (mut first, mut second) = (pair[0], pair[1]);
        let between = text.get(first.end..second.start)?;
        if !RANGE_CONNECTOR.is_match(between) {
            return None;
        }
        if AND_CONNECTOR.is_match(between) && !BETWEEN_BEFORE.is_match(clause_before(text, first.start, 20, false)) {
            return None;
        }
        let before = clause_before(text, first.start, 24, false);
        let both_bare = first.marker == Marker::Bare && second.marker == Marker::Bare;
        // "18:00 - 20 guests": a bare end must not be followed by a noun.
        let bare_end_ok = second.marker != Marker::Bare || BARE_END_FOLLOWER.is_match(&text[second.end..]);
        if both_bare && bare_end_ok && RANGE_OPENER.is_match(before) {
            return bare_range(first.hour, second.hour);
        }
        let anchored = first.marker.is_sure()
            || second.marker.is_sure()
            || (TIME_PREPOSITION.is_match(before) && first.marker != Marker::Bare && second.marker != Marker::Bare);
        if both_bare || !anchored || !bare_end_ok {
            return None;
        }
        carry_meridiem(&mut first, &mut second);
        Some((NaiveTime::from_hms_opt(first.hour % 24, first.minute, 0), as_end(second.hour, second.minute)))
    })
}

/// "from 9 till 5" (business hours: a morning start, an end that can only
/// be in the afternoon) -> 09:00–17:00; "von 9 bis 17" -> 09:00–17:00.
/// Anything else with two bare numbers is too unsure.
fn bare_range(from: u32, to: u32) -> Option<(Option<NaiveTime>, Option<NaiveTime>)> {
    let (start, end) = if (6..=11).contains(&from) && (1..=7).contains(&to) {
        (from, to + 12)
    } else if (6..=23).contains(&from) && from < to && to <= 24 {
        (from, to)
    } else {
        return None;
    };
    Some((NaiveTime::from_hms_opt(start, 0, 0), as_end(end, 0)))
}

/// "6 to 11pm" -> 18–23; "9-5pm" stays 9–17; "6pm-11" -> 18–23.
fn carry_meridiem(first: &mut Token, second: &mut Token) {
    let unmarked = |t: &Token| matches!(t.marker, Marker::Bare | Marker::Dot | Marker::Colon);
    if second.marker == Marker::Pm && unmarked(first) && first.hour < 12 && first.hour + 12 <= second.hour {
        first.hour += 12;
    }
    if first.marker == Marker::Pm && unmarked(second) && second.hour < 12 && second.hour + 12 > first.hour {
        second.hour += 12;
    }
}

/// An end time; midnight (0:00 or 24:00) is 00:00, the end of the day.
fn as_end(hour: u32, minute: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(hour % 24, minute, 0)
}

/// All plausible time tokens in text order, overlaps removed.
fn tokens(text: &str, language: Language) -> Vec<Token> {
    let mut found: Vec<Token> = TIME_TOKEN
        .captures_iter(text)
        .filter_map(|captures| numeric_token(text, &captures, language))
        .chain(WORD_TOKEN.captures_iter(text).filter_map(word_token))
        .filter(|token| !NOT_ABOUT_THE_EVENT.is_match(sentence_around(text, token.start, token.end, 60)))
        .collect();
    found.sort_by_key(|t| (t.start, std::cmp::Reverse(t.end)));
    let mut kept: Vec<Token> = Vec::new();
    for token in found {
        if kept.last().map_or(true, |last| token.start >= last.end) {
            kept.push(token);
        }
    }
    kept
}

fn word_token(captures: Captures) -> Option<Token> {
    let whole = captures.get(0)?;
    let word = captures.get(1)?.as_str().to_lowercase();
    let (hour, marker) = if word.starts_with("mid") && word != "midday" || word == "mitternacht" {
        (24, Marker::Midnight)
    } else {
        (12, Marker::Noon)
    };
    Some(Token { start: whole.start(), end: whole.end(), hour, minute: 0, marker })
}

fn numeric_token(text: &str, captures: &Captures, language: Language) -> Option<Token> {
    let whole = captures.get(0)?;
    let mut hour: u32 = captures.name("h")?.as_str().parse().ok()?;
    let mut minute: u32 = match captures.name("m").or_else(|| captures.name("hm")) {
        Some(m) => m.as_str().parse().ok()?,
        None => 0,
    };
    // Mundart "17i" (17 Uhr), glued to the number, reads like "17 Uhr".
    let suffix = captures.name("suf").or_else(|| captures.name("ch")).map(|s| s.as_str().to_lowercase());
    let spaced = captures.name("space").is_some_and(|s| !s.as_str().is_empty());
    let separator = captures.name("sep").map(|s| s.as_str());
    let mut marker = match (suffix.as_deref(), separator) {
        (Some(s), _) if s.starts_with('a') => Marker::Am,
        (Some(s), _) if s.starts_with('p') => Marker::Pm,
        (Some(_), _) => Marker::Clock,
        (None, Some(":")) => Marker::Colon,
        (None, Some(_)) => Marker::Dot,
        (None, None) => Marker::Bare,
    };
    // German "um 9 am Montag": "am" is "on", not a.m.
    if marker == Marker::Am && spaced && language == Language::De && suffix.as_deref() == Some("am") {
        marker = if separator == Some(":") { Marker::Colon } else { Marker::Bare };
    }
    if !glue_ok(text, whole.start(), whole.end()) {
        return None;
    }
    let is_short_h = suffix.as_deref() == Some("h") && separator.is_none() && hour <= 6;
    if is_short_h
        || (suffix.as_deref().is_some_and(|s| s.starts_with('h'))
            && DURATION_BEFORE.is_match(clause_before(text, whole.start(), 16, false)))
    {
        return None;
    }
    match marker {
        Marker::Am | Marker::Pm => {
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour = match (marker, hour) {
                (Marker::Am, 12) => 0,
                (Marker::Pm, 12) => 12,
                (Marker::Pm, h) => h + 12,
                (_, h) => h,
            };
        }
        _ if hour > 24 || (hour == 24 && minute != 0) => return None,
        _ => {}
    }
    if minute > 59 {
        return None;
    }
    if hour == 24 {
        minute = 0;
    }
    Some(Token { start: whole.start(), end: whole.end(), hour, minute, marker })
}

/// Reject numbers glued to dates, decimals, phone numbers and prices.
fn glue_ok(text: &str, start: usize, end: usize) -> bool {
    let glued_before =
        char_before(text, start).is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '/' | ':' | '+' | '\''));
    let glued_after = match chars_after(text, end) {
        (Some(c), _) if c.is_ascii_digit() || c == '%' => true,
        (Some('.' | ':' | '/' | ',' | '\''), Some(next)) => next.is_ascii_digit(),
        _ => false,
    };
    !glued_before && !glued_after && !has_currency_before(text, start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(h, m, 0)
    }

    fn en(text: &str) -> (Option<NaiveTime>, Option<NaiveTime>) {
        extract_times(text, Language::En)
    }

    fn de(text: &str) -> (Option<NaiveTime>, Option<NaiveTime>) {
        extract_times(text, Language::De)
    }

    #[test]
    fn colon_ranges() {
        assert_eq!(en("18:00–23:00"), (t(18, 0), t(23, 0)));
        assert_eq!(en("from 18:00 - 23:00"), (t(18, 0), t(23, 0)));
        assert_eq!(en("18:00 to 23:30"), (t(18, 0), t(23, 30)));
    }

    #[test]
    fn meridiem_ranges() {
        assert_eq!(en("from 6pm to 11pm"), (t(18, 0), t(23, 0)));
        assert_eq!(en("9am-5pm"), (t(9, 0), t(17, 0)));
        assert_eq!(en("from 6 to 11 pm"), (t(18, 0), t(23, 0)));
        assert_eq!(en("9-5pm"), (t(9, 0), t(17, 0)));
        assert_eq!(en("between 7 and 10 p.m."), (t(19, 0), t(22, 0)));
        assert_eq!(en("6pm-11"), (t(18, 0), t(23, 0)));
        assert_eq!(en("at 18:00 - 20 guests"), (t(18, 0), None));
    }

    #[test]
    fn german_ranges() {
        assert_eq!(de("von 9 bis 17 Uhr"), (t(9, 0), t(17, 0)));
        assert_eq!(de("von 18.30 bis 23.00 Uhr"), (t(18, 30), t(23, 0)));
        assert_eq!(de("9-17h"), (t(9, 0), t(17, 0)));
        assert_eq!(de("ab 18 Uhr bis Mitternacht"), (t(18, 0), t(0, 0)));
    }

    #[test]
    fn single_start_times() {
        assert_eq!(en("starting at 6 pm"), (t(18, 0), None));
        assert_eq!(de("ab 18 Uhr"), (t(18, 0), None));
        assert_eq!(de("um 18.30 Uhr"), (t(18, 30), None));
        assert_eq!(de("Beginn 14h"), (t(14, 0), None));
        assert_eq!(de("Start 14h30"), (t(14, 30), None));
        assert_eq!(en("Apéro at 18.30"), (t(18, 30), None));
        assert_eq!(en("around noon"), (t(12, 0), None));
        assert_eq!(en("12am"), (t(0, 0), None));
    }

    #[test]
    fn single_end_times_and_midnight() {
        assert_eq!(en("until midnight"), (None, t(0, 0)));
        assert_eq!(de("bis 23 Uhr"), (None, t(23, 0)));
        assert_eq!(en("From: 18:00\nUntil: 22:00"), (t(18, 0), t(22, 0)));
        assert_eq!(en("From: 18:00\nTo: 22:00"), (t(18, 0), t(22, 0)));
        assert_eq!(en("Could you please change the start time to 17:00?"), (t(17, 0), None));
        assert_eq!(en("from 7pm until midnight"), (t(19, 0), t(0, 0)));
        assert_eq!(en("18:00-24:00"), (t(18, 0), t(0, 0)));
        assert_eq!(en("Apéro from 18:00, end around 23:00"), (t(18, 0), t(23, 0)));
    }

    #[test]
    fn dates_prices_phones_and_counts_are_not_times() {
        assert_eq!(en("on 15.03.2027"), (None, None));
        assert_eq!(de("am 15.3. mit 80 Personen"), (None, None));
        assert_eq!(en("CHF 18.50 per person"), (None, None));
        assert_eq!(en("+41 44 123 45 67"), (None, None));
        assert_eq!(en("044 123 45 67"), (None, None));
        assert_eq!(en("for 80 people, 14-16 March"), (None, None));
        assert_eq!(en("a 3h workshop"), (None, None));
        assert_eq!(en("a 10% discount"), (None, None));
        assert_eq!(en("Room 2.10"), (None, None));
    }

    #[test]
    fn german_am_is_not_ante_meridiem() {
        assert_eq!(de("Wir sind 9 am Montag"), (None, None));
        assert_eq!(de("Apéro um 18 Uhr am Freitag"), (t(18, 0), None));
    }

    #[test]
    fn contact_times_are_not_event_times() {
        assert_eq!(en("You can reach me until 17:00."), (None, None));
        assert_eq!(en("Call me after 14:00. The party starts at 19:00."), (t(19, 0), None));
    }
}
