//! Billing addresses: a blank line after the label, labels with typos, a
//! private person (not a company), c/o lines and clubs.

use super::cases::check;

/// (company, name, care of, street, postal code, city)
type Billing = (
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const BILLING_EN: &[(&str, Option<Billing>)] = &[
    (
        "Please invoice:\n\nAlpine Capital Partners Ltd\nAttn. Accounts Payable\n22 Bishopsgate\nLondon EC2N 4BQ\nUnited Kingdom\nVAT GB 294 7713 08",
        Some((Some("Alpine Capital Partners Ltd"), None, None, Some("22 Bishopsgate"), Some("EC2N 4BQ"), Some("London"))),
    ),
    (
        "Billing address: Harbour Events Ltd, 10 Downing Street, London SW1A 2AA",
        Some((Some("Harbour Events Ltd"), None, None, Some("10 Downing Street"), Some("SW1A 2AA"), Some("London"))),
    ),
    (
        "Billing address:\n\nMuster AG\nBahnhofstrasse 10\n8001 Zürich",
        Some((Some("Muster AG"), None, None, Some("Bahnhofstrasse 10"), Some("8001"), Some("Zürich"))),
    ),
    (
        "please invoice:\nMuster GmbH\nSeestrasse 5\n8800 Thalwil",
        Some((Some("Muster GmbH"), None, None, Some("Seestrasse 5"), Some("8800"), Some("Thalwil"))),
    ),
    (
        "invoice adress: Muster AG, Bahnhofstrasse 10, 8001 Zürich",
        Some((Some("Muster AG"), None, None, Some("Bahnhofstrasse 10"), Some("8001"), Some("Zürich"))),
    ),
    (
        "Invoice addres:\nBeispiel SA\nRue du Rhône 12\n1204 Genève",
        Some((Some("Beispiel SA"), None, None, Some("Rue du Rhône 12"), Some("1204"), Some("Genève"))),
    ),
    (
        "Billing adress:\nAnna Muster\nDorfstrasse 3\n6300 Zug",
        Some((None, Some("Anna Muster"), None, Some("Dorfstrasse 3"), Some("6300"), Some("Zug"))),
    ),
    (
        "Billing address:\nAnna Muster\nc/o Muster Treuhand AG\nBahnhofstrasse 10\n8001 Zürich",
        Some((
            None,
            Some("Anna Muster"),
            Some("c/o Muster Treuhand AG"),
            Some("Bahnhofstrasse 10"),
            Some("8001"),
            Some("Zürich"),
        )),
    ),
    (
        "Billing address: FC Seefeld, Sportweg 2, 8008 Zürich",
        Some((Some("FC Seefeld"), None, None, Some("Sportweg 2"), Some("8008"), Some("Zürich"))),
    ),
    ("please invoice the same company as last year", None),
];

const BILLING_DE: &[(&str, Option<Billing>)] = &[
    (
        "Rechnungsadresse\n\nVerein Musterfreunde\nPostfach 123\n3000 Bern",
        Some((Some("Verein Musterfreunde"), None, None, Some("Postfach 123"), Some("3000"), Some("Bern"))),
    ),
    (
        "Rechnung an: Jürg Müller, Dorfstrasse 3, 6300 Zug",
        Some((None, Some("Jürg Müller"), None, Some("Dorfstrasse 3"), Some("6300"), Some("Zug"))),
    ),
    (
        "Rechnungsadresse: Turnverein Thalwil, c/o Peter Keller, Seestrasse 1, 8800 Thalwil",
        Some((
            Some("Turnverein Thalwil"),
            None,
            Some("c/o Peter Keller"),
            Some("Seestrasse 1"),
            Some("8800"),
            Some("Thalwil"),
        )),
    ),
    (
        "Bitte Rechnung an:\nFC Seefeld\nSportweg 2\n8008 Zürich",
        Some((Some("FC Seefeld"), None, None, Some("Sportweg 2"), Some("8008"), Some("Zürich"))),
    ),
    (
        "Rechnungsadresse: Peter Keller, Seestrasse 1, 8800 Thalwil",
        Some((None, Some("Peter Keller"), None, Some("Seestrasse 1"), Some("8800"), Some("Thalwil"))),
    ),
    (
        "Rechnungsadresse:\n\nMusikschule Zug\nHauptstrasse 4\n6300 Zug",
        Some((Some("Musikschule Zug"), None, None, Some("Hauptstrasse 4"), Some("6300"), Some("Zug"))),
    ),
    (
        "Rechnungsanschrift:\nMuster GmbH\nc/o Buchhaltung Meier\nSeestr. 5\n8800 Thalwil",
        Some((
            Some("Muster GmbH"),
            None,
            Some("c/o Buchhaltung Meier"),
            Some("Seestr. 5"),
            Some("8800"),
            Some("Thalwil"),
        )),
    ),
    ("Die Rechnung an die Firma, wie besprochen.", None),
];

type Owned = (Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);

fn owned(b: &Billing) -> Owned {
    let o = |s: Option<&str>| s.map(str::to_string);
    (o(b.0), o(b.1), o(b.2), o(b.3), o(b.4), o(b.5))
}

#[test]
fn billing_addresses_with_blank_lines_typos_persons_and_care_of() {
    for (name, table) in [("BILLING_EN", BILLING_EN), ("BILLING_DE", BILLING_DE)] {
        let rows: Vec<_> = table.iter().map(|(text, expected)| (*text, expected.as_ref().map(owned))).collect();
        check(name, &rows, |found| {
            found.billing.as_ref().map(|b| {
                (
                    b.company.clone(),
                    b.name.clone(),
                    b.care_of.clone(),
                    b.street.clone(),
                    b.postal_code.clone(),
                    b.city.clone(),
                )
            })
        });
    }
}

pub(super) const ROWS: (usize, usize) = (BILLING_EN.len(), BILLING_DE.len());
