//! Table-driven extraction cases, English and German, run through the whole
//! pipeline ([`extract_with`] with the built-in catalogue's vocabulary, so
//! quote stripping and number words are part of every case). Each row is
//! one case; a failing table reports all of its failing rows at once.

use super::super::*;
use crate::domain::{ProductId, RoomId};
use crate::store::catalog::CATALOG_JSON;
use chrono::{NaiveDate, NaiveTime, Weekday};
use std::str::FromStr;

/// 2026-11-25, a Wednesday.
pub(super) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date")
}

/// The rooms and products of `fixtures/catalog.json` as the workflow passes them.
pub(super) fn catalogue() -> Vocabulary {
    let json: serde_json::Value = serde_json::from_str(CATALOG_JSON).expect("catalog parses");
    let text = |value: &serde_json::Value, key: &str| value[key].as_str().expect("string field").to_string();
    let rooms = json["rooms"]
        .as_array()
        .expect("rooms")
        .iter()
        .map(|room| Term {
            id: RoomId::from_str(&text(room, "id")).expect("room id"),
            name: text(room, "name"),
            synonyms: Vec::new(),
        })
        .collect();
    let products = json["products"]
        .as_array()
        .expect("products")
        .iter()
        .map(|product| Term {
            id: ProductId::from_str(&text(product, "id")).expect("product id"),
            name: text(product, "name"),
            synonyms: product["synonyms"]
                .as_array()
                .map(|list| list.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
        })
        .collect();
    Vocabulary { rooms, products }
}

pub(super) fn run(text: &str) -> Extracted {
    extract_with(text, today(), &catalogue())
}

fn room_name(vocabulary: &Vocabulary, id: RoomId) -> String {
    vocabulary.rooms.iter().find(|t| t.id == id).map_or_else(|| id.to_string(), |t| t.name.clone())
}

pub(super) fn product_name(vocabulary: &Vocabulary, id: ProductId) -> String {
    vocabulary.products.iter().find(|t| t.id == id).map_or_else(|| id.to_string(), |t| t.name.clone())
}

/// Run every row, collect the mismatches, fail once with all of them.
pub(super) fn check<T: PartialEq + std::fmt::Debug>(table: &str, rows: &[(&str, T)], actual: impl Fn(&Extracted) -> T) {
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|(text, expected)| {
            let got = actual(&run(text));
            (got != *expected).then(|| format!("{text:?}\n    expected {expected:?}\n    got      {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{table}: {} of {} rows failed:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

pub(super) type Ymd = (i32, u32, u32);

pub(super) fn ymd(date: &NaiveDate) -> Ymd {
    use chrono::Datelike;
    (date.year(), date.month(), date.day())
}

const DATE_CASES: &[(&str, &[Ymd])] = &[
    ("We would like to book on 15.03.2027.", &[(2027, 3, 15)]),
    ("Our event is on 15 March 2027.", &[(2027, 3, 15)]),
    ("Would March 15th work for you?", &[(2027, 3, 15)]),
    ("Date: 2027-03-15", &[(2027, 3, 15)]),
    ("Wir möchten am 15. März feiern.", &[(2027, 3, 15)]),
    ("Is the room free on Friday, 18 June 2027?", &[(2027, 6, 18)]),
    ("Could we do it next Friday?", &[(2026, 11, 27)]),
    ("Friday next week would be ideal.", &[(2026, 12, 4)]),
    ("Geht es am nächsten Freitag?", &[(2026, 11, 27)]),
    ("Wir kommen nächste Woche am Dienstag.", &[(2026, 12, 1)]),
    ("We'd like to hold it in two weeks.", &[(2026, 12, 9)]),
    ("Wir planen am 3. Dezember einen Apéro.", &[(2026, 12, 3)]),
    ("on the 3rd of February 2027", &[(2027, 2, 3)]),
    ("Date would be 15/03/2027.", &[(2027, 3, 15)]),
    ("We are thinking of Sept. 4th.", &[(2027, 9, 4)]),
    ("am 14., 15. oder 16. Mai", &[(2027, 5, 14), (2027, 5, 15), (2027, 5, 16)]),
    ("3 or 4 June would suit us", &[(2027, 6, 3), (2027, 6, 4)]),
    ("How about Dec 3?", &[(2026, 12, 3)]),
    ("Ist der Raum morgen Abend frei?", &[(2026, 11, 26)]),
    ("Wir hätten gerne den 12.12.", &[(2026, 12, 12)]),
    ("from 14 to 16 April 2027", &[(2027, 4, 14), (2027, 4, 16)]),
    ("Samstag, 12. Juni", &[(2027, 6, 12)]),
    ("on the 20th of January", &[(2027, 1, 20)]),
    ("Termin: 2. Februar 2027", &[(2027, 2, 2)]),
    ("Could we move it from 15 March to 22 March?", &[(2027, 3, 22)]),
    ("Bitte vom 15.03.2027 auf den 22.03.2027 verschieben.", &[(2027, 3, 22)]),
    ("Geplant ist ein Stehapéro am Fr 10.9.27 von 17 bis 20 Uhr.", &[(2027, 9, 10)]),
    ("Sa, 5.6.27 ab 18 Uhr", &[(2027, 6, 5)]),
    ("Do. 4.3.2027", &[(2027, 3, 4)]),
    ("Fri 10/09/2027, evening", &[(2027, 9, 10)]),
    ("Sat. 5.6. for 40 guests", &[(2027, 6, 5)]),
];

/// Dates that are not event dates: quoted history, payment dates, negated
/// days, signatures, document and birth dates.
const DATE_TRAP_CASES: &[(&str, &[Ymd])] = &[
    ("> On 12 March 2027 we are 80 guests", &[]),
    (
        "Thanks!\n\nAm 20.11.2026 um 14:03 schrieb Claudia Meier <claudia@atelier.ch>:\nWir bestätigen den 12. März 2027.",
        &[],
    ),
    ("Thanks!\n\nOn Mon, 23 Nov 2026 at 10:00, Marco <marco@atelier.ch> wrote:\n> dinner on 12 March 2027", &[]),
    ("We will pay the deposit by 15.01.2027.", &[]),
    ("Zahlung bis 15.01.", &[]),
    ("Die Anzahlung überweisen wir bis 15.01.2027.", &[]),
    ("Payment by 1 Feb 2027, event on 15 March 2027", &[(2027, 3, 15)]),
    ("March works, but not the 15th of March.", &[]),
    ("nicht am 15. März, sondern am 16. März", &[(2027, 3, 16)]),
    ("Nicht am 15., sondern am 16. April.", &[(2027, 4, 16)]),
    ("See you then.\nBest regards\nAnna\n-- \nAnna Muster\nMember since 01.03.2027", &[]),
    ("Danke für Ihre Hilfe.\n\nFreundliche Grüsse\nAnna Muster\nMuster AG | seit 12.03.2027 an der Bahnhofstrasse 1", &[]),
    ("Kind regards, Tom\nTom Keller | Events\nNext trade fair 14.04.2027", &[]),
    ("Bezüglich Ihres Angebots vom 20. November", &[]),
    ("Geboren am 15.03.1985", &[]),
    ("Thanks!\n-----Original Message-----\nFrom: Atelier\nEvent on 15.03.2027", &[]),
    ("Passt.\n\nVon: The Atelier\nGesendet: Montag, 23. November 2026 10:15\nAn: Anna\n\nTermin 12. Februar 2027", &[]),
    ("The invoice is due on 10 January 2027.", &[]),
    ("Unser Budget liegt bei Fr. 10.50 pro Person.", &[]),
    ("Das Menü kostet CHF 12.12.", &[]),
];

#[test]
fn dates() {
    let dates = |found: &Extracted| found.dates.iter().map(ymd).collect::<Vec<_>>();
    check("DATE_CASES", &rows(DATE_CASES), dates);
    check("DATE_TRAP_CASES", &rows(DATE_TRAP_CASES), dates);
}

fn rows<T: Clone>(table: &[(&'static str, &[T])]) -> Vec<(&'static str, Vec<T>)> {
    table.iter().map(|(text, expected)| (*text, expected.to_vec())).collect()
}

/// (year, month, weekday) of a [`VagueDate`].
type Vague = (Option<i32>, u32, Option<Weekday>);
/// A date range and a vague date, as expected for one text.
type RangeRow = (&'static str, Option<(Ymd, Ymd)>, Option<Vague>);

const RANGE_AND_VAGUE_CASES: &[RangeRow] = &[
    ("14-16 March 2027", Some(((2027, 3, 14), (2027, 3, 16))), None),
    ("vom 14. bis 16. März", Some(((2027, 3, 14), (2027, 3, 16))), None),
    ("between 3 and 5 June", Some(((2027, 6, 3), (2027, 6, 5))), None),
    ("a Friday in May would be great", None, Some((None, 5, Some(Weekday::Fri)))),
    ("irgendwann im Juni 2027", None, Some((Some(2027), 6, None))),
    ("Ende März", None, Some((None, 3, None))),
];

#[test]
fn ranges_and_vague_months() {
    let rows: Vec<_> = RANGE_AND_VAGUE_CASES.iter().map(|(text, range, vague)| (*text, (*range, *vague))).collect();
    check("RANGE_AND_VAGUE_CASES", &rows, |found| {
        let range = found.date_range.map(|(from, to)| (ymd(&from), ymd(&to)));
        let vague = found.vague_date.as_ref().map(|v| (v.year, v.month, v.weekday));
        (range, vague)
    });
}

type Hm = Option<(u32, u32)>;

const TIME_CASES: &[(&str, Hm, Hm)] = &[
    ("18:00–23:00", Some((18, 0)), Some((23, 0))),
    ("from 6pm to 11pm", Some((18, 0)), Some((23, 0))),
    ("We start at 6pm.", Some((18, 0)), None),
    ("Apéro ab 18 Uhr", Some((18, 0)), None),
    ("von 9 bis 17 Uhr", Some((9, 0)), Some((17, 0))),
    ("9am-5pm", Some((9, 0)), Some((17, 0))),
    ("Beginn um 18.30 Uhr", Some((18, 30)), None),
    ("bis 23 Uhr", None, Some((23, 0))),
    ("from 7pm until midnight", Some((19, 0)), Some((0, 0))),
    ("18:30 - 24:00 Uhr", Some((18, 30)), Some((0, 0))),
    ("Call me at 14:00 tomorrow.", None, None),
    ("Tel. 044 123 45 67", None, None),
    ("Beginn 14h", Some((14, 0)), None),
];

#[test]
fn times() {
    let rows: Vec<_> = TIME_CASES.iter().map(|(text, start, end)| (*text, (*start, *end))).collect();
    let hm = |time: Option<NaiveTime>| {
        use chrono::Timelike;
        time.map(|t| (t.hour(), t.minute()))
    };
    check("TIME_CASES", &rows, |found| (hm(found.start_time), hm(found.end_time)));
}

/// Head counts, including the traps: phone numbers, order numbers, postal
/// codes, prices and room numbers are not counts.
const COUNT_CASES: &[(&str, Option<u32>)] = &[
    ("We expect 80 guests.", Some(80)),
    ("a dinner for 80 people", Some(80)),
    ("Wir sind 80 Personen.", Some(80)),
    ("ca. 80 Gäste", Some(80)),
    ("around eighty people", Some(80)),
    ("zwanzig Teilnehmende", Some(20)),
    ("between 40 and 50 people", Some(50)),
    ("bis zu 60 Personen", Some(60)),
    ("a group of 30", Some(30)),
    ("wir sind 25", Some(25)),
    ("Teilnehmerzahl: 45", Some(45)),
    ("We are now 45 instead of 40 people.", Some(45)),
    ("Call me on +41 44 123 45 67.", None),
    ("Tel. 044 123 45 67", None),
    ("Please call 044 123 45 67, we are 20 people.", Some(20)),
    ("Order number 4711, 30 guests", Some(30)),
    ("Auftrag 4711 - 80 Personen", Some(80)),
    ("Bestellnummer 12345", None),
    ("Rechnungsadresse: Bahnhofstrasse 10, 8001 Zürich", None),
    ("PLZ 8001 Zürich", None),
    ("Room 2 for 12 people", Some(12)),
    ("CHF 80 per person", None),
    ("Order no. 45 for our team", None),
];

#[test]
fn counts() {
    check("COUNT_CASES", COUNT_CASES, |found| found.attendees);
}

const LAYOUT_CASES: &[(&str, Option<Layout>)] = &[
    ("theatre seating for 100", Some(Layout::Theatre)),
    ("Theaterbestuhlung bitte", Some(Layout::Theatre)),
    ("a standing apéro", Some(Layout::Cocktail)),
    ("a cocktail reception", Some(Layout::Cocktail)),
    ("a seated dinner", Some(Layout::Dinner)),
    ("ein Bankett", Some(Layout::Dinner)),
    ("a full-day workshop", Some(Layout::Workshop)),
    ("boardroom setup", Some(Layout::Boardroom)),
    ("Seminar in U-Form", Some(Layout::UShape)),
    ("tables in a U-shape", Some(Layout::UShape)),
    ("classroom style", Some(Layout::Classroom)),
    ("parlamentarische Bestuhlung", Some(Layout::Classroom)),
    ("no theatre seating please", None),
];

#[test]
fn layouts() {
    check("LAYOUT_CASES", LAYOUT_CASES, |found| found.layout);
}

const INTENT_CASES: &[(&str, &[Intent])] = {
    use Intent::*;
    &[
        ("We accept the offer.", &[Accept]),
        ("Wir nehmen das Angebot gerne an.", &[Accept]),
        ("Sounds good, let's go ahead.", &[Accept]),
        ("Hiermit bestätigen wir die Buchung.", &[Accept]),
        ("Einverstanden, so machen wir es.", &[Accept]),
        ("Wir akzeptieren.", &[Accept]),
        ("Ok, passt.", &[Accept]),
        ("Wir akzeptieren das Angebot nicht.", &[]),
        ("Gerne akzeptieren wir das Angebot.", &[Accept]),
        ("We decided to go with another venue.", &[Decline]),
        ("Wir haben uns für eine andere Location entschieden.", &[Decline]),
        ("Unfortunately we are no longer interested.", &[Decline]),
        ("Wir verzichten leider auf Ihr Angebot.", &[Decline]),
        ("The price is too expensive for us.", &[Counter]),
        ("Das ist leider zu teuer für unser Budget.", &[Counter]),
        ("Could you do 10% less?", &[Counter, Question]),
        ("Gibt es einen Rabatt für Vereine?", &[Counter, Question]),
        ("Please move the event to 12 June.", &[Change]),
        ("Wir möchten den Anlass auf den 12. Juni verschieben.", &[Change]),
        ("We'd like Room B instead.", &[Change]),
        ("Können wir die Anzahl Personen auf 60 erhöhen", &[Change]),
        ("Können wir das Datum ändern?", &[Change, Question]),
        ("Is parking available?", &[Question]),
        ("Do you offer vegetarian options", &[Question]),
        ("Gibt es Parkplätze", &[Question]),
        ("Wäre es möglich, früher anzufangen", &[Question]),
        ("Could we come by and see the room first?", &[Question, SiteVisit]),
        ("Können wir die Räume vorher besichtigen?", &[Question, SiteVisit]),
        ("We would like to arrange a site visit.", &[SiteVisit]),
        ("Wir würden gerne vorbeikommen.", &[SiteVisit]),
        ("We have to cancel the booking.", &[Cancel]),
        ("Bitte stornieren Sie unsere Reservation.", &[Cancel]),
        ("Wir müssen den Anlass leider absagen.", &[Cancel]),
        ("What is your cancellation policy?", &[Question]),
        ("Looks good. Could we move it to the 12th?", &[Accept, Change, Question]),
        ("Room B for 40 people, please.", &[]),
    ]
};

#[test]
fn intents() {
    check("INTENT_CASES", &rows(INTENT_CASES), |found| found.intents.clone());
}

#[test]
fn change_requested_follows_the_change_intent() {
    assert!(run("Please move the event to 12 June.").change_requested());
    assert!(run("Statt am 12. März bitte am 19. März.").change_requested());
    assert!(!run("Room B on 12 June for 40 people, please.").change_requested());
    assert!(!run("Thanks!\n> Could we move it to 12 June?").change_requested());
}

const ROOM_CASES: &[(&str, &[&str])] = &[
    ("We would like to book Room B.", &["Room B"]),
    ("Wir möchten Raum B reservieren.", &["Room B"]),
    ("is room b free on that day?", &["Room B"]),
    ("We'd prefer the Room C for the dinner.", &["Room C"]),
    ("We need rooms A and B.", &["Room A", "Room B"]),
    ("Room A or B would both work.", &["Room A", "Room B"]),
    ("Not Room A, please – Room D.", &["Room D"]),
    ("Room B instead of Room A", &["Room B"]),
    ("Could we switch from Room A to Room F?", &["Room F"]),
    ("Raum A ist zu klein, wir nehmen Raum E.", &["Room E"]),
    ("We need a room a bit larger than last time.", &[]),
    ("Room A doesn't work for us, Room C does.", &["Room C"]),
    ("Statt Raum A hätten wir gerne Raum B.", &["Room B"]),
    ("Room B. Yes, Room B!", &["Room B"]),
    ("Haben Sie einen Raum G?", &[]),
    ("Room B please\n> Room A is reserved for you", &["Room B"]),
    ("Room D, Room E and the Room F", &["Room D", "Room E", "Room F"]),
];

#[test]
fn rooms() {
    let vocabulary = catalogue();
    let rows: Vec<_> = ROOM_CASES
        .iter()
        .map(|(text, names)| (*text, names.iter().map(|n| n.to_string()).collect::<Vec<_>>()))
        .collect();
    check("ROOM_CASES", &rows, |found| found.rooms.iter().map(|id| room_name(&vocabulary, *id)).collect());
}

type Mention = (&'static str, Option<u32>, bool);

const PRODUCT_CASES: &[(&str, &[Mention])] = &[
    ("We need 2 wireless microphones.", &[("Wireless Microphone", Some(2), false)]),
    ("Bitte 3 Flipcharts bereitstellen.", &[("Flipchart", Some(3), false)]),
    ("A projector would be great.", &[("Projector", None, false)]),
    ("Wir brauchen einen Beamer.", &[("Projector", None, false)]),
    ("Please add the Three-Course Dinner for everyone.", &[("Three-Course Dinner", None, false)]),
    ("We'd like a three-course dinner.", &[("Three-Course Dinner", None, false)]),
    ("We'd like the DJ Service.", &[("DJ Service", None, false)]),
    ("Can we do it without the DJ?", &[("DJ Service", None, true)]),
    ("No DJ after all.", &[("DJ Service", None, true)]),
    ("Bitte ohne DJ.", &[("DJ Service", None, true)]),
    ("Please remove the projector from the offer.", &[("Projector", None, true)]),
    ("Streichen Sie bitte den Apéro.", &[("Apéro Package", None, true)]),
    ("We don't need the photographer anymore.", &[("Event Photographer", None, true)]),
    ("Den Fotografen brauchen wir nicht mehr.", &[("Event Photographer", None, true)]),
    ("Classic Apéro for 80 guests", &[("Classic Apéro", None, false)]),
    ("The Premium Apéro please", &[("Premium Apéro", None, false)]),
    ("an apero riche", &[("Premium Apéro", None, false)]),
    ("We'd like a coffee and tea bar in the morning.", &[("Coffee & Tea Bar", None, false)]),
    ("Do you have a sound system?", &[]),
    (
        "Instead of the Classic Apéro we'd like the Premium Apéro.",
        &[("Classic Apéro", None, true), ("Premium Apéro", None, false)],
    ),
    ("2x Beamer und 1 Leinwand", &[("Projector", Some(2), false), ("Large Projection Screen", Some(1), false)]),
    ("10 bottles of prosecco", &[("Prosecco Service", Some(10), false)]),
    ("Room 2 projector", &[("Projector", None, false)]),
    ("CHF 75 Projector?", &[("Projector", None, false)]),
    ("Am 15.03. Apéro ab 18:00", &[("Apéro Package", None, false)]),
    (
        "Wir möchten Frühstück und Mittagessen.",
        &[("Continental Breakfast", None, false), ("Lunch Package", None, false)],
    ),
    ("Fruehstueck für alle", &[("Continental Breakfast", None, false)]),
    ("two headset microphones", &[("Headset Microphone", Some(2), false)]),
    ("Wir brauchen keinen Beamer.", &[("Projector", None, true)]),
    ("The DJ is no longer needed.", &[("DJ Service", None, true)]),
    ("Please add 4 cocktail tables.", &[("Cocktail Tables", Some(4), false)]),
    ("Is an outdoor heater possible?", &[("Outdoor Heaters", None, false)]),
    ("We won't need the Lapel Microphone.", &[("Lapel Microphone", None, true)]),
    ("2 more wireless microphones", &[("Wireless Microphone", None, false)]),
    ("Our summer party with a BBQ", &[("BBQ Package", None, false)]),
    ("Ist der Beamer nicht inbegriffen?", &[("Projector", None, false)]),
    ("Bitte den Apéro nicht vergessen.", &[("Apéro Package", None, false)]),
    ("Champagne for the toast and a DJ set", &[("Champagne Service", None, false), ("DJ Service", None, false)]),
    ("5 vegetarische Menüs", &[("Vegetarian Menu", Some(5), false)]),
    ("We'd like the DJ. Actually, no DJ after all.", &[("DJ Service", None, true)]),
    ("Tel. 044 123 45 67 Beamer", &[("Projector", None, false)]),
];

#[test]
fn products() {
    let vocabulary = catalogue();
    let rows: Vec<_> = PRODUCT_CASES
        .iter()
        .map(|(text, mentions)| {
            (*text, mentions.iter().map(|(name, qty, removed)| (name.to_string(), *qty, *removed)).collect::<Vec<_>>())
        })
        .collect();
    check("PRODUCT_CASES", &rows, |found| {
        found.products.iter().map(|m| (product_name(&vocabulary, m.id), m.quantity, m.removed)).collect()
    });
}

#[test]
fn no_vocabulary_no_rooms_or_products() {
    let found = extract("Room B with 2 wireless microphones and the DJ Service", today());
    assert!(found.rooms.is_empty() && found.products.is_empty());
}

/// (company, street, postal code, city, country)
type Address =
    (Option<&'static str>, Option<&'static str>, Option<&'static str>, Option<&'static str>, Option<&'static str>);

const BILLING_CASES: &[(&str, Option<Address>)] = &[
    (
        "Billing address:\nMuster AG\nBahnhofstrasse 10\n8001 Zürich",
        Some((Some("Muster AG"), Some("Bahnhofstrasse 10"), Some("8001"), Some("Zürich"), None)),
    ),
    (
        "Rechnungsadresse: Muster GmbH, Seestrasse 5, 8800 Thalwil",
        Some((Some("Muster GmbH"), Some("Seestrasse 5"), Some("8800"), Some("Thalwil"), None)),
    ),
    (
        "Our billing address is Bahnhofstrasse 10, 8001 Zürich.",
        Some((None, Some("Bahnhofstrasse 10"), Some("8001"), Some("Zürich"), None)),
    ),
    (
        "Invoice address:\nBeispiel SA\nRue du Rhône 12\nCH-1204 Genève\nSwitzerland",
        Some((Some("Beispiel SA"), Some("Rue du Rhône 12"), Some("1204"), Some("Genève"), Some("CH"))),
    ),
    (
        "Rechnungsanschrift:\nFirma Beispiel GmbH\nz.Hd. Frau Meier\nHauptstr. 5a\nD-10115 Berlin\nDeutschland",
        Some((Some("Firma Beispiel GmbH"), Some("Hauptstr. 5a"), Some("10115"), Some("Berlin"), Some("DE"))),
    ),
    (
        "Bitte Rechnung an: Verein Musterfreunde, Postfach 123, 3000 Bern",
        Some((Some("Verein Musterfreunde"), Some("Postfach 123"), Some("3000"), Some("Bern"), None)),
    ),
    (
        "Billing address:\nAnna Muster\nDorfstrasse 3\n6300 Zug\n\nBest regards",
        // A private person is not a company (her name is `BillingAddress::name`).
        Some((None, Some("Dorfstrasse 3"), Some("6300"), Some("Zug"), None)),
    ),
    (
        "Billing address: Acme Inc., Seefeldstrasse 100, A-1010 Wien",
        Some((Some("Acme Inc"), Some("Seefeldstrasse 100"), Some("1010"), Some("Wien"), Some("AT"))),
    ),
    (
        "Vielen Dank!\nFreundliche Grüsse\nAnna\n\nRechnungsadresse:\nMuster AG\nBahnhofstrasse 10\n8001 Zürich",
        Some((Some("Muster AG"), Some("Bahnhofstrasse 10"), Some("8001"), Some("Zürich"), None)),
    ),
    (
        "Rechnungsadresse: Muster AG, Bahnhofstrasse 10, 8001 Zürich. Vielen Dank!",
        Some((Some("Muster AG"), Some("Bahnhofstrasse 10"), Some("8001"), Some("Zürich"), None)),
    ),
    ("Best regards\nAnna Muster\nMuster AG\nBahnhofstrasse 1\n8001 Zürich", None),
    ("Die Rechnung bitte an unsere Buchhaltung.", None),
    ("Billing address: same as last time", None),
    ("What billing address do you need?", None),
    ("Thanks\n> Rechnungsadresse: Muster AG, Bahnhofstrasse 10, 8001 Zürich", None),
];

#[test]
fn billing_addresses() {
    let rows: Vec<_> = BILLING_CASES
        .iter()
        .map(|(text, address)| {
            let expected = address.map(|(company, street, postal_code, city, country)| BillingAddress {
                company: company.map(str::to_string),
                street: street.map(str::to_string),
                postal_code: postal_code.map(str::to_string),
                city: city.map(str::to_string),
                country: country.map(str::to_string),
                ..BillingAddress::default()
            });
            (*text, expected)
        })
        .collect();
    // This table predates the private person's name and the c/o line; see
    // `tests/billing_cases.rs` for those.
    check("BILLING_CASES", &rows, |found| {
        found.billing.clone().map(|b| BillingAddress { name: None, care_of: None, ..b })
    });
}

const DISCOUNT_CASES: &[(&str, Option<u32>)] = &[
    ("Could you do 10% off?", Some(10)),
    ("Wäre 10 % Rabatt möglich?", Some(10)),
    ("We'd appreciate a 15 percent discount.", Some(15)),
    ("Könnten Sie uns zehn Prozent Nachlass gewähren?", Some(10)),
    ("Is a discount of 12% possible?", Some(12)),
    ("Ein Rabatt von 5 % wäre nett.", Some(5)),
    ("Could you reduce the price by 10%?", Some(10)),
    ("Können Sie den Preis um 10 % senken?", Some(10)),
    ("Zwanzig Prozent günstiger wäre super.", Some(20)),
    ("Not 5% but 10% off would help.", Some(10)),
    ("We pay a 30% deposit.", None),
    ("VAT 8.1% is included.", None),
    ("We are 100% sure.", None),
    ("30% Anzahlung bis Ende Monat", None),
    ("Last year you gave us 10% discount.", None),
    ("7.5% off", None),
    ("50% of the guests are vegetarian.", None),
    ("Thanks!\n> Could you do 10% off?", None),
];

#[test]
fn discounts() {
    check("DISCOUNT_CASES", DISCOUNT_CASES, |found| found.discount_percent);
}

/// The issue asks for at least 150 English and German table cases; this
/// fails if a table is trimmed below that.
#[test]
fn tables_keep_at_least_150_cases() {
    let total = DATE_CASES.len()
        + DATE_TRAP_CASES.len()
        + RANGE_AND_VAGUE_CASES.len()
        + TIME_CASES.len()
        + COUNT_CASES.len()
        + LAYOUT_CASES.len()
        + INTENT_CASES.len()
        + ROOM_CASES.len()
        + PRODUCT_CASES.len()
        + BILLING_CASES.len()
        + DISCOUNT_CASES.len();
    assert!(total >= 150, "only {total} table cases");
}

/// The second round of table cases (one file per kind of failure measured
/// on client mail) must keep at least 300 rows, English and German.
#[test]
fn tables_keep_at_least_300_new_cases() {
    let per_kind = [
        super::count_cases::ROWS,
        super::time_cases::ROWS,
        super::date_window_cases::ROWS,
        super::layout_cases::ROWS,
        super::intent_cases::ROWS,
        super::billing_cases::ROWS,
        super::mail_form_cases::ROWS,
        super::offer_line_cases::ROWS,
    ];
    let (en, de) = per_kind.iter().fold((0, 0), |(en, de), (e, d)| (en + e, de + d));
    assert!(en + de >= 300, "only {en} English and {de} German new table cases");
}
