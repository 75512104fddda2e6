//! Seating layout: theatre, cocktail, dinner, workshop, boardroom, U-shape,
//! classroom.
//!
//! Mails often name several formats ("workshop, then a standing apéro").
//! A mention next to a layout word ("seating", "setup", "Bestuhlung") is
//! strong and wins; then a seating shape (U-shape, classroom, boardroom,
//! theatre) beats an event word (workshop, dinner, apéro); otherwise the
//! first mention wins, since clients usually
//! lead with the main part of the event. Negated mentions ("no theatre
//! seating", "keine Theaterbestuhlung") are skipped. "reception" alone is too
//! weak (a wedding reception is usually seated) and yields nothing; "standing
//! reception" / "drinks reception" are cocktail.

use super::context::{char_before, clause_after, clause_before, is_negated};
use super::Layout;
use regex::Regex;
use std::sync::LazyLock;

/// (pattern, layout) in priority order for overlapping phrases: "flying
/// dinner" is a standing format, so it is listed before plain "dinner".
static PATTERNS: LazyLock<Vec<(Regex, Layout)>> = LazyLock::new(|| {
    [
        (r"\bu[\s-]?(?:shaped?|form)\b|\bhufeisen\w*", Layout::UShape),
        (r"\bclass[\s-]?room\w*|\bparlamentarisch\w*|\bschulbestuhlung\b", Layout::Classroom),
        (
            r"\bboard[\s-]?room\w*|\bkonferenz[\s-]?bestuhlung\b|\bblock[\s-]?bestuhlung\b|\bblocktafel\b",
            Layout::Boardroom,
        ),
        (
            r"\btheat(?:re|er)(?:[\s-]?(?:style|seating|setup|bestuhlung))?\b|\breihenbestuhlung\b|\bkinobestuhlung\b|\bin rows\b|\bin reihen\b",
            Layout::Theatre,
        ),
        (
            r"\bflying[\s-]dinner\b|\bcocktail\w*|\bstanding\b|\bstehend\w*|\bap[ée]ro\w*|\bap[ée]ritif\w*|\bstehempfang\w*|\bsteh(?:ap[ée]ro|lunch|dinner)\w*|\b(?:drinks|cocktail|stand-up|standup)\s+reception\b|\bnetworking\s+reception\b",
            Layout::Cocktail,
        ),
        (
            r"\bdinner\b|\bdîner\b|\bbanquet\w*|\bbankett\w*|\bgesetzte[sn]?\s+(?:essen|abendessen|mittagessen|dinner)\b|\bseated\s+(?:meal|lunch|dinner)\b|\babendessen\b|\bgala[\s-]?dinner\b",
            Layout::Dinner,
        ),
        (r"\bworkshops?\b|\bcabaret\b|\bgruppentische\b", Layout::Workshop),
    ]
    .into_iter()
    .chain(super::lang::pairs(|w| w.seating))
    .map(|(pattern, layout)| {
        (super::pattern::compile(&format!(r"(?i)\b(?:{pattern})")).expect("static regex"), layout)
    })
    .collect()
});

/// Layouts that name a seating shape rather than a kind of event: a shape
/// the client asks for beats an event word ("a workshop ... in U-shape" is
/// U-shape; "Seminar in U-Form" too).
fn is_shape(layout: Layout) -> bool {
    matches!(layout, Layout::UShape | Layout::Classroom | Layout::Boardroom | Layout::Theatre)
}

/// Layout words; one inside the mention or right next to it makes the
/// mention strong ("theatre seating", "Bestuhlung: U-Form", "U-Form bitte").
const LAYOUT_WORDS: &str = r"(?:seating|seated|setup|set-up|set up|layout|style|arrangement|arranged|bestuhlung|bestuhlt|aufstellung|anordnung|bestuhlungsform)";
static LAYOUT_WORD: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(&format!(r"(?i)\b{LAYOUT_WORDS}\b")).expect("static regex"));
static LAYOUT_WORD_AFTER: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(&format!(r"(?i)^\s*[-:]?\s*{LAYOUT_WORDS}\b")).expect("static regex"));
static LAYOUT_WORD_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(r"(?i)\b{LAYOUT_WORDS}\s*[:-]?\s*(?:\S+\s+){{0,2}}$")).expect("static regex")
});

/// "no theatre seating", "ohne Apéro", "keine Theaterbestuhlung".
static ABSENT: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:no|without|ohne|kein\w*|not)\s+(?:\S+\s+)?$").expect("static regex")
});

/// "theatre" naming something else than a seating ("a theatre company").
static THEATRE_NOT_SEATING: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(
        r"(?i)^\s*(?:company|group|troupe|play|performance|show|gruppe|stück|besuch|vorstellung|ensemble)\b",
    )
    .expect("static regex")
});

/// "long-standing client", "standing order": not a standing reception.
static STANDING_NOT_LAYOUT: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^\s*(?:order|ovation|invitation|committee|client|customer|relationship)\b")
        .expect("static regex")
});

struct Mention {
    start: usize,
    layout: Layout,
    strong: bool,
}

