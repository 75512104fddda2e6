//! Keep only what the sender newly wrote.
//!
//! Replies carry the whole conversation below the fresh text, and that history
//! contains old dates and head counts. Extracting from it would turn a plain
//! "thanks!" into a date change, so everything that is history goes:
//! `>` quoted lines, everything from an attribution line ("On ... wrote:",
//! "Am ... schrieb ...:"), from an "-----Original Message-----" style
//! separator, from an Outlook header block ("From:/Von:" followed by
//! "Sent:/Gesendet:/Date:/Datum:"), and everything after a signature
//! delimiter line ("-- "). A forwarded message is not history: the client
//! forwards an inquiry for us to read, so only its header lines go.
//!
//! Most clients write no delimiter: their signature (name, title, company
//! address, phone, "member since 2019") follows the closing line ("Best
//! regards", "Kind regards, Anna", "Freundliche Grüsse", "Mit freundlichen
//! Grüssen", "Liebe Grüsse"). Lines after such a closing are dropped too,
//! except from a "P.S." or a labelled billing address ("Rechnungsadresse:")
//! on, which the sender did write. Greeting and closing lines themselves
//! stay: they are harmless. "Thanks"/"Cheers" are not closings here: "Thanks!"
//! often opens a mail.

use super::billing::is_label_line;
use regex::Regex;
use std::sync::LazyLock;

/// "-----Original Message-----", "-----Ursprüngliche Nachricht-----".
static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(
        r"(?i)^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|urspruengliche nachricht|message d'origine)\s*-{2,}",
    )
    .expect("static regex")
});

/// "---------- Forwarded message ---------", "Begin forwarded message:",
/// "-------- Weitergeleitete Nachricht --------" (words from `lang`). A
/// forwarded inquiry is what the sender wants us to read: its header lines
/// go, its text stays.
static FORWARDED: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(r"(?i)^\s*(?:{})", super::lang::alternation(|w| w.forwarded)))
        .expect("static regex")
});

/// "FW: Podium", "WG: Anfrage", but not "AW: WG: Anfrage" (a reply that
/// quotes our answer to the forward).
static FORWARD_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(r"(?i)^\s*(?:{})\s*:", super::lang::alternation(|w| w.forward_subject)))
        .expect("static regex")
});

/// Is a mail with this subject a forward?
pub fn is_forward(subject: &str) -> bool {
    FORWARD_SUBJECT.is_match(subject)
}

/// [`strip_quoted`] for a forward (see [`is_forward`]): Outlook forwards
/// with the separators of a reply ("-----Ursprüngliche Nachricht-----", a
/// line of underscores, a "From:/Sent:" block), so in a forward the first
/// such block opens the forwarded mail, which is read (without its header
/// lines), not dropped as history.
pub fn strip_forwarded(text: &str) -> String {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalized.split('\n').collect();
    if lines.iter().any(|line| FORWARDED.is_match(line)) {
        return strip_quoted(text);
    }
    let Some(marker) = (0..lines.len()).find(|&i| {
        SEPARATOR.is_match(lines[i]) || UNDERSCORE_RULE.is_match(lines[i]) || is_header_block_start(&lines, i)
    }) else {
        return strip_quoted(text);
    };
    let mut body = if HEADER_FROM.is_match(lines[marker]) { marker } else { marker + 1 };
    while body < lines.len() && (lines[body].trim().is_empty() || FORWARDED_HEADER.is_match(lines[body])) {
        body += 1;
    }
    let above = strip_lines(&lines[..marker]);
    let forwarded = strip_quoted(&lines[body..].join("\n"));
    [above, forwarded].into_iter().filter(|part| !part.trim().is_empty()).collect::<Vec<_>>().join("\n\n")
}

/// A header line of a forwarded message ("From:", "Betreff:", "Date:").
static FORWARDED_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^\s*\*{0,2}(?:from|von|de|date|datum|sent|gesendet|subject|betreff|objet|to|an|à|cc|bcc|reply-to|antwort an)\s*:")
        .expect("static regex")
});

/// A line that opens an Outlook-style header block.
static HEADER_FROM: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(r"(?i)^\s*\*{0,2}(?:from|von|de)\s*:\*{0,2}\s*\S").expect("static regex"));

/// The header line that proves the "From:" above is a quoted header and not
/// the client writing "From: 18:00".
static HEADER_SENT: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)(?:^|\s)\*{0,2}(?:sent|gesendet|date|datum|envoyé)\s*:").expect("static regex")
});

