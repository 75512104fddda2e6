//! ISO weeks, parts of months, Easter and the feasts that follow it, and
//! weekday wishes. Today is Wednesday 2026-11-25; Easter 2027 is 28 March.

use super::cases::{check, ymd, Ymd};
use crate::workflow::extract::{Doubt, Extracted};
use chrono::Weekday::{self, *};

type Window = Option<(Ymd, Ymd)>;

fn window(found: &Extracted) -> Window {
    found.vague_date.as_ref().and_then(|v| v.window).map(|(from, to)| (ymd(&from), ymd(&to)))
}

const WINDOW_EN: &[(&str, Window)] = &[
    ("sometime in the 3rd week of March 2027", Some(((2027, 3, 15), (2027, 3, 21)))),
    ("the first week of June", Some(((2027, 6, 1), (2027, 6, 7)))),
    ("in the second week of May 2027", Some(((2027, 5, 8), (2027, 5, 14)))),
    ("the last week of August", Some(((2027, 8, 25), (2027, 8, 31)))),
    ("Could we do it in week 23?", Some(((2027, 6, 7), (2027, 6, 13)))),
    ("calendar week 23, 2027", Some(((2027, 6, 7), (2027, 6, 13)))),
    ("sometime in CW 2", Some(((2027, 1, 11), (2027, 1, 17)))),
    ("the week after Easter", Some(((2027, 3, 29), (2027, 4, 4)))),
    ("after Easter 2028", Some(((2028, 4, 17), (2028, 4, 23)))),
    ("the week before Easter", Some(((2027, 3, 21), (2027, 3, 27)))),
    ("mid June", Some(((2027, 6, 11), (2027, 6, 20)))),
    ("early June", Some(((2027, 6, 1), (2027, 6, 10)))),
    ("late June", Some(((2027, 6, 21), (2027, 6, 30)))),
    ("end of May", Some(((2027, 5, 21), (2027, 5, 31)))),
    ("beginning of March 2028", Some(((2028, 3, 1), (2028, 3, 10)))),
    ("mid-December", Some(((2026, 12, 11), (2026, 12, 20)))),
    ("We need 2 weeks to prepare.", None),
    ("in two weeks", None),
    ("week 23 March", None),
    ("after Easter, ideally early May", Some(((2027, 5, 1), (2027, 5, 10)))),
    ("in week 23 or, preferably, mid June", Some(((2027, 6, 11), (2027, 6, 20)))),
];

const WINDOW_DE: &[(&str, Window)] = &[
    ("in der dritten Märzwoche 2027", Some(((2027, 3, 15), (2027, 3, 21)))),
    ("in der 2. Woche im Mai", Some(((2027, 5, 8), (2027, 5, 14)))),
    ("die erste Woche im Juni 2027", Some(((2027, 6, 1), (2027, 6, 7)))),
    ("in der letzten Woche im August", Some(((2027, 8, 25), (2027, 8, 31)))),
    ("in der KW 23", Some(((2027, 6, 7), (2027, 6, 13)))),
    ("KW23", Some(((2027, 6, 7), (2027, 6, 13)))),
    ("Kalenderwoche 23 / 2027", Some(((2027, 6, 7), (2027, 6, 13)))),
    ("KW 48", Some(((2026, 11, 23), (2026, 11, 29)))),
    ("die Woche nach Ostern", Some(((2027, 3, 29), (2027, 4, 4)))),
    ("nach Ostern", Some(((2027, 3, 29), (2027, 4, 4)))),
    ("vor Ostern", Some(((2027, 3, 21), (2027, 3, 27)))),
    ("Mitte Juni", Some(((2027, 6, 11), (2027, 6, 20)))),
    ("Anfang Mai", Some(((2027, 5, 1), (2027, 5, 10)))),
    ("Ende Mai", Some(((2027, 5, 21), (2027, 5, 31)))),
    ("Ende Februar 2028", Some(((2028, 2, 21), (2028, 2, 29)))),
    ("Anfang Dezember", Some(((2026, 12, 1), (2026, 12, 10)))),
    ("gegen Ende September", Some(((2027, 9, 21), (2027, 9, 30)))),
    ("Mitte Mai, ein Wochentag", Some(((2027, 5, 11), (2027, 5, 20)))),
    ("Wir brauchen 3 Wochen Vorlauf.", None),
    ("nicht Mitte Juni", None),
    ("die Zeit nach Ostern, am liebsten Anfang Mai", Some(((2027, 5, 1), (2027, 5, 10)))),
    ("Ende Mai oder vorzugsweise Mitte Juni", Some(((2027, 6, 11), (2027, 6, 20)))),
    ("Anfang Mai oder Mitte Juni", Some(((2027, 5, 1), (2027, 5, 10)))),
];