impl Mention {
    fn rank(&self) -> u8 {
        match (self.strong, is_shape(self.layout)) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        }
    }
}

/// The requested seating layout, if any.
pub fn extract_layout(text: &str) -> Option<Layout> {
    let mut mentions: Vec<Mention> = Vec::new();
    for (regex, layout) in PATTERNS.iter() {
        for found in regex.find_iter(text) {
            if !is_layout_mention(text, found.start(), found.end(), *layout) {
                continue;
            }
            let strong = LAYOUT_WORD.is_match(found.as_str())
                || LAYOUT_WORD_BEFORE.is_match(clause_before(text, found.start(), 40, false))
                || LAYOUT_WORD_AFTER.is_match(clause_after(text, found.end(), 25));
            mentions.push(Mention { start: found.start(), layout: *layout, strong });
        }
    }
    // A mention next to a layout word first, then a seating shape, then
    // the first mention.
    mentions.sort_by_key(|m| (m.rank(), m.start));
    mentions.first().map(|m| m.layout)
}

fn is_layout_mention(text: &str, start: usize, end: usize, layout: Layout) -> bool {
    if is_negated(text, start) || ABSENT.is_match(clause_before(text, start, 30, false)) {
        return false;
    }
    let after = &text[end..];
    match layout {
        Layout::Theatre => !THEATRE_NOT_SEATING.is_match(after),
        Layout::Cocktail => {
            let word = text[start..end].to_lowercase();
            let long_standing =
                word == "standing" && (char_before(text, start) == Some('-') || STANDING_NOT_LAYOUT.is_match(after));
            !long_standing
        }
        // "flying dinner" is standing; plain "dinner" there is not a seated one.
        Layout::Dinner => !clause_before(text, start, 12, false).to_lowercase().trim_end().ends_with("flying"),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_layouts() {
        assert_eq!(extract_layout("theatre seating please"), Some(Layout::Theatre));
        assert_eq!(extract_layout("theater style"), Some(Layout::Theatre));
        assert_eq!(extract_layout("a cocktail evening"), Some(Layout::Cocktail));
        assert_eq!(extract_layout("standing reception"), Some(Layout::Cocktail));
        assert_eq!(extract_layout("a seated dinner"), Some(Layout::Dinner));
        assert_eq!(extract_layout("a banquet for the board"), Some(Layout::Dinner));
        assert_eq!(extract_layout("a full-day workshop"), Some(Layout::Workshop));
        assert_eq!(extract_layout("boardroom setup"), Some(Layout::Boardroom));
        assert_eq!(extract_layout("U-shape"), Some(Layout::UShape));
        assert_eq!(extract_layout("tables in a u shape"), Some(Layout::UShape));
        assert_eq!(extract_layout("classroom style"), Some(Layout::Classroom));
        assert_eq!(extract_layout("flying dinner"), Some(Layout::Cocktail));
    }

    #[test]
    fn german_layouts() {
        assert_eq!(extract_layout("Theaterbestuhlung"), Some(Layout::Theatre));
        assert_eq!(extract_layout("Reihenbestuhlung"), Some(Layout::Theatre));
        assert_eq!(extract_layout("ein Apéro riche"), Some(Layout::Cocktail));
        assert_eq!(extract_layout("Apero"), Some(Layout::Cocktail));
        assert_eq!(extract_layout("Stehempfang"), Some(Layout::Cocktail));
        assert_eq!(extract_layout("ein Bankett"), Some(Layout::Dinner));
        assert_eq!(extract_layout("gesetztes Essen"), Some(Layout::Dinner));
        assert_eq!(extract_layout("Abendessen"), Some(Layout::Dinner));
        assert_eq!(extract_layout("Konferenz-Bestuhlung"), Some(Layout::Boardroom));
        assert_eq!(extract_layout("Blockbestuhlung"), Some(Layout::Boardroom));
        assert_eq!(extract_layout("in U-Form"), Some(Layout::UShape));
        assert_eq!(extract_layout("parlamentarische Bestuhlung"), Some(Layout::Classroom));
    }

    #[test]
    fn first_mention_wins_unless_another_is_explicit() {
        assert_eq!(extract_layout("Seminar in U-Form, danach Apéro"), Some(Layout::UShape));
        assert_eq!(extract_layout("A workshop followed by a standing apéro"), Some(Layout::Workshop));
        assert_eq!(extract_layout("After the apéro we need theatre seating for the talk"), Some(Layout::Theatre));
        assert_eq!(extract_layout("Apéro danach. Bestuhlung: U-Form"), Some(Layout::UShape));
    }

    #[test]
    fn weak_or_negated_mentions_yield_nothing() {
        assert_eq!(extract_layout("a reception"), None);
        assert_eq!(extract_layout("no theatre seating"), None);
        assert_eq!(extract_layout("keine Theaterbestuhlung"), None);
        assert_eq!(extract_layout("ohne Apéro"), None);
        assert_eq!(extract_layout("we are a long-standing client"), None);
        assert_eq!(extract_layout("our theatre company"), None);
        assert_eq!(extract_layout("nothing special"), None);
    }
}
