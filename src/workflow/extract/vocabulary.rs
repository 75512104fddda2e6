//! The venue's catalogue as the extractors see it, and the matcher that finds
//! its rooms and products in a mail.
//!
//! Matching works on words, not bytes. Text and terms are split into words
//! the same way and every word is folded: lowercase, accents dropped
//! ("Apéro" = "Apero"), umlauts and their spellings unified ("Käse" =
//! "Kaese" = "Kase"), "and"/"und" = "&", "Raum" = "Room". So "Coffee & Tea
//! Bar", "coffee and tea bar" and "Coffee-&-Tea-Bar" are one term. The last
//! word of a term may carry a plural ending in either direction
//! ("Flipcharts", "an outdoor heater" for "Outdoor Heaters").
//!
//! Besides its name and synonyms, a product is also found by its name
//! without a packaging word ("DJ Service" -> "DJ", "Apéro Package" ->
//! "Apéro", "Event Photographer" -> "Photographer"), without a parenthesis
//! ("TV Display (65\")" -> "TV Display") and by each half of a slash name
//! ("Lectern/Podium"). Clients rarely write the catalogue's full names.
//!
//! Where terms overlap, the longest wins ("Premium Apéro" is not also
//! "Apéro Package"). A term that belongs to several items ("sound system"
//! is a synonym of two products) is ambiguous: it still takes its words, so
//! no shorter term matches inside it, but it names nothing.
//!
//! Some synonyms are ordinary words in an event mail and name the event or
//! people rather than a product ("summer party", "speakers", "Empfang");
//! they are ignored, see `TOO_GENERIC`.

use crate::domain::{ProductId, RoomId};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// The rooms and products of the venue, passed in by the caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vocabulary {
    pub rooms: Vec<Term<RoomId>>,
    pub products: Vec<Term<ProductId>>,
}

/// One catalogue item: its id, display name and the client's words for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Term<Id> {
    pub id: Id,
    pub name: String,
    pub synonyms: Vec<String>,
}

/// Synonyms (folded) that in a client mail usually mean the event itself or
/// people, not the product they are listed for: "our summer party", "the
/// speakers will present", "Empfang ab 18 Uhr", "Aufnahme in den Verteiler".
const TOO_GENERIC: &[&str] = &[
    "summer party",
    "team event",
    "gala",
    "speaker",
    "speakers",
    "empfang",
    "aufnahme",
    "capture",
    "platform",
    "event",
    "party",
];

/// Words that package a product rather than name it; a name without them is
/// still that product ("DJ Service" -> "DJ").
const PACKAGING_SUFFIXES: &[&str] =
    &["package", "paket", "service", "setup", "set", "kit", "station", "selection", "menu", "option"];
const PACKAGING_PREFIXES: &[&str] = &["event"];

/// Plural endings accepted on the last word of a term.
const PLURAL_ENDINGS: &[&str] = &["s", "es", "e", "n", "en"];

/// A word of the text: its byte span and folded form.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    pub start: usize,
    pub end: usize,
    pub folded: String,
}

/// Where a term was found (byte span) and the item it names (`None` when
/// the term is ambiguous).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit<Id> {
    pub start: usize,
    pub end: usize,
    pub id: Option<Id>,
}

/// Terms compiled for matching: folded word sequences indexed by first word.
pub(crate) struct Matcher<Id> {
    terms: Vec<Compiled<Id>>,
    /// Each term under its first word and that word's plural and singular
    /// forms ([`first_word_keys`]), so a word of the text is one lookup.
    /// Looked up for every word of every mail: an unkeyed hash (the keys
    /// are the venue's catalogue, a lookup probes at most its few entries).
    by_first_word: FxHashMap<String, Vec<usize>>,
}

struct Compiled<Id> {
    words: Vec<String>,
    /// Distinct items this word sequence names; more than one = ambiguous.
    ids: Vec<Id>,
    /// Word positions whose text must be an uppercase letter: the "A" of
    /// "Room A" ("a room a bit larger" names no room).
    uppercase_letters: Vec<usize>,
}

/// The compiled matchers of the catalogues seen lately, by their terms:
/// every mail is read against the same catalogue (cached a minute by the
/// dispatcher), so it is compiled once, not for every mail. A few entries
/// serve a deployment of several venues; an edited catalogue is compiled
/// anew and the oldest entry dropped.
type MatcherCache<Id> = std::sync::Mutex<Vec<(Vec<Term<Id>>, bool, Arc<Matcher<Id>>)>>;
const CACHED_CATALOGUES: usize = 8;
static ROOM_MATCHERS: MatcherCache<RoomId> = std::sync::Mutex::new(Vec::new());
static PRODUCT_MATCHERS: MatcherCache<ProductId> = std::sync::Mutex::new(Vec::new());

