//! Vague dates: a month, maybe a weekday, no day ("a Friday in May",
//! "im Juni", "Ende März 2027", "sometime in October next year").
//!
//! A month alone is too common a word to trust ("the March meeting"), so a
//! preposition ("in", "im", "during", "Anfang", ...) or a year is required.
//! Month words that are part of a concrete date or a rejected date
//! (payment, birth) are skipped; so are negated ones ("not in May").

use super::context::{clause_after, clause_before, is_negated};
use super::lexicon::{month_number, weekday_from_word, MONTH_ALTERNATION, WEEKDAY_ALTERNATION};
use super::VagueDate;
use chrono::{Datelike, NaiveDate};
use regex::Regex;
use std::sync::LazyLock;

static VAGUE_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(
        r"(?i)\b(?:(?P<prep>in|im|during|within|of|early|mid|late|end of|beginning of|start of|anfang|mitte|ende|sometime in|irgendwann im|around|for|für|next|nächsten|kommenden|this|diesen)\s+(?:the\s+month\s+of\s+|(?:des\s+)?monat\s+)?)?(?P<month>{MONTH_ALTERNATION})\b\.?(?:\s+(?P<year>(?:19|20)\d{{2}})\b)?"
    ))
    .expect("static regex")
});

/// Weekday words (singular or plural) shortly before the month:
/// "a Friday in May", "Fridays in May", "einen Freitag im Mai".
static WEEKDAY_WORD: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(r"(?i)\b(?:{WEEKDAY_ALTERNATION})(?:s|e|en)?\b")).expect("static regex")
});

static NEXT_YEAR_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^\s*,?\s*(?:next year|nächstes jahr|naechstes jahr|nächsten jahres|naechsten jahres|kommendes jahr|im nächsten jahr)\b")
        .expect("static regex")
});

/// Payment/deadline words before a month ("payment in March").
static TRAP_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:payments?|pay|paid|invoice\w*|deadline|deposit|born|version|rechnung\w*|zahlung\w*|zahlbar|bezahl\w*|frist\w*|fällig\w*|anzahlung|geboren|since|seit|last|letzten|vergangenen)\b")
        .expect("static regex")
});

/// The first vague month reference in `text` outside `taken` spans.
pub(crate) fn find_vague(text: &str, today: NaiveDate, taken: &[(usize, usize)]) -> Option<VagueDate> {
    VAGUE_MONTH.captures_iter(text).find_map(|captures| {
        let whole = captures.get(0)?;
        let month_match = captures.name("month")?;
        let month = month_number(month_match.as_str())?;
        let year_written = captures.name("year").and_then(|y| y.as_str().parse::<i32>().ok());
        if captures.name("prep").is_none() && year_written.is_none() {
            return None;
        }
        let overlaps = taken.iter().any(|&(start, end)| whole.start() < end && start < whole.end());
        if overlaps
            || is_negated(text, whole.start())
            || TRAP_BEFORE.is_match(clause_before(text, whole.start(), 40, false))
        {
            return None;
        }
        let next_year = NEXT_YEAR_AFTER.is_match(clause_after(text, whole.end(), 30)).then(|| today.year() + 1);
        let weekday = WEEKDAY_WORD
            .find_iter(clause_before(text, whole.start(), 30, true))
            .last()
            .and_then(|word| weekday_from_word(word.as_str()));
        Some(VagueDate { year: year_written.or(next_year), month, weekday, ..VagueDate::default() })
    })
}

#[cfg(test)]
mod tests {
    use super::super::date::extract_dates;
    use super::super::VagueDate;
    use chrono::{NaiveDate, Weekday};

    fn vague(text: &str) -> Option<VagueDate> {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        extract_dates(text, today).vague
    }

    fn month(month: u32) -> Option<VagueDate> {
        Some(VagueDate { year: None, month, weekday: None, ..VagueDate::default() })
    }

    #[test]
    fn weekday_in_month() {
        assert_eq!(
            vague("a Friday in May would be great"),
            Some(VagueDate { year: None, month: 5, weekday: Some(Weekday::Fri), ..VagueDate::default() })
        );
        assert_eq!(
            vague("an einem Samstag im Juni"),
            Some(VagueDate { year: None, month: 6, weekday: Some(Weekday::Sat), ..VagueDate::default() })
        );
        assert_eq!(
            vague("Fridays in May"),
            Some(VagueDate { year: None, month: 5, weekday: Some(Weekday::Fri), ..VagueDate::default() })
        );
    }

    #[test]
    fn month_with_preposition_or_year() {
        assert_eq!(vague("im Juni"), month(6));
        assert_eq!(vague("Ende März"), month(3));
        assert_eq!(vague("sometime in October"), month(10));
        assert_eq!(
            vague("March 2027"),
            Some(VagueDate { year: Some(2027), month: 3, weekday: None, ..VagueDate::default() })
        );
        assert_eq!(
            vague("im Mai nächsten Jahres"),
            Some(VagueDate { year: Some(2027), month: 5, weekday: None, ..VagueDate::default() })
        );
    }

    #[test]
    fn concrete_dates_are_not_vague() {
        assert_eq!(vague("on 15 March 2027"), None);
        assert_eq!(vague("in March 15th"), None);
    }

    #[test]
    fn bare_month_words_and_verbs_are_not_vague() {
        assert_eq!(vague("the March meeting"), None);
        assert_eq!(vague("we may come in may be"), None);
        assert_eq!(vague("Best regards, Jan"), None);
    }

    #[test]
    fn negated_and_payment_months_are_not_vague() {
        assert_eq!(vague("not in May"), None);
        assert_eq!(vague("payment in March"), None);
    }
}
