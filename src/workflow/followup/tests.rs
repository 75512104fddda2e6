//! The follow-up rules with a fixed clock: what is due when, drafted once.

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::domain::{EventId, OfferId, RoomId, StoredEmail};
use crate::workflow::extract::Language;
use crate::workflow::plan::{EventPatch, EventWrite};
use crate::workflow::tests::{booking, ctx, facts};

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

/// 10:00 in Zurich on that day.
fn at(m: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, day, 9, 0, 0).unwrap()
}

fn offer(status: OfferStatus, valid_until: NaiveDate) -> OfferRecord {
    OfferRecord {
        id: OfferId::new(),
        offer_number: "OE-2026-11-0007".into(),
        status,
        offer_date: d(11, 20),
        valid_until: Some(valid_until),
        total_rappen: 500_000,
        deposit_enabled: false,
        deposit_rappen: None,
        deposit_deadline_days: None,
        deposit_paid_at: None,
        confirmed_at: None,
    }
}

/// Anna's workshop with offer OE-2026-11-0007 sent on 20.11. (valid until
/// 10.12.), her last mail on 19.11.
fn offer_sent() -> Booking {
    let mut b = booking(EventStatus::Option, 5);
    b.event.id = EventId::new();
    b.offer = Some(offer(OfferStatus::Sent, d(12, 10)));
    b.event.workflow_state.last_sent_at = Some(at(11, 20));
    b.last_inbound.as_mut().unwrap().received_at = at(11, 19);
    b
}

fn due(b: &Booking, draft_pending: bool, now: DateTime<Utc>) -> Option<(FollowUpKind, NaiveDate)> {
    due_follow_up(b, draft_pending, &FollowUpTimings::default(), now, chrono_tz::Europe::Zurich)
        .map(|f| (f.kind, f.due))
}

/// The booking after the follow-up was drafted at `now`.
fn drafted(mut b: Booking, kind: FollowUpKind, due: NaiveDate, now: DateTime<Utc>) -> Booking {
    b.event.workflow_state.follow_ups.push(FollowUpDrafted { kind, due, at: now });
    b
}

fn ctx_at(now: DateTime<Utc>) -> Context {
    Context { now, ..ctx() }
}

fn event_patch(plan: &Plan) -> &EventPatch {
    match &plan.event {
        Some(EventWrite::Update { patch, .. }) => patch,
        other => panic!("an event update expected: {other:?}"),
    }
}

#[test]
fn a_silent_client_gets_one_nudge_then_one_reminder_before_the_offer_runs_out_then_the_option_lapses() {
    let b = offer_sent();
    assert_eq!(due(&b, false, at(11, 24)), None, "four days of silence are not enough");
    assert_eq!(due(&b, false, at(11, 25)), Some((FollowUpKind::Nudge, d(11, 25))));
    let b = drafted(b, FollowUpKind::Nudge, d(11, 25), at(11, 25));
    assert_eq!(due(&b, false, at(11, 30)), None, "one nudge per silence");
    assert_eq!(due(&b, false, at(12, 6)), None);
    assert_eq!(due(&b, false, at(12, 7)), Some((FollowUpKind::OfferExpiry, d(12, 7))), "three days before");
    let b = drafted(b, FollowUpKind::OfferExpiry, d(12, 7), at(12, 7));
    assert_eq!(due(&b, false, at(12, 8)), None, "drafted once");
    assert_eq!(due(&b, false, at(12, 10)), None, "the offer is valid through its last day");
    assert_eq!(due(&b, false, at(12, 11)), Some((FollowUpKind::OptionLapsed, d(12, 11))));
}

#[test]
fn a_client_who_answered_gets_no_reminder_but_an_unaccepted_option_still_lapses() {
    let mut b = offer_sent();
    b.last_inbound.as_mut().unwrap().received_at = at(11, 22);
    assert_eq!(due(&b, false, at(11, 30)), None);
    assert_eq!(due(&b, false, at(12, 8)), None);
    assert_eq!(due(&b, false, at(12, 11)).map(|f| f.0), Some(FollowUpKind::OptionLapsed));
}

