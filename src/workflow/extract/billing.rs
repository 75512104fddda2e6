//! The billing address, only where the client labels it: a block after
//! "Billing address:", "Invoice address:", "Rechnungsadresse:",
//! "Rechnungsanschrift:", "Bitte Rechnung an:", "Bill to:", or inline
//! ("our billing address is Bahnhofstrasse 10, 8001 Zürich").
//!
//! Unlabelled addresses are never taken: the one in a signature is the
//! sender's or the venue's, not necessarily where the invoice goes.
//!
//! The labelled text is split into lines and comma-separated parts, then:
//! - postal code and city: 4 or 5 digits with an optional country prefix
//!   ("8001 Zürich", "CH-8001 Zurich", "D-10115 Berlin"), or a British
//!   city and postcode after the street ("London EC2N 4BQ");
//! - street: a name followed by a house number ("Bahnhofstrasse 10",
//!   "Seestr. 5a", "Postfach 123"), or "10 Downing Street", "22 Bishopsgate";
//! - company: the part with a legal form (AG, GmbH, SA, Sàrl, Ltd, Inc,
//!   LLC, ...) or naming an organisation (Verein, Club, Stiftung, school);
//! - name: else the line right before the street ("Anna Muster"), a
//!   private person, who is not a company;
//! - care of: a "c/o ..." line, kept as written;
//! - country: a country name after the city, or the postal code's prefix,
//!   as an ISO 3166 alpha-2 code ("CH", "DE", "AT", "LI", "FR", "IT").
//!
//! The block ends at a blank line, a closing ("Best regards"), contact
//! lines after the city, or after eight lines. A label without anything
//! recognisable after it ("billing address: same as last time") yields
//! nothing.

use super::lang;
use super::quoted::is_closing_line;
use super::BillingAddress;
use regex::Regex;
use std::sync::LazyLock;

/// The label, anywhere on a line, and what follows it on that line.
/// "Rechnung an" / "Bill to" need a colon: "die Rechnung an unsere
/// Buchhaltung" is a sentence, not a label.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(
        r"(?i)\b(?:{labels})\b\s*(?:(?:(?:wie folgt|as follows)\s*)?(?::|=|\s(?:is|ist|lautet|will be|would be|wäre)\b:?)\s*(?P<rest>.*)$|$)|(?i)\b(?:{with_colon})\s*:\s*(?P<rest2>.*)$",
        labels = lang::alternation(|w| w.billing_labels),
        with_colon = lang::alternation(|w| w.billing_labels_with_colon),
    ))
    .expect("static regex")
});

/// An organisation that is not a company with a legal form: a club, an
/// association, a school ("Verein Musterfreunde", "FC Seefeld",
/// "Turnverein Thalwil", "Musikschule Zug").
static ORGANISATION: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)verein|\bclub\b|\bfc\b|\bsc\b|association|stiftung|foundation|society|gesellschaft|genossenschaft|schule\b|school|gemeinde|universit|hochschule|institut|kirch|pfarrei|\bteam\b|abteilung|department|firma\b|zunft|gilde|chor\b|orchester|e\.\s?v\.")
        .expect("static regex")
});

/// "c/o Muster Treuhand AG": the address goes through someone else.
static CARE_OF: LazyLock<Regex> = LazyLock::new(|| super::pattern::compile(r"(?i)^c/o\b").expect("static regex"));

static POSTAL_CITY: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"^(?:(?P<cc>CH|DE|D|AT|A|FL|LI|FR|F|IT|I)\s?-\s?|(?P<cc2>CH|DE|AT|LI|FR|IT)\s+)?(?P<zip>\d{4,5})\s+(?P<city>\p{L}[\p{L} .'’()/-]{0,39})$")
        .expect("static regex")
});

/// A British address: the city, then the postcode ("London EC2N 4BQ").
static CITY_POSTCODE_UK: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"^(?P<city>\p{L}[\p{L} .'’-]{0,39}?)\s+(?P<zip>[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})$")
        .expect("static regex")
});

static STREET: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^(?:\p{L}[\p{L} .'’-]{1,60}?\s*\d{1,4}\s?[a-z]?(?:\s*[-/]\s*\d{1,4}[a-z]?)?|\d{1,4}[a-z]?\s+\p{L}[\p{L} .'’-]*\b(?:street|st|road|rd|avenue|ave|lane|ln|way|drive|dr|place|pl|square|boulevard|blvd|court|ct)\.?|\d{1,4}[a-z]?\s+\p{Lu}[\p{L}'’-]+(?:\s+\p{Lu}[\p{L}'’-]+)?)$")
        .expect("static regex")
});

