//! Number words -> digits ("about eighty people" -> "about 80 people").
//!
//! Supported: English 2–99 (incl. "twenty-five" / "twenty five"), "hundred",
//! "a/one/two ... hundred (and) N"; German 2–99 as one word
//! ("fünfundzwanzig"), "hundert", "einhundert(und)zwanzig". "one"/"ein"/
//! "eine" are left alone: they are articles far more often than counts, and
//! a count of one never matters for a venue.

/// Replace number words with their digits, leaving everything else intact;
/// dozens are multiplied out ("two dozen" -> "24", "ein Dutzend" -> "12",
/// "half a dozen" -> "6").
pub fn normalize_number_words(text: &str) -> String {
    multiply_dozens(&digits_for_words(text))
}

/// "N dozen" / "a dozen" / "N Dutzend" -> N × 12; "half a dozen" -> 6.
fn multiply_dozens(text: &str) -> String {
    use regex::Regex;
    use std::sync::LazyLock;
    static DOZEN: LazyLock<Regex> = LazyLock::new(|| {
        super::pattern::compile(&format!(
            r"(?i)\b(?:(?P<half>{half})|(?:(?P<n>\d{{1,3}})|an?|one|ein(?:e[mn]?)?|1)\s+(?:{dozen}))\b",
            half = super::lang::alternation(|w| w.half_dozen),
            dozen = super::lang::alternation(|w| w.dozen),
        ))
        .expect("static regex")
    });
    if !text.to_lowercase().contains("dozen") && !text.to_lowercase().contains("dutzend") {
        return text.to_string();
    }
    DOZEN
        .replace_all(text, |captures: &regex::Captures| {
            if captures.name("half").is_some() {
                return "6".to_string();
            }
            let n: u32 = captures.name("n").and_then(|n| n.as_str().parse().ok()).unwrap_or(1);
            (n * 12).to_string()
        })
        .into_owned()
}

fn digits_for_words(text: &str) -> String {
    let words = word_spans(text);
    let mut out = String::with_capacity(text.len());
    let mut copied_up_to = 0;
    let mut index = 0;
    while index < words.len() {
        let (value, last) = match english_phrase(text, &words, index) {
            Some(found) => found,
            None => match german_number(&words[index].lower) {
                Some(value) => (value, index),
                None => {
                    index += 1;
                    continue;
                }
            },
        };
        out.push_str(&text[copied_up_to..words[index].start]);
        out.push_str(&value.to_string());
        copied_up_to = words[last].end;
        index = last + 1;
    }
    out.push_str(&text[copied_up_to..]);
    out
}

struct Word {
    start: usize,
    end: usize,
    lower: String,
}