fn cached<Id: Copy + PartialEq>(
    cache: &MatcherCache<Id>,
    terms: &[Term<Id>],
    derive_aliases: bool,
) -> Arc<Matcher<Id>> {
    let mut entries = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(i) = entries.iter().position(|(t, a, _)| *a == derive_aliases && t.as_slice() == terms) {
        let entry = entries.remove(i);
        let matcher = entry.2.clone();
        entries.insert(0, entry);
        return matcher;
    }
    let matcher = Arc::new(Matcher::new(terms, derive_aliases));
    entries.insert(0, (terms.to_vec(), derive_aliases, matcher.clone()));
    entries.truncate(CACHED_CATALOGUES);
    matcher
}

impl Matcher<RoomId> {
    /// [`Matcher::new`] for rooms, compiled once per catalogue.
    pub(crate) fn rooms(terms: &[Term<RoomId>]) -> Arc<Self> {
        cached(&ROOM_MATCHERS, terms, false)
    }
}

impl Matcher<ProductId> {
    /// [`Matcher::new`] for products with their aliases, compiled once per catalogue.
    pub(crate) fn products(terms: &[Term<ProductId>]) -> Arc<Self> {
        cached(&PRODUCT_MATCHERS, terms, true)
    }
}

impl<Id: Copy + PartialEq> Matcher<Id> {
    /// Compile `terms`; `derive_aliases` adds the product aliases described
    /// in the module docs.
    pub(crate) fn new(terms: &[Term<Id>], derive_aliases: bool) -> Self {
        let mut matcher = Matcher { terms: Vec::new(), by_first_word: FxHashMap::default() };
        for term in terms {
            let mut spellings: Vec<String> = vec![term.name.clone()];
            spellings.extend(term.synonyms.iter().cloned());
            if derive_aliases {
                spellings.extend(aliases(&term.name));
            }
            for spelling in spellings {
                matcher.add(&spelling, term.id);
            }
        }
        matcher
    }

    fn add(&mut self, spelling: &str, id: Id) {
        let normalized = super::numbers::normalize_number_words(spelling);
        let words: Vec<String> = words(&normalized).into_iter().map(|w| w.folded).collect();
        let joined = words.join(" ");
        // A lone letter or a bare number would match everywhere.
        let too_short = joined.chars().filter(|c| c.is_alphabetic()).count() < 2;
        if too_short || TOO_GENERIC.contains(&joined.as_str()) {
            return;
        }
        if let Some(existing) = self.terms.iter_mut().find(|t| t.words == words) {
            if !existing.ids.contains(&id) {
                existing.ids.push(id);
            }
            return;
        }
        let last = words.len() - 1;
        let uppercase_letters =
            if last > 0 && matches!(words[last].as_str(), "a" | "i") { vec![last] } else { Vec::new() };
        for key in first_word_keys(&words[0]) {
            self.by_first_word.entry(key).or_default().push(self.terms.len());
        }
        self.terms.push(Compiled { words, ids: vec![id], uppercase_letters });
    }

    /// Every term in `text`, leftmost-longest, without overlaps.
    pub(crate) fn find(&self, text: &str, words: &[Word]) -> Vec<Hit<Id>> {
        let mut found = Vec::new();
        let mut index = 0;
        while index < words.len() {
            match self.longest_at(text, words, index) {
                Some((length, id)) => {
                    let last = index + length - 1;
                    found.push(Hit { start: words[index].start, end: words[last].end, id });
                    index = last + 1;
                }
                None => index += 1,
            }
        }
        found
    }

    /// The longest term starting at word `index`: its length in words and
    /// the item it names. Among equally long terms an exact spelling beats a
    /// plural variant; terms still tied that name different items are
    /// ambiguous (`None`).
    fn longest_at(&self, text: &str, words: &[Word], index: usize) -> Option<(usize, Option<Id>)> {
        let list = self.by_first_word.get(&words[index].folded)?;
        let mut candidates: Vec<&Compiled<Id>> =
            list.iter().map(|&t| &self.terms[t]).filter(|term| term_matches(term, text, words, index)).collect();
        let length = candidates.iter().map(|term| term.words.len()).max()?;
        candidates.retain(|term| term.words.len() == length);
        let is_exact =
            |term: &&Compiled<Id>| words[index..index + length].iter().zip(&term.words).all(|(w, t)| &w.folded == t);
        if candidates.iter().any(is_exact) {
            candidates.retain(is_exact);
        }
        let id = match candidates.as_slice() {
            [only] => match only.ids.as_slice() {
                [single] => Some(*single),
                _ => None,
            },
            _ => None,
        };
        Some((length, id))
    }
}