static LEGAL_FORM: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"\b(?:AG|GmbH|gmbh|GMBH|SA|S\.A\.|Sàrl|Sarl|SARL|SàRL|Ltd|LTD|Limited|Inc|INC|LLC|KG|OHG|PLC|plc|SE|Genossenschaft|Stiftung|Verein)\b|\be\.\s?V\.")
        .expect("static regex")
});

/// "z.Hd.", "Attn:", "c/o": a person to address, not the company.
static ATTENTION: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^(?:z\.?\s?hd\.?|zhd|zu händen|attn\.?|attention|c/o|to the attention of)\b")
        .expect("static regex")
});

/// Contact details end the address block.
static CONTACT: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(
        r"(?i)@|^(?:tel|phone|mobile|mobil|fax|e-?mail|www|web|uid|mwst|vat|ust)\b|^\+?\d[\d \-/]{7,}$",
    )
    .expect("static regex")
});

/// Lines and parts the block may hold at most.
const MAX_PARTS: usize = 8;

/// Does `line` carry a billing label? (Used to keep a labelled block that
/// the client wrote below the closing, see `quoted`.)
pub(crate) fn is_label_line(line: &str) -> bool {
    line.contains(':') && LABEL.is_match(line)
}

/// The first labelled billing address in `text`.
pub fn extract_billing(text: &str) -> Option<BillingAddress> {
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().find_map(|(index, line)| {
        let captures = LABEL.captures(line)?;
        let rest = captures.name("rest").or_else(|| captures.name("rest2")).map_or("", |m| m.as_str());
        let mut parts: Vec<String> = split_parts(first_sentence(rest));
        // "Billing address:" and the address after a blank line is still one block.
        let first =
            lines.iter().skip(index + 1).position(|l| !l.trim().is_empty()).map_or(lines.len(), |p| p + index + 1);
        let start = if parts.is_empty() && first <= index + 2 { first } else { index + 1 };
        for next in lines.iter().skip(start).take(MAX_PARTS) {
            if next.trim().is_empty() || is_closing_line(next) || parts.len() >= MAX_PARTS {
                break;
            }
            parts.extend(split_parts(next));
        }
        parse(&parts)
    })
}

/// The inline rest up to the end of its sentence ("..., 8001 Zürich. Thanks!").
/// A dot followed by a digit ("Bahnhofstr. 10") or after a short word
/// ("z.Hd. Frau Meier", "Muster AG.") does not end it.
fn first_sentence(rest: &str) -> &str {
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    for (i, &(pos, c)) in chars.iter().enumerate() {
        let next_is_capital = chars.get(i + 1).is_some_and(|&(_, n)| n.is_whitespace())
            && chars.get(i + 2).is_some_and(|&(_, n)| n.is_uppercase());
        match c {
            '!' | '?' | ';' => return &rest[..pos],
            '.' if next_is_capital => {
                let word_length = rest[..pos].chars().rev().take_while(|c| c.is_alphabetic()).count();
                if word_length > 3 {
                    return &rest[..pos];
                }
            }
            _ => {}
        }
    }
    rest
}

fn split_parts(line: &str) -> Vec<String> {
    line.split([',', '|', ';'])
        .map(|part| part.trim().trim_end_matches('.').trim().to_string())
        .filter(|part| !part.is_empty())
        .collect()
}

