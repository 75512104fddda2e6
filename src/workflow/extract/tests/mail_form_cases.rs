//! Mail forms: HTML-only mail (read through `html2text`), forwarded
//! inquiries (read, not dropped), a German Gmail attribution wrapped over
//! two lines and Outlook header blocks (history: neither their dates nor
//! their times are the event's).

use super::cases::{catalogue, check, today, ymd, Ymd};
use crate::workflow::extract::{extract_with, mail_text, Extracted};

/// (dates, start hour, attendees)
type Facts = (Vec<Ymd>, Option<u32>, Option<u32>);

fn facts(found: &Extracted) -> Facts {
    use chrono::Timelike;
    (found.dates.iter().map(ymd).collect(), found.start_time.map(|t| t.hour()), found.attendees)
}

/// (mail, dates, start hour, attendees)
type Form = (&'static str, &'static [Ymd], Option<u32>, Option<u32>);

const FORMS_EN: &[Form] = &[
    (
        "<html><body><p>Hello,</p><p>we are 40 people on 12 June 2027 from 18:00 to 23:00.</p></body></html>",
        &[(2027, 6, 12)],
        Some(18),
        Some(40),
    ),
    (
        "<div>Dear team,<br>dinner for 30 guests on 3 March 2027.<br>Best regards<br>Tom</div>",
        &[(2027, 3, 3)],
        None,
        Some(30),
    ),
    (
        "FYI\n\n---------- Forwarded message ---------\nFrom: Anna <a@b.ch>\nDate: Mon, 23 Nov 2026 at 10:00\nSubject: Inquiry\nTo: info@atelier.ch\n\nWe would like to book for 40 people on 12 June 2027.",
        &[(2027, 6, 12)],
        None,
        Some(40),
    ),
    (
        "Begin forwarded message:\n\nFrom: Anna Muster <a@b.ch>\nSubject: Team dinner\nDate: 23 November 2026 at 10:00:00 CET\nTo: info@atelier.ch\n\nDinner for 30 guests on 3 March 2027, starting at 7pm.",
        &[(2027, 3, 3)],
        Some(19),
        Some(30),
    ),
    (
        "Please see below.\n\nBest regards\nTom\n\n---------- Forwarded message ---------\nFrom: Lisa <l@x.ch>\nDate: Tue, 24 Nov 2026 at 09:12\nSubject: Offsite\n\n60 guests on 9 April 2027.",
        &[(2027, 4, 9)],
        None,
        Some(60),
    ),
    (
        "Thanks!\n\n-----Original Message-----\nFrom: The Atelier\nSent: Monday, 23 November 2026 10:15\nSubject: Offer\n\nYour event on 12 March 2027 from 18:00 for 80 guests",
        &[],
        None,
        None,
    ),
    (
        "Fine with us.\n\nFrom: The Atelier <events@atelier-zurich.ch>\nSent: Sunday, 29 November 2026 14:43\nTo: Anna\nSubject: Offer\n\n80 guests on 12 March 2027",
        &[],
        None,
        None,
    ),
    (
        "Great, thanks.\n\nOn Sun, 29 Nov 2026 at 14:43, The Atelier <\nevents@atelier-zurich.ch> wrote:\n> Your event on 12 March 2027 at 18:00",
        &[],
        None,
        None,
    ),
];

const FORMS_DE: &[Form] = &[
    (
        "Passt, danke!\n\nAm So., 29. Nov. 2026 um 14:43 Uhr schrieb The Atelier <\nevents@atelier-zurich.ch>:\n> Ihr Anlass am 12. März 2027 ab 18 Uhr",
        &[],
        None,
        None,
    ),
    (
        "Wir sind 30 Personen.\n\nAm So., 29. Nov. 2026 um 14:43 Uhr schrieb The Atelier <\nevents@atelier-zurich.ch>:\n> Ihr Anlass am 12. März 2027",
        &[],
        None,
        Some(30),
    ),
    (
        "-------- Weitergeleitete Nachricht --------\nBetreff: Anfrage\nDatum: Mon, 23 Nov 2026 10:00:00 +0100\nVon: Anna <a@b.ch>\nAn: info@atelier.ch\n\nWir sind 25 Personen am 5. Mai 2027.",
        &[(2027, 5, 5)],
        None,
        Some(25),
    ),
    (
        "Zur Info.\n\nAnfang der weitergeleiteten Nachricht:\n\nVon: Peter <p@x.ch>\nBetreff: Apéro\nDatum: 23. November 2026 um 10:00:00 MEZ\n\nApéro am 14. Mai 2027 ab 17 Uhr, ca. 50 Gäste.",
        &[(2027, 5, 14)],
        Some(17),
        Some(50),
    ),
    (
        "Einverstanden.\n\nVon: The Atelier <events@atelier-zurich.ch>\nGesendet: Sonntag, 29. November 2026 14:43\nAn: Anna\nBetreff: Angebot\n\nTermin 12. Februar 2027, 18 Uhr",
        &[],
        None,
        None,
    ),
    (
        "Danke\n-----Ursprüngliche Nachricht-----\nVon: The Atelier\nGesendet: Montag, 23. November 2026 10:15\n\n80 Personen am 15.03.2027",
        &[],
        None,
        None,
    ),
    (
        "<p>Guten Tag</p><p>Wir planen am 20. Mai 2027 einen Apéro für 45 Personen ab 18 Uhr.</p><p>Freundliche Grüsse</p>",
        &[(2027, 5, 20)],
        Some(18),
        Some(45),
    ),
];

#[test]
fn mail_forms() {
    for (name, table) in [("FORMS_EN", FORMS_EN), ("FORMS_DE", FORMS_DE)] {
        let rows: Vec<_> =
            table.iter().map(|(text, dates, hour, count)| (*text, (dates.to_vec(), *hour, *count))).collect();
        check(name, &rows, facts);
    }
}

/// An empty text part with an HTML part: the HTML is read.
#[test]
fn html_only_mail_is_read_through_html2text() {
    let cases: &[(&str, Facts)] = &[
        ("<p>We are <b>35 people</b> on 4&nbsp;June&nbsp;2027.</p>", (vec![(2027, 6, 4)], None, Some(35))),
        ("<p>Wir sind 22&nbsp;Personen,<br>am 8. Juli 2027 ab 19 Uhr.</p>", (vec![(2027, 7, 8)], Some(19), Some(22))),
        ("<p>Thanks!</p><blockquote>Your event on 12 March 2027 for 80 guests</blockquote>", (vec![], None, None)),
        // A form in a table: each row reads "Label: value".
        (
            "<table><tr><td><b>Date</b></td><td>Wednesday, 12 May 2027</td></tr><tr><td>Time</td><td>13:00 &ndash; 18:00</td></tr><tr><td><b>Attendees</b></td><td>75</td></tr></table>",
            (vec![(2027, 5, 12)], Some(13), Some(75)),
        ),
        (
            "<table><tr><td>Datum</td><td>Freitag, 4. Juni 2027</td></tr><tr><td>Zeit</td><td>ab 18 Uhr</td></tr><tr><td>Teilnehmende</td><td>ca. 40</td></tr></table>",
            (vec![(2027, 6, 4)], Some(18), Some(40)),
        ),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(html, expected)| {
            let got = facts(&extract_with(&mail_text("", Some(html)), today(), &catalogue()));
            (got != *expected).then(|| format!("{html:?}: expected {expected:?}, got {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

pub(super) const ROWS: (usize, usize) = (FORMS_EN.len() + 3, FORMS_DE.len() + 2);
