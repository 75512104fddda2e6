//! Attendee counts: "80 guests", "ca. 80 Gäste", "Teilnehmerzahl: 45",
//! "a group of 30", "between 40 and 50 people", "up to 60".
//!
//! A number only counts when a people word follows it (or a label / "group
//! of" precedes it), which keeps phone numbers, prices, dates, years,
//! "Room 2", "2 coffee breaks" and "3 days" out. Ranges and "up to" give the
//! upper bound (the room must hold everyone). If several counts appear
//! ("apéro for 100, dinner for 60 guests") the largest wins for the same
//! reason. Counts that are negated or replaced ("not 80 but 100",
//! "instead of 80") are ignored, and "10 more guests" is a delta, not a
//! total. Number words are expected to be digits already (see `numbers`).

use super::context::{char_before, chars_after, clause_before, has_currency_before, is_negated};
use super::lang;
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// A count: digits with optional thousands separators ("1'200", "1,200").
const NUMBER: &str = r"\d{1,3}(?:[',’]\d{3})+|\d{1,4}";

/// People words of every language (`lang`), as one group: "guests",
/// "Personen", "Pers.", "TN", ...
static PEOPLE: LazyLock<String> = LazyLock::new(|| {
    let exact: Vec<String> =
        lang::LANGUAGES.iter().flat_map(|w| w.people_exact.iter()).map(|word| format!(r"(?-i:{word})\b")).collect();
    format!(
        r"(?:(?:{})\b|(?:{})(?:\s|$|[,;)!?])|{})",
        lang::alternation(|w| w.people),
        lang::alternation(|w| w.people_abbreviations),
        exact.join("|")
    )
});

/// Words allowed between number and people word ("80 expected guests").
const FILLER: &str = r"(?:(?:expected|invited|confirmed|registered|external|internal|erwartete|geladene|angemeldete|externe|interne)\s+)?";

static COUNT_BEFORE_PEOPLE: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"\b(?P<n>{NUMBER})\s*\+?[\s-]*{FILLER}{people}", people = *PEOPLE)));

static RANGE_BEFORE_PEOPLE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:(?P<prefix>between|zwischen|from|von)\s+)?(?P<a>{NUMBER})\s*(?:-|–|—|to|bis|and|und|or|oder)\s*(?P<n>{NUMBER})\s*\+?\s*{FILLER}{people}",
        people = *PEOPLE
    ))
});

static UP_TO: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:up to|max(?:imum|\.)?(?:\s+of)?|at most|bis zu|maximal|höchstens|hoechstens)\s+(?P<n>{NUMBER})\b"
    ))
});

static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:teilnehmerzahl|personenzahl|gästezahl|anzahl\s+(?:personen|gäste|teilnehmer(?:innen)?|teilnehmende)|number of (?:guests|people|persons|participants|attendees)|headcount|head count|guest count|{people})\s*[:=]\s*(?:ca\.?|approx\.?|circa|about|around|~)?\s*(?P<n>{NUMBER})\b",
        people = *PEOPLE
    ))
});

/// "Teilnehmerzahl von 40 auf 55 erhöhen", "number of guests from 60 to 45".
static CHANGED_TO: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:teilnehmerzahl|personenzahl|gästezahl|anzahl(?:\s+der)?\s+(?:personen|gäste|teilnehmer\w*)|number of (?:guests|people|participants|attendees)|headcount|guest count)\b[^.?!\n]{{0,30}}?\b(?:von|from)\s+(?:{NUMBER})\s+(?:auf|to)\s+(?P<n>{NUMBER})\b"
    ))
});

/// "we were 30 people last year": a past count, not this event's.
static PAST_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"\b(?:were|waren|had|hatten|last (?:year|time)|letztes (?:jahr|mal)|previously|vorjahr|früher)\b")
});

static GROUP_OF: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:(?:group|party|team)\s+of|(?:gruppe|team)\s+(?:von|mit|aus))\s+(?:about\s+|around\s+|approx\.?\s+|ca\.?\s+|circa\s+|etwa\s+|rund\s+)?(?P<n>{NUMBER})\b"
    ))
});

/// "we are 25", "wir sind 25", "we will be 25".
static WE_ARE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?:we are|we're|we will be|we'll be|(?:and|but|so) will be|there will be|wir sind|wir werden|wir wären|we would be)\s+(?:now\s+|jetzt\s+|nun\s+|neu\s+)?(?:about\s+|around\s+|approx\.?\s+|ca\.?\s+|circa\s+|etwa\s+|rund\s+|roughly\s+)?(?P<n>{NUMBER})\b"
    ))
});

