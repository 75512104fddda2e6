//! Whole-mail tests (greeting, body, closing, signature, quoted history with
//! different facts that must be ignored) and robustness against odd input.
//!
//! Test case count: the table-driven English and German cases live in
//! `tests/cases.rs` (222 rows, one case each; `tables_keep_at_least_150_cases`
//! guards the issue's minimum of 150). With the about 460 single assertions
//! here and in the extractors' own `mod tests`, the extract module has about
//! 680 extraction test cases in all. A second round, one file per kind of
//! failure measured on client mail (`tests/count_cases.rs`,
//! `time_cases.rs`, `date_window_cases.rs`, `layout_cases.rs`,
//! `intent_cases.rs`, `billing_cases.rs`, `mail_form_cases.rs`,
//! `offer_line_cases.rs`), adds at least 300 rows, guarded by
//! `tables_keep_at_least_300_new_cases`.

mod billing_cases;
mod cases;
mod count_cases;
mod date_window_cases;
mod intent_cases;
mod layout_cases;
mod mail_form_cases;
mod offer_line_cases;
mod time_cases;

use super::*;
use chrono::{NaiveDate, NaiveTime, Weekday};

/// 2026-11-25, a Wednesday.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date")
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

fn t(h: u32, m: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h, m, 0)
}

fn nothing(language: Language) -> Extracted {
    Extracted {
        language,
        dates: vec![],
        date_range: None,
        vague_date: None,
        start_time: None,
        end_time: None,
        attendees: None,
        layout: None,
        intents: vec![],
        rooms: vec![],
        products: vec![],
        billing: None,
        discount_percent: None,
        group_size: None,
        choice: None,
        day_of_month: None,
        alternatives: false,
        visit_cancelled: false,
        weekdays: vec![],
        confirmed_count: None,
        named_weekday: None,
        doubts: vec![],
        complaint: false,
    }
}

#[test]
fn english_first_inquiry_with_signature() {
    let mail = "Dear team at The Atelier,

We are planning our summer party on Friday, 18 June 2027 and would like to book Room B.
We expect around 80 guests, from 6pm to 11pm, with a standing apéro and some music.
Could you send us an offer?

Best regards,
Anna Muster
-- 
Anna Muster | Events
Muster AG, Bahnhofstrasse 1, 8001 Zürich
+41 44 123 45 67
Born 02.03.1990";
    assert_eq!(
        extract(mail, today()),
        Extracted {
            dates: vec![d(2027, 6, 18)],
            start_time: t(18, 0),
            end_time: t(23, 0),
            attendees: Some(80),
            layout: Some(Layout::Cocktail),
            intents: vec![Intent::Question],
            ..nothing(Language::En)
        }
    );
}

#[test]
fn german_inquiry_ignores_outlook_history() {
    let mail = "Guten Tag

Wir möchten am 15. März 2027 ein Seminar in U-Form für ca. 25 Personen durchführen, von 9 bis 17 Uhr.
Gibt es die Möglichkeit, einen Beamer zu mieten?

Freundliche Grüsse
Peter Keller

Von: The Atelier <info@atelier.ch>
Gesendet: Montag, 23. November 2026 10:15
An: Peter Keller
Betreff: AW: Anfrage

Guten Tag Herr Keller, gerne offerieren wir Ihnen Raum C für 40 Personen am 12. Februar 2027, Apéro ab 19 Uhr.";
    assert_eq!(
        extract(mail, today()),
        Extracted {
            dates: vec![d(2027, 3, 15)],
            start_time: t(9, 0),
            end_time: t(17, 0),
            attendees: Some(25),
            layout: Some(Layout::UShape),
            intents: vec![Intent::Question],
            ..nothing(Language::De)
        }
    );
}

#[test]
fn english_accept_with_headcount_change_ignores_gmail_quote() {
    let mail = "Hi Marco,

Thanks for the offer – looks good to us and we'd like to go ahead.
One change: we are now 45 people instead of 40.

Cheers,
Tom

On Tue, 24 Nov 2026 at 09:12, Marco <marco@atelier.ch> wrote:
> Dear Tom, please find attached our offer for 40 guests on 12 March 2027,
> 18:00–23:00, seated dinner in Room A. Is there anything else?";
    assert_eq!(
        extract(mail, today()),
        Extracted {
            attendees: Some(45),
            group_size: Some(45),
            intents: vec![Intent::Accept, Intent::Change],
            ..nothing(Language::En)
        }
    );
}

