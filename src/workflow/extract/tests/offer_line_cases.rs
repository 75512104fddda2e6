//! Offer lines as the mail states them: quantities ("ca. 12 Flaschen
//! Wein", "noch 15 Flaschen Prosecco"), hours ("a pianist for 3 hours"),
//! substitutions ("statt Bier lieber Prosecco"), Swiss words ("Zmittag",
//! "Kafipause", "3-Gang-Menü", "Funkmikrofon") and items for part of the
//! group ("a few guests are vegetarian": a question, not a menu for all).

use super::cases::{catalogue, check, product_name};
use crate::workflow::extract::{Doubt, Extracted};

/// (product, quantity, times, removed)
type Mention = (&'static str, Option<u32>, Option<u32>, bool);

const LINES_EN: &[(&str, &[Mention])] = &[
    ("a pianist for 3 hours", &[("Solo Musician", Some(3), None, false)]),
    ("a photographer for 2 hours, please", &[("Event Photographer", Some(2), None, false)]),
    ("an AV technician for the full 5 hours", &[("On-Site Technical Support", Some(5), None, false)]),
    ("two coffee breaks", &[("Basic Coffee & Tea Package", None, Some(2), false)]),
    ("3 lunches for the team", &[("Lunch Package", None, Some(3), false)]),
    ("coffee break twice", &[("Basic Coffee & Tea Package", None, Some(2), false)]),
    (
        "We need coffee break two times and lunch.",
        &[("Basic Coffee & Tea Package", None, Some(2), false), ("Lunch Package", None, None, false)],
    ),
    ("a coffee break on both days", &[("Basic Coffee & Tea Package", None, Some(2), false)]),
    (
        "Prosecco instead of beer, please count on 10 bottles.",
        &[("Prosecco Service", Some(10), None, false), ("Beer Selection", None, None, true)],
    ),
    ("Please include water for everyone.", &[("Still & Sparkling Water", None, None, false)]),
    ("still and sparkling water on the tables", &[("Still & Sparkling Water", None, None, false)]),
    ("The room has a view of the water.", &[]),
    ("a flying dinner, nothing seated", &[]),
    ("12 bottles of wine", &[("Wine Selection", Some(12), None, false)]),
    ("finger food for everyone", &[("Classic Apéro", None, None, false)]),
    ("a three course dinner", &[("Three-Course Dinner", None, None, false)]),
    ("2 radio mics", &[("Wireless Microphone", Some(2), None, false)]),
    (
        "Instead of beer we'd like prosecco.",
        &[("Beer Selection", None, None, true), ("Prosecco Service", None, None, false)],
    ),
    ("A few guests are vegetarian.", &[]),
    ("Some of our guests are vegan.", &[]),
    ("5 vegetarian menus, please", &[("Vegetarian Menu", Some(5), None, false)]),
    ("a DJ for the evening", &[("DJ Service", None, None, false)]),
    ("We need a coffe break in the afternoon.", &[("Basic Coffee & Tea Package", None, None, false)]),
    ("two cofee breaks", &[("Basic Coffee & Tea Package", None, Some(2), false)]),
    ("8 bottles of white wine", &[("Wine Selection", Some(8), None, false)]),
    ("red wine on the tables", &[("Wine Selection", None, None, false)]),
];

const LINES_DE: &[(&str, &[Mention])] = &[
    ("ca. 12 Flaschen Wein", &[("Wine Selection", Some(12), None, false)]),
    ("noch 15 Flaschen Prosecco", &[("Prosecco Service", Some(15), None, false)]),
    ("statt Bier lieber Prosecco", &[("Beer Selection", None, None, true), ("Prosecco Service", None, None, false)]),
    ("Zmittag für alle", &[("Lunch Package", None, None, false)]),
    ("eine Kafipause am Nachmittag", &[("Basic Coffee & Tea Package", None, None, false)]),
    ("zwei Kaffeepausen", &[("Basic Coffee & Tea Package", None, Some(2), false)]),
    (
        "2 Kafipausen und ein Zmittag",
        &[("Basic Coffee & Tea Package", None, Some(2), false), ("Lunch Package", None, None, false)],
    ),
    ("Fingerfood bitte", &[("Classic Apéro", None, None, false)]),
    ("ein 3-Gang-Menü", &[("Three-Course Dinner", None, None, false)]),
    ("ein Dreigang-Menü am Abend", &[("Three-Course Dinner", None, None, false)]),
    ("zwei Funkmikrofone", &[("Wireless Microphone", Some(2), None, false)]),
    ("Fotograf für 2 Stunden", &[("Event Photographer", Some(2), None, false)]),
    ("einen Techniker für die ganzen 4 Stunden", &[("On-Site Technical Support", Some(4), None, false)]),
    ("Einige Gäste essen vegetarisch.", &[]),
    ("5 vegetarische Menüs", &[("Vegetarian Menu", Some(5), None, false)]),
    ("Znacht für 40 Personen", &[("Three-Course Dinner", None, None, false)]),
    (
        "statt Bier lieber Prosecco, rechnen Sie mal mit 10 Flaschen.",
        &[("Beer Selection", None, None, true), ("Prosecco Service", Some(10), None, false)],
    ),
    (
        "ca. 20 Flaschen Wein und Mineralwasser für alle",
        &[("Wine Selection", Some(20), None, false), ("Still & Sparkling Water", None, None, false)],
    ),
    ("Essen als Flying Dinner, kein gesetztes Essen", &[]),
    ("zweimal Kafipause", &[("Basic Coffee & Tea Package", None, Some(2), false)]),
    ("Kaffeepause an beiden Tagen", &[("Basic Coffee & Tea Package", None, Some(2), false)]),
    ("Dazu hätten wir gern 8 Flaschen Weisswein.", &[("Wine Selection", Some(8), None, false)]),
    (
        "Rotwein und Mineralwasser",
        &[("Wine Selection", None, None, false), ("Still & Sparkling Water", None, None, false)],
    ),
    ("Am Morgen ein Znüni", &[("Coffee & Snacks Package", None, None, false)]),
    ("ein Zvieri am Nachmittag", &[("Coffee & Snacks Package", None, None, false)]),
    ("eine Kaffepause", &[("Basic Coffee & Tea Package", None, None, false)]),
];

/// One catering package unless the client names both: a generic word next
/// to a more specific name of the same kind is that product.
const ONE_PACKAGE_EN: &[(&str, &[Mention])] = &[
    ("finger food for the apéro", &[("Classic Apéro", None, None, false)]),
    ("An apéro with gourmet finger food, please.", &[("Premium Apéro", None, None, false)]),
    ("Apéro afterwards: finger food deluxe", &[("Premium Apéro", None, None, false)]),
    ("a business lunch at noon; lunch for 20 people", &[("Premium Lunch Package", None, None, false)]),
    ("an apéro after the talk", &[("Apéro Package", None, None, false)]),
    (
        "the Classic Apéro and later the Apéro Package",
        &[("Classic Apéro", None, None, false), ("Apéro Package", None, None, false)],
    ),
    (
        "Classic Apéro for the early guests, Premium Apéro for the VIPs",
        &[("Classic Apéro", None, None, false), ("Premium Apéro", None, None, false)],
    ),
];

const ONE_PACKAGE_DE: &[(&str, &[Mention])] = &[
    ("Fingerfood zum Apéro", &[("Classic Apéro", None, None, false)]),
    ("zum Apéro etwas Fingerfood", &[("Classic Apéro", None, None, false)]),
    ("Apero mit Fingerfood, bitte", &[("Classic Apéro", None, None, false)]),
    ("einen Apéro nach der Versammlung", &[("Apéro Package", None, None, false)]),
    ("Zum Apéro hätten wir gerne das Premium Apéro.", &[("Premium Apéro", None, None, false)]),
    ("ein Business Lunch; das Lunch um 12 Uhr", &[("Premium Lunch Package", None, None, false)]),
    (
        "Classic Apéro und zusätzlich das Apéro Package",
        &[("Classic Apéro", None, None, false), ("Apéro Package", None, None, false)],
    ),
];

#[test]
fn offer_lines() {
    let vocabulary = catalogue();
    for (name, table) in [
        ("LINES_EN", LINES_EN),
        ("LINES_DE", LINES_DE),
        ("ONE_PACKAGE_EN", ONE_PACKAGE_EN),
        ("ONE_PACKAGE_DE", ONE_PACKAGE_DE),
    ] {
        let rows: Vec<_> = table
            .iter()
            .map(|(text, mentions)| {
                (*text, mentions.iter().map(|(n, q, x, r)| (n.to_string(), *q, *x, *r)).collect::<Vec<_>>())
            })
            .collect();
        check(name, &rows, |found| {
            found.products.iter().map(|m| (product_name(&vocabulary, m.id), m.quantity, m.times, m.removed)).collect()
        });
    }
}

/// An item for part of the group is an open question about how many.
const PART_OF_GROUP: &[(&str, &[&str])] = &[
    ("A few guests are vegetarian.", &["Vegetarian Menu"]),
    ("Some of our guests are vegan.", &["Vegan Menu"]),
    ("Einige Gäste essen vegetarisch.", &["Vegetarian Menu"]),
    ("5 vegetarische Menüs", &[]),
    ("A vegetarian menu for everyone.", &[]),
    ("Some of our colleagues are vegetarian, is this possible?", &["Vegetarian Menu"]),
    ("A couple of the delegates are vegan.", &["Vegan Menu"]),
    ("Ein paar Gäste essen vegetarisch – ist das möglich?", &["Vegetarian Menu"]),
    ("Einige unserer Mitarbeitenden sind Veganer, geht ein veganes Menü?", &["Vegan Menu"]),
];

#[test]
fn items_for_part_of_the_group_are_doubts() {
    let vocabulary = catalogue();
    let rows: Vec<_> =
        PART_OF_GROUP.iter().map(|(text, names)| (*text, names.iter().map(|n| n.to_string()).collect())).collect();
    check("PART_OF_GROUP", &rows, |found: &Extracted| {
        found
            .doubts
            .iter()
            .filter_map(|d| match d {
                Doubt::PartOfGroup { product } => Some(product_name(&vocabulary, *product)),
                _ => None,
            })
            .collect::<Vec<String>>()
    });
}

pub(super) const ROWS: (usize, usize) = (
    LINES_EN.len() + 5 + ONE_PACKAGE_EN.len() + OWN_SUPPLY_EN.len(),
    LINES_DE.len() + 4 + ONE_PACKAGE_DE.len() + OWN_SUPPLY_DE.len(),
);

/// What the client brings himself is never ordered; it is a question (is
/// it allowed, at what corkage) for the manager. (text, doubted, ordered)
const OWN_SUPPLY_EN: &[(&str, &[&str], &[&str])] = &[
    ("My husband collects wine and we'd like to bring a few bottles from his cellar.", &["Wine Selection"], &[]),
    ("We will bring our own wine, is there a corkage fee?", &["Wine Selection"], &[]),
    ("We'd like to bring our own birthday cake.", &["Birthday Cake"], &[]),
    ("Could we bring 10 bottles of wine from our vineyard?", &["Wine Selection"], &[]),
    ("12 bottles of house wine, please.", &[], &["Wine Selection"]),
];

const OWN_SUPPLY_DE: &[(&str, &[&str], &[&str])] = &[
    ("Den Wein bringen wir selber mit, was kostet das Zapfengeld?", &["Wine Selection"], &[]),
    ("Dürfen wir eigenen Wein aus unserem Keller mitbringen?", &["Wine Selection"], &[]),
    ("Den Geburtstagskuchen bringen wir selbst mit.", &["Birthday Cake"], &[]),
    ("Wir möchten 10 Flaschen Wein bei Ihnen bestellen.", &[], &["Wine Selection"]),
];

#[test]
fn what_the_client_brings_is_a_question_not_an_order() {
    let vocabulary = catalogue();
    for (name, table) in [("OWN_SUPPLY_EN", OWN_SUPPLY_EN), ("OWN_SUPPLY_DE", OWN_SUPPLY_DE)] {
        let rows: Vec<_> = table
            .iter()
            .map(|(text, doubted, ordered)| {
                let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
                (*text, (names(doubted), names(ordered)))
            })
            .collect();
        check(name, &rows, |found: &Extracted| {
            let doubted = found
                .doubts
                .iter()
                .filter_map(|d| match d {
                    Doubt::OwnSupply { product } => Some(product_name(&vocabulary, *product)),
                    _ => None,
                })
                .collect::<Vec<String>>();
            let ordered = found
                .products
                .iter()
                .filter(|m| ["Wine Selection", "Birthday Cake"].contains(&product_name(&vocabulary, m.id).as_str()))
                .map(|m| product_name(&vocabulary, m.id))
                .collect::<Vec<String>>();
            (doubted, ordered)
        });
    }
}
