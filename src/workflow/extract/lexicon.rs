//! Month and weekday names, English and German, full and abbreviated.
//!
//! The alternations are spliced into the date regexes; longer names come
//! first and every use is followed by `\b`, so "mar" never eats "march".

use chrono::Weekday;

/// Regex alternation of every month spelling [`month_number`] understands.
pub(crate) const MONTH_ALTERNATION: &str = "january|february|march|april|may|june|july|august|september|october|november|december|januar|jänner|jaenner|februar|märz|maerz|marz|mai|juni|juli|oktober|dezember|jan|feb|mär|mrz|mar|apr|jun|jul|aug|sept|sep|oct|okt|nov|dec|dez";

/// Regex alternation of full weekday names (abbreviations like "Fr"/"So"
/// collide with ordinary words and are left out on purpose).
pub(crate) const WEEKDAY_ALTERNATION: &str = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag";

/// Month number for a month word as written in the mail.
///
/// A lowercase "may" is the English modal verb far more often than the
/// month ("we may need"), so only "May"/"MAY" count as the month.
pub(crate) fn month_number(word: &str) -> Option<u32> {
    if word == "may" {
        return None;
    }
    let lower = word.trim_end_matches('.').to_lowercase();
    let month = match lower.as_str() {
        "january" | "januar" | "jänner" | "jaenner" | "jan" => 1,
        "february" | "februar" | "feb" => 2,
        "march" | "märz" | "maerz" | "marz" | "mär" | "mrz" | "mar" => 3,
        "april" | "apr" => 4,
        "may" | "mai" => 5,
        "june" | "juni" | "jun" => 6,
        "july" | "juli" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sept" | "sep" => 9,
        "october" | "oktober" | "oct" | "okt" => 10,
        "november" | "nov" => 11,
        "december" | "dezember" | "dec" | "dez" => 12,
        _ => return None,
    };
    Some(month)
}

/// Weekday for a full weekday name, also accepting plural forms
/// ("Fridays", "Freitage").
pub(crate) fn weekday_from_word(word: &str) -> Option<Weekday> {
    let lower = word.to_lowercase();
    let stem = ["en", "e", "s"]
        .iter()
        .find_map(|suffix| lower.strip_suffix(suffix).filter(|stem| weekday_exact(stem).is_some()))
        .unwrap_or(lower.as_str());
    weekday_exact(stem)
}

fn weekday_exact(word: &str) -> Option<Weekday> {
    let weekday = match word {
        "monday" | "montag" => Weekday::Mon,
        "tuesday" | "dienstag" => Weekday::Tue,
        "wednesday" | "mittwoch" => Weekday::Wed,
        "thursday" | "donnerstag" => Weekday::Thu,
        "friday" | "freitag" => Weekday::Fri,
        "saturday" | "samstag" | "sonnabend" => Weekday::Sat,
        "sunday" | "sonntag" => Weekday::Sun,
        _ => return None,
    };
    Some(weekday)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_spellings() {
        assert_eq!(month_number("März"), Some(3));
        assert_eq!(month_number("Maerz"), Some(3));
        assert_eq!(month_number("Mrz."), Some(3));
        assert_eq!(month_number("Dez"), Some(12));
        assert_eq!(month_number("Sept."), Some(9));
        assert_eq!(month_number("May"), Some(5));
        assert_eq!(month_number("Mai"), Some(5));
        assert_eq!(month_number("Marsh"), None);
    }

    #[test]
    fn lowercase_may_is_the_verb() {
        assert_eq!(month_number("may"), None);
    }

    #[test]
    fn weekday_names_and_plurals() {
        assert_eq!(weekday_from_word("Freitag"), Some(Weekday::Fri));
        assert_eq!(weekday_from_word("Fridays"), Some(Weekday::Fri));
        assert_eq!(weekday_from_word("Samstagen"), Some(Weekday::Sat));
        assert_eq!(weekday_from_word("Fri"), None);
    }
}
