//! Deterministic (no LLM) understanding of English and German client mails.
//!
//! [`extract_with`] (or [`extract`], without a catalogue) first drops
//! everything the sender did not newly write (quoted history, forwarded
//! mails, signatures, see [`strip_quoted`]) and then runs small,
//! independent extractors over the fresh text. Every extractor is
//! conservative: when a phrase is ambiguous it yields nothing rather than a
//! guess, because a wrong date or head count written into a booking is worse
//! than asking the client again.
//!
//! Submodules:
//! - `quoted`: [`strip_quoted`]
//! - `language`: [`detect_language`]
//! - `numbers`: number words ("eighty", "fünfundzwanzig") -> digits
//! - `lexicon`: month and weekday names
//! - `context`: clause windows, negation and "this is not an event date" cues
//! - `date`, `date_relative`, `date_vague`: dates, ranges, relative and vague dates
//! - `time`: start/end times
//! - `count`: attendee counts
//! - `layout`: seating layouts
//! - `intent`: what the client wants (accept, change, ...)
//! - `vocabulary`: the caller's rooms and products ([`Vocabulary`]) and the
//!   word matcher that finds them (accents, umlauts, plurals, longest match)
//! - `rooms`, `products`: rooms and products named in the mail
//! - `billing`: a labelled billing address
//! - `discount`: a discount percentage the client asks for
//! - `date_window`: ISO weeks, parts of months, Easter and its feasts,
//!   weekday wishes
//! - `html`: the text of an HTML-only mail
//! - `pattern`: where every extractor's regex is compiled, its classes
//!   narrowed to Latin script and ASCII digits
//! - `lang`: the words of each language (`en.rs`, `de.rs`) the regexes
//!   are built from

mod billing;
mod choice;
mod context;
mod count;
mod date;
mod date_relative;
mod date_vague;
mod date_window;
mod discount;
mod html;
mod intent;
mod lang;
mod language;
mod layout;
mod lexicon;
mod numbers;
mod pattern;
mod products;
mod quoted;
mod reader;
mod rooms;
mod time;
mod vocabulary;

#[cfg(test)]
mod tests;

use crate::domain::{ProductId, RoomId};
use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

pub use billing::extract_billing;
pub use choice::{extract_choice, extract_day_of_month, offers_alternatives};
pub use count::{extract_attendees, extract_confirmed_count, extract_group_size, head_count, HeadCount};
pub use date::{extract_dates, DateFindings};
pub use date_window::easter;
pub use discount::extract_discount;
pub use html::mail_text;
pub use intent::{cancels_visit, extract_intents};
pub use language::detect_language;
pub use layout::extract_layout;
pub use numbers::normalize_number_words;
pub use products::extract_products;
pub use quoted::strip_quoted;
pub use reader::{Extractor, Reading, Rules};
pub use rooms::extract_rooms;
pub use time::extract_times;
pub use vocabulary::{Term, Vocabulary};