/// The keys a term whose first word is `first` is indexed under: the word
/// itself, its stems without a plural ending and its plural forms. A text
/// word finds the term when it is one of these: the same pairs as a text
/// word's own stems and plurals finding the term's word, looked up once
/// per text word instead of once per form. [`term_matches`] then decides.
fn first_word_keys(first: &str) -> Vec<String> {
    let mut keys = vec![first.to_string()];
    for ending in PLURAL_ENDINGS {
        if let Some(stem) = first.strip_suffix(ending) {
            keys.push(stem.to_string());
        }
        keys.push(format!("{first}{ending}"));
    }
    keys
}

fn term_matches<Id>(term: &Compiled<Id>, text: &str, words: &[Word], index: usize) -> bool {
    let Some(window) = words.get(index..index + term.words.len()) else {
        return false;
    };
    let last = term.words.len() - 1;
    let words_match = term.words.iter().zip(window).enumerate().all(|(i, (expected, actual))| {
        expected == &actual.folded || (i == last && same_but_plural(expected, &actual.folded))
    });
    let letters_ok = term.uppercase_letters.iter().all(|&i| {
        let word = &window[i];
        text[word.start..word.end].chars().all(char::is_uppercase)
    });
    // A term's words must be adjacent: "coffee, tea bar" is not "Coffee & Tea Bar".
    let adjacent = window.windows(2).all(|pair| is_word_gap(&text[pair[0].end..pair[1].start]));
    words_match && letters_ok && adjacent
}

/// Only blanks, hyphens and slashes between two words of one term.
fn is_word_gap(gap: &str) -> bool {
    gap.len() <= 4 && gap.chars().all(|c| c.is_whitespace() || matches!(c, '-' | '/'))
}

/// "flipcharts" ~ "flipchart", "heater" ~ "heaters"; stems of at least three
/// letters, so "bar" is never "bare".
fn same_but_plural(a: &str, b: &str) -> bool {
    let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
    short.chars().count() >= 3
        && short.chars().all(char::is_alphabetic)
        && long.strip_prefix(short).is_some_and(|ending| PLURAL_ENDINGS.contains(&ending))
        && !(short.chars().count() < 4 && matches!(&long[short.len()..], "e" | "n"))
}

/// The extra spellings of a product name (see the module docs).
fn aliases(name: &str) -> Vec<String> {
    let without_parenthesis = match (name.find('('), name.rfind(')')) {
        (Some(open), Some(close)) if open < close => format!("{} {}", &name[..open], &name[close + 1..]),
        _ => name.to_string(),
    };
    let mut out = Vec::new();
    let halves: Vec<&str> = without_parenthesis.split('/').map(str::trim).filter(|h| !h.is_empty()).collect();
    for half in &halves {
        let mut parts: Vec<&str> = half.split_whitespace().collect();
        if halves.len() > 1 || without_parenthesis != name {
            out.push(parts.join(" "));
        }
        let before = parts.len();
        if parts.len() > 1 && parts.last().is_some_and(|w| PACKAGING_SUFFIXES.contains(&fold(w).as_str())) {
            parts.pop();
        }
        if parts.len() > 1 && PACKAGING_PREFIXES.contains(&fold(parts[0]).as_str()) {
            parts.remove(0);
        }
        if parts.len() < before && parts.iter().any(|w| w.chars().any(char::is_alphabetic)) {
            out.push(parts.join(" "));
        }
    }
    out
}

/// Split `text` into folded words: runs of letters/digits, and "&".
pub(crate) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (pos, c) in text.char_indices() {
        // Combining accents belong to their letter ("Ape\u{301}ro").
        let in_word = c.is_alphanumeric() || ('\u{0300}'..='\u{036f}').contains(&c);
        match (in_word, start) {
            (true, None) => start = Some(pos),
            (false, Some(begin)) => {
                out.push(word(text, begin, pos));
                start = None;
            }
            _ => {}
        }
        if c == '&' {
            out.push(Word { start: pos, end: pos + 1, folded: "&".to_string() });
        }
    }
    if let Some(begin) = start {
        out.push(word(text, begin, text.len()));
    }
    out
}

fn word(text: &str, start: usize, end: usize) -> Word {
    Word { start, end, folded: fold(&text[start..end]) }
}

