//! Step 3: the room proposal, or why no room fits.

use chrono::NaiveDate;

use super::{format_date, Letter, When};
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
    let when = when.text(lang);
    let seating = layout.map(|x| format!(" ({})", x.label(lang))).unwrap_or_default();
    l.para(
        &format!("Good news: on {when} we have space for {attendees} guests{seating}."),
        &format!("Gute Nachricht: Am {when}, haben wir Platz für {attendees} Personen{seating}."),
    );
    let Some((best, others)) = rooms.split_first() else { return l.sign(venue) };
    let de = l.de();
    let seats = |r: &RoomLine| match (de, r.capacity_to_confirm) {
        (true, false) => format!("bis {} Personen", r.capacity),
        (false, false) => format!("up to {} guests", r.capacity),
        (true, true) => format!("bis {} Personen; Kapazität für diese Bestuhlung noch zu bestätigen", r.capacity),
        (false, true) => format!("up to {} guests; capacity for this seating to be confirmed", r.capacity),
    };
    l.intro("We recommend:", "Wir empfehlen Ihnen:");
    l.bullet(&format!("{} ({})", best.name, seats(best)));
    if !best.matched.is_empty() {
        l.sub_bullet(&format!("{}: {}", if de { "vorhanden" } else { "includes" }, capitalised(&best.matched)));
    }
    if !best.missing.is_empty() {
        l.sub_bullet(&format!(
            "{}: {}",
            if de { "nicht vorhanden" } else { "not included" },
            capitalised(&best.missing)
        ));
    }
    l.gap();
    if !others.is_empty() {
        l.intro("Also available:", "Ebenfalls verfügbar:");
        for r in others {
            l.bullet(&format!("{} ({})", r.name, seats(r)));
        }
        l.gap();
    }
    l.para(
        &format!(
            "We will prepare your offer for {} and send it to you shortly. If you would prefer another room, just let us know.",
            best.name
        ),
        &format!(
            "Wir erstellen Ihnen nun das Angebot für {} und senden es Ihnen in Kürze. Wünschen Sie einen anderen Raum, geben Sie uns einfach Bescheid.",
            best.name
        ),
    );
    l.sign(venue)
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
    let seating = layout.map(|x| format!(" ({})", x.label(lang))).unwrap_or_default();
    l.para(
        &format!("Unfortunately, none of our rooms can accommodate {attendees} guests{seating}."),
        &format!("Leider bietet keiner unserer Räume Platz für {attendees} Personen{seating}."),
    );
    if let Some((room, cap)) = largest {
        l.para(
            &format!("Our largest room, {room}, holds up to {cap} guests with this seating."),
            &format!("Unser grösster Raum, {room}, bietet bei dieser Bestuhlung Platz für bis zu {cap} Personen."),
        );
    }
    if another_layout_fits {
        l.para(
            "Would a different seating arrangement or a smaller group work for you? We would be glad to find a solution together.",
            "Wäre eine andere Bestuhlung oder eine kleinere Gruppe für Sie möglich? Gerne suchen wir gemeinsam eine Lösung.",
        );
    } else {
        l.para(
            "Would a smaller group work for you? We would be glad to find a solution together.",
            "Wäre eine kleinere Gruppe für Sie möglich? Gerne suchen wir gemeinsam eine Lösung.",
        );
    }
    l.sign(venue)
}

pub fn ask_for_attendees(name: &str, lang: Language, venue: &str, date: NaiveDate) -> String {
    let mut l = Letter::new(lang, name);
    let d = format_date(date, lang);
    l.para(
        &format!("Thank you. We still have availability on {d}."),
        &format!("Vielen Dank. Am {d}, haben wir für Ihren Anlass noch Platz."),
    );
    l.para(
        "How many guests are you expecting, and which seating do you have in mind (e.g. theatre, banquet, standing reception)? Then we can suggest the right room.",
        "Mit wie vielen Personen rechnen Sie, und welche Bestuhlung wünschen Sie (z. B. Theater, Bankett, Stehempfang)? Dann schlagen wir Ihnen den passenden Raum vor.",
    );
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
