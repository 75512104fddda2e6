//! The words around a match: is it negated, is it a payment date, a price?
//!
//! Extractors find candidates with regexes and then ask these helpers about
//! the text just before the candidate, limited to the same clause, so that
//! "payment by 1 Feb, event on 15 March" keeps 15 March.

use regex::Regex;
use std::sync::LazyLock;

/// Words after which a new clause starts even without punctuation.
static CLAUSE_CONJUNCTION: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:but|sondern|aber|however|jedoch|whereas|während)\b").expect("static regex")
});

/// "not", "nicht", "can't" ... somewhere in the clause before the candidate.
static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)(?:\b(?:not|nicht|never|nie|niemals|keine?[nmrs]?|cannot|no longer)\b|\w+n['’]t\b)")
        .expect("static regex")
});

/// A negation after the candidate that says the candidate does not work:
/// German puts "nicht" at the end ("am 5. März können wir nicht"), English
/// says "15 March doesn't work / is not possible". Negations of something
/// else ("on 15 March we won't need a projector") do not count.
static NEGATION_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^\s*(?:nicht|not)\b|^[^.?!,;:\n]{0,25}?\b(?:geht|gehen|passt|passen|klappt|können|kann|könnten|ist|wäre|is|would|does|will|works?|suits?)\b[^.?!,;:\n]{0,15}?\b(?:nicht|not)\b|^[^.?!,;:\n]{0,25}?\b(?:doesn['’]t|don['’]t|won['’]t|isn['’]t|wouldn['’]t|can['’]t|cannot) (?:work|suit|fit|be possible|make it|do)\b")
        .expect("static regex")
});

/// "15 March is not a problem": a negation that accepts.
static NEGATION_AFTER_THAT_ACCEPTS: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^[^.?!,;:\n]{0,30}?\b(?:not (?:a |an )?(?:problem|issue)|nicht (?:ein )?problem|kein problem|nicht nur|not only|noch nicht)\b")
        .expect("static regex")
});

/// Negations that only express uncertainty, not a rejection of the date.
static UNCERTAINTY: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)(?:\bnot (?:yet )?(?:sure|certain|decided)\b|\bnicht (?:ganz )?sicher\b|\bnoch nicht\b|\bdon['’]t know\b|\bweiss nicht\b|\bweiß nicht\b|\bnot only\b|\bnicht nur\b)")
        .expect("static regex")
});

/// "instead of", "statt" ... directly before the candidate (at most two
/// words in between: "instead of the", "statt am").
static REPLACED: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:instead of|rather than|other than|except(?: for)?|statt|anstatt|anstelle(?: von)?|ausser|außer)\s+(?:\S+\s+){0,2}$")
        .expect("static regex")
});

/// A currency directly before a number: "CHF 1.500", "Fr. 12.10.–".
static CURRENCY_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)(?:\b(?:chf|sfr|fr|eur|usd|gbp)\.?|[€$£])\s*$").expect("static regex")
});

/// Abbreviations whose trailing dot does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "ca", "approx", "appr", "etc", "bzw", "inkl", "incl", "nr", "no", "st", "fr", "dr", "mr", "mrs", "ms", "vs",
    "evtl", "ggf", "max", "min", "z", "b", "u", "a", "d", "h", "sfr",
];

/// Round `pos` down to the nearest char boundary of `text`.
pub(crate) fn floor_boundary(text: &str, mut pos: usize) -> usize {
    pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

/// Round `pos` up to the nearest char boundary of `text`.
pub(crate) fn ceil_boundary(text: &str, mut pos: usize) -> usize {
    pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos += 1;
    }
    pos
}

/// The text of the clause that ends at `pos`: at most `max` bytes back, cut at
/// the last clause boundary (line break, `,;!?()`, a sentence-ending dot,
/// optionally `:`) and after the last "but"/"sondern"/"aber".
pub(crate) fn clause_before(text: &str, pos: usize, max: usize, colon_ends_clause: bool) -> &str {
    let end = floor_boundary(text, pos);
    let start = ceil_boundary(text, end.saturating_sub(max));
    let window = &text[start..end];
    let mut cut = 0;
    let mut previous: Option<char> = None;
    for (offset, c) in window.char_indices() {
        let boundary = match c {
            '\n' | ',' | ';' | '!' | '?' | '(' | ')' => true,
            ':' => colon_ends_clause,
            '.' => previous.is_some_and(char::is_alphabetic) && ends_sentence(window, offset),
            _ => false,
        };
        if boundary {
            cut = offset + c.len_utf8();
        }
        previous = Some(c);
    }
    let clause = &window[cut..];
    match CLAUSE_CONJUNCTION.find_iter(clause).last() {
        Some(conjunction) => &clause[conjunction.end()..],
        None => clause,
    }
}

/// The text after `pos` up to the end of its clause, at most `max` bytes.
pub(crate) fn clause_after(text: &str, pos: usize, max: usize) -> &str {
    let start = ceil_boundary(text, pos);
    let end = floor_boundary(text, start.saturating_add(max));
    let window = &text[start..end];
    let cut = window.find(['\n', ',', ';', '!', '?', '(', ')']).unwrap_or(window.len());
    &window[..cut]
}