/// After "up to"/"we are": units that mean the number is not people.
static NOT_PEOPLE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^\s*(?:%|percent|prozent|chf|fr\.?|franken|eur|euro|minutes?|mins?|minuten|hours?|hrs?|stunden|std|h\b|days?|tage[n]?|weeks?|wochen|months?|monate[n]?|years?|jahre[n]?|rooms?|räume[n]?|raum|tables?|tische[n]?|m2|m²|sqm|qm|km|kg|items?|stück|pieces?|chairs?|stühle|uhr|pm|am|[:.]\d)",
    )
});

/// Numbers right after these words are labels, not head counts.
static LABEL_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:room|raum|saal|zimmer|nr\.?|no\.?|number|nummer|floor|stock|etage|level|table|tisch|version|v|#)\s*$",
    )
});

/// "10 more guests", "5 weitere Personen": deltas, not totals.
static DELTA_AFTER: LazyLock<Regex> =
    LazyLock::new(|| compile(r"^\s*(?:more|additional|extra|fewer|less|weitere[n]?|zusätzliche[n]?|mehr|weniger)\b"));

fn compile(pattern: &str) -> Regex {
    super::pattern::compile(&format!("(?i){pattern}")).expect("static regex")
}

/// Sanity range for a head count at this venue.
const PLAUSIBLE: std::ops::RangeInclusive<u32> = 1..=5000;

/// The number of attendees, if the mail states one.
pub fn extract_attendees(text: &str) -> Option<u32> {
    head_count(text).count
}

/// A head count and whether the mail gives two that disagree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeadCount {
    /// The count to plan for (the largest, or a sum of adults and children).
    pub count: Option<u32>,
    /// Two different counts are stated as the group's size ("we are 40
    /// people ... 60 guests"): the count is a guess the manager must check.
    pub conflicting: bool,
}

/// "45 adults plus 4 children" = 49; "30 Erwachsene und 5 Kinder" = 35.
static SUM: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"\b(?P<a>{NUMBER})\s*{people}\s*,?\s*(?:{plus})\s*(?:{approx}\s*)?(?P<b>{NUMBER})\s*(?:{children})\b",
        people = *PEOPLE,
        plus = lang::alternation(|w| w.plus),
        approx = lang::alternation(|w| w.approx),
        children = lang::alternation(|w| w.children),
    ))
});

/// The head count of `text`, with a flag when two stated counts disagree
/// (see [`HeadCount`]).
pub fn head_count(text: &str) -> HeadCount {
    let mut counts: Vec<u32> = Vec::new();
    // Plain statements of the group's size; two different ones conflict.
    let mut stated: Vec<u32> = Vec::new();
    let mut summed: Vec<u32> = Vec::new();
    for captures in SUM.captures_iter(text) {
        let (Some(a), Some(b)) = (captures.name("a"), captures.name("b")) else { continue };
        if !number_context_ok(text, a.start(), a.end()) || is_negated(text, a.start()) {
            continue;
        }
        if let (Some(adults), Some(children)) = (parse(a.as_str()), parse(b.as_str())) {
            let sum = adults + children;
            if PLAUSIBLE.contains(&sum) {
                counts.push(sum);
                stated.push(sum);
                summed.push(adults);
            }
        }
    }
    for captures in RANGE_BEFORE_PEOPLE.captures_iter(text) {
        counts.extend(range_count(text, &captures));
    }
    for regex in [&*COUNT_BEFORE_PEOPLE, &*LABELLED, &*GROUP_OF, &*CHANGED_TO] {
        for captures in regex.captures_iter(text) {
            let found = count_at(text, &captures, false);
            counts.extend(found);
            let in_range = RANGE_BEFORE_PEOPLE
                .find_iter(text)
                .any(|m| captures.get(0).is_some_and(|c| m.start() <= c.start() && c.end() <= m.end() + 1));
            if !std::ptr::eq(regex, &*CHANGED_TO) && !in_range {
                stated.extend(found.filter(|n| !summed.contains(n)));
            }
        }
    }
    for regex in [&*UP_TO, &*WE_ARE] {
        for captures in regex.captures_iter(text) {
            counts.extend(count_at(text, &captures, true));
        }
    }
    stated.sort_unstable();
    stated.dedup();
    HeadCount { count: counts.into_iter().max(), conflicting: stated.len() > 1 }
}

