//! English or German?
//!
//! Counts frequent function words of each language (words that appear in
//! almost every sentence and rarely in the other language) plus words with
//! umlauts/ß. Words that are common in both ("in", "am", "was", "will",
//! "so", "hat") are deliberately not counted. Ties fall back to English.

use super::Language;

const GERMAN_WORDS: &[&str] = &[
    "und",
    "der",
    "die",
    "das",
    "den",
    "dem",
    "des",
    "wir",
    "ich",
    "sie",
    "ihr",
    "ihnen",
    "uns",
    "mit",
    "für",
    "fuer",
    "nicht",
    "ist",
    "sind",
    "eine",
    "einen",
    "einem",
    "einer",
    "ein",
    "bitte",
    "danke",
    "vielen",
    "dank",
    "gerne",
    "gern",
    "möchten",
    "moechten",
    "würden",
    "wuerden",
    "können",
    "koennen",
    "auf",
    "von",
    "vom",
    "zum",
    "zur",
    "bei",
    "uhr",
    "personen",
    "gäste",
    "grüsse",
    "grüße",
    "gruss",
    "freundliche",
    "freundlichen",
    "liebe",
    "lieber",
    "hallo",
    "guten",
    "sehr",
    "geehrte",
    "geehrter",
    "damen",
    "herren",
    "auch",
    "noch",
    "oder",
    "aber",
    "wie",
    "wäre",
    "waere",
    "haben",
    "hätten",
    "bis",
    "ab",
    "unser",
    "unsere",
    "ihre",
    "mfg",
    "anlass",
    "veranstaltung",
    "anfrage",
    "angebot",
    "teilnehmer",
    "raum",
    "zimmer",
];

const ENGLISH_WORDS: &[&str] = &[
    "the", "and", "we", "you", "your", "for", "with", "is", "are", "a", "to", "of", "please", "would", "could", "our",
    "people", "guests", "thanks", "thank", "regards", "best", "kind", "dear", "hello", "hi", "on", "at", "be", "like",
    "it", "this", "that", "i", "my", "us", "have", "there", "if", "from", "about", "event", "room", "offer", "booking",
    "looking", "forward", "let", "know", "any", "can", "do", "not",
];

/// German if German function words (and umlaut words) outnumber English ones.
pub fn detect_language(text: &str) -> Language {
    let mut german = 0usize;
    let mut english = 0usize;
    for word in text.split(|c: char| !c.is_alphabetic()).filter(|word| !word.is_empty()) {
        let lower = word.to_lowercase();
        if GERMAN_WORDS.contains(&lower.as_str()) {
            german += 2;
        } else if lower.contains(['ä', 'ö', 'ü', 'ß']) {
            german += 1;
        }
        if ENGLISH_WORDS.contains(&lower.as_str()) {
            english += 2;
        }
    }
    if german > english {
        Language::De
    } else {
        Language::En
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_mail_is_german() {
        let text = "Guten Tag, wir möchten am 15. März einen Apéro für 80 Personen machen. Freundliche Grüsse";
        assert_eq!(detect_language(text), Language::De);
    }

    #[test]
    fn english_mail_is_english() {
        let text = "Dear team, we would like to book a room for 80 guests on 15 March. Best regards";
        assert_eq!(detect_language(text), Language::En);
    }

    #[test]
    fn empty_and_neutral_text_default_to_english() {
        assert_eq!(detect_language(""), Language::En);
        assert_eq!(detect_language("15.03.2026 18:00"), Language::En);
    }

    #[test]
    fn a_german_name_in_an_english_mail_stays_english() {
        let text = "Hi, this is Jürg Müller from Zürich. We are 20 people and would like a workshop.";
        assert_eq!(detect_language(text), Language::En);
    }

    #[test]
    fn short_german_reply_is_german() {
        assert_eq!(detect_language("Danke, passt für uns!"), Language::De);
    }
}