#[test]
fn german_date_change_keeps_only_the_new_date() {
    let mail = "Liebe Frau Meier

Leider müssen wir unseren Anlass verschieben: statt am 12. März 2027 würden wir gerne am 19. März 2027 feiern, gleiche Zeit und gleiche Anzahl Gäste.
Ist Raum A an diesem Datum noch frei?

Herzliche Grüsse
Sandra Huber

Am 20.11.2026 um 14:03 schrieb Claudia Meier <claudia@atelier.ch>:

> Gerne bestätigen wir Ihnen die Option für den 12. März 2027 für 60 Personen, 18:00 bis 23:00 Uhr.";
    assert_eq!(
        extract(mail, today()),
        Extracted {
            dates: vec![d(2027, 3, 19)],
            intents: vec![Intent::Change, Intent::Question],
            ..nothing(Language::De)
        }
    );
}

#[test]
fn english_cancellation_with_unmarked_signature_and_outlook_quote() {
    let mail = "Dear Atelier team,

unfortunately we have to cancel the booking for our workshop (booking OE-2026-11-0042). The project was stopped.
Please send the final invoice to accounting@firm.ch.

Kind regards
Laura Smith
Head of Operations
Firm AG | Tel +41 44 555 12 34 | Mobile 079 123 45 67

From: The Atelier <info@atelier.ch>
Sent: Monday, November 23, 2026 4:12 PM
To: Laura Smith
Subject: Confirmation: Workshop 21 January 2027

Dear Laura, we confirm your workshop on 21 January 2027 for 30 participants, 9am-5pm.";
    assert_eq!(
        extract(mail, today()),
        Extracted { layout: Some(Layout::Workshop), intents: vec![Intent::Cancel], ..nothing(Language::En) }
    );
}

#[test]
fn german_vague_request_with_number_words_and_site_visit() {
    let mail = "Hallo zusammen

Wir suchen für unser Teamevent einen Raum für zwanzig Personen, idealerweise an einem Freitag im Mai 2027, ab 18 Uhr mit Apéro.
Könnten wir vorher einmal vorbeikommen und die Räume anschauen?

Liebe Grüsse
Nina
--
Nina Schmid
Tel. 044 123 45 67
> Am 3. Mai haben wir 50 Gäste";
    assert_eq!(
        extract(mail, today()),
        Extracted {
            vague_date: Some(VagueDate {
                year: Some(2027),
                month: 5,
                weekday: Some(Weekday::Fri),
                weekdays: vec![Weekday::Fri],
                ..VagueDate::default()
            }),
            start_time: t(18, 0),
            attendees: Some(20),
            layout: Some(Layout::Cocktail),
            intents: vec![Intent::Question, Intent::SiteVisit],
            weekdays: vec![Weekday::Fri],
            named_weekday: Some(Weekday::Fri),
            ..nothing(Language::De)
        }
    );
}

#[test]
fn english_range_counter_offer_ignores_angle_quotes() {
    let mail = "Hello,

thanks for your quick reply. We'd like to keep the conference from 14 to 16 April 2027 in theatre style for up to 120 participants, daily 9am-5pm.
However, the total is above our budget - could you offer a 10% discount?

Best,
James

> On 20 Nov 2026, The Atelier wrote:
> We can offer Room F for 150 guests on 3 May 2027, 8:00-18:00.";
    assert_eq!(
        extract(mail, today()),
        Extracted {
            dates: vec![d(2027, 4, 14), d(2027, 4, 16)],
            date_range: Some((d(2027, 4, 14), d(2027, 4, 16))),
            start_time: t(9, 0),
            end_time: t(17, 0),
            attendees: Some(120),
            layout: Some(Layout::Theatre),
            intents: vec![Intent::Counter, Intent::Question],
            discount_percent: Some(10),
            ..nothing(Language::En)
        }
    );
}

#[test]
fn german_acceptance_ignores_offer_and_payment_dates() {
    let mail = "Sehr geehrte Damen und Herren

Vielen Dank für Ihr Angebot vom 20.11.2026. Wir nehmen das Angebot gerne an und bestätigen hiermit die Buchung für den 05.02.2027, 18:30–24:00 Uhr, Bankett für 60 Gäste.
Die Rechnung bitte an unsere Buchhaltung; Zahlung erfolgt bis 15.01.2027.

Mit freundlichen Grüssen
Dr. Martin Weber
-----Ursprüngliche Nachricht-----
Von: The Atelier
Gesendet: Freitag, 20. November 2026 11:00
Angebot für 50 Personen am 29.01.2027";
    assert_eq!(
        extract(mail, today()),
        Extracted {
            dates: vec![d(2027, 2, 5)],
            start_time: t(18, 30),
            end_time: t(0, 0),
            attendees: Some(60),
            layout: Some(Layout::Dinner),
            intents: vec![Intent::Accept],
            ..nothing(Language::De)
        }
    );
}

