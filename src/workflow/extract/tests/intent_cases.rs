//! Acceptances, cancellations and counter-offers in the words clients use,
//! short discount suggestions, and price questions (a doubt for the
//! manager in an inquiry).

use super::cases::check;
use crate::workflow::extract::{
    Doubt,
    Intent::{self, *},
};

const INTENT_EN: &[(&str, &[Intent])] = &[
    ("Dr. Weber has approved the offer.", &[Accept]),
    ("Our CFO approved the offer this morning.", &[Accept]),
    ("We are happy to confirm OE-2027-01-0003.", &[Accept]),
    ("I'm pleased to confirm the booking.", &[Accept]),
    ("We'll take it.", &[Accept]),
    ("I have to call it off.", &[Cancel]),
    ("Sadly we need to call the event off.", &[Cancel]),
    ("Maybe 15%?", &[Counter, Question]),
    ("How about 10 percent?", &[Counter, Question]),
    ("What about 12%?", &[Counter, Question]),
    ("Deal!", &[Accept]),
    ("Has the manager approved the offer?", &[Question]),
    ("If the board approves the offer, we will let you know.", &[]),
    ("Yes please, we'll go with the offer.", &[Accept]),
    ("Great, let's go with it!", &[Accept]),
    ("Please book it for us.", &[Accept]),
    ("Should we go with the offer?", &[Question]),
    ("The board has agreed to the offer.", &[Accept]),
    ("We hereby book the room as offered.", &[Accept]),
    ("Has the board agreed to the offer yet?", &[Question]),
    ("Thank you, the offer looks good! Before we confirm, two questions: is parking free?", &[Question]),
    ("The rest is fine, we will confirm after our internal meeting next week.", &[]),
    ("Looks good, we confirm.", &[Accept]),
];

const INTENT_DE: &[(&str, &[Intent])] = &[
    ("Passt, wir nehmen es.", &[Accept]),
    ("Der Vorstand hat der Offerte an seiner Sitzung von gestern Abend zugestimmt.", &[Accept]),
    ("Wir buchen hiermit verbindlich.", &[Accept]),
    ("Die Offerte passt so, bevor wir zusagen noch eine Frage: gibt es Parkplätze?", &[Question]),
    ("Passt so, wir melden uns nach der Vorstandssitzung.", &[]),
    ("Die Geschäftsleitung hat dem Angebot zugestimmt, wir buchen definitiv.", &[Accept]),
    ("Wir nehmen das.", &[Accept]),
    ("Wir müssen leider absagen.", &[Cancel]),
    ("Wir müssen den Anlass leider absagen.", &[Cancel]),
    ("Wir müssen Ihnen leider absagen.", &[Decline]),
    ("Herr Meier hat das Angebot freigegeben.", &[Accept]),
    ("Die Geschäftsleitung hat die Offerte genehmigt.", &[Accept]),
    ("Gerne bestätigen wir OE-2027-01-0003.", &[Accept]),
    ("Vielleicht 15%?", &[Counter, Question]),
    ("Wie wäre es mit 10 Prozent?", &[Counter, Question]),
    ("Der Anlass findet leider nicht statt.", &[Cancel]),
    ("Abgemacht!", &[Accept]),
    ("Wir buchen verbindlich.", &[Accept]),
    ("Ja gerne, so machen wir das! Vielen Dank für die schöne Offerte.", &[Accept]),
    ("Super, das machen wir so.", &[Accept]),
    ("Machen wir das so?", &[Question]),
    ("Das Fest fällt leider ins Wasser.", &[Cancel]),
];

#[test]
fn intents_in_other_words() {
    let rows = |table: &[(&'static str, &[Intent])]| {
        table.iter().map(|(text, expected)| (*text, expected.to_vec())).collect::<Vec<_>>()
    };
    check("INTENT_EN", &rows(INTENT_EN), |found| found.intents.clone());
    check("INTENT_DE", &rows(INTENT_DE), |found| found.intents.clone());
}

const SUGGESTED_DISCOUNT: &[(&str, Option<u32>)] = &[
    ("Maybe 15%?", Some(15)),
    ("How about 10 percent?", Some(10)),
    ("15%?", Some(15)),
    ("Vielleicht 12 %?", Some(12)),
    ("Wie wäre es mit 8%?", Some(8)),
    ("Maybe 30% deposit?", None),
];

#[test]
fn suggested_discounts() {
    check("SUGGESTED_DISCOUNT", SUGGESTED_DISCOUNT, |found| found.discount_percent);
}

const PRICE_QUESTION_EN: &[(&str, bool)] = &[
    ("How much would the dinner cost?", true),
    ("What are your rates for a full day?", true),
    ("Could you send us your prices?", true),
    ("What does it cost for 40 people?", true),
    ("What would a team event cost?", true),
    ("What do two coffee breaks cost?", true),
    ("The price is fine.", false),
    ("Could you send us an offer?", false),
];

const PRICE_QUESTION_DE: &[(&str, bool)] = &[
    ("Was kostet der Apéro?", true),
    ("Können Sie uns die Preise schicken?", true),
    ("Wie viel kostet der Raum pro Tag?", true),
    ("Wir übernehmen die Kosten.", false),
    ("Gibt es Parkplätze?", false),
    ("was kostet sowas ungefähr?", true),
];

/// An upset client is the manager's to answer.
const COMPLAINT_EN: &[(&str, bool)] = &[
    ("Honestly, this is unacceptable. Nobody answered my question about parking.", true),
    ("We are very disappointed with the offer, and I expect someone to call me.", true),
    ("I would like to speak to a manager.", true),
    ("Thank you, we are not disappointed at all!", false),
    ("Looks good, please go ahead.", false),
];

const COMPLAINT_DE: &[(&str, bool)] = &[
    ("Also ehrlich gesagt bin ich ziemlich enttäuscht. So wird das nichts.", true),
    ("Ich erwarte, dass sich jemand persönlich bei mir meldet.", true),
    ("Das ist eine Frechheit, fast 3000 Franken für ein Essen!", true),
    ("Wir sind nicht enttäuscht, im Gegenteil.", false),
    ("Vielen Dank, das passt so.", false),
];

#[test]
fn upset_clients_are_complaints() {
    check("COMPLAINT_EN", COMPLAINT_EN, |found| found.complaint);
    check("COMPLAINT_DE", COMPLAINT_DE, |found| found.complaint);
}

#[test]
fn price_questions_are_doubts() {
    let asks = |found: &crate::workflow::extract::Extracted| found.doubts.contains(&Doubt::PriceQuestion);
    check("PRICE_QUESTION_EN", PRICE_QUESTION_EN, asks);
    check("PRICE_QUESTION_DE", PRICE_QUESTION_DE, asks);
}

pub(super) const ROWS: (usize, usize) = (
    INTENT_EN.len() + 4 + PRICE_QUESTION_EN.len() + COMPLAINT_EN.len(),
    INTENT_DE.len() + 2 + PRICE_QUESTION_DE.len() + COMPLAINT_DE.len(),
);
