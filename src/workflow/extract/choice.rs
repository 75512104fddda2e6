//! Answers to what the venue proposed: which of the proposals ("the second
//! one", "the 19th"), and whether several dates are offered as alternatives
//! ("the 12th or the 19th").

use regex::Regex;
use std::sync::LazyLock;

/// "The second one", "the second works", "die erste Option": the 0-based
/// position named. The ordinal must name a choice, with an article or a
/// noun ("first of all", "First, thanks" do not).
pub fn extract_choice(text: &str) -> Option<usize> {
    static ORDINAL: LazyLock<Regex> = LazyLock::new(|| {
        super::pattern::compile(
            r"(?i)\b(?:the|die|der|den|das|dem)\s+(first|second|third|fourth|fifth|erste[nmrs]?|zweite[nmrs]?|dritte[nmrs]?|vierte[nmrs]?|fünfte[nmrs]?)\b|\b(first|second|third|fourth|fifth|erste[nmrs]?|zweite[nmrs]?|dritte[nmrs]?|vierte[nmrs]?|fünfte[nmrs]?)\s+(?:one|option|slot|date|proposal|time|suggestion|termin|option|vorschlag|datum|zeit)",
        )
        .expect("static regex")
    });
    let c = ORDINAL.captures(text)?;
    let w = c.get(1).or_else(|| c.get(2))?.as_str().to_lowercase();
    ["fir", "sec", "thi", "fou", "fif"]
        .iter()
        .position(|p| w.starts_with(p))
        .or_else(|| ["ers", "zwe", "dri", "vie", "fün"].iter().position(|p| w.starts_with(p)))
}

/// "The 19th would be great", "am 19. passt es": a day of the month named
/// alone (exactly one), to match against the proposals.
pub fn extract_day_of_month(text: &str) -> Option<u32> {
    static DAY: LazyLock<Regex> = LazyLock::new(|| {
        super::pattern::compile(r"(?i)\b(\d{1,2})(?:st|nd|rd|th)\b|\b(?:den|der|am|dem)\s+(\d{1,2})\.")
            .expect("static regex")
    });
    let days: Vec<u32> =
        DAY.captures_iter(text).filter_map(|c| c.get(1).or_else(|| c.get(2))?.as_str().parse().ok()).collect();
    match days.as_slice() {
        [day] if (1..=31).contains(day) => Some(*day),
        _ => None,
    }
}

/// The dates of the mail are alternatives ("or", "oder", "alternativ"),
/// unless one may be a deadline, a payment or a visit ("please send the
/// offer by 15.01.").
pub fn offers_alternatives(text: &str) -> bool {
    static ALTERNATIVE: LazyLock<Regex> = LazyLock::new(|| {
        super::pattern::compile(r"(?i)\b(?:or|oder|alternativ\w*|entweder|either)\b").expect("static regex")
    });
    static OTHER_DATE: LazyLock<Regex> = LazyLock::new(|| {
        super::pattern::compile(r"(?i)\b(?:by|until|bis|spätestens|deadline|frist|visit|besichtig\w*|pay\w*|zahl\w*)\b")
            .expect("static regex")
    });
    ALTERNATIVE.is_match(text) && !OTHER_DATE.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_needs_an_article_or_a_noun() {
        assert_eq!(extract_choice("The second works best for us."), Some(1));
        assert_eq!(extract_choice("Die erste Option passt."), Some(0));
        assert_eq!(extract_choice("the third slot please"), Some(2));
        assert_eq!(extract_choice("First of all, thank you."), None);
        assert_eq!(extract_choice("First, thanks for the offer."), None);
    }

    #[test]
    fn a_single_day_of_the_month_is_a_choice_two_are_not() {
        assert_eq!(extract_day_of_month("The 26th would be great."), Some(26));
        assert_eq!(extract_day_of_month("Am 19. passt es uns."), Some(19));
        assert_eq!(extract_day_of_month("the 19th or the 26th"), None);
    }

    #[test]
    fn alternatives_need_or_and_no_deadline() {
        assert!(offers_alternatives("12.03.2027 or 19.03.2027"));
        assert!(!offers_alternatives("12.03.2027, offer by 15.01.2027 or earlier"));
        assert!(!offers_alternatives("on 12.03.2027 and 19.03.2027"));
    }
}