#[test]
fn english_relative_date_change() {
    let mail = "Hi again,
quick update: could we move the dinner to next Friday instead? Everything else stays the same (35 people, seated dinner).
Thanks, Mia
Sent from my iPhone

On 24.11.2026 at 08:00, Atelier <info@atelier.ch> wrote:
> dinner on 4 December 2026 for 30 people";
    assert_eq!(
        extract(mail, today()),
        Extracted {
            dates: vec![d(2026, 11, 27)],
            attendees: Some(35),
            layout: Some(Layout::Dinner),
            intents: vec![Intent::Change, Intent::Question],
            ..nothing(Language::En)
        }
    );
}

#[test]
fn german_decline_has_no_facts() {
    let mail = "Guten Tag Frau Meier

Vielen Dank für Ihre Mühe. Wir haben uns leider für eine andere Location entschieden.

Freundliche Grüsse
Urs Bühler

Am Mo., 23. Nov. 2026 um 10:00 Uhr schrieb The Atelier <info@atelier.ch>:
> Offerte für 80 Personen am 3. März 2027, Apéro 18:00–22:00";
    assert_eq!(extract(mail, today()), Extracted { intents: vec![Intent::Decline], ..nothing(Language::De) });
}

#[test]
fn quoted_history_alone_yields_nothing() {
    let mail = "> On 12 March 2027 we are 80 guests\n> 18:00-23:00, theatre seating?";
    assert_eq!(extract(mail, today()), nothing(Language::En));
}

#[test]
fn written_numbers_feed_dates_and_counts() {
    let found = extract("We are about eighty people and would come in two weeks.", today());
    assert_eq!(found.attendees, Some(80));
    assert_eq!(found.dates, vec![d(2026, 12, 9)]);
    let found = extract("fünfundzwanzig Teilnehmende, in drei Wochen", today());
    assert_eq!(found.attendees, Some(25));
    assert_eq!(found.dates, vec![d(2026, 12, 16)]);
}

#[test]
fn layout_labels() {
    assert_eq!(Layout::Theatre.label(Language::En), "theatre seating");
    for l in [Layout::Theatre, Layout::UShape, Layout::Cocktail, Layout::Dinner, Layout::Classroom] {
        assert_eq!(Layout::from_code(l.code()), Some(l));
        assert_eq!(serde_json::to_value(l).unwrap(), l.code(), "the stored name is the serde name");
    }
    assert_eq!(Layout::Cocktail.label(Language::De), "Stehapéro");
    assert_eq!(Layout::Dinner.label(Language::De), "Bankett");
    assert_eq!(Layout::UShape.label(Language::De), "U-Form");
    assert_eq!(Layout::Workshop.label(Language::De), "Workshop");
    assert_eq!(Layout::Boardroom.label(Language::En), "boardroom");
    assert_eq!(Layout::Classroom.label(Language::De), "Parlamentarische Bestuhlung");
}

