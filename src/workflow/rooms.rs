//! Step 3 (WORKFLOW.md): rank the venue's rooms for a request.
//!
//! Pure and deterministic. [`rank`] drops rooms booked that date and rooms
//! too small for the attendees, then orders the rest: the client's preferred
//! room first (when it fits), then more matched amenities, then the smallest
//! room that fits (fewest spare seats, so big rooms stay free). Callers
//! propose the first 2–3 ([`top`]).
//!
//! [`requirements_hash`] fingerprints the [`Requirements`] so step 3 can skip
//! re-ranking when nothing changed (`requirements_hash` vs `room_eval_hash`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::domain::RoomId;
use crate::workflow::extract::Layout;

/// A room as the ranking sees it: the capacity columns and amenities of the
/// `rooms` table. Deserializes from a `rooms` row (or a catalogue entry);
/// other columns are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomOption {
    pub id: RoomId,
    pub name: String,
    #[serde(default)]
    pub capacity: Option<i32>,
    #[serde(default)]
    pub theater_capacity: Option<i32>,
    #[serde(default)]
    pub cocktail_capacity: Option<i32>,
    #[serde(default)]
    pub seated_dinner_capacity: Option<i32>,
    #[serde(default)]
    pub standing_capacity: Option<i32>,
    /// Seats per layout beyond the columns above, by layout name as the
    /// catalogue writes it (`u_shape`, `classroom`, `boardroom`,
    /// `workshop`, also `theatre`, `dinner`, `cocktail`, `standing`,
    /// `seminar`, `banquet`); `layout_capacities` in `fixtures/catalog.json`.
    #[serde(default, deserialize_with = "null_as_empty_map")]
    pub layout_capacities: BTreeMap<String, i32>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub amenities: Vec<String>,
}

fn null_as_empty_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, i32>, D::Error> {
    Ok(Option::<BTreeMap<String, i32>>::deserialize(d)?.unwrap_or_default())
}

/// The names a catalogue may use for a layout in `layout_capacities`.
fn layout_keys(layout: Layout) -> &'static [&'static str] {
    match layout {
        Layout::Theatre => &["theatre", "theater"],
        Layout::Cocktail => &["cocktail", "standing", "reception"],
        Layout::Dinner => &["dinner", "seated_dinner", "banquet"],
        Layout::Workshop => &["workshop", "cabaret"],
        Layout::Boardroom => &["boardroom", "conference"],
        Layout::UShape => &["u_shape", "ushape", "u-shape"],
        Layout::Classroom => &["classroom", "seminar", "parliament"],
    }
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

impl RoomOption {
    /// The room's own figure for a layout: theatre -> `theater_capacity`,
    /// cocktail/standing -> `cocktail_capacity` else `standing_capacity`,
    /// dinner -> `seated_dinner_capacity`, else (and for every other
    /// layout) its entry in `layout_capacities`.
    pub fn layout_capacity(&self, layout: Layout) -> Option<i32> {
        let column = match layout {
            Layout::Theatre => self.theater_capacity,
            Layout::Cocktail => self.cocktail_capacity.or(self.standing_capacity),
            Layout::Dinner => self.seated_dinner_capacity,
            Layout::Workshop | Layout::Boardroom | Layout::UShape | Layout::Classroom => None,
        };
        column.or_else(|| layout_keys(layout).iter().find_map(|key| self.layout_capacities.get(*key).copied()))
    }

    /// Does the catalogue give this room any per-layout figure?
    pub fn has_layout_figures(&self) -> bool {
        [self.theater_capacity, self.cocktail_capacity, self.seated_dinner_capacity, self.standing_capacity]
            .iter()
            .any(Option::is_some)
            || !self.layout_capacities.is_empty()
    }

    /// Seats for a layout. Per-layout capacity is the only one that counts:
    /// the room's figure for the layout ([`RoomOption::layout_capacity`]);
    /// `None` when the room has figures for other layouts but none for
    /// this one (it is not offered for it). Only a room without any
    /// per-layout figure falls back to its general `capacity` (see
    /// [`RoomOption::capacity_to_confirm`]). No layout: `capacity`.
    pub fn capacity_for(&self, layout: Option<Layout>) -> Option<i32> {
        match layout {
            None => self.capacity,
            Some(l) => match self.layout_capacity(l) {
                Some(seats) => Some(seats),
                None if self.has_layout_figures() => None,
                None => self.capacity,
            },
        }
    }

    /// The capacity for `layout` is the general one, not a figure for that
    /// seating: the draft says it is to be confirmed.
    pub fn capacity_to_confirm(&self, layout: Option<Layout>) -> bool {
        layout.is_some_and(|l| self.layout_capacity(l).is_none())
    }

    /// Every seat figure the room has, for "another layout would fit".
    pub fn all_capacities(&self) -> impl Iterator<Item = i32> + '_ {
        [
            self.capacity,
            self.theater_capacity,
            self.cocktail_capacity,
            self.seated_dinner_capacity,
            self.standing_capacity,
        ]
        .into_iter()
        .flatten()
        .chain(self.layout_capacities.values().copied())
    }
}