/// The whole sentence around `[start, end)`, at most `max` bytes each side;
/// used for cues that may come before or after ("call you tomorrow").
pub(crate) fn sentence_around(text: &str, start: usize, end: usize, max: usize) -> &str {
    let from = ceil_boundary(text, start.saturating_sub(max));
    let to = floor_boundary(text, end.saturating_add(max));
    let before = &text[from..floor_boundary(text, start)];
    let begin = before.rfind(['\n', '.', '!', '?', ';']).map_or(from, |offset| from + offset + 1);
    let after_start = ceil_boundary(text, end).min(to);
    let after = &text[after_start..to];
    let finish = after.find(['\n', '!', '?', ';']).map_or(to, |offset| after_start + offset);
    &text[begin..finish.max(begin)]
}

/// Does the dot at `offset` of `window` end a sentence (rather than an
/// abbreviation such as "ca." or "approx.")?
fn ends_sentence(window: &str, offset: usize) -> bool {
    let before = &window[..offset];
    let word_start = before
        .rfind(|c: char| !c.is_alphabetic())
        .map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
    let word = before[word_start..].to_lowercase();
    let followed_by_space = window[offset + 1..].chars().next().map_or(true, char::is_whitespace);
    followed_by_space && !ABBREVIATIONS.contains(&word.as_str())
}

/// Is the candidate starting at `pos` negated or named as the thing being
/// replaced ("not on 15 March", "nicht am 15. März", "instead of 80 guests")?
pub(crate) fn is_negated(text: &str, pos: usize) -> bool {
    let clause = clause_before(text, pos, 40, true);
    if REPLACED.is_match(clause) {
        return true;
    }
    let near = clause_before(text, pos, 28, true);
    NEGATION.is_match(near) && !UNCERTAINTY.is_match(near)
}

/// Is the candidate starting at `pos` named as the thing being replaced
/// ("instead of the projector", "statt Raum A")?
pub(crate) fn is_replaced(text: &str, pos: usize) -> bool {
    REPLACED.is_match(clause_before(text, pos, 40, true))
}

/// Is the candidate ending at `end` negated by what follows in its clause
/// ("am 5. März können wir leider nicht", "15 March doesn't work")?
pub(crate) fn is_negated_after(text: &str, end: usize) -> bool {
    let rest =
        &text[ceil_boundary(text, end)..floor_boundary(text, end.saturating_add(60)).max(ceil_boundary(text, end))];
    NEGATION_AFTER.is_match(rest) && !NEGATION_AFTER_THAT_ACCEPTS.is_match(rest)
}

/// Is there a currency sign or code directly before `pos`?
pub(crate) fn has_currency_before(text: &str, pos: usize) -> bool {
    let end = floor_boundary(text, pos);
    let start = ceil_boundary(text, end.saturating_sub(8));
    CURRENCY_BEFORE.is_match(&text[start..end])
}

/// The character right before `pos`, if any.
pub(crate) fn char_before(text: &str, pos: usize) -> Option<char> {
    text[..floor_boundary(text, pos)].chars().next_back()
}

/// The character at `pos` and the one after it.
pub(crate) fn chars_after(text: &str, pos: usize) -> (Option<char>, Option<char>) {
    let mut chars = text[ceil_boundary(text, pos)..].chars();
    (chars.next(), chars.next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_stops_at_comma_and_but() {
        let text = "payment by 1 Feb, event on 15 March";
        let pos = text.find("15").unwrap_or(0);
        assert_eq!(clause_before(text, pos, 60, false), " event on ");
        let text = "not the 15th but the 16th";
        let pos = text.find("16").unwrap_or(0);
        assert_eq!(clause_before(text, pos, 60, false), " the ");
    }

    #[test]
    fn abbreviation_dot_does_not_end_the_clause() {
        let text = "for ca. 80 guests";
        let pos = text.find("80").unwrap_or(0);
        assert_eq!(clause_before(text, pos, 60, false), "for ca. ");
    }

    #[test]
    fn negation_cues() {
        let text = "We can't do 15 March";
        assert!(is_negated(text, text.find("15").unwrap_or(0)));
        let text = "nicht am 15. März";
        assert!(is_negated(text, text.find("15").unwrap_or(0)));
        let text = "statt am 15. März";
        assert!(is_negated(text, text.find("15").unwrap_or(0)));
        let text = "We are not sure yet about 15 March";
        assert!(!is_negated(text, text.find("15").unwrap_or(0)));
        let text = "Not the 15th, but the 16th of March";
        assert!(!is_negated(text, text.find("16").unwrap_or(0)));
    }

    #[test]
    fn negation_after_the_candidate() {
        let text = "am 5. März können wir leider nicht.";
        assert!(is_negated_after(text, text.find("März").unwrap_or(0) + 5));
        let text = "15 March doesn't work for us";
        assert!(is_negated_after(text, 8));
        let text = "15 March is not a problem";
        assert!(!is_negated_after(text, 8));
        let text = "15 March, not the 16th";
        assert!(!is_negated_after(text, 8));
        let text = "on 15 March we won't need a projector";
        assert!(!is_negated_after(text, 11));
    }

    #[test]
    fn currency_detection() {
        let text = "CHF 1.500";
        assert!(has_currency_before(text, 4));
        assert!(!has_currency_before("am 1.5.", 3));
    }

    #[test]
    fn windows_never_split_characters() {
        let text = "äöü 15 März ü";
        for pos in 0..=text.len() + 3 {
            let _ = clause_before(text, pos, 3, true);
            let _ = clause_after(text, pos, 3);
            let _ = sentence_around(text, pos, pos + 1, 3);
            let _ = char_before(text, pos);
            let _ = chars_after(text, pos);
        }
    }
}
