//! Drafts to the client, in the client's language (English or German).
//! Hard facts (dates, times, counts, rooms, prices) come from the state the
//! caller hands in, never from the mail text; every price is in CHF with its
//! unit. One file per kind of letter; [`Letter`] gives them one voice, and
//! every sentence comes from the language's catalogue in [`messages`].

mod closing;
mod dates;
pub mod followup;
mod intake;
pub mod messages;
mod offer;
mod rooms;
mod visit;

use std::fmt::Write;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

use super::extract::Language;
use messages::Messages;

pub use closing::{cancelled, confirmation, declined, prerequisites, Prerequisites};
pub use dates::{ask_for_date, date_proposals, DateIssue};
pub use intake::{intake, Understood};
pub use offer::offer;
pub use rooms::{ask_for_attendees, room_proposal, too_many_attendees, RoomLine};
pub use visit::{visit_booked, visit_slots};

/// A letter being written: greeting, paragraphs, bullet lines, sign-off,
/// every sentence from the catalogue of the letter's language ([`Letter::m`]).
pub struct Letter {
    m: &'static dyn Messages,
    out: String,
}

impl Letter {
    pub fn new(lang: Language, name: &str) -> Self {
        let m = messages::of(lang);
        Self { m, out: m.greeting(&display_name(name)) }
    }

    /// The catalogue of the letter's language.
    pub fn m(&self) -> &'static dyn Messages {
        self.m
    }

    /// A paragraph.
    pub fn para(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.out, "{text}\n");
        self
    }

    /// An intro line directly followed by bullet lines.
    pub fn intro(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.out, "{text}");
        self
    }

    pub fn bullet(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.out, "- {text}");
        self
    }

    /// A bullet under the previous one.
    pub fn sub_bullet(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.out, "  - {text}");
        self
    }

    /// Where to pay a deposit: the venue's IBAN and beneficiary, the offer
    /// `number` as the payment reference.
    pub fn bank_details(&mut self, pay: &crate::workflow::Payment, number: &str) -> &mut Self {
        let m = self.m;
        self.intro(m.bank_details());
        self.bullet(&format!("IBAN: {}", pay.iban));
        self.bullet(&format!("{}: {}", m.beneficiary(), pay.beneficiary));
        self.bullet(&format!("{}: {number}", m.payment_reference()))
    }

    /// Ends a bullet list.
    pub fn gap(&mut self) -> &mut Self {
        self.out.push('\n');
        self
    }

    pub fn sign(mut self, venue: &str) -> String {
        let _ = write!(self.out, "{}\n{venue}", self.m.closing());
        self.out
    }
}

pub fn reply_subject(subject: &str, lang: Language) -> String {
    let s = subject.trim();
    let lower = s.to_lowercase();
    if lower.starts_with("re:") || lower.starts_with("aw:") {
        s.to_string()
    } else if s.is_empty() {
        messages::of(lang).default_subject().into()
    } else {
        format!("Re: {s}")
    }
}

/// The venue's date format: weekday and `dd.mm.yyyy` (Swiss usage).
pub fn format_date(d: NaiveDate, lang: Language) -> String {
    format!("{}, {}", weekday_name(d.weekday(), lang), d.format("%d.%m.%Y"))
}

/// "18:00": hours and minutes, never seconds (drafts and task payloads alike).
pub fn format_time(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

pub fn weekday_name(w: Weekday, lang: Language) -> &'static str {
    messages::of(lang).weekday(w)
}

/// "09:00–17:00" / "09:00–17:00 Uhr"; an event until midnight (an end of
/// 00:00, see `extract::Extracted::end_time`) reads "18:00–midnight" /
/// "18:00 Uhr bis Mitternacht", never "00:00" or "23:59".
pub fn format_span(start: NaiveTime, end: NaiveTime, lang: Language) -> String {
    let m = messages::of(lang);
    if is_midnight(end) {
        m.span_to_midnight(&format_time(start))
    } else {
        m.span(&format_time(start), &format_time(end))
    }
}

/// An end time alone: "23:00" / "23:00 Uhr", "midnight" / "Mitternacht".
pub fn format_end(end: NaiveTime, lang: Language) -> String {
    let m = messages::of(lang);
    if is_midnight(end) {
        m.midnight().into()
    } else {
        m.clock(&format_time(end))
    }
}

/// The end of the day as the booking stores it: 00:00 (bookings written
/// before midnight was stored as such hold 23:59).
fn is_midnight(t: NaiveTime) -> bool {
    use chrono::Timelike;
    (t.hour() == 0 && t.minute() == 0) || (t.hour() == 23 && t.minute() == 59)
}