/// What the client asked for, as far as the room choice is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    pub attendees: Option<u32>,
    pub layout: Option<Layout>,
    /// The client's words ("Beamer", "WLAN", "stage"); matched with synonyms.
    pub wanted_amenities: Vec<String>,
    /// A room name ("Room B", case-insensitive) or a room id.
    pub preferred_room: Option<String>,
}

/// One candidate room, best first in [`rank`]'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub room: RoomOption,
    /// Seats for the requested layout ([`RoomOption::capacity_for`]); 0 when unknown.
    pub capacity: i32,
    /// The capacity is known and holds the attendees (always true when no
    /// attendee count was given and the capacity is known).
    pub fits: bool,
    /// The room is the client's preferred room.
    pub preferred: bool,
    /// Wanted amenities (client's wording) this room has.
    pub matched: Vec<String>,
    /// Wanted amenities (client's wording) this room lacks.
    pub missing: Vec<String>,
    /// `capacity - attendees` (or `capacity` without a count); 0 when unknown.
    pub spare_seats: i32,
    /// `capacity` is the room's general one, not a figure for the layout
    /// (the room has none per layout): to be confirmed.
    pub capacity_to_confirm: bool,
}

/// Rooms for `req`, best first.
///
/// Excluded: rooms in `booked` (taken that date by another event in
/// `option`/`confirmed`), rooms with per-layout figures but none for the
/// requested layout, and rooms whose capacity for the layout is known and
/// below the attendees. A room without any capacity number is kept with
/// `fits == false` and ranks after every room that fits.
///
/// Order: the preferred room if it fits; then rooms that fit; then more
/// matched amenities; then fewer spare seats; then name and id (stable).
pub fn rank<'a>(rooms: impl IntoIterator<Item = &'a RoomOption>, booked: &[RoomId], req: &Requirements) -> Vec<Ranked> {
    let wanted = dedup_wanted(&req.wanted_amenities);
    let mut out: Vec<Ranked> = rooms
        .into_iter()
        .filter(|r| !booked.contains(&r.id))
        .filter_map(|r| {
            // Figures for other layouts but none for this one: not offered.
            if req.layout.is_some_and(|l| r.layout_capacity(l).is_none() && r.has_layout_figures()) {
                return None;
            }
            let cap = r.capacity_for(req.layout);
            let attendees = req.attendees.map(|a| i32::try_from(a).unwrap_or(i32::MAX));
            let (fits, spare) = match (cap, attendees) {
                (Some(c), Some(a)) if c < a => return None,
                (Some(c), Some(a)) => (true, c - a),
                (Some(c), None) => (true, c),
                (None, _) => (false, 0),
            };
            let (matched, missing): (Vec<String>, Vec<String>) =
                wanted.iter().cloned().partition(|w| has_amenity(&r.amenities, w));
            Some(Ranked {
                room: r.clone(),
                capacity: cap.unwrap_or(0),
                fits,
                preferred: req.preferred_room.as_deref().is_some_and(|p| is_room(r, p)),
                matched,
                missing,
                spare_seats: spare,
                capacity_to_confirm: r.capacity_to_confirm(req.layout),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (b.preferred && b.fits)
            .cmp(&(a.preferred && a.fits))
            .then(b.fits.cmp(&a.fits))
            .then(b.matched.len().cmp(&a.matched.len()))
            .then(a.spare_seats.cmp(&b.spare_seats))
            .then_with(|| a.room.name.cmp(&b.room.name))
            .then_with(|| a.room.id.cmp(&b.room.id))
    });
    out
}

/// The first `n` of a ranking (WORKFLOW.md proposes the top 2–3).
pub fn top(ranked: &[Ranked], n: usize) -> &[Ranked] {
    &ranked[..n.min(ranked.len())]
}

/// A stable fingerprint of `req` (16 hex digits, FNV-1a 64 over a canonical
/// string). Amenities are compared trimmed, case-insensitively and as a set
/// (order and duplicates do not matter); the preferred room trimmed and
/// case-insensitively. Any other change changes the hash.
pub fn requirements_hash(req: &Requirements) -> String {
    let mut amenities: Vec<String> =
        req.wanted_amenities.iter().map(|a| norm_text(a)).filter(|a| !a.is_empty()).collect();
    amenities.sort();
    amenities.dedup();
    let canonical = format!(
        "rooms-v1\u{1e}attendees={}\u{1e}layout={}\u{1e}amenities={}\u{1e}preferred={}",
        req.attendees.map(|a| a.to_string()).unwrap_or_default(),
        req.layout.map(Layout::code).unwrap_or(""),
        amenities.join("\u{1f}"),
        req.preferred_room.as_deref().map(norm_text).unwrap_or_default(),
    );
    format!("{:016x}", fnv1a64(canonical.as_bytes()))
}

pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Lower-cased, whitespace-collapsed.
fn norm_text(s: &str) -> String {
    s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

fn is_room(room: &RoomOption, wanted: &str) -> bool {
    let w = norm_text(wanted);
    !w.is_empty() && (norm_text(&room.name) == w || room.id.to_string() == w)
}

/// Wanted amenities without blanks and case-insensitive duplicates, in the
/// client's order and wording.
fn dedup_wanted(wanted: &[String]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for w in wanted {
        let key = norm_text(w);
        if key.is_empty() || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(w.trim().to_string());
    }
    out
}

/// Groups of words that mean the same amenity (English and German).
const SYNONYMS: &[&[&str]] = &[
    &["beamer", "projector", "video projector", "projektor"],
    &["wifi", "wi fi", "wlan", "wireless internet", "internet"],
    &["sound system", "pa", "pa system", "speakers", "audio system", "lautsprecher", "tonanlage", "soundanlage"],
    &["stage", "bühne", "buehne"],
    &["flipchart", "flip chart"],
    &["whiteboard", "white board"],
    &["microphone", "mic", "mikrofon", "mikro"],
    &["screen", "leinwand", "display"],
    &["parking", "parkplatz", "parkplätze"],
    &["daylight", "tageslicht"],
    &["video conferencing", "videokonferenz", "video conference"],
    &["air conditioning", "climate control", "klimaanlage"],
];

/// A phrase of [`SYNONYMS`] and its [`tokens`].
type Phrase = (&'static str, Vec<String>);

/// [`SYNONYMS`] split into [`tokens`] once: every mail is matched against
/// them.
static SYNONYM_TOKENS: LazyLock<Vec<Vec<Phrase>>> =
    LazyLock::new(|| SYNONYMS.iter().map(|group| group.iter().map(|p| (*p, tokens(p))).collect()).collect());

/// The amenities a text asks for, in its own words (one per synonym group,
/// the first phrase of the group that occurs). Words that mostly mean
/// something else in a mail ("our speakers", "a display of") are not read
/// as wishes, only matched when a client's wish names them.
///
/// A question about the venue ("Hat es bei Ihnen Parkplätze?", "Do you
/// have parking?") asks, it does not require: sentences ending in `?` are
/// left to the manager (the draft is flagged for the question) rather than
/// made a condition of the room.
pub fn amenities_in(text: &str) -> Vec<String> {
    const AMBIGUOUS: [&str; 6] = ["speakers", "internet", "display", "pa", "mic", "mikro"];
    let statements: String =
        text.split_inclusive(['.', '!', '?', '\n']).filter(|sentence| !sentence.trim_end().ends_with('?')).collect();
    let words = tokens(&statements);
    SYNONYM_TOKENS
        .iter()
        .filter_map(|group| group.iter().find(|(p, phrase)| !AMBIGUOUS.contains(p) && contains_phrase(&words, phrase)))
        .map(|(p, _)| p.to_string())
        .collect()
}

/// Lower-case word tokens (letters and digits, Unicode-aware), each with a
/// trailing plural "s" dropped ("Flip charts" -> ["flip", "chart"]).
fn tokens(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| match t.strip_suffix('s') {
            Some(stem) if stem.chars().count() >= 3 && !stem.ends_with('s') => stem.to_string(),
            _ => t.to_string(),
        })
        .collect()
}

/// `needle` occurs in `hay` as a run of whole words.
fn contains_phrase(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The phrases that satisfy a wanted amenity: its synonym group when it names
/// one of the group's words, else the wanted words themselves.
fn phrases_for(wanted: &str) -> Vec<Vec<String>> {
    let wt = tokens(wanted);
    for group in SYNONYM_TOKENS.iter() {
        if group.iter().any(|(_, phrase)| contains_phrase(&wt, phrase)) {
            return group.iter().map(|(_, phrase)| phrase.clone()).collect();
        }
    }
    vec![wt]
}

/// Does a room with `amenities` have `wanted` (synonyms and whole words)?
pub(crate) fn has_amenity(amenities: &[String], wanted: &str) -> bool {
    let phrases = phrases_for(wanted);
    amenities.iter().any(|a| {
        let at = tokens(a);
        phrases.iter().any(|p| contains_phrase(&at, p))
    })
}

/// Words that make a piece of equipment a kind of its own: a room with
/// "4 wireless microphones" has microphones, but no lapel or headset ones.
const DISTINCT_KINDS: &[&str] = &["lapel", "lavalier", "headset", "ansteckmikrofon", "ansteck"];

/// Does a room with `amenities` already have the equipment `product` (a
/// product's name)? As [`has_amenity`], and an amenity that matches also
/// names the product's kind ("Lapel Microphone" needs a lapel one).
/// The amenity must name what the product is, its head word, not a word
/// that only qualifies it: a room with a stage has no "Stage Lighting
/// Package" (its head is "lighting"), it has a "Portable Stage".
pub(crate) fn has_equipment(amenities: &[String], product: &str) -> bool {
    let product_tokens = tokens(product);
    let kinds: Vec<&String> = product_tokens.iter().filter(|t| DISTINCT_KINDS.contains(&t.as_str())).collect();
    let head = product_tokens
        .iter()
        .rev()
        .find(|t| !PACKAGING_WORDS.contains(&t.as_str()) && !t.chars().all(|c| c.is_ascii_digit()));
    let phrases = phrases_for(product);
    if !head.is_some_and(|h| phrases.iter().any(|p| p.contains(h))) {
        return false;
    }
    amenities.iter().any(|a| {
        let at = tokens(a);
        phrases.iter().any(|p| contains_phrase(&at, p)) && kinds.iter().all(|k| at.contains(k))
    })
}

/// Words that package a product rather than name it ("Stage Lighting
/// Package" is lighting); as tokens (a trailing plural "s" dropped).
const PACKAGING_WORDS: &[&str] =
    &["package", "paket", "service", "setup", "set", "kit", "station", "selection", "system"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equipment_of_a_distinct_kind_is_not_what_the_room_has() {
        let room_c = ["4 wireless microphones".to_string(), "High-end beamer/projector".to_string()];
        assert!(has_equipment(&room_c, "Wireless Microphone"));
        assert!(has_equipment(&room_c, "Projector"));
        assert!(!has_equipment(&room_c, "Lapel Microphone"));
        assert!(!has_equipment(&room_c, "Headset Microphone"));
        assert!(has_equipment(&["2 headset microphones".to_string()], "Headset Microphone"));
        // A room with a stage has a stage, not the lighting for one.
        let room_e = ["stage".to_string(), "sound system".to_string()];
        assert!(!has_equipment(&room_e, "Stage Lighting Package"));
        assert!(has_equipment(&room_e, "Portable Stage"));
        assert!(has_equipment(&room_e, "PA Sound System"));
        assert!(has_equipment(&["screen".to_string()], "Large Projection Screen"));
    }

    fn catalog_rooms() -> Vec<RoomOption> {
        let v: serde_json::Value = serde_json::from_str(include_str!("../../fixtures/catalog.json")).unwrap();
        serde_json::from_value(v["rooms"].clone()).unwrap()
    }

    fn room(name: &str) -> RoomOption {
        catalog_rooms().into_iter().find(|r| r.name == name).unwrap()
    }

    fn req(attendees: Option<u32>, layout: Option<Layout>) -> Requirements {
        Requirements { attendees, layout, ..Requirements::default() }
    }

    fn names(r: &[Ranked]) -> Vec<&str> {
        r.iter().map(|x| x.room.name.as_str()).collect()
    }

    #[test]
    fn amenities_are_found_in_the_clients_words_once_per_group() {
        assert_eq!(amenities_in("We need a Beamer, a stage and WLAN; a projector too."), ["beamer", "wlan", "stage"]);
        assert!(amenities_in("Dinner for 40 people").is_empty());
        // A question about the venue is no condition of the room.
        assert!(amenities_in("Hat es bei Ihnen Parkplätze? Einige kommen mit dem Auto.").is_empty());
        assert!(amenities_in("Do you have parking for our guests?").is_empty());
        assert_eq!(amenities_in("Wir brauchen einen Beamer. Gibt es Parkplätze?"), ["beamer"]);
    }

    #[test]
    fn catalog_has_six_rooms() {
        assert_eq!(catalog_rooms().len(), 6);
    }

    #[test]
    fn theatre_uses_theater_capacity() {
        assert_eq!(room("Room C").capacity_for(Some(Layout::Theatre)), Some(80));
        assert_eq!(room("Room E").capacity_for(Some(Layout::Theatre)), Some(120));
    }

    #[test]
    fn cocktail_uses_cocktail_then_standing_capacity() {
        assert_eq!(room("Room C").capacity_for(Some(Layout::Cocktail)), Some(70));
        assert_eq!(room("Room B").capacity_for(Some(Layout::Cocktail)), Some(40));
        let mut a = room("Room A");
        a.cocktail_capacity = None;
        a.standing_capacity = Some(30);
        assert_eq!(a.capacity_for(Some(Layout::Cocktail)), Some(30));
        // Neither column, but figures for other layouts: not for a reception.
        assert_eq!(room("Room E").capacity_for(Some(Layout::Cocktail)), None);
    }

    #[test]
    fn dinner_uses_seated_dinner_capacity() {
        assert_eq!(room("Room C").capacity_for(Some(Layout::Dinner)), Some(56));
        assert_eq!(room("Room E").capacity_for(Some(Layout::Dinner)), Some(80));
        // Room A has figures for theatre, standing, U-shape and workshop but
        // none for a dinner: it is not offered for one.
        assert_eq!(room("Room A").capacity_for(Some(Layout::Dinner)), None);
    }

    #[test]
    fn other_layouts_use_the_layout_figures_and_only_a_room_without_any_falls_back() {
        let c = room("Room C");
        assert_eq!(c.capacity_for(Some(Layout::Workshop)), Some(40));
        for l in [Layout::Boardroom, Layout::UShape, Layout::Classroom] {
            assert_eq!(c.capacity_for(Some(l)), None, "{l:?}");
        }
        assert_eq!(c.capacity_for(None), Some(80));
        assert_eq!(room("Room A").capacity_for(Some(Layout::UShape)), Some(22));
        assert_eq!(room("Room B").capacity_for(Some(Layout::Classroom)), Some(36));
        assert_eq!(room("Room D").capacity_for(Some(Layout::Boardroom)), Some(16));
        assert_eq!(room("Room D").capacity_for(Some(Layout::Theatre)), None);
        let mut d = room("Room D");
        d.layout_capacities.clear();
        assert_eq!(d.capacity_for(Some(Layout::Theatre)), Some(26));
        assert!(d.capacity_to_confirm(Some(Layout::Theatre)));
        assert!(!room("Room D").capacity_to_confirm(Some(Layout::Boardroom)));
        d.capacity = None;
        assert_eq!(d.capacity_for(Some(Layout::Theatre)), None);
    }

    #[test]
    fn no_count_ranks_smallest_first() {
        let r = rank(&catalog_rooms(), &[], &req(None, None));
        assert_eq!(names(&r), ["Room D", "Room A", "Room F", "Room B", "Room C", "Room E"]);
        assert!(r.iter().all(|x| x.fits));
        assert_eq!(r[0].spare_seats, 26);
    }

    #[test]
    fn too_small_rooms_are_excluded() {
        let r = rank(&catalog_rooms(), &[], &req(Some(50), Some(Layout::Theatre)));
        assert_eq!(names(&r), ["Room B", "Room C", "Room E"]);
        assert_eq!(r.iter().map(|x| x.spare_seats).collect::<Vec<_>>(), [10, 30, 70]);
        // Exactly full still fits; Room B has no dinner figure: not offered.
        let r = rank(&catalog_rooms(), &[], &req(Some(56), Some(Layout::Dinner)));
        assert_eq!(names(&r), ["Room C", "Room E"]);
        assert_eq!(r[0].spare_seats, 0);
        assert!(rank(&catalog_rooms(), &[], &req(Some(121), Some(Layout::Theatre))).is_empty());
    }

    #[test]
    fn booked_rooms_are_excluded() {
        let rooms = catalog_rooms();
        let b = room("Room B").id;
        let r = rank(&rooms, &[b], &req(Some(50), Some(Layout::Theatre)));
        assert_eq!(names(&r), ["Room C", "Room E"]);
        let all: Vec<RoomId> = rooms.iter().map(|r| r.id).collect();
        assert!(rank(&rooms, &all, &req(None, None)).is_empty());
    }

    #[test]
    fn no_rooms_gives_empty() {
        assert!(rank(&[], &[], &req(Some(10), Some(Layout::Theatre))).is_empty());
    }

    #[test]
    fn preferred_room_wins_when_it_fits() {
        let mut q = req(Some(50), Some(Layout::Theatre));
        q.preferred_room = Some("room e".into());
        let r = rank(&catalog_rooms(), &[], &q);
        assert_eq!(names(&r), ["Room E", "Room B", "Room C"]);
        assert!(r[0].preferred);
        // Also by id, and it beats a room with more matched amenities.
        q.preferred_room = Some(room("Room E").id.to_string());
        q.wanted_amenities = vec!["projector".into()];
        let r = rank(&catalog_rooms(), &[], &q);
        assert_eq!(r[0].room.name, "Room E");
        assert_eq!(r[0].missing, ["projector"]);
    }

    #[test]
    fn preferred_room_ignored_when_too_small_or_booked() {
        let mut q = req(Some(50), Some(Layout::Theatre));
        q.preferred_room = Some("Room A".into());
        let r = rank(&catalog_rooms(), &[], &q);
        assert_eq!(names(&r), ["Room B", "Room C", "Room E"]);
        assert!(r.iter().all(|x| !x.preferred));
        q.preferred_room = Some("Room C".into());
        let r = rank(&catalog_rooms(), &[room("Room C").id], &q);
        assert_eq!(names(&r), ["Room B", "Room E"]);
    }

    #[test]
    fn amenity_matched_and_missing_lists() {
        let mut q = req(Some(20), None);
        q.wanted_amenities = vec!["Beamer".into(), "sound system".into(), "WLAN".into()];
        let r = rank(&[room("Room D")], &[], &q);
        assert_eq!(r[0].matched, ["Beamer"]);
        assert_eq!(r[0].missing, ["sound system", "WLAN"]);
        let r = rank(&[room("Room A")], &[], &q);
        assert_eq!(r[0].matched, ["Beamer", "sound system", "WLAN"]);
        assert!(r[0].missing.is_empty());
    }

    #[test]
    fn amenity_synonyms_and_word_boundaries() {
        let a = room("Room A");
        for w in ["beamer", "PROJECTOR", "wifi", "Wi-Fi", "WLAN", "PA", "Bühne", "stage", "Sound System"] {
            assert!(has_amenity(&a.amenities, w), "{w}");
        }
        // Room A has a whiteboard but no flipchart; Room B has "Flip charts".
        assert!(!has_amenity(&a.amenities, "Flipchart"));
        assert!(has_amenity(&room("Room B").amenities, "Flipchart"));
        assert!(has_amenity(&room("Room B").amenities, "flip chart"));
        // "PA" must not match "Acoustic panels" or "Spacious".
        assert!(!has_amenity(&["Acoustic panels".to_string(), "Spacious open floor plan".to_string()], "PA"));
        // Unknown words match as whole words.
        assert!(has_amenity(&room("Room C").amenities, "bar area"));
        assert!(!has_amenity(&room("Room F").amenities, "bar area"));
        assert!(!has_amenity(&room("Room F").amenities, "Bühne"));
    }

    #[test]
    fn more_matches_first_then_fewest_spare_seats() {
        let mut q = req(Some(30), Some(Layout::Theatre));
        q.wanted_amenities = vec!["Beamer".into(), "WLAN".into(), "Bühne".into()];
        let r = rank(&catalog_rooms(), &[], &q);
        // A and C match all 3 (A has fewer spare seats), B 2, F and E 1.
        assert_eq!(names(&r), ["Room A", "Room C", "Room B", "Room F", "Room E"]);
        assert_eq!(r.iter().map(|x| x.matched.len()).collect::<Vec<_>>(), [3, 3, 2, 1, 1]);
        assert_eq!(r.iter().map(|x| x.spare_seats).collect::<Vec<_>>(), [10, 50, 30, 15, 90]);
        assert_eq!(top(&r, 3).len(), 3);
        assert_eq!(top(&r, 10).len(), 5);
    }

    #[test]
    fn equal_rooms_tie_break_by_name() {
        let mut x = room("Room B");
        x.name = "Room B2".into();
        x.id = room("Room A").id;
        let r = rank(&[x, room("Room B")], &[], &req(Some(10), Some(Layout::Theatre)));
        assert_eq!(names(&r), ["Room B", "Room B2"]);
    }

    #[test]
    fn unknown_capacity_ranks_last_and_does_not_fit() {
        let mut d = room("Room D");
        d.capacity = None;
        d.layout_capacities.clear();
        let r = rank(&[d, room("Room E")], &[], &req(Some(10), Some(Layout::Theatre)));
        assert_eq!(names(&r), ["Room E", "Room D"]);
        assert!(!r[1].fits);
        assert_eq!((r[1].capacity, r[1].spare_seats), (0, 0));
    }

    #[test]
    fn hash_is_stable() {
        let q = Requirements {
            attendees: Some(80),
            layout: Some(Layout::Theatre),
            wanted_amenities: vec!["Beamer".into(), "WLAN".into()],
            preferred_room: Some("Room C".into()),
        };
        let h = requirements_hash(&q);
        assert_eq!(h.len(), 16);
        assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(h, requirements_hash(&q.clone()));
        // Amenity order, case, duplicates and spacing do not matter.
        let mut same = q.clone();
        same.wanted_amenities = vec![" wlan ".into(), "beamer".into(), "Beamer".into()];
        same.preferred_room = Some("room  c".into());
        assert_eq!(h, requirements_hash(&same));
        // Pinned: the hash is persisted, so it must not drift between releases.
        assert_eq!(requirements_hash(&Requirements::default()), "bf8c4f95ce56f30c");
        assert_eq!(format!("{:016x}", fnv1a64(b"")), "cbf29ce484222325");
        assert_eq!(format!("{:016x}", fnv1a64(b"a")), "af63dc4c8601ec8c");
    }

    #[test]
    fn hash_is_sensitive_to_each_field() {
        let q = Requirements {
            attendees: Some(80),
            layout: Some(Layout::Theatre),
            wanted_amenities: vec!["Beamer".into()],
            preferred_room: Some("Room C".into()),
        };
        let h = requirements_hash(&q);
        let variants = [
            Requirements { attendees: Some(81), ..q.clone() },
            Requirements { attendees: None, ..q.clone() },
            Requirements { layout: Some(Layout::Dinner), ..q.clone() },
            Requirements { layout: None, ..q.clone() },
            Requirements { wanted_amenities: vec!["Beamer".into(), "Stage".into()], ..q.clone() },
            Requirements { wanted_amenities: vec![], ..q.clone() },
            Requirements { preferred_room: Some("Room B".into()), ..q.clone() },
            Requirements { preferred_room: None, ..q.clone() },
        ];
        let mut seen = vec![h];
        for v in &variants {
            let hv = requirements_hash(v);
            assert!(!seen.contains(&hv), "{v:?}");
            seen.push(hv);
        }
    }

    /// Per-layout capacity is the only capacity that counts: (attendees,
    /// layout) -> the rooms offered, best first.
    const SEATING_CASES: &[(u32, Option<Layout>, &[&str])] = &[
        (40, Some(Layout::Dinner), &["Room C", "Room E"]),
        (10, Some(Layout::Dinner), &["Room C", "Room E"]),
        (80, Some(Layout::Dinner), &["Room E"]),
        (81, Some(Layout::Dinner), &[]),
        (18, Some(Layout::UShape), &["Room F", "Room A"]),
        (21, Some(Layout::UShape), &["Room A"]),
        (23, Some(Layout::UShape), &[]),
        (30, Some(Layout::Cocktail), &["Room B", "Room C"]),
        (25, Some(Layout::Cocktail), &["Room A", "Room B", "Room C"]),
        (71, Some(Layout::Cocktail), &[]),
        (30, Some(Layout::Classroom), &["Room B"]),
        (37, Some(Layout::Classroom), &[]),
        (12, Some(Layout::Boardroom), &["Room D"]),
        (17, Some(Layout::Boardroom), &[]),
        (30, Some(Layout::Workshop), &["Room F", "Room B", "Room C"]),
        (20, Some(Layout::Workshop), &["Room D", "Room A", "Room F", "Room B", "Room C"]),
        (41, Some(Layout::Workshop), &[]),
        (100, Some(Layout::Theatre), &["Room E"]),
        (60, Some(Layout::Theatre), &["Room B", "Room C", "Room E"]),
        (40, None, &["Room A", "Room F", "Room B", "Room C", "Room E"]),
    ];

    #[test]
    fn rooms_are_offered_by_their_figure_for_the_layout() {
        let rooms = catalog_rooms();
        let failures: Vec<String> = SEATING_CASES
            .iter()
            .filter_map(|(attendees, layout, expected)| {
                let ranked = rank(&rooms, &[], &req(Some(*attendees), *layout));
                let got: Vec<&str> = ranked.iter().filter(|r| r.fits).map(|r| r.room.name.as_str()).collect();
                (got != *expected).then(|| format!("{attendees} {layout:?}: expected {expected:?}, got {got:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn a_room_without_any_layout_figure_falls_back_to_its_capacity_to_be_confirmed() {
        let mut plain = room("Room D");
        plain.layout_capacities.clear();
        for layout in [Layout::Dinner, Layout::UShape, Layout::Cocktail, Layout::Theatre] {
            let ranked = rank(std::slice::from_ref(&plain), &[], &req(Some(20), Some(layout)));
            assert_eq!(ranked.len(), 1, "{layout:?}");
            assert!(ranked[0].fits && ranked[0].capacity_to_confirm && ranked[0].capacity == 26, "{layout:?}");
        }
        let ranked = rank(&[room("Room D")], &[], &req(Some(12), Some(Layout::Boardroom)));
        assert!(!ranked[0].capacity_to_confirm);
    }
}