/// Attribution lines that open with "On"/"Am"/"Le" and end (possibly one or
/// two wrapped lines later) with "wrote:"/"schrieb ...:"/"a écrit :".
static ATTRIBUTION_OPENING: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(r"^\s*(?:On|Am|Le)\s").expect("static regex"));
static ATTRIBUTION_ENDING: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)(?:\bwrote|\bschrieb\b.*|\ba écrit)\s*:\s*$").expect("static regex")
});

/// "Anna Muster <anna@example.ch> wrote:" / "... schrieb am 3. März 2026:".
static ATTRIBUTION_WITH_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)(?:@.*\bwrote\s*:\s*$|\bschrieb am\b.*:\s*$|@.*\bschrieb\s*:\s*$)")
        .expect("static regex")
});

/// A line of underscores: Outlook puts one above the quoted header.
static UNDERSCORE_RULE: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(r"^\s*_{8,}\s*$").expect("static regex"));

/// A closing formula alone on its line, maybe with the sender's name
/// ("Kind regards, Anna Muster"); nothing else may follow on the line.
static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(
        r"(?i)^\s*(?:(?:(?:with\s+)?(?:best|kind|kindest|warm|warmest|many)\s+)?regards|best wishes|(?:yours\s+)?sincerely|yours faithfully|(?:mit\s+)?(?:freundliche[nm]?|liebe[n]?|herzliche[n]?|viele[n]?|beste[n]?|sonnige[n]?)\s+gr(?:ü|ue|u)(?:ss|ß)(?:e|en)?|gr(?:ü|ue)(?:ss|ß)e|gruss|mfg|lg)(?:\s+(?:aus|from)\s+\p{Lu}\p{L}*)?[\s,.!]*(?:\p{Lu}[\p{L}.'-]*(?:\s+\p{Lu}[\p{L}.'-]*){0,2}\s*)?$",
    )
    .expect("static regex")
});

/// "P.S.", "PS:", "P.P.S.": written after the closing, still fresh text.
static POSTSCRIPT: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(r"(?i)^\s*p\.?\s?(?:p\.?\s?)?s\b\.?").expect("static regex"));

/// Is `line` a closing such as "Best regards" or "Freundliche Grüsse, Anna"?
pub(crate) fn is_closing_line(line: &str) -> bool {
    CLOSING.is_match(line)
}

/// Keep only what the sender newly wrote (see the module docs). A
/// forwarded message counts as written: the text above the forward marker
/// and the forwarded text (without its header lines) are both kept, each
/// stripped on its own.
pub fn strip_quoted(text: &str) -> String {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalized.split('\n').collect();
    let Some(marker) = lines.iter().position(|line| FORWARDED.is_match(line)) else {
        return strip_lines(&lines);
    };
    let mut body = marker + 1;
    while body < lines.len() && (lines[body].trim().is_empty() || FORWARDED_HEADER.is_match(lines[body])) {
        body += 1;
    }
    // A wrapped header value ("To: a@b.ch,\n c@d.ch") is skipped by the
    // blank test only when indented; that is enough for the usual clients.
    let above = strip_lines(&lines[..marker]);
    let forwarded = strip_quoted(&lines[body..].join("\n"));
    [above, forwarded].into_iter().filter(|part| !part.trim().is_empty()).collect::<Vec<_>>().join("\n\n")
}

fn strip_lines(lines: &[&str]) -> String {
    let cut = first_history_line(lines);
    let mut kept: Vec<&str> = Vec::new();
    let mut in_signature = false;
    for line in lines[..cut].iter().copied().filter(|line| !line.trim_start().starts_with('>')) {
        if in_signature && (POSTSCRIPT.is_match(line) || is_label_line(line)) {
            in_signature = false;
        }
        if !in_signature {
            kept.push(line);
        }
        if is_closing_line(line) {
            in_signature = true;
        }
    }
    while kept.last().is_some_and(|line| line.trim().is_empty()) {
        kept.pop();
    }
    kept.join("\n").trim_end().to_string()
}

/// Index of the first line that belongs to history or a signature
/// (`lines.len()` when there is none).
fn first_history_line(lines: &[&str]) -> usize {
    for (index, line) in lines.iter().enumerate() {
        if is_signature_delimiter(line)
            || SEPARATOR.is_match(line)
            || UNDERSCORE_RULE.is_match(line)
            || ATTRIBUTION_WITH_ADDRESS.is_match(line)
            || is_attribution_start(lines, index)
            || is_header_block_start(lines, index)
        {
            return index;
        }
    }
    lines.len()
}