/// "Yes, 24 is right!", "Ja, 24 stimmt.": a bare number confirmed as the
/// answer to the venue's question. Only a short mail that opens with it
/// counts; the caller takes it only when it asked for the head count.
pub fn extract_confirmed_count(text: &str) -> Option<u32> {
    static CONFIRMED: LazyLock<Regex> = LazyLock::new(|| {
        compile(&format!(
            r"^\W*(?:(?:{yes})\b[\s,!.:-]*)+(?:(?:it(?:['’]s| is)|es sind|wir sind|we are|we['’]re)\s+)?(?:{approx}\s*)?(?P<n>{NUMBER})\s*(?:(?:{right})\b|[!.]|$)",
            yes = lang::alternation(|w| w.yes),
            approx = lang::alternation(|w| w.approx),
            right = lang::alternation(|w| w.is_right),
        ))
    });
    if text.split_whitespace().count() > 40 {
        return None;
    }
    let captures = CONFIRMED.captures(text.trim_start())?;
    let value = parse(captures.name("n")?.as_str())?;
    let looks_like_year = (1900..=2100).contains(&value);
    ((2..=5000).contains(&value) && !looks_like_year).then_some(value)
}

/// "between 40 and 50 people" -> 50; "from 80 to 100 guests" -> 100.
fn range_count(text: &str, captures: &Captures) -> Option<u32> {
    let whole = captures.get(0)?;
    let low = parse(captures.name("a")?.as_str())?;
    let high = parse(captures.name("n")?.as_str())?;
    if !number_context_ok(text, captures.name("a")?.start(), captures.name("a")?.end())
        || is_negated(text, whole.start())
    {
        return None;
    }
    // "from 100 to 80 guests" (reducing) ends at the second number too.
    // Otherwise a range runs upwards ("40-50"): "Auftrag 4711 - 80 Personen"
    // is a label and a count, which the single-count pattern finds.
    let is_from = captures.name("prefix").is_some_and(|p| matches!(p.as_str().to_lowercase().as_str(), "from" | "von"));
    if !is_from && low >= high {
        return None;
    }
    let count = high;
    PLAUSIBLE.contains(&count).then_some(count)
}

/// The count in group `n`, after trap checks. `needs_unit_check` is set for
/// patterns without a people word ("up to 60", "we are 25").
fn count_at(text: &str, captures: &Captures, needs_unit_check: bool) -> Option<u32> {
    let whole = captures.get(0)?;
    let number = captures.name("n")?;
    let value = parse(number.as_str())?;
    let after = &text[number.end()..];
    if !number_context_ok(text, number.start(), number.end())
        || is_negated(text, whole.start())
        || is_negated(text, number.start())
        || DELTA_AFTER.is_match(after)
        || (!needs_unit_check && PAST_BEFORE.is_match(clause_before(text, whole.start(), 40, false)))
        || (needs_unit_check && NOT_PEOPLE_AFTER.is_match(after))
    {
        return None;
    }
    PLAUSIBLE.contains(&value).then_some(value)
}

/// Not part of a date, decimal, phone number, price, room number or year.
fn number_context_ok(text: &str, start: usize, end: usize) -> bool {
    let glued_before =
        char_before(text, start).is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '/' | ':' | '+' | '\''));
    let glued_after = match chars_after(text, end) {
        (Some(c), _) if c.is_ascii_digit() => true,
        (Some('.' | ':' | '/' | ','), Some(next)) => next.is_ascii_digit(),
        _ => false,
    };
    let digits = &text[start..end];
    let looks_like_year = digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20"));
    !glued_before
        && !glued_after
        && !looks_like_year
        && !has_currency_before(text, start)
        && !LABEL_BEFORE.is_match(clause_before(text, start, 12, true))
}

fn parse(digits: &str) -> Option<u32> {
    digits.chars().filter(char::is_ascii_digit).collect::<String>().parse().ok()
}

