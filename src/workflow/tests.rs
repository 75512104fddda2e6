//! Shared test fixtures of the workflow, and the rules of steps 2–7 played
//! through the pure entry points (no store: state in, plan out).

use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime, TimeZone};
use serde_json::json;

use super::catalogue::tests::builtin;
use super::*;
use crate::domain::{
    Client, Event, EventStatus, OfferRecord, OfferStatus, Resolution, RoomId, StoredEmail, Task, TaskAction,
    TaskDecision, TaskPayload, TeamId, WorkflowState,
};

/// The venue on a fixed morning: handlers' tests are deterministic.
pub fn ctx() -> Context {
    Context {
        now: Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap(),
        timezone: chrono_tz::Europe::Zurich,
        venue_name: "The Atelier".into(),
        venue_email: EmailAddress::parse("events@atelier-zurich.ch").unwrap(),
        payment: None,
    }
}

/// The built-in catalogue, nothing booked, the month's first offer.
pub fn facts() -> Facts {
    Facts {
        catalogue: Arc::new(builtin()),
        occupancy: Occupancy::default(),
        offer_sequence: 1,
        new_offer_id: OfferId::new(),
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Anna Keller's workshop on 14.03.2027 for 24, at `step`.
pub fn booking(status: EventStatus, step: i32) -> Booking {
    let team = TeamId::new();
    Booking {
        client: Client {
            id: Default::default(),
            team_id: team,
            email: EmailAddress::parse("anna@keller.ch").unwrap(),
            name: "Anna Keller".into(),
            company: None,
            status: "lead".into(),
            billing_address: None,
            billing_postal_code: None,
            billing_city: None,
            billing_country: None,
        },
        event: Event {
            id: Default::default(),
            team_id: team,
            client_id: None,
            title: "Workshop".into(),
            event_date: d(2027, 3, 14),
            start_time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end_time: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            attendees: Some(24),
            status,
            current_step: step,
            date_confirmed: step > 2,
            caller_step: None,
            seating_layout: None,
            preferred_room: None,
            room_ids: Vec::new(),
            requirements_hash: None,
            room_eval_hash: None,
            offer_hash: None,
            workflow_state: WorkflowState { date_requested: true, ..WorkflowState::default() },
        },
        last_inbound: Some(StoredEmail::new(
            Some("m2@keller.ch".into()),
            "Workshop".into(),
            Some("m1@keller.ch".into()),
            Some("r1@atelier-zurich.ch".into()),
            false,
            ctx().now,
        )),
        offer: None,
    }
}

/// The booking's client writes `text`.
fn reply(b: &Booking, text: &str) -> Plan {
    let m = mail(text);
    on_reply(b, &m, &read(&m), &ctx(), &facts())
}

/// The mail as the rules read it (what the dispatcher hands the workflow).
pub fn read(m: &InboundEmail) -> Reading {
    Rules.read(m, ctx().today(), builtin().vocabulary())
}

pub fn mail(text: &str) -> InboundEmail {
    serde_json::from_value(json!({
        "message_id": format!("<{}@keller.ch>", crate::workflow::rooms::fnv1a64(text.as_bytes())),
        "from": {"email": "anna@keller.ch", "name": "Anna Keller"},
        "subject": "Re: Workshop", "text": text, "received_at": "2026-11-25T09:30:00Z"
    }))
    .unwrap()
}

fn room(name: &str) -> RoomId {
    builtin().rooms.iter().find(|r| r.option.name == name).unwrap().option.id
}

fn the_task(plan: &Plan) -> &TaskWrite {
    assert_eq!(plan.tasks.len(), 1, "{plan:#?}");
    &plan.tasks[0]
}

fn patch(plan: &Plan) -> &EventPatch {
    match &plan.event {
        Some(EventWrite::Update { patch, .. }) => patch,
        other => panic!("event update expected: {other:?}"),
    }
}

fn draft(plan: &Plan) -> &str {
    the_task(plan).payload.draft_message.as_deref().unwrap()
}

#[test]
fn a_free_date_is_confirmed_and_rooms_are_proposed_in_one_reply() {
    let b = booking(EventStatus::Lead, 2);
    let plan = reply(&b, "The 12th of March 2027 would be ideal, 40 people, theatre style.");
    let p = patch(&plan);
    assert_eq!((p.event_date, p.date_confirmed, p.attendees), (Some(d(2027, 3, 12)), Some(true), Some(40)));
    let task = the_task(&plan);
    assert_eq!(task.payload.action, TaskAction::ApproveRoom);
    assert_eq!(context_json(&task.payload)["kind"], "room_proposal");
    assert!(draft(&plan).contains("Friday, 12.03.2027"), "{}", draft(&plan));
    assert!(draft(&plan).contains("40 guests (theatre seating)"), "{}", draft(&plan));
    assert_eq!(plan.emails.len(), 1, "the client's mail is stored");
}

#[test]
fn a_taken_date_gets_three_free_alternatives() {
    let b = booking(EventStatus::Lead, 2);
    let all_rooms: Vec<(NaiveDate, RoomId)> = builtin().rooms.iter().map(|r| (d(2027, 3, 12), r.option.id)).collect();
    let facts = Facts { occupancy: Occupancy::new(all_rooms), ..facts() };
    let m = mail("Could we do 12.03.2027 for 40 guests?");
    let plan = on_reply(&b, &m, &read(&m), &ctx(), &facts);
    let task = the_task(&plan);
    assert_eq!(task.payload.action, TaskAction::ApproveDate);
    assert_eq!(context_json(&task.payload)["reason"], "taken");
    let proposals: Vec<NaiveDate> = serde_json::from_value(context_json(&task.payload)["proposals"].clone()).unwrap();
    assert_eq!(proposals.len(), 3);
    assert!(!proposals.contains(&d(2027, 3, 12)));
    assert!(proposals.contains(&d(2027, 3, 19)), "the same weekday a week later first: {proposals:?}");
    assert_eq!(patch(&plan).date_confirmed, None, "not confirmed");
}

#[test]
fn more_guests_than_any_room_holds_is_said_with_the_largest_room() {
    let b = booking(EventStatus::Lead, 2);
    let plan = reply(&b, "We are 900 guests on 12.03.2027.");
    let task = the_task(&plan);
    assert_eq!(context_json(&task.payload)["kind"], "no_room_fits");
    assert!(draft(&plan).contains("none of our rooms can accommodate 900 guests"), "{}", draft(&plan));
}

/// A room that lacks what the client orders as a product (a projector the
/// venue rents out) is not said to lack it: the offer will carry it.
#[test]
fn what_the_client_orders_as_a_product_is_never_said_to_be_not_available() {
    for (text, never) in [
        ("12.03.2027, 100 guests, theatre style. We would like to book a projector.", "not included"),
        ("Am 12.03.2027, 100 Personen, Theaterbestuhlung. Bitte reservieren Sie einen Beamer.", "nicht vorhanden"),
    ] {
        let plan = reply(&booking(EventStatus::Lead, 2), text);
        let task = the_task(&plan);
        assert_eq!(context_json(&task.payload)["kind"], "room_proposal", "{text}");
        let missing = context_json(&task.payload)["missing"].to_string().to_lowercase();
        assert!(missing.contains("projector") || missing.contains("beamer"), "the room lacks it: {missing}");
        assert!(!draft(&plan).contains(never), "{}", draft(&plan));
    }
}

#[test]
fn the_picked_proposal_is_confirmed() {
    let mut b = booking(EventStatus::Lead, 2);
    b.event.workflow_state.proposed_dates = vec![d(2027, 3, 19), d(2027, 3, 26)];
    b.event.workflow_state.date_requested = false;
    let plan = reply(&b, "The second one works for us.");
    assert_eq!(patch(&plan).event_date, Some(d(2027, 3, 26)));
    assert_eq!(patch(&plan).date_confirmed, Some(true));
}

/// At step 5 with a sent offer for Room A.
fn negotiating() -> Booking {
    let mut b = booking(EventStatus::Option, 5);
    b.event.room_ids = vec![room("Room A")];
    b.event.offer_hash = Some("x".into());
    b.offer = Some(OfferRecord {
        id: OfferId::new(),
        offer_number: "OE-2026-11-0001".into(),
        status: OfferStatus::Sent,
        offer_date: d(2026, 11, 25),
        valid_until: Some(d(2026, 12, 25)),
        total_rappen: 100_000,
        deposit_enabled: true,
        deposit_rappen: Some(30_000),
        deposit_deadline_days: Some(14),
        deposit_paid_at: None,
        confirmed_at: None,
    });
    b
}

/// The workflow acts on what the extractor understood, not on the text:
/// a reading made by hand (another extractor's) drives the turn.
#[test]
fn the_turn_follows_the_reading_it_is_given() {
    let m = mail("Thank you.");
    let plain = on_reply(&negotiating(), &m, &read(&m), &ctx(), &facts());
    assert_ne!(patch(&plain).current_step, Some(6), "the rules read no acceptance in 'Thank you.'");
    let mut accepted = read(&m);
    accepted.found.intents = vec![crate::workflow::extract::Intent::Accept];
    let plan = on_reply(&negotiating(), &m, &accepted, &ctx(), &facts());
    assert_eq!(patch(&plan).current_step, Some(6), "an extractor's acceptance moves the booking");
}

/// Every task shows the manager what the booking holds, at a glance.
#[test]
fn every_task_carries_what_was_understood() {
    let plan = reply(&negotiating(), "We accept the offer. Could we also have two coffee breaks?");
    let understood = context_json(&the_task(&plan).payload)["understood"].clone();
    assert_eq!(understood["event_date"], "2027-03-14");
    assert_eq!((understood["start_time"].as_str(), understood["end_time"].as_str()), (Some("09:00"), Some("17:00")));
    assert_eq!((understood["attendees"].as_i64(), understood["room"].as_str()), (Some(24), Some("Room A")));
    let products = understood["products"].as_array().expect("products listed");
    assert!(products.iter().any(|p| p["name"] == "Basic Coffee & Tea Package" && p["times"] == 2), "{understood}");
}

/// The manager reads times the same way on the first task as on later
/// ones: "18:00", never "18:00:00".
#[test]
fn times_in_understood_read_hh_mm_at_intake_and_later_turns() {
    let m = mail("We would like to book a dinner for 40 guests on 12.03.2027 from 18:00 to 23:30.");
    let plan = on_inquiry(None, &m, &read(&m), &ctx(), &builtin());
    let understood = context_json(&the_task(&plan).payload)["understood"].clone();
    assert_eq!(
        (understood["start_time"].as_str(), understood["end_time"].as_str()),
        (Some("18:00"), Some("23:30")),
        "{understood}"
    );
    let later = reply(&negotiating(), "Could we also have two coffee breaks?");
    let understood = context_json(&the_task(&later).payload)["understood"].clone();
    assert_eq!(understood["start_time"].as_str(), Some("09:00"), "{understood}");
}

#[test]
fn a_date_in_a_payment_line_is_not_a_change_of_date() {
    let plan = reply(&negotiating(), "We will pay the deposit by 15.01.2027.");
    assert_eq!(patch(&plan).event_date, None);
    assert_eq!(the_task(&plan).payload.action, TaskAction::ManualReview);
}

#[test]
fn accepting_the_offer_asks_for_billing_address_and_deposit() {
    let plan = reply(&negotiating(), "We accept the offer.");
    assert_eq!(patch(&plan).current_step, Some(6));
    assert!(
        matches!(&plan.offers[..], [OfferWrite::Update { patch, .. }] if patch.status == Some(OfferStatus::Confirmed))
    );
    let text = draft(&plan);
    assert!(text.contains("Thank you very much for accepting our offer OE-2026-11-0001"), "{text}");
    assert!(text.contains("your billing address"), "{text}");
    assert!(text.contains("the deposit of CHF 300.00 by Wednesday, 09.12.2026"), "{text}");
}

#[test]
fn a_counter_offer_with_a_discount_makes_a_revised_offer_for_the_manager() {
    let plan = reply(&negotiating(), "Could you do 10% off? Our budget is tight.");
    let task = the_task(&plan);
    assert_eq!(task.payload.action, TaskAction::ApproveOffer);
    assert_eq!(context_json(&task.payload)["kind"], "revised_offer");
    assert_eq!(context_json(&task.payload)["discount_percent"], 10);
    let created = plan.offers.iter().find_map(|o| match o {
        OfferWrite::Create(n) => Some(n),
        _ => None,
    });
    let created = created.expect("a new offer");
    assert!(created.items.iter().any(|i| i.total_rappen < 0), "a discount line");
    assert!(plan
        .offers
        .iter()
        .any(|o| matches!(o, OfferWrite::Update { patch, .. } if patch.status == Some(OfferStatus::Cancelled))));
    assert!(draft(&plan).contains("revised offer OE-2026-11-0001"), "{}", draft(&plan));
}

#[test]
fn a_discount_above_what_the_rules_allow_is_for_the_manager_and_the_offer_stands() {
    for text in [
        "Thank you for offer. It is little bit over our budget. Maybe 15%?",
        "Could you do 20% off?",
        "Das ist etwas über unserem Budget. Vielleicht 15%?",
        "Wäre ein Rabatt von 25 % möglich?",
    ] {
        let plan = reply(&negotiating(), text);
        let task = the_task(&plan);
        assert_eq!(
            (task.payload.action, task.payload.draft_message.as_deref()),
            (TaskAction::ManualReview, None),
            "{text}"
        );
        assert!(plan.offers.is_empty(), "the offer stays as sent: {text}");
        assert_eq!(patch(&plan).current_step, None, "{text}");
    }
    let plan = reply(&negotiating(), "Wäre ein Rabatt von 10 % möglich?");
    assert_eq!(the_task(&plan).payload.action, TaskAction::ApproveOffer, "10 % is a revised offer");
}

#[test]
fn an_upset_client_gets_a_person_and_nothing_in_the_mail_changes_the_booking() {
    for text in [
        "Also ehrlich gesagt bin ich ziemlich enttäuscht. Fast 3000 Franken für ein Essen mit 30 Leuten – im Restaurant Sonne haben wir die Hälfte bezahlt, mit Wein! So wird das nichts. Ich erwarte, dass sich jemand persönlich bei mir meldet.",
        "Frankly this is unacceptable: nobody answered my question about parking, and now 60 guests with wine? I expect someone to call me.",
    ] {
        let plan = reply(&negotiating(), text);
        let task = the_task(&plan);
        assert_eq!((task.payload.action, task.payload.draft_message.as_deref()), (TaskAction::ManualReview, None), "{text}");
        assert!(plan.offers.is_empty(), "no revised offer: {text}");
        assert_eq!(patch(&plan).attendees, None, "{text}");
    }
}

#[test]
fn the_same_mail_twice_has_no_effect() {
    let mut b = negotiating();
    let m = mail("We accept the offer.");
    let first = on_reply(&b, &m, &read(&m), &ctx(), &facts());
    b.event.workflow_state = patch(&first).workflow_state.clone().unwrap();
    let mut again = m.clone();
    again.message_id = "other@keller.ch".into();
    assert_eq!(on_reply(&b, &again, &read(&again), &ctx(), &facts()), Plan::default());
}

#[test]
fn a_repeated_acceptance_does_not_regress_the_booking() {
    let mut b = negotiating();
    b.event.current_step = 7;
    if let Some(o) = b.offer.as_mut() {
        o.status = OfferStatus::Confirmed;
    }
    let plan = reply(&b, "Yes, we confirm the booking.");
    assert_eq!(patch(&plan).current_step, None, "stays at step 7");
    assert!(plan.offers.is_empty());
}

#[test]
fn cancelling_closes_the_booking_and_its_offer() {
    let plan = reply(&negotiating(), "Unfortunately we have to cancel the event.");
    assert_eq!(patch(&plan).status, Some(EventStatus::Cancelled));
    assert!(
        matches!(&plan.offers[..], [OfferWrite::Update { patch, .. }] if patch.status == Some(OfferStatus::Cancelled))
    );
    assert_eq!(context_json(&the_task(&plan).payload)["kind"], "cancelled");
    assert_eq!(patch(&plan).room_ids, Some(Vec::new()), "a cancelled booking holds no room");
    let declined = reply(&negotiating(), "We have decided to go with another venue, please release the date.");
    assert_eq!(patch(&declined).room_ids, Some(Vec::new()), "nor does a declined one");
}

/// The manager answers a manual review in their own words (offering
/// another day): the client's "ok, the first one" must not confirm the
/// service's older proposal.
#[test]
fn after_the_managers_own_answer_an_ok_does_not_confirm_the_older_proposal() {
    let mut b = booking(EventStatus::Lead, 2);
    b.event.workflow_state.proposed_dates = vec![d(2027, 3, 12), d(2027, 3, 19)];
    let review = decided_task(TaskAction::ManualReview, json!({"reason": "a question"}));
    let answer = decide(&b, &review, Resolution::Approved, Some("We could offer you Friday 26 March instead."));
    assert!(answer.mail.is_some(), "the manager's reply is sent");
    let Some(EventWrite::Update { patch, .. }) = &answer.plan.event else { panic!("the proposals are withdrawn") };
    let state = patch.workflow_state.clone().expect("the workflow state changes");
    assert!(state.proposed_dates.is_empty() && state.proposed_rooms.is_empty(), "{state:?}");

    let mut after = b.clone();
    after.event.workflow_state = state;
    let plan = reply(&after, "Ok, the first one works for us.");
    assert_ne!(patch_of(&plan).event_date, Some(d(2027, 3, 12)), "the older proposal is not confirmed");
}

fn patch_of(plan: &Plan) -> EventPatch {
    match &plan.event {
        Some(EventWrite::Update { patch, .. }) => patch.clone(),
        _ => EventPatch::default(),
    }
}

#[test]
fn a_site_visit_request_proposes_slots_without_moving_the_step() {
    let plan = reply(&negotiating(), "Could we come by and see the room first?");
    assert_eq!(context_json(&the_task(&plan).payload)["kind"], "site_visit_slots");
    assert_eq!(patch(&plan).current_step, None);
    assert!(draft(&plan).contains("Friday, 27.11.2026, 10:00"), "{}", draft(&plan));
}

#[test]
fn a_paid_deposit_with_the_billing_address_known_drafts_the_confirmation() {
    let mut b = negotiating();
    b.event.current_step = 7;
    b.client.billing_address = Some("Bahnhofstrasse 1".into());
    b.client.billing_postal_code = Some("8001".into());
    b.client.billing_city = Some("Zürich".into());
    let offer = b.offer.as_mut().unwrap();
    offer.status = OfferStatus::Confirmed;
    let payment = DepositPayment { event: b.event.id, offer: offer.id, paid_at: ctx().now };
    let plan = on_deposit_paid(&b, Some(&payment), &ctx(), &facts());
    assert_eq!(the_task(&plan).payload.action, TaskAction::ConfirmEvent);
    assert!(draft(&plan).contains("We are pleased to confirm your booking"), "{}", draft(&plan));
    assert!(plan
        .offers
        .iter()
        .any(|o| matches!(o, OfferWrite::Update { patch, .. } if patch.deposit_paid_at.is_some())));
    // The same payment reported again: the confirmation is not drafted twice.
    let mut after = b.clone();
    after.event.workflow_state.confirmation_drafted = true;
    after.offer.as_mut().unwrap().deposit_paid_at = Some(ctx().now);
    assert!(on_deposit_paid(&after, Some(&payment), &ctx(), &facts()).tasks.is_empty());
}

/// A room proposal for Room A waits at step 3.
fn room_proposed() -> (Booking, Task) {
    let mut b = booking(EventStatus::Lead, 3);
    let room_a = room("Room A");
    b.event.workflow_state.proposed_rooms = vec![room_a];
    let task = decided_task(
        TaskAction::ApproveRoom,
        json!({"kind": "room_proposal", "room_id": room_a, "room_name": "Room A", "proposal": "p"}),
    );
    (b, task)
}

/// A task the manager completed: a draft ("Draft text") to Anna Keller.
pub fn decided_task(action: TaskAction, context: serde_json::Value) -> Task {
    let context = serde_json::from_value(context).expect("a task context");
    let payload =
        TaskPayload::draft(action, "Draft text".into(), "Re: Workshop".into(), "anna@keller.ch".into(), context);
    Task {
        id: Default::default(),
        team_id: TeamId::new(),
        title: "Approve".into(),
        category: crate::domain::TaskCategory::Email,
        status: crate::domain::TaskStatus::Completed,
        priority: crate::domain::TaskPriority::Medium,
        event_id: None,
        client_name: None,
        payload,
        created_at: ctx().now,
        completed_at: None,
    }
}

/// A task's context as the JSON the frontend reads.
pub fn context_json(payload: &TaskPayload) -> serde_json::Value {
    serde_json::to_value(&payload.context).expect("contexts serialize")
}

/// The manager's decision on `task`, as `on_decision` acts on it.
pub fn decide(b: &Booking, task: &Task, resolution: Resolution, edit: Option<&str>) -> Approval {
    let decision = TaskDecision { task_id: task.id, resolution, edited_message: edit.map(str::to_string) };
    on_decision(b, task, &decision, &ctx(), &facts(), "out@atelier-zurich.ch")
}

fn approve(b: &Booking, task: &Task) -> Approval {
    decide(b, task, Resolution::Approved, None)
}

#[test]
fn a_room_approved_after_the_client_cancelled_holds_nothing() {
    let (mut b, task) = room_proposed();
    b.event.status = EventStatus::Cancelled;
    let a = approve(&b, &task);
    assert!(a.mail.is_some(), "what the manager approved is sent");
    assert!(patch(&a.plan).room_ids.is_none() && a.plan.offers.is_empty());
    assert_eq!(the_task(&a.plan).payload.action, TaskAction::ManualReview);
}

#[test]
fn a_room_approved_after_a_date_change_to_a_day_it_is_taken_holds_nothing() {
    let (mut b, task) = room_proposed();
    b.event.event_date = d(2027, 3, 19);
    let facts = Facts { occupancy: Occupancy::new([(d(2027, 3, 19), room("Room A"))]), ..facts() };
    let decision = TaskDecision { task_id: task.id, resolution: Resolution::Approved, edited_message: None };
    let a = on_decision(&b, &task, &decision, &ctx(), &facts, "out@atelier-zurich.ch");
    assert!(a.plan.offers.is_empty());
    assert_eq!(the_task(&a.plan).payload.action, TaskAction::ManualReview);
}

#[test]
fn an_offer_approved_after_a_detour_is_not_marked_sent() {
    let mut b = negotiating();
    let offer = b.offer.as_mut().unwrap();
    offer.status = OfferStatus::Draft;
    let task = decided_task(
        TaskAction::ApproveOffer,
        json!({"kind": "offer", "offer_id": offer.id, "offer_number": offer.offer_number, "room_name": "Room A", "total_chf": "1.00"}),
    );
    b.event.current_step = 3; // the head count changed meanwhile
    let a = approve(&b, &task);
    assert!(a.plan.offers.is_empty());
    assert_eq!(patch(&a.plan).status, None);
}

#[test]
fn a_confirmation_approved_after_a_cancellation_does_not_confirm() {
    let mut b = negotiating();
    b.event.status = EventStatus::Cancelled;
    b.event.current_step = 7;
    let a = approve(&b, &decided_task(TaskAction::ConfirmEvent, json!({"kind": "confirmation"})));
    assert_eq!(patch(&a.plan).status, None);
    assert!(a.plan.client_update.is_empty());
}

#[test]
fn a_deposit_is_acted_on_once_however_often_it_is_reported() {
    let mut b = negotiating();
    let offer = b.offer.as_mut().unwrap();
    offer.deposit_paid_at = Some(ctx().now);
    let first = on_deposit_paid(&b, None, &ctx(), &facts());
    assert_eq!(context_json(&the_task(&first).payload)["kind"], "prerequisites", "billing still missing");
    b.event.workflow_state = patch(&first).workflow_state.clone().unwrap();
    assert_eq!(on_deposit_paid(&b, None, &ctx(), &facts()), Plan::default());
}

#[test]
fn a_deposit_paid_during_a_detour_goes_to_a_person() {
    let mut b = negotiating();
    b.event.current_step = 3;
    b.offer.as_mut().unwrap().deposit_paid_at = Some(ctx().now);
    let plan = on_deposit_paid(&b, None, &ctx(), &facts());
    assert_eq!(the_task(&plan).payload.action, TaskAction::ManualReview);
    assert_eq!(patch(&plan).current_step, None);
}

#[test]
fn an_acceptance_with_a_visit_wish_accepts_and_flags_the_visit() {
    let plan = reply(&negotiating(), "We accept the offer. Could we also come by and see the room beforehand?");
    assert_eq!(patch(&plan).current_step, Some(6));
    assert_eq!(context_json(&the_task(&plan).payload)["site_visit_requested"], true);
}

#[test]
fn cancelling_the_site_visit_does_not_cancel_the_event() {
    let plan = reply(&negotiating(), "We have to cancel the site visit, sorry.");
    assert_eq!(patch(&plan).status, None);
    assert_eq!(the_task(&plan).payload.action, TaskAction::ManualReview);
}

#[test]
fn after_the_offer_a_number_alone_does_not_change_the_head_count() {
    let plan = reply(&negotiating(), "About 10 people will arrive a bit later.");
    assert_eq!(patch(&plan).attendees, None);
    let plan = reply(&negotiating(), "Good news: we will be 30 people now.");
    assert_eq!(patch(&plan).attendees, Some(30));
}

#[test]
fn a_bare_day_of_the_month_picks_the_proposal_with_that_day() {
    let mut b = booking(EventStatus::Lead, 2);
    b.event.workflow_state.proposed_dates = vec![d(2027, 3, 19), d(2027, 3, 26)];
    b.event.workflow_state.date_requested = false;
    let plan = reply(&b, "The 26th would be great.");
    assert_eq!(patch(&plan).event_date, Some(d(2027, 3, 26)));
    let plan = reply(&b, "Am 19. passt es uns.");
    assert_eq!(patch(&plan).event_date, Some(d(2027, 3, 19)));
}

#[test]
fn first_of_all_is_not_a_choice() {
    let mut b = booking(EventStatus::Lead, 2);
    b.event.workflow_state.proposed_dates = vec![d(2027, 3, 19), d(2027, 3, 26)];
    b.event.workflow_state.date_requested = false;
    let plan = reply(&b, "First of all, thank you. Unfortunately none of these dates suit us.");
    assert_eq!(patch(&plan).date_confirmed, None);
}

#[test]
fn a_short_reply_keeps_the_bookings_language() {
    let mut b = negotiating();
    b.event.workflow_state.language = Some(extract::Language::De);
    let plan = reply(&b, "Ok, wir nehmen das Angebot an.");
    assert!(draft(&plan).starts_with("Guten Tag"), "{}", draft(&plan));
}

#[test]
fn a_start_without_an_end_runs_five_hours_not_until_the_default_end() {
    let b = booking(EventStatus::Lead, 2);
    let plan = reply(&b, "12.03.2027 ab 18 Uhr, 40 Personen.");
    let p = patch(&plan);
    assert_eq!((p.start_time, p.end_time), (NaiveTime::from_hms_opt(18, 0, 0), NaiveTime::from_hms_opt(23, 0, 0)));
}

#[test]
fn every_turn_writes_only_if_no_other_turn_wrote_since_it_read() {
    let mut b = booking(EventStatus::Lead, 2);
    b.event.workflow_state.turn = 7;
    let plan = reply(&b, "The 12th of March 2027 would be ideal, 40 people.");
    let Some(EventWrite::Update { expected_turn, patch, .. }) = &plan.event else { panic!() };
    assert_eq!((*expected_turn, patch.workflow_state.as_ref().map(|s| s.turn)), (Some(7), Some(8)));
}

#[test]
fn of_the_clients_date_options_the_first_free_one_is_confirmed() {
    let mut b = booking(EventStatus::Lead, 2);
    b.event.workflow_state.date_requested = false;
    let taken: Vec<(NaiveDate, RoomId)> = builtin().rooms.iter().map(|r| (d(2027, 3, 12), r.option.id)).collect();
    let facts = Facts { occupancy: Occupancy::new(taken), ..facts() };
    let m = mail("We could do 12.03.2027 or 19.03.2027, 30 people.");
    let plan = on_reply(&b, &m, &read(&m), &ctx(), &facts);
    let p = patch(&plan);
    assert_eq!((p.event_date, p.date_confirmed), (Some(d(2027, 3, 19)), Some(true)));
    assert_eq!(the_task(&plan).payload.action, TaskAction::ApproveRoom);
}

#[test]
fn an_inquiry_with_two_dates_lists_both_and_asks_for_neither() {
    let m = mail("Hello, we are 30 people and could do 12.03.2027 or 19.03.2027, 18:00-23:00.");
    let plan = on_inquiry(None, &m, &read(&m), &ctx(), &builtin());
    let task = the_task(&plan);
    assert_eq!(context_json(&task.payload)["missing"], json!([]));
    let text = task.payload.draft_message.as_deref().unwrap();
    assert!(text.contains("Dates: Friday, 12.03.2027 or Friday, 19.03.2027 (we will check availability)"), "{text}");
    let Some(EventWrite::Create(e)) = &plan.event else { panic!() };
    assert_eq!(e.workflow_state.date_options, [d(2027, 3, 12), d(2027, 3, 19)]);
    assert!(!e.workflow_state.date_requested);
}

#[test]
fn a_new_date_while_rooms_are_proposed_gets_a_new_proposal_and_the_old_one_goes_stale() {
    let (b, old_task) = {
        let b = booking(EventStatus::Lead, 2);
        let plan = reply(&b, "12.03.2027, 30 people.");
        let mut b = b;
        let p = patch(&plan);
        b.event.event_date = p.event_date.unwrap();
        b.event.date_confirmed = true;
        b.event.current_step = 3;
        b.event.attendees = p.attendees;
        b.event.requirements_hash = p.requirements_hash.clone();
        b.event.workflow_state = p.workflow_state.clone().unwrap();
        let task = the_task(&plan);
        (b, decided_task(task.payload.action, context_json(&task.payload)))
    };
    let plan = reply(&b, "Sorry, could we move it to 19.03.2027 instead?");
    assert_eq!(patch(&plan).event_date, Some(d(2027, 3, 19)));
    assert_eq!(the_task(&plan).payload.action, TaskAction::ApproveRoom, "a new proposal for the new day");
    let mut moved = b.clone();
    moved.event.event_date = d(2027, 3, 19);
    moved.event.workflow_state = patch(&plan).workflow_state.clone().unwrap();
    let a = approve(&moved, &old_task);
    assert!(a.plan.offers.is_empty(), "the proposal for the 12th holds nothing on the 19th");
}

#[test]
fn a_rejected_room_proposal_is_withdrawn() {
    let (mut b, task) = room_proposed();
    b.event.workflow_state.rooms_proposed_for = Some("x".into());
    let decision = TaskDecision { task_id: task.id, resolution: Resolution::Rejected, edited_message: None };
    let a = on_decision(&b, &task, &decision, &ctx(), &facts(), "x@y.ch");
    let state = patch(&a.plan).workflow_state.clone().unwrap();
    assert!(state.proposed_rooms.is_empty() && state.rooms_proposed_for.is_none());
}

#[test]
fn after_the_offer_only_the_groups_size_changes_the_count() {
    for text in [
        "We will be arriving at 8:00 to set up. 10 guests are vegetarian.",
        "There will be 5 children among the guests.",
    ] {
        assert_eq!(patch(&reply(&negotiating(), text)).attendees, None, "{text}");
    }
    for (text, n) in
        [("Es sind nun 45 Personen.", 45), ("We are now 30.", 30), ("45 people instead of 24, please.", 45)]
    {
        assert_eq!(patch(&reply(&negotiating(), text)).attendees, Some(n), "{text}");
    }
}

#[test]
fn a_deadline_is_not_a_date_option() {
    let m = mail("A workshop on 12.03.2027 for 30 people. Please send us your offer by 15.01.2027.");
    let Some(EventWrite::Create(e)) = &on_inquiry(None, &m, &read(&m), &ctx(), &builtin()).event else { panic!() };
    assert_eq!((e.event_date, e.workflow_state.date_options.len()), (d(2027, 3, 12), 0));
}

#[test]
fn the_second_with_an_article_picks_the_second_proposal() {
    let mut b = booking(EventStatus::Lead, 2);
    b.event.workflow_state.proposed_dates = vec![d(2027, 3, 19), d(2027, 3, 26)];
    b.event.workflow_state.date_requested = false;
    let plan = reply(&b, "The second works best for us.");
    assert_eq!(patch(&plan).event_date, Some(d(2027, 3, 26)));
}

#[test]
fn times_answering_the_acknowledgement_are_taken_and_revise_the_offer() {
    let mut b = negotiating();
    b.event.workflow_state.times_assumed = true;
    let plan = reply(&b, "The event will run from 18:00 to 23:00.");
    let p = patch(&plan);
    assert_eq!((p.start_time, p.end_time), (NaiveTime::from_hms_opt(18, 0, 0), NaiveTime::from_hms_opt(23, 0, 0)));
    assert_eq!(the_task(&plan).payload.action, TaskAction::ApproveOffer);
}

#[test]
fn cancelling_the_event_is_not_taken_for_cancelling_a_visit() {
    let plan = reply(&negotiating(), "We have to cancel the event. We will visit you another time.");
    assert_eq!(patch(&plan).status, Some(EventStatus::Cancelled));
}

// ---- Kinds of failure measured on client mail, played through the turn ----

/// A booking at step 2 without a date, for `attendees` guests.
fn undated(attendees: Option<i32>) -> Booking {
    let mut b = booking(EventStatus::Lead, 2);
    b.event.attendees = attendees;
    b.event.workflow_state.date_requested = false;
    b
}

fn proposals(plan: &Plan) -> Vec<NaiveDate> {
    serde_json::from_value(context_json(&the_task(plan).payload)["proposals"].clone()).unwrap()
}

/// Date wishes the proposals must keep to: (mail, first day, last day,
/// allowed weekdays).
type DateWish = (&'static str, (i32, u32, u32), (i32, u32, u32), &'static [chrono::Weekday]);

const DATE_WISH_CASES: &[DateWish] = {
    use chrono::Weekday::*;
    &[
        ("Ein Wochentag, Mo–Do, in der KW 23 2027 wäre ideal.", (2027, 6, 7), (2027, 6, 10), &[Mon, Tue, Wed, Thu]),
        ("Mitte Juni, unter der Woche.", (2027, 6, 11), (2027, 6, 20), &[Mon, Tue, Wed, Thu, Fri]),
        ("Sometime in week 23, a weekday please.", (2027, 6, 7), (2027, 6, 11), &[Mon, Tue, Wed, Thu, Fri]),
        ("The week after Easter, Monday to Thursday.", (2027, 3, 29), (2027, 4, 1), &[Mon, Tue, Wed, Thu]),
        ("Late June, a Friday.", (2027, 6, 25), (2027, 6, 25), &[Fri]),
        ("Anfang Mai, am liebsten freitags.", (2027, 5, 7), (2027, 5, 7), &[Fri]),
        ("a Friday in May 2027", (2027, 5, 7), (2027, 5, 28), &[Fri]),
    ]
};

#[test]
fn date_proposals_keep_to_the_span_and_the_weekdays_asked_for() {
    use chrono::Datelike;
    let mut failures = Vec::new();
    for (text, from, to, weekdays) in DATE_WISH_CASES {
        let plan = reply(&undated(Some(30)), text);
        let got = proposals(&plan);
        let (from, to) = (d(from.0, from.1, from.2), d(to.0, to.1, to.2));
        let ok = !got.is_empty() && got.iter().all(|p| (from..=to).contains(p) && weekdays.contains(&p.weekday()));
        if !ok {
            failures.push(format!("{text:?}: {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_bare_confirmation_answers_the_question_for_the_head_count() {
    let mut b = booking(EventStatus::Lead, 3);
    b.event.attendees = None;
    for (text, expected) in [("Yes, 24 is right!", Some(24)), ("Ja, 18 stimmt.", Some(18)), ("Yes, thanks!", None)] {
        assert_eq!(patch(&reply(&b, text)).attendees, expected, "{text}");
    }
    // With a count known, a bare number does not change it.
    assert_eq!(patch(&reply(&booking(EventStatus::Lead, 3), "Yes, 30 is right!")).attendees, None);
}

#[test]
fn a_room_the_client_chooses_is_held_and_not_proposed_again() {
    let (mut b, _) = room_proposed();
    b.event.workflow_state.proposed_rooms = vec![room("Room A"), room("Room B")];
    for text in ["We'd like Room B.", "Wir nehmen Raum B."] {
        let plan = reply(&b, text);
        assert_eq!(the_task(&plan).payload.action, TaskAction::ApproveOffer, "{text}: {plan:#?}");
        assert_eq!(patch(&plan).room_ids, Some(vec![room("Room B")]), "{text}");
    }
}

/// Rooms for a seating: only a room with a figure for that seating.
const SEATING_ROOM_CASES: &[(&str, &[&str])] = &[
    ("The 12th of March 2027, 40 guests, seated dinner.", &["Room C", "Room E"]),
    ("Am 12. März 2027, 18 Personen, U-Form.", &["Room F", "Room A"]),
    ("12 March 2027, a standing reception for 30 people.", &["Room B", "Room C"]),
    ("12.03.2027, 30 Personen, parlamentarisch.", &["Room B"]),
    ("12 March 2027, boardroom for 12 people.", &["Room D"]),
    ("12 March 2027, 17 people around a boardroom table.", &["-"]),
    ("12.03.2027, Workshop für 30 TN.", &["Room F", "Room B", "Room C"]),
    ("12 March 2027, 100 guests, theatre style.", &["Room E"]),
];

#[test]
fn rooms_are_proposed_by_their_figure_for_the_seating() {
    let mut failures = Vec::new();
    for (text, expected) in SEATING_ROOM_CASES {
        let plan = reply(&undated(None), text);
        let ctx = context_json(&the_task(&plan).payload);
        let mut got: Vec<String> = vec![ctx.get("room_name").and_then(|n| n.as_str()).unwrap_or("-").to_string()];
        got.extend(
            ctx.get("alternatives")
                .and_then(|a| a.as_array())
                .into_iter()
                .flatten()
                .map(|a| a["name"].as_str().unwrap_or("?").to_string()),
        );
        if got != expected.iter().map(|s| s.to_string()).collect::<Vec<_>>() {
            failures.push(format!("{text:?}: {got:?} {ctx:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_visit_slot_named_by_weekday_and_time_is_booked() {
    let b = negotiating();
    let asked = reply(&b, "Could we come by and see the room first?");
    let Some(EventWrite::Update { patch, .. }) = &asked.event else { panic!() };
    let mut after = b.clone();
    after.event.workflow_state = patch.workflow_state.clone().unwrap();
    for (text, at) in [("Montag 14 Uhr passt.", (30, 14, 0)), ("Tuesday works for us.", (1, 16, 30))] {
        let plan = reply(&after, text);
        assert_eq!(context_json(&the_task(&plan).payload)["kind"], "site_visit_booked", "{text}");
        let booked = context_json(&the_task(&plan).payload)["site_visit_at"].as_str().unwrap().to_string();
        let month = if at.0 == 1 { 12 } else { 11 };
        assert!(
            booked.starts_with(&format!("2026-{month:02}-{:02}T{:02}:{:02}", at.0, at.1, at.2)),
            "{text}: {booked}"
        );
    }
}

#[test]
fn an_event_until_midnight_reads_midnight_in_the_draft() {
    let plan = reply(&undated(Some(30)), "12 March 2027 from 7pm until midnight.");
    let text = draft(&plan);
    assert!(text.contains("19:00–midnight") && !text.contains("23:59"), "{text}");
    let plan = reply(&undated(Some(30)), "Am 12. März 2027 von 19 Uhr bis Mitternacht.");
    let text = draft(&plan);
    assert!(text.contains("19:00 Uhr bis Mitternacht") && !text.contains("23:59"), "{text}");
}

#[test]
fn doubts_flag_the_draft_for_the_manager() {
    let plan = reply(&undated(None), "12 March 2027. We are 40 people, please plan for 60 guests.");
    let task = the_task(&plan);
    assert_eq!(task.priority, crate::domain::TaskPriority::High);
    assert_eq!(context_json(&task.payload)["open_question"], true);
    assert!(context_json(&task.payload)["doubts"].to_string().contains("two different head counts"));
}

#[test]
fn an_html_only_mail_is_read() {
    let mut m = mail("");
    m.html = Some("<p>We would like the 12th of March 2027 for <b>40 people</b>, theatre style.</p>".into());
    let plan = on_reply(&undated(None), &m, &read(&m), &ctx(), &facts());
    assert_eq!(patch(&plan).attendees, Some(40));
    assert_eq!(patch(&plan).event_date, Some(d(2027, 3, 12)));
}

/// Per-person items counted in times or persons, as the offer bills them
/// for Anna Keller's 24 guests.
const SERVING_CASES: &[(&str, &str, u32)] = &[
    ("Please add two coffee breaks.", "Basic Coffee & Tea Package", 48),
    ("Bitte noch zwei Kafipausen dazu.", "Basic Coffee & Tea Package", 48),
    ("Please add lunch for everyone.", "Lunch Package", 24),
    ("Please add 5 vegetarian menus.", "Vegetarian Menu", 5),
    ("Please add a pianist for 3 hours.", "Solo Musician", 3),
];

#[test]
fn offer_lines_bill_per_person_items_times_the_guests_and_hours_as_asked() {
    let mut failures = Vec::new();
    for (text, product, quantity) in SERVING_CASES {
        let plan = reply(&negotiating(), text);
        let items: Vec<(String, u32)> = plan
            .offers
            .iter()
            .filter_map(|o| match o {
                OfferWrite::Create(new) => {
                    Some(new.items.iter().map(|i| (i.name.clone(), i.quantity)).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .collect();
        if !items.iter().any(|(name, q)| name == product && q == quantity) {
            failures.push(format!("{text:?}: {items:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_offer_is_never_valid_past_the_event_and_replaces_only_a_sent_offer() {
    let mut b = negotiating();
    b.event.event_date = d(2026, 12, 10);
    let plan = reply(&b, "Please add a projector.");
    let created = plan.offers.iter().find_map(|o| match o {
        OfferWrite::Create(new) => Some(new.valid_until),
        _ => None,
    });
    assert_eq!(created, Some(d(2026, 12, 10)));
    assert!(draft(&plan).contains("replaces our previous offer"), "{}", draft(&plan));
    // A draft offer the manager never sent is replaced without saying so.
    b.offer.as_mut().unwrap().status = OfferStatus::Draft;
    let plan = reply(&b, "Please add a projector.");
    if let Some(body) = the_task(&plan).payload.draft_message.as_deref() {
        assert!(!body.contains("replaces our previous offer"), "{body}");
    }
}

/// Anna Keller's offer is for Room A (projector, screen, stage, sound
/// system, whiteboard; a microphone only upon request).
const INCLUDED_CASES: &[(&str, &str, bool)] = &[
    ("Please add a projector.", "Projector", false),
    ("Bitte noch einen Beamer.", "Projector", false),
    ("We need a stage.", "Portable Stage", false),
    ("Please add a flipchart.", "Flipchart", true),
    ("Please add 2 wireless microphones.", "Wireless Microphone", true),
    ("Please add the DJ.", "DJ Service", true),
];

#[test]
fn what_the_room_already_has_is_never_charged() {
    let mut failures = Vec::new();
    for (text, product, billed) in INCLUDED_CASES {
        let plan = reply(&negotiating(), text);
        let names: Vec<String> = plan
            .offers
            .iter()
            .filter_map(|o| match o {
                OfferWrite::Create(new) => Some(new.items.iter().map(|i| i.name.clone()).collect::<Vec<_>>()),
                _ => None,
            })
            .flatten()
            .collect();
        if names.iter().any(|n| n == product) != *billed {
            failures.push(format!("{text:?}: {names:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A start without an end: the draft never states the assumed end.
const START_ONLY_CASES: &[(&str, &str, &str)] = &[
    ("12 March 2027, 30 people, we start at 6pm.", "from 18:00 (end time to be confirmed)", "23:00"),
    ("Am 12. März 2027, 30 Personen, ab 18 Uhr.", "ab 18:00 Uhr (Ende noch offen)", "23:00"),
    ("12 March 2027, 30 people, 6pm until midnight.", "18:00–midnight", "to be confirmed"),
];

#[test]
fn a_default_time_is_never_presented_as_the_clients() {
    let mut failures = Vec::new();
    for (text, shown, never) in START_ONLY_CASES {
        let plan = reply(&undated(None), text);
        let body = draft(&plan);
        if !body.contains(shown) || body.contains(never) {
            failures.push(format!("{text:?}:\n{body}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
