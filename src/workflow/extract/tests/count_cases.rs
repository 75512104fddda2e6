//! Head counts the way clients write them: abbreviations ("60 P.", "20 TN",
//! "35 pax"), number words and dozens, adults plus children, a bare
//! confirmation of the count the venue asked for, and two counts that
//! disagree (a doubt for the manager).

use super::cases::check;
use crate::workflow::extract::Doubt;

const COUNT_EN: &[(&str, Option<u32>)] = &[
    ("We are 35 pax.", Some(35)),
    ("A lunch for 35 pax, please.", Some(35)),
    ("two dozen guests", Some(24)),
    ("We expect a dozen people.", Some(12)),
    ("about three dozen attendees", Some(36)),
    ("half a dozen colleagues", Some(6)),
    ("fifty guests", Some(50)),
    ("around seventy people", Some(70)),
    ("45 adults plus 4 children", Some(49)),
    ("40 adults and 10 kids", Some(50)),
    ("30 guests + 5 children", Some(35)),
    ("We will be 24 adults and 2 babies.", Some(26)),
    ("a group of two dozen", Some(24)),
    ("for approx. 60 pers.", Some(60)),
    ("drinks for 25 folks", Some(25)),
    ("We start at 6 p.m. sharp.", None),
    ("4 children only", None),
    ("Dinner at 7 p.m. for 20 guests", Some(20)),
    ("We are 30 women from the club.", Some(30)),
    ("about 25 ladies and gentlemen", Some(25)),
    ("a class of 22 students", Some(22)),
];

const COUNT_DE: &[(&str, Option<u32>)] = &[
    ("Mir sind öppe 60 Persone, alles stehend.", Some(60)),
    ("mir wärid öppe 35 Lüt", Some(35)),
    ("Mir sind 25 Gäscht", Some(25)),
    ("für ca. 60 Pers.", Some(60)),
    ("Apéro für 60 P.", Some(60)),
    ("60 P., Stehapéro", Some(60)),
    ("Kurs mit 20 TN", Some(20)),
    ("20 TN, U-Form", Some(20)),
    ("25 Teilnehmende", Some(25)),
    ("Teilnehmende: 35", Some(35)),
    ("zwei Dutzend Gäste", Some(24)),
    ("ein Dutzend Personen", Some(12)),
    ("zwanzig Personen", Some(20)),
    ("fünfzig Gäste", Some(50)),
    ("30 Erwachsene und 5 Kinder", Some(35)),
    ("ca. 40 Erwachsene plus 8 Kinder", Some(48)),
    ("60 Pers", Some(60)),
    ("rund 80 Anwesende", Some(80)),
    ("wir sind etwa 30 Leute", Some(30)),
    ("Teilnehmerzahl: ca. 45 Personen", Some(45)),
    ("ein halbes Dutzend Mitarbeitende", Some(6)),
    ("Wir rechnen mit 70 Pax.", Some(70)),
    ("12 Erwachsene sowie 3 Kinder", Some(15)),
    ("Wir sind ca. 30 Frauen.", Some(30)),
    ("ein Chor mit 40 Sängerinnen und Sängern", Some(40)),
    ("für rund 50 Männer", Some(50)),
];

/// The group's size stated as such, the head count that counts once a room
/// is held (a change sent in a new mail says it so).
const GROUP_SIZE_EN: &[(&str, Option<u32>)] = &[
    ("We will be 55 now.", Some(55)),
    ("Please plan with 44 people now, everything else stays.", Some(44)),
    ("The number of guests has gone up to 60 guests.", Some(60)),
    ("10 guests are vegetarian.", None),
    ("Thanks, see you with the 40 guests.", None),
];

const GROUP_SIZE_DE: &[(&str, Option<u32>)] = &[
    ("Bitte rechnen Sie neu mit 44 Personen, sonst bleibt alles gleich.", Some(44)),
    ("Wir sind neu 30.", Some(30)),
    ("Es kommen jetzt 52 Gäste.", Some(52)),
    ("Die Zahl der Gäste erhöht sich auf 70 Personen.", Some(70)),
    ("5 Personen essen vegetarisch.", None),
];

#[test]
fn group_sizes() {
    check("GROUP_SIZE_EN", GROUP_SIZE_EN, |found| found.group_size);
    check("GROUP_SIZE_DE", GROUP_SIZE_DE, |found| found.group_size);
}

#[test]
fn head_counts() {
    check("COUNT_EN", COUNT_EN, |found| found.attendees);
    check("COUNT_DE", COUNT_DE, |found| found.attendees);
}

/// A bare number confirming the count the venue asked for.
const CONFIRMED_EN: &[(&str, Option<u32>)] = &[
    ("Yes, 24 is right!", Some(24)),
    ("Yes 24", Some(24)),
    ("Yes, it's 40.", Some(40)),
    ("Correct, 24.", Some(24)),
    ("Yes, 30 people.", Some(30)),
    ("Yes, the 12th works for us.", None),
    ("Yes, 2027 is fine.", None),
    ("We need 3 rooms.", None),
];

const CONFIRMED_DE: &[(&str, Option<u32>)] = &[
    ("Ja, 24 stimmt.", Some(24)),
    ("Ja, es sind 18.", Some(18)),
    ("Genau, 30 Personen.", Some(30)),
    ("Ja, 14 Uhr passt.", None),
    ("Richtig, 22!", Some(22)),
    ("Ja gerne, das passt.", None),
];

#[test]
fn confirmed_counts() {
    check("CONFIRMED_EN", CONFIRMED_EN, |found| found.confirmed_count);
    check("CONFIRMED_DE", CONFIRMED_DE, |found| found.confirmed_count);
}

/// Two counts that disagree are a doubt; a range, a sum, a change or the
/// same count twice are not.
const CONFLICT_EN: &[(&str, bool)] = &[
    ("We are 40 people. Please plan for 60 guests.", true),
    ("Apéro for 100 guests, dinner for 60 guests.", true),
    ("80 guests, so 80 people in total.", false),
    ("between 40 and 50 people", false),
    ("45 adults plus 4 children", false),
    ("Please reduce from 100 to 80 guests.", false),
];

const CONFLICT_DE: &[(&str, bool)] = &[
    ("Wir sind 40 Personen, also bitte für 55 Gäste decken.", true),
    ("30 Erwachsene und 5 Kinder", false),
    ("40-50 Personen", false),
    ("Wir sind 25 Personen, 25 Gäste insgesamt.", false),
];

#[test]
fn conflicting_counts_are_doubts() {
    let conflicting = |found: &crate::workflow::extract::Extracted| found.doubts.contains(&Doubt::ConflictingCounts);
    check("CONFLICT_EN", CONFLICT_EN, conflicting);
    check("CONFLICT_DE", CONFLICT_DE, conflicting);
}

/// Rows in this file, per language (see `tables_keep_at_least_300_new_cases`).
pub(super) const ROWS: (usize, usize) = (
    COUNT_EN.len() + CONFIRMED_EN.len() + CONFLICT_EN.len() + GROUP_SIZE_EN.len(),
    COUNT_DE.len() + CONFIRMED_DE.len() + CONFLICT_DE.len() + GROUP_SIZE_DE.len(),
);
