//! `expect.json`: the final state a scenario must reach, and the comparison
//! with the state a replay left (`replay --check`). Every key is optional
//! except `booking`; a fact that is not given is not checked. A key given
//! as `null` (`"offer": null`, `"pending": null`, `"room": null`) means
//! "none must exist".

use std::fmt;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub manager: Option<Manager>,
    pub booking: BookingExpect,
    /// `Some(None)`: no offer that is not cancelled may exist.
    #[serde(default, deserialize_with = "present")]
    pub offer: Option<Option<OfferExpect>>,
    /// `Some(None)`: nothing may be pending at the end.
    #[serde(default, deserialize_with = "present")]
    pub pending: Option<Option<String>>,
    #[serde(default)]
    pub drafts: Option<DraftsExpect>,
    #[serde(default)]
    pub clients: Option<u64>,
    #[serde(default)]
    pub events: Option<u64>,
}

/// Who decides the drafts while the scenario plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Manager {
    /// After each played file, every pending draft (any action but
    /// `manual_review`) is approved as written, newest first.
    ApproveAll,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookingExpect {
    pub status: Option<String>,
    pub step: Option<i64>,
    pub event_date: Option<String>,
    pub date_confirmed: Option<bool>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub attendees: Option<i64>,
    pub seating_layout: Option<String>,
    /// `Some(None)`: no room may be held.
    #[serde(default, deserialize_with = "present")]
    pub room: Option<Option<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferExpect {
    pub status: Option<String>,
    #[serde(default)]
    pub lines: Vec<LineExpect>,
    #[serde(default)]
    pub absent: Vec<String>,
    pub total: Option<Money>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineExpect {
    pub name: String,
    pub quantity: Option<f64>,
    pub total: Option<Money>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftsExpect {
    #[serde(default)]
    pub say: Vec<String>,
    #[serde(default)]
    pub never_say: Vec<String>,
}

/// An amount in CHF, compared in cents; written `"3480.00"` (or a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money(pub i64);

impl Money {
    pub fn from_f64(amount: f64) -> Self {
        Self((amount * 100.0).round() as i64)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", self.0.abs() / 100, self.0.abs() % 100)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => n.as_f64().map(Money::from_f64).ok_or_else(|| serde::de::Error::custom("not a number")),
            Value::String(s) => s
                .trim()
                .replace('\'', "")
                .parse::<f64>()
                .map(Money::from_f64)
                .map_err(|_| serde::de::Error::custom(format!("`{s}` is not an amount like \"3480.00\""))),
            other => Err(serde::de::Error::custom(format!("{other} is not an amount like \"3480.00\""))),
        }
    }
}

/// A key that is present, even as `null`, is `Some`.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The state a replay left, read from the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actual {
    pub booking: Option<BookingActual>,
    /// The booking's newest offer that is not cancelled.
    pub offer: Option<OfferActual>,
    /// `payload.action` of the newest pending task of the team.
    pub pending: Option<String>,
    /// Every draft of the conversation, oldest first.
    pub drafts: Vec<String>,
    pub clients: u64,
    pub events: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BookingActual {
    pub status: String,
    pub step: i64,
    pub event_date: String,
    pub date_confirmed: bool,
    /// `HH:MM` or `HH:MM:SS`, as stored.
    pub start_time: String,
    pub end_time: String,
    pub attendees: Option<i64>,
    pub seating_layout: Option<String>,
    pub room: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferActual {
    pub status: String,
    pub total: f64,
    pub lines: Vec<LineActual>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineActual {
    pub name: String,
    pub quantity: f64,
    pub total: f64,
}

/// One fact that differs: `booking.attendees: expected 49, got 45`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub fact: String,
    pub expected: String,
    pub got: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: expected {}, got {}", self.fact, self.expected, self.got)
    }
}

/// Every fact of `expect` that `actual` does not have, in the order of the
/// schema.
pub fn compare(expect: &Expect, actual: &Actual) -> Vec<Difference> {
    let mut d = Diffs(Vec::new());
    match &actual.booking {
        None => d.push("booking", "a booking", "none"),
        Some(b) => {
            let e = &expect.booking;
            d.eq("booking.status", e.status.as_ref(), &b.status);
            d.eq("booking.step", e.step.as_ref(), &b.step);
            d.eq("booking.event_date", e.event_date.as_ref(), &b.event_date);
            d.eq("booking.date_confirmed", e.date_confirmed.as_ref(), &b.date_confirmed);
            d.eq("booking.start_time", e.start_time.as_ref().map(|t| hh_mm(t)).as_ref(), &hh_mm(&b.start_time));
            d.eq("booking.end_time", e.end_time.as_ref().map(|t| hh_mm(t)).as_ref(), &hh_mm(&b.end_time));
            d.eq("booking.attendees", e.attendees.map(Some).as_ref(), &b.attendees);
            d.eq("booking.seating_layout", e.seating_layout.clone().map(Some).as_ref(), &b.seating_layout);
            d.eq("booking.room", e.room.as_ref(), &b.room);
        }
    }
    match (&expect.offer, &actual.offer) {
        (None, _) | (Some(None), None) => {}
        (Some(None), Some(o)) => d.push("offer", "none", &format!("an offer ({})", o.status)),
        (Some(Some(_)), None) => d.push("offer", "an offer", "none"),
        (Some(Some(e)), Some(o)) => {
            d.eq("offer.status", e.status.as_ref(), &o.status);
            for line in &e.lines {
                let fact = format!("offer.lines[{:?}]", line.name);
                match o.lines.iter().find(|l| l.name.eq_ignore_ascii_case(&line.name)) {
                    None => d.push(&fact, "on the offer", "missing"),
                    Some(l) => {
                        if let Some(q) = line.quantity.filter(|q| (q - l.quantity).abs() > 1e-9) {
                            d.push(&format!("{fact}.quantity"), &number(q), &number(l.quantity));
                        }
                        d.eq(&format!("{fact}.total"), line.total.as_ref(), &Money::from_f64(l.total));
                    }
                }
            }
            for name in &e.absent {
                if o.lines.iter().any(|l| l.name.eq_ignore_ascii_case(name)) {
                    d.push(&format!("offer.absent[{name:?}]"), "not on the offer", "on the offer");
                }
            }
            d.eq("offer.total", e.total.as_ref(), &Money::from_f64(o.total));
        }
    }
    d.eq("pending", expect.pending.as_ref(), &actual.pending);
    if let Some(drafts) = &expect.drafts {
        for text in &drafts.say {
            if !actual.drafts.iter().any(|draft| draft.contains(text.as_str())) {
                d.push(&format!("drafts.say[{text:?}]"), "in a draft", &format!("in none of {}", actual.drafts.len()));
            }
        }
        for text in &drafts.never_say {
            if let Some(i) = actual.drafts.iter().position(|draft| draft.contains(text.as_str())) {
                d.push(&format!("drafts.never_say[{text:?}]"), "in no draft", &format!("in draft {}", i + 1));
            }
        }
    }
    d.eq("clients", expect.clients.as_ref(), &actual.clients);
    d.eq("events", expect.events.as_ref(), &actual.events);
    d.0
}

struct Diffs(Vec<Difference>);

impl Diffs {
    fn push(&mut self, fact: &str, expected: &str, got: &str) {
        self.0.push(Difference { fact: fact.to_string(), expected: expected.to_string(), got: got.to_string() });
    }

    /// Records a difference when a value is expected and differs.
    fn eq<T: PartialEq + Show>(&mut self, fact: &str, expected: Option<&T>, got: &T) {
        if let Some(e) = expected.filter(|e| *e != got) {
            self.push(fact, &e.show(), &got.show());
        }
    }
}

/// How a value reads in a difference: strings quoted, `null` for none.
trait Show {
    fn show(&self) -> String;
}

impl Show for String {
    fn show(&self) -> String {
        format!("{self:?}")
    }
}

impl Show for i64 {
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Show for u64 {
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Show for bool {
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Show for Money {
    fn show(&self) -> String {
        format!("\"{self}\"")
    }
}

impl<T: Show> Show for Option<T> {
    fn show(&self) -> String {
        self.as_ref().map(Show::show).unwrap_or_else(|| "null".into())
    }
}

/// `18:00:00` and `18:00` are the same time.
fn hh_mm(t: &str) -> String {
    t.get(..5).unwrap_or(t).to_string()
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking() -> BookingActual {
        BookingActual {
            status: "option".into(),
            step: 5,
            event_date: "2027-06-11".into(),
            date_confirmed: true,
            start_time: "18:00:00".into(),
            end_time: "23:00:00".into(),
            attendees: Some(45),
            seating_layout: Some("dinner".into()),
            room: Some("Room B".into()),
        }
    }

    fn actual() -> Actual {
        Actual {
            booking: Some(booking()),
            offer: Some(OfferActual {
                status: "sent".into(),
                total: 5000.0,
                lines: vec![
                    LineActual { name: "Three-Course Dinner".into(), quantity: 45.0, total: 2610.0 },
                    LineActual { name: "Room B".into(), quantity: 5.0, total: 900.0 },
                ],
            }),
            pending: None,
            drafts: vec!["Dear Anna, Friday, 11.06.2027 is free.".into(), "Our offer OE-2027".into()],
            clients: 1,
            events: 1,
        }
    }

    fn expect(json: &str) -> Expect {
        serde_json::from_str(json).unwrap()
    }

    fn facts(e: &Expect, a: &Actual) -> Vec<String> {
        compare(e, a).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_schema_example_parses_with_every_key() {
        let e = expect(
            r#"{"manager": "approve_all",
                "booking": {"status": "option", "step": 5, "event_date": "2027-06-11", "date_confirmed": true,
                            "start_time": "18:00", "end_time": "23:00", "attendees": 60,
                            "seating_layout": "dinner", "room": "Room B"},
                "offer": {"status": "sent", "lines": [{"name": "Three-Course Dinner", "quantity": 60, "total": "3480.00"}],
                          "absent": ["Vegetarian Menu"], "total": "5000.00"},
                "pending": "manual_review",
                "drafts": {"say": ["Friday, 11.06.2027"], "never_say": ["23:59"]},
                "clients": 1, "events": 1}"#,
        );
        assert_eq!(e.manager, Some(Manager::ApproveAll));
        assert_eq!(e.booking.room, Some(Some("Room B".into())));
        let offer = e.offer.unwrap().unwrap();
        assert_eq!(offer.lines[0].total, Some(Money(348000)));
        assert_eq!(offer.total, Some(Money(500000)));
        assert_eq!(e.pending, Some(Some("manual_review".into())));
    }

    #[test]
    fn a_fact_not_given_is_not_checked_and_null_means_none() {
        let e = expect(r#"{"booking": {}}"#);
        assert_eq!((e.offer.clone(), e.pending.clone(), e.booking.room.clone()), (None, None, None));
        assert!(compare(&e, &actual()).is_empty());

        let e = expect(r#"{"booking": {"room": null}, "offer": null, "pending": null}"#);
        assert_eq!(
            facts(&e, &actual()),
            ["booking.room: expected null, got \"Room B\"", "offer: expected none, got an offer (sent)"]
        );
    }

    #[test]
    fn unknown_keys_are_refused_so_a_typo_is_not_a_silent_pass() {
        assert!(serde_json::from_str::<Expect>(r#"{"booking": {"atendees": 40}}"#).is_err());
        assert!(serde_json::from_str::<Expect>(r#"{"booking": {}, "manager": "approve_some"}"#).is_err());
        assert!(serde_json::from_str::<Expect>(r#"{"offer": null}"#).is_err(), "booking is required");
    }

    #[test]
    fn every_differing_fact_is_named_with_both_values() {
        let e = expect(
            r#"{"booking": {"status": "confirmed", "step": 5, "attendees": 49, "start_time": "18:00",
                            "end_time": "22:00", "date_confirmed": false},
                "clients": 2, "events": 1}"#,
        );
        assert_eq!(
            facts(&e, &actual()),
            [
                "booking.status: expected \"confirmed\", got \"option\"",
                "booking.date_confirmed: expected false, got true",
                "booking.end_time: expected \"22:00\", got \"23:00\"",
                "booking.attendees: expected 49, got 45",
                "clients: expected 2, got 1",
            ]
        );
    }

    #[test]
    fn offer_lines_are_found_by_name_ignoring_case_and_compared_in_cents() {
        let e = expect(
            r#"{"booking": {}, "offer": {"status": "sent", "total": 5000,
                "lines": [{"name": "three-course dinner", "quantity": 45, "total": "2610.00"},
                          {"name": "Room B", "total": "900.001"}]}}"#,
        );
        assert!(compare(&e, &actual()).is_empty(), "{:?}", compare(&e, &actual()));

        let e = expect(
            r#"{"booking": {}, "offer": {"status": "draft", "total": "4999.95",
                "lines": [{"name": "Three-Course Dinner", "quantity": 60, "total": "3480.00"},
                          {"name": "Vegetarian Menu"}],
                "absent": ["room b", "Apéro"]}}"#,
        );
        assert_eq!(
            facts(&e, &actual()),
            [
                "offer.status: expected \"draft\", got \"sent\"",
                "offer.lines[\"Three-Course Dinner\"].quantity: expected 60, got 45",
                "offer.lines[\"Three-Course Dinner\"].total: expected \"3480.00\", got \"2610.00\"",
                "offer.lines[\"Vegetarian Menu\"]: expected on the offer, got missing",
                "offer.absent[\"room b\"]: expected not on the offer, got on the offer",
                "offer.total: expected \"4999.95\", got \"5000.00\"",
            ]
        );
    }

    #[test]
    fn drafts_are_searched_across_the_whole_conversation() {
        let e = expect(
            r#"{"booking": {}, "drafts": {"say": ["11.06.2027", "OE-2027", "Room Z"], "never_say": ["Anna", "23:59"]}}"#,
        );
        assert_eq!(
            facts(&e, &actual()),
            [
                "drafts.say[\"Room Z\"]: expected in a draft, got in none of 2",
                "drafts.never_say[\"Anna\"]: expected in no draft, got in draft 1",
            ]
        );
    }

    #[test]
    fn a_missing_booking_or_offer_is_a_difference_not_a_crash() {
        let e = expect(r#"{"booking": {"step": 2}, "offer": {"status": "sent"}, "pending": "approve_offer"}"#);
        let none = Actual::default();
        assert_eq!(
            facts(&e, &none),
            [
                "booking: expected a booking, got none",
                "offer: expected an offer, got none",
                "pending: expected \"approve_offer\", got null"
            ]
        );
    }
}