fn word_spans(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut start = None;
    for (pos, c) in text.char_indices() {
        match (c.is_alphabetic(), start) {
            (true, None) => start = Some(pos),
            (false, Some(begin)) => {
                words.push(Word { start: begin, end: pos, lower: text[begin..pos].to_lowercase() });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        words.push(Word { start: begin, end: text.len(), lower: text[begin..].to_lowercase() });
    }
    words
}

fn english_unit(word: &str) -> Option<u32> {
    let value = match word {
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        _ => return None,
    };
    Some(value)
}

fn english_below_twenty(word: &str) -> Option<u32> {
    english_unit(word).or(match word {
        "ten" => Some(10),
        "eleven" => Some(11),
        "twelve" => Some(12),
        "thirteen" => Some(13),
        "fourteen" => Some(14),
        "fifteen" => Some(15),
        "sixteen" => Some(16),
        "seventeen" => Some(17),
        "eighteen" => Some(18),
        "nineteen" => Some(19),
        _ => None,
    })
}

fn english_tens(word: &str) -> Option<u32> {
    let value = match word {
        "twenty" => 20,
        "thirty" => 30,
        "forty" | "fourty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    };
    Some(value)
}

/// Words of one English number phrase must be separated by blanks or a
/// single hyphen ("twenty-five"), not by punctuation ("twenty, five").
fn joined(text: &str, words: &[Word], left: usize) -> bool {
    let gap = text[words[left].end..words[left + 1].start].trim();
    gap.is_empty() || gap == "-"
}

/// An English number below 100 starting at `index`: value and last word index.
fn english_below_hundred(text: &str, words: &[Word], index: usize) -> Option<(u32, usize)> {
    let word = &words.get(index)?.lower;
    if let Some(tens) = english_tens(word) {
        let unit =
            words.get(index + 1).filter(|_| joined(text, words, index)).and_then(|next| english_unit(&next.lower));
        return Some(match unit {
            Some(unit) => (tens + unit, index + 1),
            None => (tens, index),
        });
    }
    english_below_twenty(word).map(|value| (value, index))
}

/// A whole English number phrase starting at `index`.
fn english_phrase(text: &str, words: &[Word], index: usize) -> Option<(u32, usize)> {
    let first = words[index].lower.as_str();
    let hundreds_multiplier = if first == "hundred" {
        Some((1, index))
    } else {
        let multiplier = if first == "a" { Some(1) } else { english_unit(first) };
        multiplier
            .filter(|_| words.get(index + 1).is_some_and(|next| next.lower == "hundred") && joined(text, words, index))
            .map(|m| (m, index + 1))
    };
    if let Some((multiplier, hundred_index)) = hundreds_multiplier {
        let mut rest_index = hundred_index + 1;
        if words.get(rest_index).is_some_and(|w| w.lower == "and")
            && rest_index + 1 < words.len()
            && joined(text, words, hundred_index)
            && joined(text, words, rest_index)
        {
            rest_index += 1;
        }
        let rest = (rest_index < words.len() && joined(text, words, rest_index - 1))
            .then(|| english_below_hundred(text, words, rest_index))
            .flatten();
        return Some(match rest {
            Some((value, last)) => (multiplier * 100 + value, last),
            None => (multiplier * 100, hundred_index),
        });
    }
    english_below_hundred(text, words, index).filter(|(value, _)| *value > 1)
}

fn german_unit(word: &str) -> Option<u32> {
    let value = match word {
        "ein" | "eins" => 1,
        "zwei" => 2,
        "drei" => 3,
        "vier" => 4,
        "fünf" | "fuenf" => 5,
        "sechs" => 6,
        "sieben" => 7,
        "acht" => 8,
        "neun" => 9,
        _ => return None,
    };
    Some(value)
}

fn german_teen(word: &str) -> Option<u32> {
    let value = match word {
        "zehn" => 10,
        "elf" => 11,
        "zwölf" | "zwoelf" => 12,
        "dreizehn" => 13,
        "vierzehn" => 14,
        "fünfzehn" | "fuenfzehn" => 15,
        "sechzehn" => 16,
        "siebzehn" => 17,
        "achtzehn" => 18,
        "neunzehn" => 19,
        _ => return None,
    };
    Some(value)
}

fn german_tens(word: &str) -> Option<u32> {
    let value = match word {
        "zwanzig" => 20,
        "dreissig" | "dreißig" => 30,
        "vierzig" => 40,
        "fünfzig" | "fuenfzig" => 50,
        "sechzig" => 60,
        "siebzig" => 70,
        "achtzig" => 80,
        "neunzig" => 90,
        _ => return None,
    };
    Some(value)
}

/// German 1–99 written as one word ("einundzwanzig"); 1 only inside compounds.
fn german_below_hundred(word: &str) -> Option<u32> {
    if let Some(value) = german_unit(word).or_else(|| german_teen(word)).or_else(|| german_tens(word)) {
        return Some(value);
    }
    let (unit, tens) = word.split_once("und")?;
    Some(german_unit(unit)? + german_tens(tens)?)
}

/// A German number word (one token), ignoring the article-like "ein"/"eins".
fn german_number(word: &str) -> Option<u32> {
    if let Some((prefix, rest)) = word.split_once("hundert") {
        let multiplier = if prefix.is_empty() { 1 } else { german_unit(prefix)? };
        let rest = rest.strip_prefix("und").unwrap_or(rest);
        let below = if rest.is_empty() { 0 } else { german_below_hundred(rest)? };
        return Some(multiplier * 100 + below);
    }
    german_below_hundred(word).filter(|value| *value > 1)
}

#[cfg(test)]
mod tests {
    use super::normalize_number_words as n;

    #[test]
    fn english_words() {
        assert_eq!(n("about eighty people"), "about 80 people");
        assert_eq!(n("twenty-five guests"), "25 guests");
        assert_eq!(n("twenty five guests"), "25 guests");
        assert_eq!(n("a hundred guests"), "100 guests");
        assert_eq!(n("one hundred and twenty guests"), "120 guests");
        assert_eq!(n("in two weeks"), "in 2 weeks");
        assert_eq!(n("Twelve people"), "12 people");
    }

    #[test]
    fn german_words() {
        assert_eq!(n("zwanzig Personen"), "20 Personen");
        assert_eq!(n("fünfundzwanzig Gäste"), "25 Gäste");
        assert_eq!(n("hundert Gäste"), "100 Gäste");
        assert_eq!(n("hundertzwanzig Gäste"), "120 Gäste");
        assert_eq!(n("einhundertfünfzig"), "150");
        assert_eq!(n("in drei Wochen"), "in 3 Wochen");
    }

    #[test]
    fn articles_and_lookalikes_stay() {
        assert_eq!(n("one of the rooms"), "one of the rooms");
        assert_eq!(n("ein Apéro, eine Gruppe"), "ein Apéro, eine Gruppe");
        assert_eq!(n("often, Nacht, Elfenbein"), "often, Nacht, Elfenbein");
        assert_eq!(n("twenty, five"), "20, 5");
    }

    #[test]
    fn non_ascii_is_preserved() {
        assert_eq!(n("Grüße – zwölf Gäste 😊"), "Grüße – 12 Gäste 😊");
    }
}