/// The conventional "-- " line; many clients strip the trailing space.
fn is_signature_delimiter(line: &str) -> bool {
    line.trim_end() == "--"
}

/// "On Mon, 3 Mar 2026 at 10:00, Anna <a@b.ch> wrote:" possibly wrapped over
/// up to three lines. Attributions always carry a date or time, so a digit is
/// required; that keeps "On Friday we will be 40 people" (no "wrote:") safe.
fn is_attribution_start(lines: &[&str], index: usize) -> bool {
    if !ATTRIBUTION_OPENING.is_match(lines[index]) {
        return false;
    }
    let mut joined = String::new();
    for line in lines.iter().skip(index).take(3) {
        joined.push_str(line.trim());
        joined.push(' ');
        if ATTRIBUTION_ENDING.is_match(line) || ATTRIBUTION_ENDING.is_match(joined.trim_end()) {
            return joined.chars().any(|c| c.is_ascii_digit()) && joined.len() < 400;
        }
    }
    false
}

/// "From: X" / "Von: X" directly followed (same line or within the next four
/// lines) by "Sent:" / "Gesendet:" / "Date:" / "Datum:".
fn is_header_block_start(lines: &[&str], index: usize) -> bool {
    if !HEADER_FROM.is_match(lines[index]) {
        return false;
    }
    lines.iter().skip(index).take(5).any(|line| HEADER_SENT.is_match(line))
}

#[cfg(test)]
mod tests {
    use super::{is_forward, strip_forwarded, strip_quoted};

    /// Outlook forwards (subject "FW:"/"WG:") carry the forwarded mail below a
    /// reply's separators; it is read, its header lines (and their dates) not.
    #[test]
    fn an_outlook_forward_is_read_below_its_separator() {
        assert!(is_forward("FW: Q2 kick-off") && is_forward("WG: Podium") && is_forward("Fwd: Anfrage"));
        assert!(!is_forward("RE: FW: Q2 kick-off") && !is_forward("AW: WG: Podium") && !is_forward("Wg Zimmer"));
        let en = "Please see below.\n\nKind regards,\nPriya\nAssistant\n\n________________________________\nFrom: Tom <t@x.com>\nSent: Monday, November 30, 2026 4:12 PM\nTo: Priya <p@x.com>\nSubject: Kick-off\n\nHi Priya,\n15 April 2027, 9am to 1pm, 22 people.\n";
        let fresh = strip_forwarded(en);
        assert!(fresh.contains("15 April 2027, 9am to 1pm") && fresh.contains("Please see below"), "{fresh}");
        assert!(!fresh.contains("November 30") && !fresh.contains("Assistant"), "{fresh}");
        let de = "Guten Morgen\nBitte um Offerte.\n\nFreundliche Grüsse\nNadine\n\n-----Ursprüngliche Nachricht-----\nVon: Zürcher Beat <b@x.ch>\nGesendet: Montag, 7. Dezember 2026 18:02\nAn: Frei Nadine <n@x.ch>\nBetreff: Podium\n\nHoi Nadine\nDienstag, 21. September 2027, 75 Gäste\n";
        let fresh = strip_forwarded(de);
        assert!(fresh.contains("21. September 2027") && !fresh.contains("7. Dezember"), "{fresh}");
        assert_eq!(strip_forwarded("Danke!\n\nVon: A <a@x.ch>\nGesendet: Montag\n\nalt"), "Danke!\n\nalt");
    }

    #[test]
    fn drops_gmail_attribution_and_everything_after() {
        let mail = "Hi,\nwe would like 20 March.\n\nOn Mon, 3 Mar 2026 at 10:00, Anna <a@b.ch> wrote:\n> old 15 March\nold text";
        assert_eq!(strip_quoted(mail), "Hi,\nwe would like 20 March.");
    }

    #[test]
    fn drops_wrapped_attribution() {
        let mail = "Fine for us.\nOn Tue, Mar 3, 2026 at 10:00 AM Anna Muster <\nanna@example.com> wrote:\n> 80 guests";
        assert_eq!(strip_quoted(mail), "Fine for us.");
    }