#[test]
fn while_a_draft_waits_for_the_manager_nothing_is_drafted_but_a_lapse_is_acted_on() {
    let b = offer_sent();
    assert_eq!(due(&b, true, at(11, 25)), None);
    assert_eq!(due(&b, true, at(12, 8)), None);
    assert_eq!(due(&b, true, at(12, 11)).map(|f| f.0), Some(FollowUpKind::OptionLapsed));
}

#[test]
fn an_unpaid_deposit_is_reminded_before_its_due_day_and_a_paid_one_is_not() {
    let mut b = booking(EventStatus::Option, 6);
    let mut o = offer(OfferStatus::Confirmed, d(12, 10));
    o.deposit_enabled = true;
    o.deposit_rappen = Some(150_000);
    o.confirmed_at = Some(at(11, 20));
    b.offer = Some(o);
    // Due 14 days after the acceptance: 04.12., reminded three days before.
    assert_eq!(due(&b, false, at(11, 30)), None);
    assert_eq!(due(&b, false, at(12, 1)), Some((FollowUpKind::DepositDue, d(12, 1))));
    assert_eq!(due(&b, false, at(12, 5)), None, "past its due day the manager follows up in person");
    b.offer.as_mut().unwrap().deposit_paid_at = Some(at(11, 28));
    assert_eq!(due(&b, false, at(12, 1)), None);
}

#[test]
fn zero_days_switch_a_kind_off_and_closed_bookings_get_nothing() {
    let b = offer_sent();
    let off = FollowUpTimings { offer_expiry_days: 0, deposit_days: 0, nudge_days: 0 };
    let tz = chrono_tz::Europe::Zurich;
    assert_eq!(due_follow_up(&b, false, &off, at(11, 30), tz), None);
    assert_eq!(due_follow_up(&b, false, &off, at(12, 8), tz), None);
    for status in [EventStatus::Confirmed, EventStatus::Cancelled] {
        let mut closed = offer_sent();
        closed.event.status = status;
        assert_eq!(due(&closed, false, at(12, 11)), None, "{status:?}");
    }
}

#[test]
fn the_reminder_is_drafted_once_for_approval_in_the_clients_language() {
    let b = offer_sent();
    let f = due_follow_up(&b, false, &FollowUpTimings::default(), at(12, 7), ctx().timezone);
    let f = f.filter(|f| f.kind == FollowUpKind::OfferExpiry).expect("the reminder is due");
    let plan = on_follow_up(&b, &f, false, &ctx_at(at(12, 7)), &facts());
    let [task] = &plan.tasks[..] else { panic!("one task: {:?}", plan.tasks) };
    assert_eq!(task.payload.action, TaskAction::ApproveMessage);
    assert_eq!(task.payload.context["kind"], "followup_offer_expiry");
    let body = task.payload.draft_message.as_deref().unwrap();
    assert!(body.contains("OE-2026-11-0007") && body.contains("Thursday, 10.12.2026"), "{body}");
    let state = event_patch(&plan).workflow_state.clone().expect("the state records the follow-up");
    assert_eq!(state.follow_ups.iter().map(|d| (d.kind, d.due)).collect::<Vec<_>>(), [(f.kind, f.due)]);

    // Handled again (a second entry, a retry after the write): nothing.
    let mut after = b.clone();
    after.event.workflow_state = state;
    assert_eq!(on_follow_up(&after, &f, false, &ctx_at(at(12, 7)), &facts()), Plan::default());

    // The client wrote in between: nothing either.
    let mut answered = b.clone();
    answered.last_inbound = Some(StoredEmail::new(None, "Re".into(), None, None, false, at(12, 6)));
    assert_eq!(on_follow_up(&answered, &f, false, &ctx_at(at(12, 7)), &facts()), Plan::default());

    let mut german = b;
    german.event.workflow_state.language = Some(Language::De);
    let plan = on_follow_up(&german, &f, false, &ctx_at(at(12, 7)), &facts());
    let body = plan.tasks[0].payload.draft_message.as_deref().unwrap();
    assert!(body.starts_with("Guten Tag") && body.contains("gültig bis Donnerstag, 10.12.2026"), "{body}");
}

