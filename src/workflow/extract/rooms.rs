//! Rooms the client names: "Room B", "Raum B", "room b", "the Room C",
//! "rooms A and B".
//!
//! Only rooms of the caller's [`Vocabulary`](super::Vocabulary) are found, by
//! the word matcher of `vocabulary` ("Raum" = "Room", case and accents
//! ignored; a lone "a" must be written "A", so "a room a bit larger" names
//! no room). A room that is named to be ruled out is left out: "not Room
//! A", "instead of Room A", "Room A doesn't work", "Raum A ist zu klein",
//! and the old room of a move ("could we switch from Room A to Room B").

use super::context::{clause_after, clause_before, is_negated, is_negated_after, sentence_around};
use super::vocabulary::{words, Hit, Matcher, Term};
use crate::domain::RoomId;
use regex::Regex;
use std::sync::LazyLock;

/// "rooms A and B", "Räume A, B oder C", "Room A or B": every letter names a
/// room. Letters must be capitals here.
static ROOM_LIST: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(
        r"\b(?i:rooms?|räume|raeume|raum)\s+(?P<list>[A-Z](?:\s*(?:,|&|/|(?i:and|und|or|oder))\s*[A-Z]\b)+)",
    )
    .expect("static regex")
});
static LIST_LETTER: LazyLock<Regex> = LazyLock::new(|| super::pattern::compile(r"\b[A-Z]\b").expect("static regex"));

/// "Room A is too small / booked / ausgebucht".
static UNSUITABLE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^\s*(?:is|was|seems|would be|ist|war|scheint|wäre)\s+(?:\w+\s+)?(?:too (?:small|big|large|expensive)|zu (?:klein|gross|groß|teuer)|booked|taken|unavailable|besetzt|belegt|ausgebucht|vergeben)\b")
        .expect("static regex")
});

/// Between two rooms of a move: "from Room A to Room B", "von Raum A auf Raum B".
static MOVE_CONNECTOR: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^\s*(?:to|into|->|→|auf|in|nach|zu|zum)\s+(?:the\s+|den\s+|das\s+|dem\s+)?$")
        .expect("static regex")
});
static FROM_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:from|von|vom|aus)\s+(?:the\s+|dem\s+)?$").expect("static regex")
});
static MOVE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:mov\w*|switch\w*|chang\w*|swap\w*|shift\w*|upgrad\w*|downgrad\w*|verschieb\w*|wechsel\w*|umzieh\w*|tausch\w*|änder\w*|aender\w*|umbuch\w*|verleg\w*)")
        .expect("static regex")
});

/// The rooms named in `text`, in order of appearance, deduplicated.
pub fn extract_rooms(text: &str, rooms: &[Term<RoomId>]) -> Vec<RoomId> {
    if rooms.is_empty() {
        return Vec::new();
    }
    let matcher = Matcher::rooms(rooms);
    let mut hits = matcher.find(text, &words(text));
    hits.extend(listed(text, &matcher));
    hits.sort_by_key(|hit| hit.start);
    let moved_from = moved_from(text, &hits);
    let mut out: Vec<RoomId> = Vec::new();
    for (index, hit) in hits.iter().enumerate() {
        let Some(id) = hit.id else {
            continue;
        };
        if moved_from.contains(&index) || is_ruled_out(text, hit) || out.contains(&id) {
            continue;
        }
        out.push(id);
    }
    out
}

/// The letters of "rooms A and B" / "Room A or B", each looked up as "Room X"
/// (the first one of "Room A or B" is found by the matcher too; duplicates
/// are dropped later).
fn listed(text: &str, matcher: &Matcher<RoomId>) -> Vec<Hit<RoomId>> {
    let mut out = Vec::new();
    for captures in ROOM_LIST.captures_iter(text) {
        let Some(list) = captures.name("list") else {
            continue;
        };
        for letter in LIST_LETTER.find_iter(list.as_str()) {
            let name = format!("Room {}", letter.as_str());
            let Some(found) = matcher.find(&name, &words(&name)).pop() else {
                continue;
            };
            let start = list.start() + letter.start();
            out.push(Hit { start, end: start + letter.len(), ..found });
        }
    }
    out
}

fn is_ruled_out(text: &str, hit: &Hit<RoomId>) -> bool {
    is_negated(text, hit.start)
        || is_negated_after(text, hit.end)
        || UNSUITABLE_AFTER.is_match(clause_after(text, hit.end, 60))
}

/// Indices of hits that are the old room of a move.
fn moved_from(text: &str, hits: &[Hit<RoomId>]) -> Vec<usize> {
    hits.windows(2)
        .enumerate()
        .filter(|(_, pair)| {
            let between = text.get(pair[0].end..pair[1].start).unwrap_or("");
            MOVE_CONNECTOR.is_match(between)
                && FROM_BEFORE.is_match(clause_before(text, pair[0].start, 20, false))
                && MOVE_CUE.is_match(sentence_around(text, pair[0].start, pair[1].end, 80))
        })
        .map(|(index, _)| index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn rooms(text: &str) -> Vec<u128> {
        let term = |n, name: &str, synonyms: &[&str]| Term {
            id: RoomId(Uuid::from_u128(n)),
            name: name.to_string(),
            synonyms: synonyms.iter().map(|s| s.to_string()).collect(),
        };
        let vocabulary = vec![term(1, "Room A", &[]), term(2, "Room B", &[]), term(3, "Loft", &["Dachsaal"])];
        extract_rooms(text, &vocabulary).into_iter().map(|id| id.0.as_u128()).collect()
    }

    #[test]
    fn names_synonyms_and_german_room_words() {
        assert_eq!(rooms("Raum B, bitte"), vec![2]);
        assert_eq!(rooms("Is the loft free?"), vec![3]);
        assert_eq!(rooms("Wir möchten den Dachsaal."), vec![3]);
        assert_eq!(rooms("Räume A und B"), vec![1, 2]);
    }

    #[test]
    fn a_lowercase_a_is_an_article() {
        assert_eq!(rooms("we need a room a bit bigger"), Vec::<u128>::new());
        assert_eq!(rooms("ROOM A"), vec![1]);
    }

    #[test]
    fn ruled_out_rooms() {
        assert_eq!(rooms("not Room A"), Vec::<u128>::new());
        assert_eq!(rooms("Room A is booked, so Room B"), vec![2]);
        assert_eq!(rooms("Wir möchten von Raum A in Raum B wechseln."), vec![2]);
        assert_eq!(rooms("We go from Room A to Room B for dinner."), vec![1, 2]);
    }
}
