//! Step 2: is the requested date usable (future, venue open, a suitable
//! room free)? Then it is confirmed without a round trip; otherwise the
//! client gets 3–5 concrete dates that are.

use chrono::{Datelike, Days, NaiveDate};

use super::{requirements, Flow};
use crate::domain::{self, TaskAction, TaskKind};
use crate::workflow::draft::{self, DateIssue};
use crate::workflow::extract::VagueDate;
use crate::workflow::rooms::rank;
use crate::workflow::turn::{Trigger, Turn};
use crate::workflow::Step;

/// Proposals for a taken date; for a vague one, up to [`VAGUE_PROPOSALS`].
const PROPOSALS: usize = 3;
const VAGUE_PROPOSALS: usize = 5;

pub(super) fn run(t: &mut Turn<'_>) -> Flow {
    if t.event.date_confirmed {
        t.event.current_step = t.event.current_step.max(Step::RoomAvailability.number());
        return Flow::Next;
    }
    t.event.current_step = Step::DateConfirmation.number();
    let state = &t.event.workflow_state;
    let issue = if state.date_requested {
        let d = t.event.event_date;
        match date_issue(t, d) {
            None => {
                confirm(t);
                return Flow::Next;
            }
            Some(issue) => issue,
        }
    } else if let Some(&first) = state.date_options.first() {
        // The client's options: the first one that works is confirmed.
        let options = std::mem::take(&mut t.event.workflow_state.date_options);
        match options.iter().find(|d| date_issue(t, **d).is_none()) {
            Some(&d) => {
                t.event.event_date = d;
                t.event.workflow_state.date_requested = true;
                confirm(t);
                return Flow::Next;
            }
            None => {
                t.event.event_date = first;
                t.event.workflow_state.date_requested = true;
                date_issue(t, first).unwrap_or(DateIssue::Taken(first))
            }
        }
    } else if state.vague_date.is_some() {
        DateIssue::Vague
    } else {
        if t.trigger == Trigger::ClientMail {
            let body = draft::ask_for_date(t.name(), t.lang, &t.ctx.venue_name, t.event.attendees.is_none());
            t.draft(TaskAction::ApproveMessage, body, TaskKind::AskDate);
        }
        return Flow::Stop;
    };

    let proposals = match (issue, t.event.workflow_state.vague_date.clone()) {
        (DateIssue::Vague, Some(v)) => in_month(t, &v),
        (DateIssue::Past(_), _) => around(t, t.ctx.today()),
        (_, _) => around(t, t.event.event_date),
    };
    t.event.workflow_state.proposed_dates = proposals.clone();
    let body = draft::date_proposals(t.name(), t.lang, &t.ctx.venue_name, issue, &proposals);
    let (reason, requested_date) = match issue {
        DateIssue::Past(d) => (domain::DateIssue::Past, Some(d)),
        DateIssue::Closed(d) => (domain::DateIssue::Closed, Some(d)),
        DateIssue::Taken(d) => (domain::DateIssue::Taken, Some(d)),
        DateIssue::Vague => (domain::DateIssue::Vague, None),
    };
    t.draft(TaskAction::ApproveDate, body, TaskKind::DateProposals { reason, requested_date, proposals });
    Flow::Stop
}

fn confirm(t: &mut Turn<'_>) {
    t.event.date_confirmed = true;
    t.event.current_step = Step::RoomAvailability.number();
    let state = &mut t.event.workflow_state;
    state.proposed_dates.clear();
    state.vague_date = None;
}

/// Why `d` cannot be confirmed as it is, if it cannot.
pub(super) fn date_issue(t: &Turn<'_>, d: NaiveDate) -> Option<DateIssue> {
    if d <= t.ctx.today() {
        Some(DateIssue::Past(d))
    } else if closed(d) {
        Some(DateIssue::Closed(d))
    } else if !room_free(t, d) {
        Some(DateIssue::Taken(d))
    } else {
        None
    }
}

/// The venue closes over Christmas and New Year (README, "Workflow").
pub(super) fn closed(d: NaiveDate) -> bool {
    matches!((d.month(), d.day()), (12, 24..=26) | (12, 31) | (1, 1))
}

/// A room that fits the request is free that day (any room without a
/// count). When no room fits at all, that is not the date's fault: step 3
/// says so.
fn room_free(t: &Turn<'_>, d: NaiveDate) -> bool {
    let req = requirements(t);
    let fits =
        |booked: &[crate::domain::RoomId]| rank(t.facts.catalogue.room_options(), booked, &req).iter().any(|r| r.fits);
    !fits(&[]) || fits(t.facts.occupancy.booked_on(d))
}

fn usable(t: &Turn<'_>, d: NaiveDate) -> bool {
    // Proposals leave a week's notice: an event needs preparing.
    d > t.ctx.today() + Days::new(6) && !closed(d) && room_free(t, d)
}

/// The same weekday in the weeks after `d` first (clients tend to
/// postpone), then the weeks before, then the neighbouring days.
fn around(t: &Turn<'_>, d: NaiveDate) -> Vec<NaiveDate> {
    let weeks = [7i64, 14, -7, 21, -14, 28, 35, 42];
    let days = [1i64, -1, 2, -2, 3, -3];
    weeks
        .iter()
        .chain(days.iter())
        .filter_map(|off| d.checked_add_signed(chrono::Duration::days(*off)))
        .filter(|c| usable(t, *c))
        .take(PROPOSALS)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Free days of a vague month ("a Friday in May"): its next occurrence,
/// or the span the client named ("KW 23", "Mitte Juni", "the week after
/// Easter"), keeping to the weekday(s) they asked for ("ein Wochentag,
/// Mo–Do": never a Sunday), spread over the span.
fn in_month(t: &Turn<'_>, v: &VagueDate) -> Vec<NaiveDate> {
    let today = t.ctx.today();
    let (first, last) = match v.window {
        Some(window) => window,
        None => {
            let year = v.year.unwrap_or(if v.month < today.month() { today.year() + 1 } else { today.year() });
            let Some(first) = NaiveDate::from_ymd_opt(year, v.month, 1) else { return Vec::new() };
            let last = first.checked_add_months(chrono::Months::new(1)).map_or(first, |next| next - Days::new(1));
            (first, last)
        }
    };
    let days: Vec<NaiveDate> =
        first.iter_days().take_while(|d| *d <= last).filter(|d| v.allows(*d)).filter(|d| usable(t, *d)).collect();
    if days.len() <= VAGUE_PROPOSALS {
        return days;
    }
    // Spread: every n-th free day, so the client sees the whole span.
    let step = days.len().div_ceil(VAGUE_PROPOSALS);
    days.into_iter().step_by(step).take(VAGUE_PROPOSALS).collect()
}
