//! Site visits, at any step: propose slots, book the one the client picks.
//! The booking's step does not change (the sub-flow returns where it was).

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, Weekday};

use super::date::closed;
use crate::domain::{SiteVisit, TaskAction, TaskKind};
use crate::workflow::extract::{Extracted, Intent};
use crate::workflow::turn::{Reply, Turn};
use crate::workflow::{draft, hm};

/// Visits take place on working days at these times.
const SLOT_TIMES: [(u32, u32); 3] = [(10, 0), (14, 0), (16, 30)];
const SLOTS: usize = 3;

/// Handles the mail when it is about a site visit; `false` if it is not.
pub(in crate::workflow) fn handle(t: &mut Turn<'_>, found: &Extracted) -> bool {
    let visit = t.event.workflow_state.site_visit.clone().unwrap_or_default();
    let asked = found.intents.contains(&Intent::SiteVisit);
    // A concrete day: with an explicit visit wish, or one of the proposed days.
    let picked = found
        .dates
        .iter()
        .copied()
        .find(|d| *d > t.ctx.today() && (asked || visit.proposed.iter().any(|s| s.date() == *d)) && !closed(*d));
    // "The second slot works": only while slots are proposed and no date is named.
    let by_position = found.choice.filter(|_| found.dates.is_empty()).and_then(|i| visit.proposed.get(i));
    // "Mittwoch 14 Uhr passt": the proposed slot on that weekday (at that
    // time, when one is named).
    let by_weekday = found.named_weekday.filter(|_| found.dates.is_empty()).and_then(|day| {
        visit.proposed.iter().find(|s| s.date().weekday() == day && found.start_time.map_or(true, |t| t == s.time()))
    });
    let by_position = by_position.or(by_weekday);
    let at = match (picked, by_position) {
        (Some(day), _) => Some(
            day.and_time(
                found
                    .start_time
                    .or_else(|| visit.proposed.iter().find(|s| s.date() == day).map(|s| s.time()))
                    .unwrap_or_else(|| hm(SLOT_TIMES[0])),
            ),
        ),
        (None, Some(slot)) => Some(*slot),
        (None, None) => None,
    };
    if let Some(at) = at {
        t.event.workflow_state.site_visit = Some(SiteVisit { proposed: Vec::new(), booked: Some(at) });
        let body = draft::visit_booked(t.name(), t.lang, &t.ctx.venue_name, at);
        // A visit is its own sub-flow: a room proposal may still wait beside it.
        t.reply(
            Reply::draft(TaskAction::ApproveMessage, body, TaskKind::SiteVisitBooked { site_visit_at: at }).aside(),
        );
        return true;
    }
    if !asked {
        return false;
    }
    let slots = slots(t.ctx.today());
    t.event.workflow_state.site_visit = Some(SiteVisit { proposed: slots.clone(), booked: visit.booked });
    let body = draft::visit_slots(t.name(), t.lang, &t.ctx.venue_name, &slots);
    t.reply(Reply::draft(TaskAction::ApproveMessage, body, TaskKind::SiteVisitSlots { slots }).aside());
    true
}

/// The next working days from the day after tomorrow, one slot each.
fn slots(today: NaiveDate) -> Vec<NaiveDateTime> {
    (2..30u64)
        .filter_map(|n| today.checked_add_days(Days::new(n)))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !closed(*d))
        .take(SLOTS)
        .zip(SLOT_TIMES)
        .map(|(d, time)| d.and_time(hm(time)))
        .collect()
}