/// Everything the deterministic extractors understood in one mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extracted {
    /// `De` when German function words / umlauts dominate, else `En`.
    pub language: Language,
    /// Concrete event dates in order of appearance, deduplicated. Past dates
    /// are included on purpose: the caller validates them and tells the client.
    /// The two ends of [`Extracted::date_range`] are included here as well.
    pub dates: Vec<NaiveDate>,
    /// A multi-day span such as "14.–16. März 2027" or "from 3 to 5 June".
    pub date_range: Option<(NaiveDate, NaiveDate)>,
    /// A month (and maybe a weekday) without a day: "a Friday in May".
    pub vague_date: Option<VagueDate>,
    pub start_time: Option<NaiveTime>,
    /// "until midnight" / "24:00" is reported as 00:00, the end of the
    /// event's day (an end before the start runs past midnight).
    pub end_time: Option<NaiveTime>,
    pub attendees: Option<u32>,
    pub layout: Option<Layout>,
    /// Deduplicated, in the declaration order of [`Intent`]; may be empty.
    /// [`Extracted::change_requested`] tells whether a change was asked for.
    pub intents: Vec<Intent>,
    /// Rooms of the [`Vocabulary`] the client names, in order, deduplicated;
    /// rooms named only to be ruled out ("not Room A", "instead of Room A",
    /// the old room of a move) are left out. Empty without a vocabulary.
    #[serde(default)]
    pub rooms: Vec<RoomId>,
    /// Products of the [`Vocabulary`] the client names, in order of first
    /// mention; see [`ProductMention`]. Empty without a vocabulary.
    #[serde(default)]
    pub products: Vec<ProductMention>,
    /// A billing address the client labelled as such; never a signature.
    #[serde(default)]
    pub billing: Option<BillingAddress>,
    /// A discount in whole percent the client asks for ("10% off").
    #[serde(default)]
    pub discount_percent: Option<u32>,
    /// The group's size stated as such ("we will be 55 now"); see
    /// [`extract_group_size`]. `attendees` is any count in the mail.
    #[serde(default)]
    pub group_size: Option<u32>,
    /// Which proposal the client picks by position ("the second one").
    #[serde(default)]
    pub choice: Option<usize>,
    /// A day of the month named alone ("the 19th", no month), to match a
    /// proposal; `None` when the mail has full dates.
    #[serde(default)]
    pub day_of_month: Option<u32>,
    /// The dates are alternatives ("the 12th or the 19th").
    #[serde(default)]
    pub alternatives: bool,
    /// The cancellation is about a site visit, not the event.
    #[serde(default)]
    pub visit_cancelled: bool,
    /// Weekdays the client wishes ("ein Wochentag, Mo–Do", "a Friday"),
    /// Monday first; date proposals keep to them. Empty when none.
    #[serde(default)]
    pub weekdays: Vec<Weekday>,
    /// A bare number confirmed ("Yes, 24 is right!"); the caller takes it
    /// as the head count only when it asked for one.
    #[serde(default)]
    pub confirmed_count: Option<u32>,
    /// A weekday named without a date ("Mittwoch 14 Uhr passt"), to pick a
    /// proposed visit slot; `None` when the mail has dates.
    #[serde(default)]
    pub named_weekday: Option<Weekday>,
    /// What the extractors are unsure about; each is an open question for
    /// the manager, never a fact written into the booking.
    #[serde(default)]
    pub doubts: Vec<Doubt>,
    /// The client is upset (a complaint): no rule answers that.
    #[serde(default)]
    pub complaint: bool,
}

/// Something the mail leaves unclear or says twice in different ways. The
/// workflow flags the draft (`open_question`) with these as reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Doubt {
    /// Two different head counts ("we are 40 ... for 60 guests").
    ConflictingCounts,
    /// A date on a weekday the client said they do not want ("a weekday
    /// ... Sunday 13 June").
    DateContradictsWeekday { date: NaiveDate },
    /// A per-person item for part of the group ("a few guests are
    /// vegetarian"): how many is a question, not the whole group.
    PartOfGroup { product: ProductId },
    /// The client would bring an item himself ("a few bottles from his
    /// cellar"): allowed, and at what corkage, is the manager's answer.
    OwnSupply { product: ProductId },
    /// The client asks about prices in an inquiry.
    PriceQuestion,
}

impl Doubt {
    /// A short English reason for the manager.
    pub fn reason(&self) -> String {
        match self {
            Doubt::ConflictingCounts => "the mail gives two different head counts".into(),
            Doubt::DateContradictsWeekday { date } => {
                format!("{date} is not on a weekday the client asked for")
            }
            Doubt::PartOfGroup { .. } => "an item is wanted for part of the group only: how many?".into(),
            Doubt::OwnSupply { .. } => {
                "the client would bring an item of their own: allowed, and at what charge?".into()
            }
            Doubt::PriceQuestion => "the client asks about prices".into(),
        }
    }
}

