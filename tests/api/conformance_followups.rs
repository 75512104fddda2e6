//! Conformance of the follow-up sweep's read (`Store::follow_up_candidates`):
//! open bookings from a date on, nearest first, bounded, each read whole
//! (with the workflow state the rules decide on). Run on both stores by the
//! macro in `conformance.rs`.

use chrono::{Days, NaiveDate, Utc};
use oe_webhooks::domain::{EventId, EventStatus, FollowUpDrafted, FollowUpKind, TeamId, UserId, WorkflowState};
use oe_webhooks::workflow::{EventPatch, EventWrite, Plan};

use super::{intake_plan, Backend};

/// A booking of `from` on `date`, in `status`.
async fn booking_on(b: &Backend, from: &str, date: NaiveDate, status: EventStatus) -> EventId {
    let (_, intake) = intake_plan(from);
    let event = b.store.apply(&intake).await.unwrap().event_id.unwrap();
    let patch = EventPatch { event_date: Some(date), status: Some(status), ..EventPatch::default() };
    b.store
        .apply(&Plan { event: Some(EventWrite::Update { id: event, patch, expected_turn: None }), ..Plan::default() })
        .await
        .unwrap();
    event
}

pub(super) async fn open_bookings_from_a_date_are_follow_up_candidates_nearest_first(b: Backend) {
    let today = Utc::now().date_naive();
    let in_days = |n: u64| today.checked_add_days(Days::new(n)).unwrap();
    let later = booking_on(&b, "anna@keller.ch", in_days(40), EventStatus::Lead).await;
    let sooner = booking_on(&b, "ben@weber.ch", in_days(20), EventStatus::Option).await;
    let on_the_day = booking_on(&b, "carla@frei.ch", today, EventStatus::Lead).await;
    booking_on(&b, "dora@meier.ch", in_days(10), EventStatus::Cancelled).await;
    booking_on(&b, "emil@huber.ch", in_days(15), EventStatus::Confirmed).await;
    booking_on(&b, "fritz@gerber.ch", today.checked_sub_days(Days::new(1)).unwrap(), EventStatus::Lead).await;

    let ids = |bookings: &[oe_webhooks::domain::Booking]| bookings.iter().map(|b| b.event.id).collect::<Vec<_>>();
    let all = b.store.follow_up_candidates(today, 100).await.unwrap();
    assert_eq!(ids(&all), [on_the_day, sooner, later], "open ones from today on, nearest first");
    assert_eq!(ids(&b.store.follow_up_candidates(today, 2).await.unwrap()), [on_the_day, sooner], "bounded");
    assert_eq!(ids(&b.store.follow_up_candidates(in_days(21), 100).await.unwrap()), [later]);

    // Each is the booking as `booking` reads it, with the state the rules need.
    for candidate in &all {
        assert_eq!(Some(candidate), b.store.booking(candidate.event.id).await.unwrap().as_ref());
    }
    let sent_at = Utc::now();
    let drafted = FollowUpDrafted { kind: FollowUpKind::Nudge, due: today, at: sent_at };
    let state =
        WorkflowState { last_sent_at: Some(sent_at), follow_ups: vec![drafted], ..all[1].event.workflow_state.clone() };
    let patch = EventPatch { workflow_state: Some(state.clone()), ..EventPatch::default() };
    b.store
        .apply(&Plan { event: Some(EventWrite::Update { id: sooner, patch, expected_turn: None }), ..Plan::default() })
        .await
        .unwrap();
    let read = b.store.follow_up_candidates(in_days(20), 1).await.unwrap();
    let read_state = &read[0].event.workflow_state;
    assert_eq!(read_state.follow_ups, state.follow_ups);
    // Timestamps come back to the millisecond at least.
    let back = read_state.last_sent_at.unwrap();
    assert!((back - sent_at).num_milliseconds().abs() < 1, "{back} vs {sent_at}");
}

/// The manager's edit of the event is journaled with the edit (the
/// installer's trigger; `bookings edit`), the service's own writes are not,
/// and a journaled correction stays unhandled until marked, once.
pub(super) async fn a_managers_correction_is_journaled_until_handled(b: Backend) {
    let (_, intake) = intake_plan("anna@keller.ch");
    let event = b.store.apply(&intake).await.unwrap().event_id.unwrap();
    // The service's own write is no correction.
    let patch = EventPatch { attendees: Some(26), ..EventPatch::default() };
    b.store
        .apply(&Plan { event: Some(EventWrite::Update { id: event, patch, expected_turn: None }), ..Plan::default() })
        .await
        .unwrap();
    let soon = Utc::now() + chrono::Duration::minutes(1);
    assert!(b.store.unhandled_corrections(soon, 10).await.unwrap().is_empty(), "the service's write is no correction");

    // The manager sets 31 guests, as the frontend (or `bookings edit`) does.
    match &b.db {
        super::Db::Postgres(h) => {
            h.psql(&format!("update events set attendees = 31 where id = '{event}'")).await.unwrap();
        }
        super::Db::Sqlite(dir) => {
            let s = oe_webhooks::store::embedded::EmbeddedStore::open(dir.path(), b.team, UserId::new()).await.unwrap();
            let edit =
                oe_webhooks::store::embedded::BookingEdit { attendees: Some(31), room: None, remove_lines: vec![] };
            s.edit_booking(event.to_string(), edit).await.unwrap();
        }
    }
    let journal = b.store.unhandled_corrections(soon, 10).await.unwrap();
    let [j] = &journal[..] else { panic!("one journaled correction: {journal:?}") };
    assert_eq!((j.change.table.as_str(), j.change.kind), ("events", oe_webhooks::domain::ChangeKind::Update));
    assert_eq!(j.change.record.as_ref().unwrap()["attendees"], 31);
    assert_eq!(j.change.old_record.as_ref().unwrap()["attendees"], 26);
    assert_eq!(
        oe_webhooks::domain::Correction::from_change(&j.change, b.team),
        Some(oe_webhooks::domain::Correction::Event { event, room_changed: false }),
        "the journal carries what the webhook would"
    );
    let long_ago = Utc::now() - chrono::Duration::hours(1);
    assert!(b.store.unhandled_corrections(long_ago, 10).await.unwrap().is_empty(), "only those before `before`");
    let other: Box<dyn oe_webhooks::store::Store> = match &b.db {
        super::Db::Sqlite(dir) => Box::new(
            oe_webhooks::store::embedded::EmbeddedStore::open(dir.path(), TeamId::new(), UserId::new()).await.unwrap(),
        ),
        super::Db::Postgres(h) => {
            let config =
                oe_webhooks::config::SupabaseConfig { url: h.base_url.clone(), key: h.service_key.clone().into() };
            Box::new(oe_webhooks::store::supabase::SupabaseStore::new(&config, TeamId::new(), UserId::new()).unwrap())
        }
    };
    assert!(other.unhandled_corrections(soon, 10).await.unwrap().is_empty(), "the team's own only");

    b.store.correction_handled(j.id).await.unwrap();
    b.store.correction_handled(j.id).await.unwrap();
    assert!(b.store.unhandled_corrections(soon, 10).await.unwrap().is_empty());
}