#[test]
fn serde_names_are_snake_case() {
    let json = serde_json::to_string(&(Layout::UShape, Intent::SiteVisit, Language::De)).expect("serializable");
    assert_eq!(json, r#"["u_shape","site_visit","de"]"#);
    let found = extract("80 guests on 15 March 2027", today());
    let round_trip: Extracted =
        serde_json::from_str(&serde_json::to_string(&found).expect("serializable")).expect("deserializable");
    assert_eq!(round_trip, found);
}

/// A tiny deterministic pseudo-random generator (no extra dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

fn odd_inputs() -> Vec<String> {
    let fragments = [
        "15.03.2026",
        "1.2.",
        "31/12/99",
        "2026-13-45",
        "März",
        "Mai",
        "May",
        "may",
        "the 15th of",
        "vom 14. bis",
        "-",
        "–",
        "—",
        "bis",
        "to",
        "and",
        "oder",
        "18:00",
        "24:00",
        "99:99",
        "6pm",
        "12am",
        "Uhr",
        "h",
        "14h30",
        "noon",
        "Mitternacht",
        "80",
        "Personen",
        "guests",
        "up to",
        "between",
        "CHF",
        "1'500",
        "1,500",
        "+41",
        "044",
        "not",
        "nicht",
        "statt",
        "instead of",
        "?",
        ".",
        ",",
        ":",
        ";",
        "\n",
        "\r\n",
        "> ",
        "-- ",
        "On",
        "wrote:",
        "Am",
        "schrieb",
        "Von:",
        "Gesendet:",
        "ä",
        "ß",
        "é",
        "😊",
        "\u{202e}",
        "\u{0301}",
        "\0",
        "\t",
        "Room 2",
        "next",
        "Friday",
        "Freitag",
        "morgen",
        "tomorrow",
        "in 2 weeks",
        "twenty-five",
        "hundert",
        "a",
        "hundred",
        "and",
        "zwanzig",
        "undzwanzig",
        "Besichtigung",
        "cancel",
        "Rabatt",
        "U-Form",
        "apéro",
        "theatre",
        "9",
        "0",
        "00",
        "000000000000",
        "29.02.",
        "30. Februar",
        "ﬀ",
        "İ",
        "Room A",
        "Raum",
        "rooms",
        "B",
        "Beamer",
        "2x",
        "x",
        "(3",
        ")",
        "ohne",
        "without the",
        "streichen",
        "nicht",
        "%",
        "Prozent",
        "Rabatt",
        "off",
        "8.1",
        "Rechnungsadresse:",
        "billing address is",
        "Muster AG",
        "Bahnhofstrasse 10",
        "CH-8001 Zürich",
        "Schweiz",
        "Best regards",
        "Freundliche Grüsse",
        "P.S.",
        "Apéro",
        "apero riche",
        "Coffee & Tea",
        "&",
        "sound system",
    ];
    let mut rng = Lcg(42);
    let mut inputs: Vec<String> = Vec::new();
    for length in 0..300 {
        let words = (rng.next() % 40) as usize + length % 7;
        let text: Vec<&str> = (0..words).map(|_| rng.pick(&fragments)).collect();
        let separator = rng.pick(&[" ", "", "  ", ".", "\n"]);
        inputs.push(text.join(separator));
    }
    inputs.push(String::new());
    inputs.push("1".repeat(50_000));
    inputs.push("15.03. ".repeat(5_000));
    inputs.push("14, ".repeat(10_000) + "March");
    inputs.push("absage ".repeat(5_000));
    inputs.push("ä".repeat(30_000));
    inputs.push("😊 80 Gäste ".repeat(1_000));
    inputs.push(format!("{}\n{}", "> quoted ".repeat(1_000), "On x wrote:"));
    inputs.push((0u32..2_000).filter_map(char::from_u32).collect());
    inputs.push("2x Beamer ohne DJ, Raum B und Räume C und D. ".repeat(1_000));
    inputs.push("Rechnungsadresse:\n,\n".repeat(3_000));
    inputs.push("10 % Rabatt ".repeat(3_000));
    inputs.push("Best regards\nP.S. ".repeat(3_000));
    inputs
}

#[test]
fn never_panics_and_keeps_invariants_on_odd_input() {
    let vocabulary = cases::catalogue();
    for input in odd_inputs() {
        let found = extract_with(&input, today(), &vocabulary);
        if let Some(count) = found.attendees {
            assert!((1..=5000).contains(&count), "count {count} from {input:?}");
        }
        if let Some((from, to)) = found.date_range {
            assert!(from < to, "range {from}..{to} from {input:?}");
        }
        let mut unique = found.dates.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), found.dates.len(), "duplicates from {input:?}");
        if let Some(vague) = &found.vague_date {
            assert!((1..=12).contains(&vague.month));
        }
        let mut rooms = found.rooms.clone();
        rooms.sort();
        rooms.dedup();
        assert_eq!(rooms.len(), found.rooms.len(), "duplicate rooms from {input:?}");
        let mut products: Vec<_> = found.products.iter().map(|p| p.id).collect();
        products.sort();
        products.dedup();
        assert_eq!(products.len(), found.products.len(), "duplicate products from {input:?}");
        if let Some(discount) = found.discount_percent {
            assert!((1..=90).contains(&discount), "discount {discount} from {input:?}");
        }
        let _ = strip_quoted(&input);
    }
}

#[test]
fn extreme_todays_do_not_overflow() {
    let text = "tomorrow, next Friday, Friday next week, in 2 weeks, 15 March, 15.3., 29.02., im Mai, 14-16 June";
    for today in [NaiveDate::MIN, NaiveDate::MAX, d(2028, 2, 29), d(2026, 12, 31)] {
        let found = extract(text, today);
        // Nothing here has an explicit year, so every date lies on/after today.
        assert!(found.dates.iter().all(|date| *date >= today));
        assert_eq!(found.language, Language::En);
    }
    // Leap day without a year resolves to the next 29 February.
    assert_eq!(extract("am 29.02.", today()).dates, vec![d(2028, 2, 29)]);
}
