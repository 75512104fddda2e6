//! The words of each language the extractors understand, kept out of the
//! regexes: `en.rs` and `de.rs` each hold one [`Words`]. The extractors
//! build their patterns once (`LazyLock`) from [`alternation`] over all
//! languages, so adding French is adding `fr.rs` and listing it in
//! [`LANGUAGES`]; no extractor changes.
//!
//! Entries are regex fragments (most are plain words; a few carry a `\.`
//! or an optional ending), matched case-insensitively unless the field says
//! otherwise. Longer entries should come first where one is a prefix of
//! another.

mod de;
mod en;

use super::Layout;

/// A feast day whose date depends on Easter, named in a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feast {
    /// Good Friday (Easter − 2).
    GoodFriday,
    /// Easter Sunday.
    Easter,
    /// Easter Monday (Easter + 1).
    EasterMonday,
    /// Ascension Day, Swiss "Auffahrt" (Easter + 39, a Thursday).
    Ascension,
    /// Whit Sunday, "Pfingsten" (Easter + 49).
    Pentecost,
    /// Whit Monday (Easter + 50).
    WhitMonday,
}

/// Which part of a month: "early/mid/late June", "Anfang/Mitte/Ende Mai".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartOfMonth {
    /// Days 1–10.
    Early,
    /// Days 11–20.
    Middle,
    /// Day 21 to the month's end.
    Late,
}

/// One language's vocabulary.
pub(crate) struct Words {
    /// Nouns for people after a count ("guests", "Personen", "pax"),
    /// regex fragments, each followed by a word boundary when used.
    pub people: &'static [&'static str],
    /// Abbreviations for people that end in a dot ("Pers.", "P."), used
    /// without a trailing word boundary.
    pub people_abbreviations: &'static [&'static str],
    /// Case-sensitive abbreviations ("TN" = Teilnehmende).
    pub people_exact: &'static [&'static str],
    /// Children, added to the adults in "45 adults plus 4 children".
    pub children: &'static [&'static str],
    /// Words joining two counts into a sum ("plus", "und").
    pub plus: &'static [&'static str],
    /// "dozen" / "Dutzend" (× 12).
    pub dozen: &'static [&'static str],
    /// "half a dozen" / "ein halbes Dutzend" (6).
    pub half_dozen: &'static [&'static str],
    /// Approximation fillers allowed before a count or a time ("ca.",
    /// "so gegen", "around").
    pub approx: &'static [&'static str],
    /// A part that follows the first ("anschliessend", "followed by"): an
    /// end time after it ("9–12 Sitzung, anschliessend Lunch bis 13.30")
    /// is the event's end.
    pub then: &'static [&'static str],
    /// A bare confirmation of a number the venue asked for ("yes", "ja").
    pub yes: &'static [&'static str],
    /// After "24" in such a confirmation: "is right", "stimmt".
    pub is_right: &'static [&'static str],
    /// Seating layouts named as such; these beat event words ("a workshop
    /// in U-shape" is U-shape). Typos clients make are listed too.
    pub seating: &'static [(&'static str, Layout)],
    /// Easter-dependent feast days.
    pub feasts: &'static [(&'static str, Feast)],
    /// "the week after Easter" / "nach Ostern" (the week after Easter Sunday).
    pub after_easter: &'static [&'static str],
    /// "the week before Easter" / "vor Ostern".
    pub before_easter: &'static [&'static str],
    /// "week 23", "KW 23", "calendar week 23" (the number follows).
    pub week_labels: &'static [&'static str],
    /// "early June", "Mitte Juni" (the month follows).
    pub parts_of_month: &'static [(&'static str, PartOfMonth)],
    /// Ordinals of a week in a month ("third", "dritten"); 5 is the last.
    pub week_ordinals: &'static [(&'static str, u32)],
    /// "the {n} week of {m}", "{n} {m}woche": templates in which `{n}`
    /// stands for an ordinal and `{m}` for a month name.
    pub week_of_month: &'static [&'static str],
    /// A working day is wished ("a weekday", "unter der Woche").
    pub weekday_wish: &'static [&'static str],
    /// Weekday abbreviations for spans like "Mo–Do" (Monday first).
    pub weekday_short: [&'static str; 7],
    /// A wish among the spans of a mail ("nach Ostern, am liebsten Anfang
    /// Mai"): the span after it is the one to propose dates in.
    pub preference: &'static [&'static str],
    /// An upset client ("enttäuscht", "unacceptable", "I expect someone to
    /// call me"): the manager answers personally.
    pub complaint: &'static [&'static str],
    /// Lines that open a forwarded message, which is read, not dropped.
    pub forwarded: &'static [&'static str],
    /// Subject prefixes of a forward ("FW:", "WG:"): its first quoted block
    /// is the forwarded mail, read like the sender's own text.
    pub forward_subject: &'static [&'static str],
    /// The decision is still to come ("before we confirm", "bevor wir
    /// zusagen"): praise in the same mail ("the offer looks good") is no
    /// acceptance.
    pub not_yet: &'static [&'static str],
    /// Acceptances beyond the generic rules ("has approved the offer").
    pub accept: &'static [&'static str],
    /// Calling the event off ("call it off", "müssen leider absagen").
    pub cancel: &'static [&'static str],
    /// Words asking about prices ("how much", "was kostet").
    pub price_question: &'static [&'static str],
    /// Regional or everyday words for catalogue products, rewritten to a
    /// word the catalogue knows before products are matched
    /// ("Zmittag" -> "lunch").
    pub product_aliases: &'static [(&'static str, &'static str)],
    /// Occasions served to every guest, counted in times ("two coffee
    /// breaks"), matched in the product's words as written.
    pub occasions: &'static [&'static str],
    /// "a few guests", "einige Gäste": part of the group, not all of it.
    pub part_of_group: &'static [&'static str],
    /// The client brings it himself ("bring a few bottles from his cellar",
    /// "Wein bringen wir selber mit"): not an order, a question for the
    /// manager (corkage, allowed or not).
    pub own_supply: &'static [&'static str],
    /// Labels of a billing address block; a colon or "is" may follow.
    pub billing_labels: &'static [&'static str],
    /// Labels that only count with a colon ("Rechnung an:", "please
    /// invoice:"): without one they are ordinary sentences.
    pub billing_labels_with_colon: &'static [&'static str],
}

