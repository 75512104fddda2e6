//! Step 3: the room proposal, or why no room fits.

use chrono::NaiveDate;

use super::{format_date, messages, Letter, When};
use crate::workflow::extract::{Language, Layout};

/// One proposed room as the letter states it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomLine {
    pub name: String,
    /// Seats in the requested layout.
    pub capacity: i32,
    pub matched: Vec<String>,
    pub missing: Vec<String>,
    /// The room has no figure for this seating; `capacity` is its general
    /// one and the letter says it is to be confirmed.
    pub capacity_to_confirm: bool,
}

/// "beamer" -> "Beamer": amenities are listed in the client's words, each
/// starting with a capital letter.
fn capitalised(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The proposal for `rooms` (best first, at least one).
pub fn room_proposal(
    name: &str,
    lang: Language,
    venue: &str,
    when: When,
    attendees: u32,
    layout: Option<Layout>,
    rooms: &[RoomLine],
) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    l.para(&m.space_for(&when.text(lang), attendees, &seating(layout, lang)));
    let Some((best, others)) = rooms.split_first() else { return l.sign(venue) };
    let seats = |r: &RoomLine| if r.capacity_to_confirm { m.seats_to_confirm(r.capacity) } else { m.seats(r.capacity) };
    l.intro(m.we_recommend());
    l.bullet(&format!("{} ({})", best.name, seats(best)));
    if !best.matched.is_empty() {
        l.sub_bullet(&m.includes(&capitalised(&best.matched)));
    }
    if !best.missing.is_empty() {
        l.sub_bullet(&m.not_included(&capitalised(&best.missing)));
    }
    l.gap();
    if !others.is_empty() {
        l.intro(m.also_available());
        for r in others {
            l.bullet(&format!("{} ({})", r.name, seats(r)));
        }
        l.gap();
    }
    l.para(&m.preparing_offer_for(&best.name));
    l.sign(venue)
}

/// " (theatre seating)", or nothing without a layout.
fn seating(layout: Option<Layout>, lang: Language) -> String {
    layout.map(|x| format!(" ({})", messages::of(lang).layout(x))).unwrap_or_default()
}

pub fn too_many_attendees(
    name: &str,
    lang: Language,
    venue: &str,
    attendees: u32,
    layout: Option<Layout>,
    largest: Option<(&str, i32)>,
    another_layout_fits: bool,
) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    l.para(&m.no_room_fits(attendees, &seating(layout, lang)));
    if let Some((room, cap)) = largest {
        l.para(&m.largest_room(room, cap));
    }
    l.para(if another_layout_fits { m.other_seating_or_smaller_group() } else { m.smaller_group() });
    l.sign(venue)
}

pub fn ask_for_attendees(name: &str, lang: Language, venue: &str, date: NaiveDate) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    l.para(&m.still_available_on(&format_date(date, lang)));
    l.para(m.ask_guests_and_seating());
    l.sign(venue)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proposal_names_the_best_room_with_matched_and_missing_and_the_alternatives() {
        let rooms = vec![
            RoomLine {
                name: "Room B".into(),
                capacity: 60,
                matched: vec!["projector".into()],
                missing: vec!["stage".into()],
                capacity_to_confirm: false,
            },
            RoomLine {
                name: "Room C".into(),
                capacity: 80,
                matched: vec![],
                missing: vec![],
                capacity_to_confirm: true,
            },
        ];
        let text = room_proposal(
            "Anna Keller",
            Language::En,
            "The Atelier",
            When {
                date: NaiveDate::from_ymd_opt(2027, 3, 12).unwrap(),
                start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
                assumed: true,
                end_assumed: false,
            },
            40,
            Some(Layout::Theatre),
            &rooms,
        );
        assert!(
            text.contains("on Friday, 12.03.2027, 09:00–17:00 (time to be confirmed) we have space for 40 guests (theatre seating)"),
            "{text}"
        );
        assert!(
            text.contains("- Room B (up to 60 guests)\n  - includes: Projector\n  - not included: Stage"),
            "{text}"
        );
        assert!(
            text.contains("Also available:\n- Room C (up to 80 guests; capacity for this seating to be confirmed)"),
            "{text}"
        );
    }
}