    #[test]
    fn drops_german_attribution() {
        let mail = "Danke!\n\nAm 03.03.2026 um 10:00 schrieb Anna Muster <anna@x.ch>:\n> 15. März";
        assert_eq!(strip_quoted(mail), "Danke!");
        let gmail = "Gut.\nAm Di., 3. März 2026 um 10:00 Uhr schrieb Anna <a@x.ch>:\nalt";
        assert_eq!(strip_quoted(gmail), "Gut.");
    }

    #[test]
    fn drops_original_message_separators() {
        let mail = "New text\n-----Original Message-----\nFrom: x\nold";
        assert_eq!(strip_quoted(mail), "New text");
        let de = "Neu\n-----Ursprüngliche Nachricht-----\nVon: x\nalt";
        assert_eq!(strip_quoted(de), "Neu");
    }

    #[test]
    fn drops_outlook_header_blocks() {
        let en = "Sounds good.\n\nFrom: The Atelier <info@atelier.ch>\nSent: Tuesday, 24 November 2026 10:00\nTo: Anna\nSubject: Offer\n\nDear Anna, 50 guests";
        assert_eq!(strip_quoted(en), "Sounds good.");
        let de = "Passt.\n________________________________\nVon: The Atelier\nGesendet: Dienstag, 24. November 2026 10:00\nAn: Anna\n80 Personen";
        assert_eq!(strip_quoted(de), "Passt.");
        let one_line = "Ok.\nVon: The Atelier Gesendet: Montag An: Anna";
        assert_eq!(strip_quoted(one_line), "Ok.");
    }

    #[test]
    fn keeps_a_from_line_that_is_not_a_header() {
        let mail = "Timing\nFrom: 18:00 apero\nTo: 23:00";
        assert_eq!(strip_quoted(mail), mail);
    }

    #[test]
    fn drops_interleaved_quote_lines_but_keeps_answers() {
        let mail = "> Which date?\n12 June please\n> How many?\n40 people";
        assert_eq!(strip_quoted(mail), "12 June please\n40 people");
    }

    #[test]
    fn drops_signature_after_delimiter_but_keeps_closing() {
        let mail = "See you on 12 June.\nBest regards, Anna\n-- \nAnna Muster\n+41 44 123 45 67\nBorn 01.01.1980";
        assert_eq!(strip_quoted(mail), "See you on 12 June.\nBest regards, Anna");
    }

    #[test]
    fn keeps_a_sentence_starting_with_on() {
        let mail = "On 12 June we will be 40 people.\nThanks";
        assert_eq!(strip_quoted(mail), mail);
    }

    #[test]
    fn drops_an_unmarked_signature_after_the_closing() {
        let mail =
            "Room B on 12 June, please.\n\nKind regards\nAnna Muster\nMuster AG | since 01.03.2027\n+41 44 123 45 67";
        assert_eq!(strip_quoted(mail), "Room B on 12 June, please.\n\nKind regards");
        let de = "Passt so.\nFreundliche Grüsse aus Zürich\nPeter Keller\nBahnhofstrasse 1\n8001 Zürich";
        assert_eq!(strip_quoted(de), "Passt so.\nFreundliche Grüsse aus Zürich");
        let named = "Ok.\nMit freundlichen Grüßen, Dr. Martin Weber\nCEO";
        assert_eq!(strip_quoted(named), "Ok.\nMit freundlichen Grüßen, Dr. Martin Weber");
    }

    #[test]
    fn keeps_a_postscript_and_a_labelled_billing_address_after_the_closing() {
        let mail = "Fine.\nBest regards\nTom\nTom Keller, CEO\nP.S. Please add 3 flipcharts.";
        assert_eq!(strip_quoted(mail), "Fine.\nBest regards\nP.S. Please add 3 flipcharts.");
        let de = "Danke.\nLiebe Grüsse\nAnna\n\nRechnungsadresse:\nMuster AG\n8001 Zürich";
        assert_eq!(strip_quoted(de), "Danke.\nLiebe Grüsse\nRechnungsadresse:\nMuster AG\n8001 Zürich");
    }

    #[test]
    fn thanks_and_sentences_with_regards_are_not_closings() {
        let mail = "Thanks!\nWe would like Room B.\nWith regards to the menu: vegetarian please.\nCheers, Tom";
        assert_eq!(strip_quoted(mail), mail);
    }

    #[test]
    fn normalizes_crlf() {
        assert_eq!(strip_quoted("a\r\nb\r\n> c\r\n"), "a\nb");
    }
}
