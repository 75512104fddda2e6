//! A discount the client asks for: "could you do 10% off", "10 % Rabatt",
//! "a 15 percent discount", "a discount of 10%", "Preis um 10% senken",
//! "zehn Prozent Nachlass" (number words are digits already).
//!
//! A percentage only counts with a discount word right next to it, so "30%
//! deposit", "VAT 8.1%", "100% sure" and "50% of the guests" are not
//! discounts. Decimals ("7.5% off") yield nothing rather than a rounded
//! guess; so do negated or replaced percentages ("not 5% but 10% off" gives
//! 10) and discounts granted in the past ("last year you gave us 10% off").
//! The first discount asked for wins.

use super::context::{char_before, clause_after, clause_before, is_negated, sentence_around};
use regex::Regex;
use std::sync::LazyLock;

fn compile(pattern: &str) -> Regex {
    super::pattern::compile(&format!("(?i){pattern}")).expect("static regex")
}

/// A percentage; decimals are captured so they can be rejected whole.
static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"\b(?P<n>\d{1,3})(?P<decimal>[.,]\d+)?\s*(?:%|percent\b|per\s?cent\b|prozent\b|pct\b|pc\b)")
});

const DISCOUNT_WORDS: &str = r"(?:discount\w*|off|rebate|reduction|price reduction|price cut|cheaper|less|lower|rabatt\w*|\w*nachlass\w*|reduktion|preisreduktion|günstiger|guenstiger|weniger|abzug|entgegenkommen|senken|reduzieren|reduziert)";

/// The discount word right after the percentage ("10% off", "10 % Rabatt",
/// "10% price reduction"), at most one word in between.
static DISCOUNT_AFTER: LazyLock<Regex> = LazyLock::new(|| compile(&format!(r"^\s*(?:[\w-]+\s+)?{DISCOUNT_WORDS}\b")));

/// The discount word right before ("a discount of 10%", "Rabatt von 10 %",
/// "reduce the price by 10%", "Preis um 10% reduzieren" is handled after).
static DISCOUNT_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?:{DISCOUNT_WORDS}|reduce\s+(?:the\s+|our\s+)?(?:price|total|rate|offer|amount)|lower\s+(?:the\s+)?(?:price|total|rate))\s*(?:of|von|um|by|from|in höhe von|in the amount of)?\s*(?:about|around|approx\.?|ca\.?|etwa|rund|at least|mindestens)?\s*$"
    ))
});

/// "Maybe 15%?", "Wie wäre es mit 10 %?": a percentage suggested alone.
static SUGGESTION_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:maybe|perhaps|how about|what about|would you do|vielleicht|wie wäre es mit|wie waere es mit|ginge auch|und)\s*(?:\w+\s+)?$",
    )
});

/// Percentages that are about something else: deposit, tax, certainty,
/// a share of the guests, a fee.
static OTHER_PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:deposit|down payment|upfront|prepayment|anzahlung|vorauszahlung|depot|vat|mwst|mehrwertsteuer|tax|steuer\w*|sure|certain|sicher|capacity|auslastung|occupancy|of (?:the|our) (?:guests|people|participants|attendees)|der (?:gäste|teilnehmer\w*|personen)|fee|gebühr\w*|service charge|cancell?ation|storno\w*|payable|zahlbar)\b",
    )
});

/// A discount that was granted before is not asked for now.
static PAST: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:last (?:year|time)|letztes (?:jahr|mal)|previously|früher|bisher|gave us|erhalten|bekommen|gewährt)\b",
    )
});

/// Plausible discounts; "100% off" is not a discount request.
const PLAUSIBLE: std::ops::RangeInclusive<u32> = 1..=90;

/// The discount in percent that the client asks for, if any.
pub fn extract_discount(text: &str) -> Option<u32> {
    PERCENT.captures_iter(text).find_map(|captures| {
        let whole = captures.get(0)?;
        let number = captures.name("n")?;
        let glued =
            char_before(text, number.start()).is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '\''));
        if glued || captures.name("decimal").is_some() || is_negated(text, number.start()) {
            return None;
        }
        let before = clause_before(text, number.start(), 40, false);
        let after = clause_after(text, whole.end(), 40);
        let asks = DISCOUNT_AFTER.is_match(after)
            || DISCOUNT_BEFORE.is_match(before)
            || (SUGGESTION_BEFORE.is_match(before) && text[whole.end()..].trim_start().starts_with(['?', '.', '!']))
            || (text[whole.end()..].trim_start().starts_with('?') && before.trim().is_empty());
        let near_before = clause_before(text, number.start(), 25, false);
        let near_after = clause_after(text, whole.end(), 25);
        let about_something_else = OTHER_PERCENT.is_match(near_before) || OTHER_PERCENT.is_match(near_after);
        let past = PAST.is_match(sentence_around(text, whole.start(), whole.end(), 60));
        if !asks || about_something_else || past {
            return None;
        }
        let value: u32 = number.as_str().parse().ok()?;
        PLAUSIBLE.contains(&value).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::super::numbers::normalize_number_words;
    use super::extract_discount;

    fn discount(text: &str) -> Option<u32> {
        extract_discount(&normalize_number_words(text))
    }

    #[test]
    fn asked_discounts() {
        assert_eq!(discount("could you do 10% off"), Some(10));
        assert_eq!(discount("10 % Rabatt wäre schön"), Some(10));
        assert_eq!(discount("a 15 percent discount"), Some(15));
        assert_eq!(discount("zehn Prozent Nachlass"), Some(10));
        assert_eq!(discount("a discount of 12%"), Some(12));
    }

    #[test]
    fn other_percentages_are_not_discounts() {
        assert_eq!(discount("30% deposit"), None);
        assert_eq!(discount("VAT 8.1%"), None);
        assert_eq!(discount("100% sure"), None);
        assert_eq!(discount("7.5% off"), None);
    }
}
