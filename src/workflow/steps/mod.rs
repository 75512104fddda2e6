//! Steps 2–7 (WORKFLOW.md) over a [`Turn`]: each step either moves the
//! booking on and lets the next one run, or stops with a reply for the
//! manager to approve (or nothing, when the client has to answer first).
//! [`advance`] runs them until one stops, so one input produces at most one
//! draft.

mod closing;
mod date;
mod offering;
mod room;
pub(super) mod visit;

use super::draft::When;
use super::extract::Layout;
use super::rooms::Requirements;
use super::turn::Turn;
use super::Step;

pub(super) use closing::{accept_offer, cancel, decline, prerequisites_met};
pub(super) use offering::offer_hash;
pub(super) use room::withdraw_proposal;

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// The booking moved on: run the step it is at now.
    Next,
    /// Wait for the client or the manager.
    Stop,
}

/// Runs the booking's current step, and the next, until one stops. Bounded
/// (a full pass is six steps): should steps ever send each other back and
/// forth, the turn ends without a draft, and a client's mail then goes to a
/// manual review instead of looping.
pub(super) fn advance(t: &mut Turn<'_>) {
    for _ in 0..12 {
        let flow = match t.event.current_step {
            ..=2 => date::run(t),
            3 => room::run(t),
            4 => offering::run(t),
            5 => Flow::Stop,
            6 => closing::prerequisites(t),
            _ => closing::confirmation(t),
        };
        if flow == Flow::Stop {
            return;
        }
    }
}

/// Moves the booking back to `step`, remembering in `caller_step` the
/// furthest step it had reached; step 4 returns there when the offer did not
/// need to change, and an accepted offer brings it back at least to 6.
pub(super) fn detour(t: &mut Turn<'_>, step: Step) {
    if t.event.current_step > step.number() {
        t.event.caller_step.get_or_insert(t.event.current_step);
        t.event.current_step = step.number();
    }
}

/// When the event takes place, for the drafts.
pub(super) fn when(t: &Turn<'_>) -> When {
    When {
        date: t.event.event_date,
        start: t.event.start_time,
        end: t.event.end_time,
        assumed: t.event.workflow_state.times_assumed,
        end_assumed: t.event.workflow_state.end_assumed,
    }
}

pub(super) fn layout(t: &Turn<'_>) -> Option<Layout> {
    t.event.seating_layout.as_deref().and_then(Layout::from_code)
}

/// The room-relevant part of the state (what `requirements_hash` covers).
pub(super) fn requirements(t: &Turn<'_>) -> Requirements {
    Requirements {
        attendees: t.event.attendees.and_then(|a| u32::try_from(a).ok()),
        layout: layout(t),
        wanted_amenities: t.event.workflow_state.wanted_amenities.clone(),
        preferred_room: t.event.preferred_room.clone(),
    }
}
