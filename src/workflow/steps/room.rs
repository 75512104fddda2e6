//! Step 3: rank the rooms for the confirmed date and propose the best 2–3.
//! A held room that still fits and is free is kept (then `room_eval_hash`
//! catches up with `requirements_hash`); a proposal already open for the
//! same requirements and day is not made again.

use super::{layout, requirements, when, Flow};
use crate::domain::{RoomCapacity, RoomRef, TaskAction, TaskKind};
use crate::workflow::draft::{self, RoomLine};
use crate::workflow::rooms::{rank, requirements_hash, top};
use crate::workflow::turn::{Reply, Trigger, Turn};
use crate::workflow::Step;

const PROPOSED_ROOMS: usize = 3;

pub(super) fn run(t: &mut Turn<'_>) -> Flow {
    if !t.event.date_confirmed {
        t.event.current_step = Step::DateConfirmation.number();
        return Flow::Next;
    }
    t.event.current_step = Step::RoomAvailability.number();
    let req = requirements(t);
    let hash = requirements_hash(&req);
    let Some(attendees) = req.attendees else {
        if t.trigger != Trigger::Approval {
            let body = draft::ask_for_attendees(t.name(), t.lang, &t.ctx.venue_name, t.event.event_date);
            t.draft(TaskAction::ApproveMessage, body, TaskKind::AskAttendees);
        }
        return Flow::Stop;
    };
    if t.facts.catalogue.rooms.is_empty() {
        t.reply(Reply::manual_review("the venue has no rooms in its catalogue"));
        return Flow::Stop;
    }
    let booked = t.facts.occupancy.booked_on(t.event.event_date);

    if let Some(&held) = t.event.room_ids.first() {
        let still_fits = t
            .facts
            .catalogue
            .room(held)
            .and_then(|r| r.option.capacity_for(req.layout))
            .is_some_and(|cap| cap >= attendees as i32);
        // A room the manager set is held whatever the service would rank.
        let kept = still_fits || t.event.workflow_state.room_set_by_manager;
        if kept && !booked.contains(&held) {
            // Nothing changed for the room choice: on to the offer (which
            // itself checks whether its inputs changed).
            t.event.requirements_hash = Some(hash.clone());
            t.event.room_eval_hash = Some(hash);
            t.event.current_step = Step::Offer.number();
            return Flow::Next;
        }
        t.event.room_ids.clear();
    }

    // A proposal for exactly this request is waiting for the manager or
    // the client: nothing new to say.
    let key = proposal_key(t, &hash);
    let state = &t.event.workflow_state;
    if !state.proposed_rooms.is_empty() && state.rooms_proposed_for.as_deref() == Some(key.as_str()) {
        return Flow::Stop;
    }
    let ranked = rank(t.facts.catalogue.room_options(), booked, &req);
    let fitting: Vec<_> = ranked.iter().filter(|r| r.fits).cloned().collect();
    t.event.requirements_hash = Some(hash);
    let conflicts: Vec<&str> = t
        .facts
        .catalogue
        .rooms
        .iter()
        .filter(|r| booked.contains(&r.option.id))
        .map(|r| r.option.name.as_str())
        .collect();
    if fitting.is_empty() {
        let largest = t
            .facts
            .catalogue
            .rooms
            .iter()
            .filter_map(|r| r.option.capacity_for(req.layout).map(|c| (r.option.name.as_str(), c)))
            .max_by_key(|(_, c)| *c);
        // Standing, theatre... some other set-up may hold them.
        let another_layout_fits = t.facts.catalogue.rooms.iter().any(|r| {
            let o = &r.option;
            o.all_capacities().any(|c| c >= attendees as i32)
        });
        let body = draft::too_many_attendees(
            t.name(),
            t.lang,
            &t.ctx.venue_name,
            attendees,
            layout(t),
            largest,
            another_layout_fits,
        );
        let context = TaskKind::NoRoomFits {
            attendees: Some(attendees),
            largest_room: largest.map(|(n, c)| RoomCapacity { name: n.to_string(), capacity: c.max(0) as u32 }),
            conflicts: conflicts.iter().map(|c| c.to_string()).collect(),
        };
        t.draft(TaskAction::ApproveMessage, body, context);
        return Flow::Stop;
    }

    let best = top(&fitting, PROPOSED_ROOMS);
    t.event.workflow_state.proposed_rooms = best.iter().map(|r| r.room.id).collect();
    t.event.workflow_state.rooms_proposed_for = Some(key.clone());
    let lines: Vec<RoomLine> = best
        .iter()
        .map(|r| RoomLine {
            name: r.room.name.clone(),
            capacity: r.capacity,
            matched: r.matched.clone(),
            // What the client orders as a product is not "missing".
            missing: r.missing.iter().filter(|m| !ordered_as_product(t, m)).cloned().collect(),
            capacity_to_confirm: r.capacity_to_confirm,
        })
        .collect();
    let body = draft::room_proposal(t.name(), t.lang, &t.ctx.venue_name, when(t), attendees, layout(t), &lines);
    let context = TaskKind::RoomProposal {
        proposal: key,
        room_id: best[0].room.id,
        room_name: best[0].room.name.clone(),
        alternatives: best[1..].iter().map(|r| RoomRef { id: r.room.id, name: r.room.name.clone() }).collect(),
        matched: best[0].matched.clone(),
        missing: best[0].missing.clone(),
        conflicts: conflicts.iter().map(|c| c.to_string()).collect(),
    };
    t.draft(TaskAction::ApproveRoom, body, context);
    Flow::Stop
}

/// Is the amenity `wanted` among the products the client ordered (its name
/// or a synonym names it: "projector" and the Projector product)?
fn ordered_as_product(t: &Turn<'_>, wanted: &str) -> bool {
    let wanted = wanted.to_lowercase();
    t.event.workflow_state.products.iter().filter_map(|choice| t.facts.catalogue.product(choice.id)).any(|p| {
        std::iter::once(&p.pricing.name).chain(p.synonyms.iter()).any(|n| {
            n.to_lowercase().split(|c: char| !c.is_alphanumeric()).any(|w| w == wanted) || n.to_lowercase() == wanted
        })
    })
}

/// The request a room proposal answers: the requirements and the day.
pub(in crate::workflow) fn proposal_key(t: &Turn<'_>, requirements_hash: &str) -> String {
    format!("{requirements_hash}@{}", t.event.event_date)
}

/// Forgets an open room proposal, so the next turn of step 3 proposes anew.
pub(in crate::workflow) fn withdraw_proposal(t: &mut Turn<'_>) {
    t.event.workflow_state.proposed_rooms.clear();
    t.event.workflow_state.rooms_proposed_for = None;
}
