//! The one place the extractors' regexes are compiled.
//!
//! The patterns are written with the usual classes (`\w`, `\d`, `\p{L}`),
//! whose Unicode forms span every script. Their automata are large (the
//! Unicode `\w` alone is hundreds of ranges), and the regex engine keeps,
//! per thread, lazy-DFA caches sized by the automaton: with about ninety
//! patterns that was most of the service's memory. The mail this service
//! reads is written in Latin script, so each class is narrowed to it
//! before compiling, which keeps the automata small and the meaning the
//! same for every word of such a mail.

use regex::{Regex, RegexBuilder};

/// A word character: ASCII digits and underscore, letters of the Latin
/// script (accented ones included) and combining accents (a decomposed
/// "é" stays one word).
const WORD: &str = r"[0-9_\p{Latin}\x{300}-\x{36F}]";
const NOT_WORD: &str = r"[^0-9_\p{Latin}\x{300}-\x{36F}]";

/// Compiles an extractor's pattern with its classes narrowed to Latin
/// script and ASCII digits (see the module's doc).
///
/// # Errors
/// The pattern's syntax error (patterns are static: callers `expect`).
pub(crate) fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&narrowed(pattern)).build()
}

/// `pattern` with `\w`, `\W`, `\d`, `\p{L}` and `\p{Lu}` replaced by their
/// Latin-script forms, inside and outside brackets (a bracket inside a
/// bracket is a nested class, which is a union). Escaped backslashes are
/// left alone.
fn narrowed(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 64);
    let mut rest = pattern;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        let (replacement, len) = if escape.starts_with(r"\w") {
            (WORD, 2)
        } else if escape.starts_with(r"\W") {
            (NOT_WORD, 2)
        } else if escape.starts_with(r"\d") {
            ("[0-9]", 2)
        } else if escape.starts_with(r"\p{L}") {
            (r"\p{Latin}", 5)
        } else if escape.starts_with(r"\p{Lu}") {
            (r"[\p{Lu}&&\p{Latin}]", 6)
        } else {
            // Any other escape, `\\` included, is kept with the character
            // it escapes.
            let len = 1 + escape[1..].chars().next().map_or(0, char::len_utf8);
            (&escape[..len], len)
        };
        out.push_str(replacement);
        rest = &escape[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(pattern: &str, text: &str) -> Vec<String> {
        compile(pattern).unwrap().find_iter(text).map(|m| m.as_str().to_string()).collect()
    }

    #[test]
    fn classes_are_narrowed_and_other_escapes_kept() {
        assert_eq!(narrowed(r"\w+\d\s\\w"), format!(r"{WORD}+[0-9]\s\\w"));
        assert_eq!(narrowed(r"[^\w.]\p{Lu}\p{L}"), format!(r"[^{WORD}.][\p{{Lu}}&&\p{{Latin}}]\p{{Latin}}"));
        assert_eq!(narrowed(r"ä\.ü\"), r"ä\.ü\");
    }

    #[test]
    fn words_of_latin_mail_match_as_before() {
        assert_eq!(finds(r"(?i)\bänder\w*", "Bitte Änderungen: änderbar"), ["Änderungen", "änderbar"]);
        assert_eq!(
            finds(r"\w+", "Crème brûlée, Grüsse (Straße) cafe\u{301}"),
            ["Crème", "brûlée", "Grüsse", "Straße", "cafe\u{301}"]
        );
        assert_eq!(finds(r"\p{Lu}\p{L}+", "für Zürich und Łódź"), ["Zürich", "Łódź"]);
        assert_eq!(finds(r"\d+", "12 and ١٢"), ["12"], "only ASCII digits, which is what parse() reads");
        assert_eq!(finds(r"[^\w ]", "a-b é"), ["-"]);
    }
}
