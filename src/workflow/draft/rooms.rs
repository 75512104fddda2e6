//! Step 3: the room proposal, or why no room fits.

use chrono::{NaiveDate, NaiveTime};

use super::{format_date, format_span, Letter};
use crate::workflow::extract::{Language, Layout};

/// One proposed room as the letter states it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomLine {
    pub name: String,
    /// Seats in the requested layout.
    pub capacity: i32,
    pub matched: Vec<String>,
    pub missing: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
pub fn room_proposal(
    name: &str,
    lang: Language,
    venue: &str,
    date: NaiveDate,
    (start, end): (NaiveTime, NaiveTime),
    attendees: u32,
    layout: Option<Layout>,
    rooms: &[RoomLine],
) -> String {
    let mut l = Letter::new(lang, name);
    let when = format!("{}, {}", format_date(date, lang), format_span(start, end));
    let seating = layout.map(|x| format!(" ({})", x.label(lang))).unwrap_or_default();
    l.para(
        &format!("Good news: we have rooms available on {when} for {attendees} guests{seating}."),
        &format!("Gute Nachricht: Am {when} haben wir für {attendees} Personen{seating} Räume frei."),
    );
    let Some((best, others)) = rooms.split_first() else { return l.sign(venue) };
    let de = l.de();
    let seats =
        |r: &RoomLine| if de { format!("bis {} Personen", r.capacity) } else { format!("up to {} guests", r.capacity) };
    l.intro("We recommend:", "Wir empfehlen Ihnen:");
    l.bullet(&format!("{} ({})", best.name, seats(best)));
    if !best.matched.is_empty() {
        l.bullet(&format!("{}: {}", if de { "Vorhanden" } else { "Includes" }, best.matched.join(", ")));
    }
    if !best.missing.is_empty() {
        l.bullet(&format!("{}: {}", if de { "Nicht vorhanden" } else { "Not available" }, best.missing.join(", ")));
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
) -> String {
    let mut l = Letter::new(lang, name);
    let seating = layout.map(|x| format!(" ({})", x.label(lang))).unwrap_or_default();
    l.para(
        &format!("Thank you for your inquiry. Unfortunately, none of our rooms can host {attendees} guests{seating}."),
        &format!(
            "Vielen Dank für Ihre Anfrage. Leider bietet keiner unserer Räume Platz für {attendees} Personen{seating}."
        ),
    );
    if let Some((room, cap)) = largest {
        l.para(
            &format!("Our largest room, {room}, holds up to {cap} guests in this setup."),
            &format!("Unser grösster Raum, {room}, bietet in dieser Anordnung Platz für bis zu {cap} Personen."),
        );
    }
    l.para(
        "Would a smaller group or a different seating arrangement work for you? We would be glad to find a solution together.",
        "Wäre eine kleinere Gruppe oder eine andere Bestuhlung für Sie möglich? Gerne suchen wir gemeinsam eine Lösung.",
    );
    l.sign(venue)
}

pub fn ask_for_attendees(name: &str, lang: Language, venue: &str, date: NaiveDate) -> String {
    let mut l = Letter::new(lang, name);
    let d = format_date(date, lang);
    l.para(
        &format!("Thank you. {d} is available at our venue."),
        &format!("Vielen Dank. Der {d} ist bei uns verfügbar."),
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
            },
            RoomLine { name: "Room C".into(), capacity: 80, matched: vec![], missing: vec![] },
        ];
        let text = room_proposal(
            "Anna Keller",
            Language::En,
            "The Atelier",
            NaiveDate::from_ymd_opt(2027, 3, 12).unwrap(),
            (NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(17, 0, 0).unwrap()),
            40,
            Some(Layout::Theatre),
            &rooms,
        );
        assert!(text.contains("on Friday, 12.03.2027, 09:00–17:00 for 40 guests (theatre seating)"), "{text}");
        assert!(text.contains("- Room B (up to 60 guests)\n- Includes: projector\n- Not available: stage"), "{text}");
        assert!(text.contains("Also available:\n- Room C (up to 80 guests)"), "{text}");
    }
}