impl Extracted {
    /// Did the client explicitly ask to change something ("move it to",
    /// "instead", "verschieben", "ändern")? A detour back to an earlier step
    /// needs this: a date or head count that merely appears in a mail is not
    /// a change request. This is `intents` containing [`Intent::Change`].
    pub fn change_requested(&self) -> bool {
        self.intents.contains(&Intent::Change)
    }
}

/// A product named in the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductMention {
    pub id: ProductId,
    /// A number written right at the product ("2 wireless microphones",
    /// "3 Flipcharts", "Beamer x2"); `None` when the client gave none.
    pub quantity: Option<u32>,
    /// How many times an occasion is wanted ("two coffee breaks", "zwei
    /// Kafipausen" = 2): each time for every guest. The number is then not
    /// a `quantity`.
    #[serde(default)]
    pub times: Option<u32>,
    /// The client asks to drop it ("without the DJ", "ohne DJ", "remove the
    /// projector", "streichen Sie den Apéro", "instead of the Classic Apéro").
    pub removed: bool,
}

/// A billing address as labelled in the mail; parts not written are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingAddress {
    /// The line with a legal form (AG, GmbH, ...) or an organisation
    /// (Verein, Club, Stiftung, ...).
    pub company: Option<String>,
    /// A private person's name (the line before the street without a legal
    /// form): the invoice goes to them, not to a company.
    #[serde(default)]
    pub name: Option<String>,
    /// A "c/o ..." line.
    #[serde(default)]
    pub care_of: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166 alpha-2 ("CH", "DE", "AT", "LI", "FR", "IT"), from a country
    /// line or a postal code prefix ("CH-8001"); never guessed from the code.
    pub country: Option<String>,
}

pub use crate::domain::Language;

/// A month without a day. `year` is `None` unless the mail names one (or says
/// "next year"); the caller picks the next occurrence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VagueDate {
    pub year: Option<i32>,
    pub month: u32,
    pub weekday: Option<Weekday>,
    /// A span of days within which the client wants the event, inclusive:
    /// an ISO week ("KW 23"), a part of a month ("Mitte Juni"), the week
    /// after Easter. `month`/`year` are then the span's first day's.
    #[serde(default)]
    pub window: Option<(NaiveDate, NaiveDate)>,
    /// Weekdays the client wishes (see [`Extracted::weekdays`]).
    #[serde(default)]
    pub weekdays: Vec<Weekday>,
}