/// Every language the extractors read.
pub(crate) const LANGUAGES: [&Words; 2] = [&en::WORDS, &de::WORDS];

/// The entries `pick` selects from every language, as one regex
/// alternation (without the surrounding group), longest first so that a
/// prefix never shadows a longer entry.
pub(crate) fn alternation(pick: impl Fn(&Words) -> &'static [&'static str]) -> String {
    let mut all: Vec<&str> = LANGUAGES.iter().flat_map(|w| pick(w).iter().copied()).collect();
    all.sort_by_key(|entry| std::cmp::Reverse(entry.len()));
    all.dedup();
    all.join("|")
}

/// Pairs `pick` selects from every language, in language order.
pub(crate) fn pairs<T: Copy + 'static>(
    pick: impl Fn(&Words) -> &'static [(&'static str, T)],
) -> Vec<(&'static str, T)> {
    LANGUAGES.iter().flat_map(|w| pick(w).iter().copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternations_put_longer_entries_first() {
        let layouts = alternation(|w| w.weekday_wish);
        assert!(layouts.find("an einem werktag").unwrap() < layouts.find("wochentags?").unwrap());
    }

    #[test]
    fn every_entry_compiles_as_a_regex() {
        for words in LANGUAGES {
            let lists: [&[&str]; 14] = [
                words.people,
                words.people_abbreviations,
                words.people_exact,
                words.children,
                words.plus,
                words.dozen,
                words.approx,
                words.yes,
                words.is_right,
                words.week_labels,
                words.weekday_wish,
                words.accept,
                words.cancel,
                words.price_question,
            ];
            for entry in lists.iter().flat_map(|l| l.iter()) {
                assert!(regex::Regex::new(entry).is_ok(), "{entry}");
            }
        }
    }
}