#[test]
fn spans_of_days() {
    check("WINDOW_EN", WINDOW_EN, window);
    check("WINDOW_DE", WINDOW_DE, window);
}

/// Feast days that follow Easter are single days.
const FEAST_EN: &[(&str, &[Ymd])] = &[
    ("on Ascension Day", &[(2027, 5, 6)]),
    ("Ascension 2028", &[(2028, 5, 25)]),
    ("Easter Monday", &[(2027, 3, 29)]),
    ("Good Friday", &[(2027, 3, 26)]),
    ("on Whit Monday", &[(2027, 5, 17)]),
    ("over Pentecost", &[(2027, 5, 16)]),
    ("Pentecost Monday", &[(2027, 5, 17)]),
];

const FEAST_DE: &[(&str, &[Ymd])] = &[
    ("an Auffahrt", &[(2027, 5, 6)]),
    ("am Auffahrtstag 2028", &[(2028, 5, 25)]),
    ("an Christi Himmelfahrt", &[(2027, 5, 6)]),
    ("über Pfingsten", &[(2027, 5, 16)]),
    ("am Pfingstmontag", &[(2027, 5, 17)]),
    ("am Ostermontag", &[(2027, 3, 29)]),
    ("Karfreitag", &[(2027, 3, 26)]),
    ("nicht an Auffahrt", &[]),
];

#[test]
fn feasts_after_easter() {
    let dates = |found: &Extracted| found.dates.iter().map(ymd).collect::<Vec<_>>();
    for (name, table) in [("FEAST_EN", FEAST_EN), ("FEAST_DE", FEAST_DE)] {
        let rows: Vec<_> = table.iter().map(|(text, expected)| (*text, expected.to_vec())).collect();
        check(name, &rows, dates);
    }
}

const WEEKDAY_EN: &[(&str, &[Weekday])] = &[
    ("a Friday would be best", &[Fri]),
    ("any Friday in May", &[Fri]),
    ("Fridays or Saturdays", &[Fri, Sat]),
    ("a weekday, Mon-Thu", &[Mon, Tue, Wed, Thu]),
    ("Monday to Thursday only", &[Mon, Tue, Wed, Thu]),
    ("during the week, please", &[Mon, Tue, Wed, Thu, Fri]),
    ("not on a weekend", &[Mon, Tue, Wed, Thu, Fri]),
    ("on a weekday", &[Mon, Tue, Wed, Thu, Fri]),
    ("Friday, 18 June 2027", &[]),
    ("next Friday", &[]),
];

const WEEKDAY_DE: &[(&str, &[Weekday])] = &[
    ("ein Wochentag, Mo–Do", &[Mon, Tue, Wed, Thu]),
    ("Mo-Fr", &[Mon, Tue, Wed, Thu, Fri]),
    ("unter der Woche", &[Mon, Tue, Wed, Thu, Fri]),
    ("an einem Werktag", &[Mon, Tue, Wed, Thu, Fri]),
    ("am liebsten freitags", &[Fri]),
    ("einen Freitag im Mai", &[Fri]),
    ("Dienstag bis Donnerstag", &[Tue, Wed, Thu]),
    ("nicht am Wochenende", &[Mon, Tue, Wed, Thu, Fri]),
    ("Freitag, 18. Juni 2027", &[]),
    ("nächsten Freitag", &[]),
];

#[test]
fn weekday_wishes() {
    for (name, table) in [("WEEKDAY_EN", WEEKDAY_EN), ("WEEKDAY_DE", WEEKDAY_DE)] {
        let rows: Vec<_> = table.iter().map(|(text, expected)| (*text, expected.to_vec())).collect();
        check(name, &rows, |found| found.weekdays.clone());
    }
}

/// A date on a weekday the client ruled out is a doubt, not a fact.
const CONTRADICTION: &[(&str, bool)] = &[
    ("A weekday would be ideal, e.g. Sunday, 13 June 2027.", true),
    ("Ein Wochentag, Mo–Do, z.B. der 13. Juni 2027.", true),
    ("Ein Wochentag, Mo–Do, z.B. der 10. Juni 2027.", false),
    ("a Friday, maybe 18 June 2027", false),
];

#[test]
fn a_date_against_the_weekday_wish_is_a_doubt() {
    check("CONTRADICTION", CONTRADICTION, |found| {
        found.doubts.iter().any(|d| matches!(d, Doubt::DateContradictsWeekday { .. }))
    });
}

pub(super) const ROWS: (usize, usize) =
    (WINDOW_EN.len() + FEAST_EN.len() + WEEKDAY_EN.len() + 2, WINDOW_DE.len() + FEAST_DE.len() + WEEKDAY_DE.len() + 2);