impl VagueDate {
    /// Does `date` suit the wish (weekday and weekdays)?
    pub fn allows(&self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        self.weekday.map_or(true, |w| date.weekday() == w)
            && (self.weekdays.is_empty() || self.weekdays.contains(&date.weekday()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    Theatre,
    Cocktail,
    Dinner,
    Workshop,
    Boardroom,
    UShape,
    Classroom,
}

impl Layout {
    pub(crate) const ALL: [Layout; 7] = [
        Layout::Theatre,
        Layout::Cocktail,
        Layout::Dinner,
        Layout::Workshop,
        Layout::Boardroom,
        Layout::UShape,
        Layout::Classroom,
    ];

    /// The stored name (`events.seating_layout`), its serde name too.
    pub fn code(self) -> &'static str {
        match self {
            Layout::Theatre => "theatre",
            Layout::Cocktail => "cocktail",
            Layout::Dinner => "dinner",
            Layout::Workshop => "workshop",
            Layout::Boardroom => "boardroom",
            Layout::UShape => "u_shape",
            Layout::Classroom => "classroom",
        }
    }

    pub fn from_code(code: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Human label for drafts to the client (from the drafts' catalogue).
    pub fn label(self, lang: Language) -> &'static str {
        crate::workflow::draft::messages::of(lang).layout(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Accept,
    Decline,
    Counter,
    Change,
    Question,
    SiteVisit,
    Cancel,
}

/// Understand one inbound mail without a catalogue: no rooms or products
/// are found. Same as [`extract_with`] and an empty [`Vocabulary`].
pub fn extract(text: &str, today: NaiveDate) -> Extracted {
    extract_with(text, today, &Vocabulary::default())
}

/// Understand one inbound mail. `today` anchors relative dates ("tomorrow",
/// "next Friday") and years that the client left out ("15 March");
/// `vocabulary` holds the venue's rooms and products to look for.
pub fn extract_with(text: &str, today: NaiveDate, vocabulary: &Vocabulary) -> Extracted {
    extract_fresh(&strip_quoted(&mail_text(text, None)), today, vocabulary)
}

/// [`extract_with`] for text already stripped of quotes and signatures
/// ([`strip_quoted`]), for callers that need the fresh text too.
pub fn extract_fresh(fresh: &str, today: NaiveDate, vocabulary: &Vocabulary) -> Extracted {
    let fresh = leading_part(fresh, MAX_FRESH_BYTES);
    let language = detect_language(fresh);
    // Number words become digits once, so every extractor below only has to
    // understand "80 guests", not also "eighty guests" / "achtzig Gäste".
    let normalized = normalize_number_words(fresh);
    let mut found = extract_dates(&normalized, today);
    let windows = date_window::find_windows(&normalized, today);
    for date in &windows.dates {
        if !found.dates.contains(date) {
            found.dates.push(*date);
        }
    }
    let mut vague = found.vague.take();
    if let Some((from, to)) = windows.window.filter(|_| found.dates.is_empty()) {
        use chrono::Datelike;
        // "Ende März" is also a vague month: keep what it said, add the days.
        let v = vague.get_or_insert_with(|| VagueDate {
            year: Some(from.year()),
            month: from.month(),
            ..VagueDate::default()
        });
        v.window = Some((from, to));
    }
    if let Some(v) = vague.as_mut() {
        v.weekdays = windows.weekdays.clone();
    }
    let (start_time, end_time) = extract_times(&normalized, language);
    // "Am 5. Februar" is a date; only a day named alone is a bare day.
    let day_of_month = if found.dates.is_empty() { extract_day_of_month(fresh) } else { None };
    let counted = head_count(&normalized);
    let named_weekday = if found.dates.is_empty() { date_window::named_weekday(fresh) } else { None };
    let mut doubts = Vec::new();
    if counted.conflicting {
        doubts.push(Doubt::ConflictingCounts);
    }
    for date in &found.dates {
        use chrono::Datelike;
        if !windows.weekdays.is_empty() && !windows.weekdays.contains(&date.weekday()) {
            doubts.push(Doubt::DateContradictsWeekday { date: *date });
        }
    }
    let scoped = products::extract_products_scoped(&normalized, &vocabulary.products);
    doubts.extend(scoped.part_of_group.into_iter().map(|product| Doubt::PartOfGroup { product }));
    doubts.extend(scoped.own_supply.into_iter().map(|product| Doubt::OwnSupply { product }));
    let products = scoped.ordered;
    if intent::asks_about_prices(fresh) {
        doubts.push(Doubt::PriceQuestion);
    }
    Extracted {
        language,
        dates: found.dates,
        date_range: found.range,
        vague_date: vague,
        start_time,
        end_time,
        attendees: counted.count,
        layout: extract_layout(fresh),
        intents: extract_intents(fresh),
        rooms: extract_rooms(&normalized, &vocabulary.rooms),
        products,
        billing: extract_billing(fresh),
        discount_percent: extract_discount(&normalized),
        group_size: extract_group_size(&normalized),
        choice: extract_choice(fresh),
        day_of_month,
        alternatives: offers_alternatives(fresh),
        visit_cancelled: cancels_visit(fresh),
        weekdays: windows.weekdays,
        confirmed_count: extract_confirmed_count(&normalized),
        named_weekday,
        doubts,
        complaint: intent::is_complaint(fresh),
    }
}

/// Only this much freshly written text is read. Real client mails are a few
/// KiB once history is stripped; the cap bounds the work on pathological
/// input (several regexes fall back to slower engines on long non-ASCII text).
pub const MAX_FRESH_BYTES: usize = 32 * 1024;

/// The first `max` bytes of `text`, cut at a char boundary.
fn leading_part(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