/// "We will be 55 now", "wir sind neu 30", "45 people instead of 24",
/// "rechnen Sie neu mit 44 Personen", "has gone up to 60 guests": the
/// group's size stated as such. Once a room is held, only this changes the
/// head count: a number elsewhere ("10 guests are vegetarian") does not.
pub fn extract_group_size(text: &str) -> Option<u32> {
    static GROUP: LazyLock<Regex> = LazyLock::new(|| {
        super::pattern::compile(
            r"(?i)\b(?:we(?:['’]ll| will| are going to)? be|we are(?: now)?|wir sind(?: jetzt| nun| neu)?|wir werden|es (?:sind|werden|kommen)(?: jetzt| nun| neu)?)\s+(?:now\s+|about\s+|ca\.?\s+|etwa\s+)?(\d{1,4})\b|\b(\d{1,4})\s+(?:people|guests|persons|personen|gäste|teilnehmer\w*)\s+(?:instead of|statt|anstatt)\b|\b(?:instead of|statt|anstatt)\s+\d{1,4}\s+(?:\w+\s+)?(?:now\s+|neu\s+|nun\s+)?(\d{1,4})\b|\b(?:neu|nun|jetzt|now|(?:increased|gone up|risen|grown|went up|goes up|rises|erhöht sich|steigt|gestiegen)\s+(?:to|auf))\s+(?:(?:mit|with|for|auf)\s+)?(?:about\s+|ca\.?\s+|etwa\s+|rund\s+)?(\d{1,4})\s+(?:people|guests|persons|participants|attendees|personen|gäste[n]?|teilnehm\w*|leute[n]?|pax)\b|\b(?:plan|planen|rechnen)\s+(?:sie\s+)?(?:with|for|mit)\s+(\d{1,4})\s+(?:people|guests|persons|participants|personen|gäste[n]?|teilnehm\w*)\s+(?:now|neu|jetzt)\b",
        )
        .expect("static regex")
    });
    let c = GROUP.captures(text)?;
    c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3)).or_else(|| c.get(4)).or_else(|| c.get(5))?.as_str().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::super::numbers::normalize_number_words;
    use super::extract_attendees;

    fn count(text: &str) -> Option<u32> {
        extract_attendees(&normalize_number_words(text))
    }

    #[test]
    fn english_counts() {
        assert_eq!(count("80 guests"), Some(80));
        assert_eq!(count("for 80 people"), Some(80));
        assert_eq!(count("around 80 participants"), Some(80));
        assert_eq!(count("approx. 80 pax"), Some(80));
        assert_eq!(count("about eighty people"), Some(80));
        assert_eq!(count("twenty-five attendees"), Some(25));
        assert_eq!(count("a hundred guests"), Some(100));
        assert_eq!(count("a group of 30"), Some(30));
        assert_eq!(count("Our team of 14 would like"), Some(14));
        assert_eq!(count("1,200 visitors"), Some(1200));
        assert_eq!(count("80 expected guests"), Some(80));
        assert_eq!(count("40+ people"), Some(40));
        assert_eq!(count("an 80-person event"), Some(80));
    }

    #[test]
    fn german_counts() {
        assert_eq!(count("80 Personen"), Some(80));
        assert_eq!(count("ca. 80 Gäste"), Some(80));
        assert_eq!(count("zwanzig Personen"), Some(20));
        assert_eq!(count("fünfundzwanzig Teilnehmende"), Some(25));
        assert_eq!(count("Teilnehmerzahl: 45"), Some(45));
        assert_eq!(count("People: 25"), Some(25));
        assert_eq!(count("45 Teilnehmende"), Some(45));
        assert_eq!(count("Generalversammlung, 55 Mitglieder"), Some(55));
        assert_eq!(count("Anzahl Personen: ca. 60"), Some(60));
        assert_eq!(count("eine Gruppe von 30"), Some(30));
        assert_eq!(count("1'200 Besucher"), Some(1200));
        assert_eq!(count("wir sind 25"), Some(25));
    }

    #[test]
    fn ranges_and_limits_take_the_upper_bound() {
        assert_eq!(count("between 40 and 50 people"), Some(50));
        assert_eq!(count("40-50 Personen"), Some(50));
        assert_eq!(count("zwischen 40 und 50 Gäste"), Some(50));
        assert_eq!(count("up to 60"), Some(60));
        assert_eq!(count("bis zu 60 Personen"), Some(60));
        assert_eq!(count("approx. 80 guests (max. 90)"), Some(90));
    }

    #[test]
    fn changes_take_the_new_value() {
        assert_eq!(count("we are now 100 instead of 80 guests"), Some(100));
        assert_eq!(count("not 80 guests but 100 guests"), Some(100));
        assert_eq!(count("please reduce from 100 to 80 guests"), Some(80));
        assert_eq!(count("we will have 10 more guests"), None);
        assert_eq!(count("Wir möchten die Teilnehmerzahl von 40 auf 55 erhöhen."), Some(55));
        assert_eq!(count("reduce the number of guests from 60 to 45"), Some(45));
        assert_eq!(count("We were 30 people last year and will be 45 this time."), Some(45));
        assert_eq!(count("Last year we had 30 guests."), None);
    }

    #[test]
    fn traps_are_not_counts() {
        assert_eq!(count("Call +41 44 123 45 67"), None);
        assert_eq!(count("044 123 45 67"), None);
        assert_eq!(count("CHF 1.500 for 2 coffee breaks"), None);
        assert_eq!(count("on 15.03.2027 for 3 days"), None);
        assert_eq!(count("Room 2 please"), None);
        assert_eq!(count("in 2026"), None);
        assert_eq!(count("up to 60 minutes"), None);
        assert_eq!(count("up to 10% off"), None);
        assert_eq!(count("CHF 80 per person"), None);
        assert_eq!(count("wir sind 2 Stunden da"), None);
        assert_eq!(count("2026 guests"), None);
        assert_eq!(count("99999 guests"), None);
        assert_eq!(count("0 guests"), None);
    }

    #[test]
    fn room_number_before_count() {
        assert_eq!(count("Room 2 for 12 people"), Some(12));
        assert_eq!(count("Raum 3 Personen"), None);
    }
}