#[test]
fn a_lapsed_option_releases_the_room_cancels_the_offer_and_drafts_a_note() {
    let mut b = offer_sent();
    let room: RoomId = facts().catalogue.rooms.iter().find(|r| r.option.name == "Room B").unwrap().option.id;
    b.event.room_ids = vec![room];
    let f = FollowUp { kind: FollowUpKind::OptionLapsed, event: b.event.id, due: d(12, 11) };
    let plan = on_follow_up(&b, &f, false, &ctx_at(at(12, 11)), &facts());
    let patch = event_patch(&plan);
    assert_eq!(patch.status, Some(EventStatus::Lead), "no longer an option: other bookings may take the room");
    assert_eq!(patch.room_ids, Some(vec![]));
    assert_eq!(patch.current_step, Some(Step::RoomAvailability.number()));
    let offer_id = b.offer.as_ref().unwrap().id;
    assert!(
        matches!(&plan.offers[..], [OfferWrite::Update { id, patch }] if *id == offer_id && patch.status == Some(OfferStatus::Cancelled)),
        "{:?}",
        plan.offers
    );
    let body = plan.tasks[0].payload.draft_message.as_deref().unwrap();
    assert!(body.contains("Room B") && body.contains("released"), "{body}");
    assert!(!plan.tasks[0].payload.aside);
    // With a draft waiting, the note stands beside it.
    let plan = on_follow_up(&b, &f, true, &ctx_at(at(12, 11)), &facts());
    assert!(plan.tasks[0].payload.aside);
    // Not before its day.
    assert_eq!(on_follow_up(&b, &f, false, &ctx_at(at(12, 10)), &facts()), Plan::default());
}

#[test]
fn a_nudge_after_the_intake_reply_and_the_deposit_reminder_carries_the_bank_details() {
    let mut b = booking(EventStatus::Lead, 2);
    b.event.date_confirmed = false;
    // The intake reply went out after the inquiry (10:00 UTC).
    b.event.workflow_state.last_sent_at = Some(Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap());
    let f = FollowUp { kind: FollowUpKind::Nudge, event: b.event.id, due: d(11, 30) };
    assert_eq!(due(&b, false, at(11, 30)), Some((f.kind, f.due)));
    let plan = on_follow_up(&b, &f, false, &ctx_at(at(11, 30)), &facts());
    let body = plan.tasks[0].payload.draft_message.as_deref().unwrap();
    assert!(body.contains("following up on our last message about your event."), "{body}");

    let mut b = booking(EventStatus::Option, 6);
    let mut o = offer(OfferStatus::Confirmed, d(12, 10));
    (o.deposit_enabled, o.deposit_rappen, o.confirmed_at) = (true, Some(150_000), Some(at(11, 20)));
    b.offer = Some(o);
    let f = FollowUp { kind: FollowUpKind::DepositDue, event: b.event.id, due: d(12, 1) };
    let ctx = Context {
        payment: Some(crate::workflow::Payment {
            iban: "CH93 0076 2011 6238 5295 7".into(),
            beneficiary: "The Atelier AG".into(),
        }),
        ..ctx_at(at(12, 1))
    };
    let plan = on_follow_up(&b, &f, false, &ctx, &facts());
    let body = plan.tasks[0].payload.draft_message.as_deref().unwrap();
    assert!(body.contains("deposit of CHF 1'500.00"), "{body}");
    assert!(body.contains("Friday, 04.12.2026") && body.contains("IBAN: CH93 0076 2011 6238 5295 7"), "{body}");
}
