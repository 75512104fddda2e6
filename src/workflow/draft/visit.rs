//! Site visits: proposing slots, confirming the one chosen.

use chrono::NaiveDateTime;

use super::{format_date, format_time, Letter};
use crate::workflow::extract::Language;

fn slot(at: NaiveDateTime, lang: Language) -> String {
    super::messages::of(lang).visit_slot(&format_date(at.date(), lang), &format_time(at.time()))
}

pub fn visit_slots(name: &str, lang: Language, venue: &str, slots: &[NaiveDateTime]) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    l.para(m.visit_offer());
    l.intro(m.visit_slots_intro());
    for s in slots {
        l.bullet(&slot(*s, lang));
    }
    l.gap();
    l.para(m.visit_pick());
    l.sign(venue)
}

pub fn visit_booked(name: &str, lang: Language, venue: &str, at: NaiveDateTime) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    l.para(&m.visit_booked(&format_date(at.date(), lang), &format_time(at.time())));
    l.para(m.visit_reception());
    l.sign(venue)
}