fn parse(parts: &[String]) -> Option<BillingAddress> {
    let mut address = BillingAddress::default();
    let mut before_street: Vec<&str> = Vec::new();
    for part in parts {
        let part = part.as_str();
        if address.postal_code.is_some() {
            // After the city only a country may follow.
            address.country = country(part).map(str::to_string).or(address.country);
            break;
        }
        if CONTACT.is_match(part) {
            continue;
        }
        if let Some(captures) = POSTAL_CITY.captures(part) {
            address.postal_code = captures.name("zip").map(|m| m.as_str().to_string());
            address.city = captures.name("city").map(|m| m.as_str().trim().to_string());
            let prefix = captures.name("cc").or_else(|| captures.name("cc2")).map(|m| m.as_str());
            address.country = prefix.and_then(country_of_prefix).map(str::to_string);
            continue;
        }
        if let Some(captures) = CITY_POSTCODE_UK.captures(part).filter(|_| address.street.is_some()) {
            address.postal_code = captures.name("zip").map(|m| m.as_str().to_string());
            address.city = captures.name("city").map(|m| m.as_str().trim().to_string());
            address.country = Some("GB".to_string());
            continue;
        }
        if address.street.is_none() && STREET.is_match(part) {
            address.street = Some(part.to_string());
            continue;
        }
        if address.street.is_none() && CARE_OF.is_match(part) {
            address.care_of = Some(part.to_string());
            continue;
        }
        if address.street.is_none() {
            before_street.push(part);
        }
    }
    let organisation = |part: &&&str| LEGAL_FORM.is_match(part) || ORGANISATION.is_match(part);
    let with_legal_form = before_street.iter().find(organisation);
    let line_before_street = before_street.last().filter(|part| address.street.is_some() && looks_like_a_name(part));
    match (with_legal_form, line_before_street) {
        (Some(company), _) => address.company = Some(company.to_string()),
        // A person's name: a private client, not a company.
        (None, Some(person)) => address.name = Some(person.to_string()),
        (None, None) => {}
    }
    let found = address.company.is_some()
        || address.name.is_some()
        || address.street.is_some()
        || address.postal_code.is_some();
    found.then_some(address)
}

/// A company or person line: starts with a capital or digit, short, no
/// sentence punctuation, not an "attention of" line.
fn looks_like_a_name(part: &str) -> bool {
    part.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        && part.len() <= 80
        && part.split_whitespace().count() <= 8
        && !part.contains(['?', '!', ':'])
        && !ATTENTION.is_match(part)
}

fn country(part: &str) -> Option<&'static str> {
    let code = match part.trim().to_lowercase().as_str() {
        "switzerland" | "schweiz" | "suisse" | "svizzera" | "ch" => "CH",
        "germany" | "deutschland" | "de" => "DE",
        "austria" | "österreich" | "oesterreich" | "at" => "AT",
        "liechtenstein" | "fl" | "li" => "LI",
        "france" | "frankreich" | "fr" => "FR",
        "italy" | "italien" | "italia" | "it" => "IT",
        "united kingdom"
        | "uk"
        | "great britain"
        | "england"
        | "scotland"
        | "wales"
        | "vereinigtes königreich"
        | "grossbritannien"
        | "gb" => "GB",
        _ => return None,
    };
    Some(code)
}

fn country_of_prefix(prefix: &str) -> Option<&'static str> {
    let code = match prefix {
        "CH" => "CH",
        "D" | "DE" => "DE",
        "A" | "AT" => "AT",
        "FL" | "LI" => "LI",
        "F" | "FR" => "FR",
        "I" | "IT" => "IT",
        _ => return None,
    };
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inline_rest_ends_with_its_sentence() {
        assert_eq!(first_sentence("Seestr. 5, 8800 Thalwil. Thanks!"), "Seestr. 5, 8800 Thalwil");
        assert_eq!(first_sentence("z.Hd. Frau Meier, Muster AG"), "z.Hd. Frau Meier, Muster AG");
    }

    #[test]
    fn contact_lines_are_skipped_and_the_attention_line_is_not_the_company() {
        let found =
            extract_billing("Billing address:\nz.Hd. Anna Muster\nSeestrasse 5\n8800 Thalwil\nTel. 044 123 45 67");
        assert_eq!(
            found,
            Some(BillingAddress {
                company: None,
                street: Some("Seestrasse 5".into()),
                postal_code: Some("8800".into()),
                city: Some("Thalwil".into()),
                country: None,
                ..BillingAddress::default()
            })
        );
    }

    #[test]
    fn english_street_and_liechtenstein() {
        let found = extract_billing("Invoice to: Example Ltd, 10 Downing Street, FL-9490 Vaduz");
        assert_eq!(found.as_ref().and_then(|a| a.street.as_deref()), Some("10 Downing Street"));
        assert_eq!(found.as_ref().and_then(|a| a.country.as_deref()), Some("LI"));
        assert_eq!(found.and_then(|a| a.company), Some("Example Ltd".into()));
    }
}
