//! Seating layouts: seminar style, parliament style, U-shape and its typos,
//! rows, banquet, standing apéro; a seating shape beats the event word, and
//! a flying dinner is a standing format.

use super::cases::check;
use crate::workflow::extract::Layout::{self, *};

const LAYOUT_EN: &[(&str, Option<Layout>)] = &[
    ("seminar style for 30", Some(Classroom)),
    ("seminar seating, please", Some(Classroom)),
    ("a workshop for 20 people in U-shape", Some(UShape)),
    ("tables u-shpae please", Some(UShape)),
    ("u shape", Some(UShape)),
    ("Ushape for 18", Some(UShape)),
    ("u-shaped tables", Some(UShape)),
    ("a workshop, tables in a horseshoe", Some(UShape)),
    ("theatre style", Some(Theatre)),
    ("cinema style for the keynote", Some(Theatre)),
    ("Flying Dinner for 50", Some(Cocktail)),
    ("a flying dinner instead of a seated one", Some(Cocktail)),
    ("classroom setup", Some(Classroom)),
    ("boardroom table for 12", Some(Boardroom)),
    ("banquet style", Some(Dinner)),
    ("seated dinner for 40 guests", Some(Dinner)),
    ("a workshop followed by dinner", Some(Workshop)),
    ("standing reception with drinks", Some(Cocktail)),
    ("A dinner, but the talk before in theatre style", Some(Theatre)),
    ("our team workshop, seminar style", Some(Classroom)),
];

const LAYOUT_DE: &[(&str, Option<Layout>)] = &[
    ("Seminarbestuhlung", Some(Classroom)),
    ("parlamentarisch bitte", Some(Classroom)),
    ("U-Form", Some(UShape)),
    ("Reihenbestuhlung", Some(Theatre)),
    ("Kinobestuhlung für 80", Some(Theatre)),
    ("Bankett", Some(Dinner)),
    ("Stehapéro für 60 P.", Some(Cocktail)),
    ("Workshop in U-Form", Some(UShape)),
    ("Flying Dinner", Some(Cocktail)),
    ("Seminar, parlamentarische Bestuhlung", Some(Classroom)),
    ("Bankettbestuhlung mit runden Tischen", Some(Dinner)),
    ("Stuhlreihen für 80 Personen", Some(Theatre)),
    ("Hufeisenform", Some(UShape)),
    ("Workshop mit anschliessendem Apéro", Some(Workshop)),
    ("Ein Workshop, Tische in U-Form", Some(UShape)),
    ("Tische als Blocktafel", Some(Boardroom)),
    ("keine Reihenbestuhlung", None),
    ("Stehempfang", Some(Cocktail)),
];

#[test]
fn seating_layouts() {
    check("LAYOUT_EN", LAYOUT_EN, |found| found.layout);
    check("LAYOUT_DE", LAYOUT_DE, |found| found.layout);
}

pub(super) const ROWS: (usize, usize) = (LAYOUT_EN.len(), LAYOUT_DE.len());