/// Lowercase, without accents, umlaut spellings unified, a few synonyms
/// merged ("und" = "and" = "&", "raum" = "room").
pub(crate) fn fold(word: &str) -> String {
    // Most words of a mail are ASCII: no accents to drop, a byte-wise lowercase.
    let plain = if word.is_ascii() { word.to_ascii_lowercase() } else { fold_letters(word) };
    // "Kaese" and "Käse" both become "kase". Runs for every word of every
    // mail: most words have no such pair and keep their one allocation.
    let plain = if ["ae", "oe", "ue"].iter().any(|pair| plain.contains(pair)) {
        plain.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    } else {
        plain
    };
    match plain.as_str() {
        "and" | "und" => "&".to_string(),
        "raum" => "room".to_string(),
        "raume" => "rooms".to_string(),
        _ => plain,
    }
}

/// Lowercase letters without their accents.
fn fold_letters(word: &str) -> String {
    let mut plain = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => plain.push('a'),
            'è' | 'é' | 'ê' | 'ë' => plain.push('e'),
            'ì' | 'í' | 'î' | 'ï' => plain.push('i'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => plain.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => plain.push('u'),
            'ç' => plain.push('c'),
            'ñ' => plain.push('n'),
            'ß' => plain.push_str("ss"),
            // Combining accents (decomposed "é") carry no letter.
            '\u{0300}'..='\u{036f}' => {}
            other => plain.push(other),
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.folded).collect()
    }

    #[test]
    fn folding_unifies_accents_umlauts_and_connectors() {
        assert_eq!(folded("Apéro apero APERO"), vec!["apero", "apero", "apero"]);
        assert_eq!(folded("Käse Kaese"), vec!["kase", "kase"]);
        assert_eq!(folded("Coffee & Tea"), folded("coffee and tea"));
        assert_eq!(folded("Kaffee und Tee"), vec!["kaffee", "&", "tee"]);
        assert_eq!(folded("Grüße Strasse"), vec!["grusse", "strasse"]);
        assert_eq!(folded("Raum B"), vec!["room", "b"]);
    }

    #[test]
    fn aliases_drop_packaging_words_parentheses_and_split_slashes() {
        assert_eq!(aliases("DJ Service"), vec!["DJ"]);
        assert_eq!(aliases("Apéro Package"), vec!["Apéro"]);
        assert_eq!(aliases("Event Photographer"), vec!["Photographer"]);
        assert_eq!(aliases("TV Display (65\")"), vec!["TV Display"]);
        assert_eq!(aliases("Lectern/Podium"), vec!["Lectern", "Podium"]);
        assert_eq!(aliases("Projector"), Vec::<String>::new());
        assert_eq!(aliases("Service"), Vec::<String>::new());
    }

    #[test]
    fn plural_endings_in_both_directions() {
        assert!(same_but_plural("flipchart", "flipcharts"));
        assert!(same_but_plural("heaters", "heater"));
        assert!(same_but_plural("mikrofon", "mikrofone"));
        assert!(!same_but_plural("bar", "bare"));
        assert!(!same_but_plural("dj", "djs"));
        assert!(!same_but_plural("band", "bandage"));
    }

    #[test]
    fn longest_match_wins_and_ambiguous_terms_block_shorter_ones() {
        let terms = vec![
            Term { id: 1, name: "Classic Apéro".into(), synonyms: vec![] },
            Term { id: 2, name: "Premium Apéro".into(), synonyms: vec![] },
            Term { id: 3, name: "Apéro Package".into(), synonyms: vec![] },
            Term { id: 4, name: "PA Sound System".into(), synonyms: vec!["sound system".into()] },
            Term { id: 5, name: "Background Music".into(), synonyms: vec!["sound system".into()] },
            Term { id: 6, name: "System".into(), synonyms: vec![] },
        ];
        let matcher = Matcher::new(&terms, true);
        let find = |text: &str| -> Vec<Option<i32>> {
            matcher.find(text, &words(text)).into_iter().map(|found| found.id).collect()
        };
        assert_eq!(find("the Premium Apéro please"), vec![Some(2)]);
        assert_eq!(find("an apero"), vec![Some(3)]);
        assert_eq!(find("a sound system"), vec![None]);
        assert_eq!(find("pa sound system"), vec![Some(4)]);
    }

    #[test]
    fn an_exact_spelling_beats_a_plural_variant() {
        let terms = vec![
            Term { id: 1, name: "Heater".into(), synonyms: vec![] },
            Term { id: 2, name: "Heaters".into(), synonyms: vec![] },
            Term { id: 3, name: "Apéro".into(), synonyms: vec![] },
        ];
        let matcher = Matcher::new(&terms, false);
        let find = |text: &str| -> Vec<Option<i32>> {
            matcher.find(text, &words(text)).into_iter().map(|found| found.id).collect()
        };
        assert_eq!(find("heaters"), vec![Some(2)]);
        assert_eq!(find("a heater"), vec![Some(1)]);
        assert_eq!(find("Ape\u{301}ro"), vec![Some(3)]);
    }
}