/// The name to greet: a display name in "Last, First" form ("Müller,
/// Jürg") reads "Jürg Müller"; anything else stays as it is.
pub fn display_name(name: &str) -> String {
    /// Words that make a comma part of a company or team name, not "Last, First".
    const NOT_A_PERSON: &[&str] =
        &["ag", "gmbh", "sa", "ltd", "inc", "events", "team", "info", "office", "sales", "verein"];
    let name = name.trim().trim_matches('"').trim();
    let organisation =
        name.split(|c: char| !c.is_alphanumeric()).any(|w| NOT_A_PERSON.contains(&w.to_lowercase().as_str()));
    match name.split_once(',').filter(|_| !organisation) {
        Some((last, first))
            if !first.contains(',')
                && [last, first].iter().all(|part| {
                    let part = part.trim();
                    !part.is_empty()
                        && part.split_whitespace().count() <= 3
                        && part.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '.' | '\''))
                }) =>
        {
            format!("{} {}", first.trim(), last.trim())
        }
        _ => name.to_string(),
    }
}

/// When the event takes place, as the booking holds it. `assumed`: the
/// client gave no time, the venue's default is stated as one to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub assumed: bool,
    /// Only the start is the client's; the end is the venue's guess and is
    /// not stated as if the client had said it.
    pub end_assumed: bool,
}

impl When {
    /// "Friday, 12.03.2027, 18:00–23:00" / "Freitag, 12.03.2027, 18:00–23:00 Uhr".
    pub fn text(&self, lang: Language) -> String {
        let m = messages::of(lang);
        let date = format_date(self.date, lang);
        if self.end_assumed && !self.assumed {
            return m.starting_at(&date, &format_time(self.start));
        }
        let note = if self.assumed { m.time_to_confirm() } else { "" };
        format!("{date}, {}{note}", format_span(self.start, self.end, lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_keep_an_existing_prefix() {
        assert_eq!(reply_subject("Workshop", Language::En), "Re: Workshop");
        assert_eq!(reply_subject("AW: Anfrage", Language::De), "AW: Anfrage");
        assert_eq!(reply_subject(" ", Language::De), "Ihre Anfrage");
    }

    #[test]
    fn dates_are_written_the_venues_way_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2027, 6, 12).unwrap();
        assert_eq!(format_date(d, Language::En), "Saturday, 12.06.2027");
        assert_eq!(format_date(d, Language::De), "Samstag, 12.06.2027");
    }

    #[test]
    fn a_letter_greets_and_signs_in_the_clients_language() {
        let mut l = Letter::new(Language::De, "Jonas Meier");
        l.para("Danke.");
        assert_eq!(l.sign("The Atelier"), "Guten Tag Jonas Meier\n\nDanke.\n\nFreundliche Grüsse\nThe Atelier");
    }

    /// Display names as mail clients send them -> the name to greet.
    const NAME_CASES: &[(&str, &str)] = &[
        ("Müller, Jürg", "Jürg Müller"),
        ("Meier, Anna-Lena", "Anna-Lena Meier"),
        ("\"Keller, Tom\"", "Tom Keller"),
        ("von Arx, Beat", "Beat von Arx"),
        ("Jürg Müller", "Jürg Müller"),
        ("Muster AG, Events", "Muster AG, Events"),
        ("Events, Muster", "Events, Muster"),
        ("anna.keller", "anna.keller"),
        ("Smith, J.", "J. Smith"),
    ];

    #[test]
    fn last_first_display_names_are_greeted_first_last() {
        let failures: Vec<String> = NAME_CASES
            .iter()
            .filter(|(name, expected)| display_name(name) != *expected)
            .map(|(name, expected)| format!("{name:?}: expected {expected:?}, got {:?}", display_name(name)))
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(Letter::new(Language::De, "Müller, Jürg").sign("X").starts_with("Guten Tag Jürg Müller\n"));
    }

    #[test]
    fn midnight_is_written_as_a_word_never_as_23_59() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(format_span(t(18, 0), t(0, 0), Language::En), "18:00–midnight");
        assert_eq!(format_span(t(18, 0), t(0, 0), Language::De), "18:00 Uhr bis Mitternacht");
        assert_eq!(format_span(t(18, 0), t(23, 59), Language::En), "18:00–midnight");
        assert_eq!(format_span(t(18, 0), t(23, 0), Language::De), "18:00–23:00 Uhr");
        assert_eq!(format_end(t(23, 59), Language::En), "midnight");
        assert_eq!(format_end(t(23, 59), Language::De), "Mitternacht");
        assert_eq!(format_end(t(22, 30), Language::De), "22:30 Uhr");
    }
}
