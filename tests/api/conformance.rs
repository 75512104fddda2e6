//! The same behaviours, run against both stores: every test below exists
//! once for `EmbeddedStore` (SQLite) and once for `SupabaseStore` (real
//! PostgREST 12 over Postgres).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use oe_webhooks::config::SupabaseConfig;
use oe_webhooks::domain::{EmailAddress, InboxId, Resolution, SendState, TaskDecision, TaskStatus, TeamId, UserId};
use oe_webhooks::inbox::{Appended, EntryStatus, Inbox, InboxEvent, NewEntry};
use oe_webhooks::store::embedded::EmbeddedStore;
use oe_webhooks::store::supabase::SupabaseStore;
use oe_webhooks::store::{Claim, Store};
use oe_webhooks::workflow::{self, Context, EventPatch, EventWrite, Plan};
use serde_json::json;

use crate::helpers::{inquiry, WORKSHOP};
use crate::postgrest::SupabaseHarness;

#[path = "conformance_steps.rs"]
mod steps;
use steps::*;
#[path = "conformance_ops.rs"]
mod ops;
use ops::*;

#[path = "conformance_followups.rs"]
mod followups;
use followups::*;

pub struct Backend {
    store: Arc<dyn Store>,
    inbox: Arc<dyn Inbox>,
    team: TeamId,
    db: Db,
}

/// The database under the store, for what no store method writes (a
/// deposit paid in the frontend) and for rows the frontend owns.
enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(Box<SupabaseHarness>),
}

async fn embedded() -> Backend {
    let dir = tempfile::TempDir::new().unwrap();
    let team = TeamId::new();
    let s = EmbeddedStore::open(dir.path(), team, UserId::new()).await.unwrap();
    Backend { store: Arc::new(s.clone()), inbox: Arc::new(s), team, db: Db::Sqlite(dir) }
}

async fn supabase() -> Backend {
    let h = crate::supabase::harness().await;
    let config = SupabaseConfig { url: h.base_url.clone(), key: h.service_key.clone().into() };
    let team = TeamId::new();
    let s = SupabaseStore::new(&config, team, UserId::new()).unwrap();
    Backend { store: Arc::new(s.clone()), inbox: Arc::new(s), team, db: Db::Postgres(Box::new(h)) }
}

fn ctx() -> Context {
    Context {
        now: Utc::now(),
        timezone: chrono_tz::Europe::Zurich,
        venue_name: "The Atelier".into(),
        venue_email: EmailAddress::parse("events@atelier-zurich.ch").unwrap(),
        payment: None,
    }
}

fn intake_plan(from: &str) -> (oe_webhooks::domain::InboundEmail, Plan) {
    let mail: oe_webhooks::domain::InboundEmail = serde_json::from_value(inquiry(from, WORKSHOP)).unwrap();
    let catalogue = workflow::Catalogue::default();
    let reading = workflow::Extractor::read(&workflow::Rules, &mail, ctx().today(), catalogue.vocabulary());
    let plan = workflow::on_inquiry(None, &mail, &reading, &ctx(), &catalogue);
    (mail, plan)
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod embedded_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::embedded().await).await })*
        }
        mod supabase_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::supabase().await).await })*
        }
    };
}

conformance!(
    a_client_is_created_once_per_address,
    a_booking_is_created_found_by_thread_and_advanced,
    two_open_bookings_of_one_client_stay_apart,
    a_plan_whose_mail_is_stored_is_not_applied_twice,
    plans_applied_together_succeed_or_fail_one_by_one,
    a_decided_task_is_claimed_once,
    the_inbox_deduplicates_and_claims_in_order,
    inbox_entries_retry_then_die,
    an_unreadable_inbox_entry_is_parked_not_blocking,
    every_event_column_is_written_and_read_back,
    billing_details_are_written_on_the_plans_client,
    an_offer_is_written_with_its_items_and_replaced,
    a_taken_offer_number_is_transient_and_writes_nothing,
    the_next_offer_sequence_counts_the_month_numerically,
    rooms_are_booked_by_options_and_confirmed_events_only,
    paid_deposits_of_open_bookings_are_found,
    the_catalogue_has_the_rooms_with_prices_and_the_products,
    a_turn_that_read_an_older_booking_is_refused_whole,
    claims_never_hand_out_another_teams_entries,
    a_plan_of_another_team_is_refused_whole,
    a_newer_draft_supersedes_the_pending_one,
    a_lapsed_lease_records_nothing,
    open_bookings_from_a_date_are_follow_up_candidates_nearest_first,
    a_managers_correction_is_journaled_until_handled,
    the_oldest_unfinished_entry_and_the_trace_context_are_kept,
    operators_list_show_retry_and_discard_entries,
    payloads_are_pruned_keys_kept_and_a_client_erased,
);

/// One pending draft per booking: a newer draft closes the older one as
/// superseded (pointing at the newer), a task without a draft does not,
/// and a decision on the superseded task claims nothing.
async fn a_newer_draft_supersedes_the_pending_one(b: Backend) {
    let (_, intake) = intake_plan("anna@keller.ch");
    let applied = b.store.apply(&intake).await.unwrap();
    let (event, client, first) = (applied.event_id.unwrap(), applied.client_id.unwrap(), applied.task_ids[0]);
    let on_event = |tasks: Vec<oe_webhooks::workflow::TaskWrite>| Plan {
        client: Some(oe_webhooks::workflow::ClientWrite::Existing { id: client }),
        event: Some(EventWrite::Update { id: event, patch: EventPatch::default(), expected_turn: None }),
        tasks,
        ..Plan::default()
    };
    let draft = intake.tasks[0].clone();
    let mut review = draft.clone();
    review.payload =
        oe_webhooks::domain::TaskPayload::manual_review(None, oe_webhooks::domain::TaskContext::review("a question"));

    let mut aside = draft.clone();
    aside.payload.aside = true;

    // A task without a draft, or an aside (a site visit's slots), leaves the
    // pending draft alone.
    let review_id = b.store.apply(&on_event(vec![review])).await.unwrap().task_ids[0];
    let aside_id = b.store.apply(&on_event(vec![aside])).await.unwrap().task_ids[0];
    assert_eq!(b.store.task(first).await.unwrap().unwrap().status, TaskStatus::Pending);

    let second = b.store.apply(&on_event(vec![draft])).await.unwrap().task_ids[0];
    let old = b.store.task(first).await.unwrap().unwrap();
    assert_eq!(
        (old.status, old.payload.send_state, old.payload.superseded_by),
        (TaskStatus::Completed, Some(SendState::Superseded), Some(second))
    );
    assert_eq!(b.store.task(second).await.unwrap().unwrap().status, TaskStatus::Pending);
    assert_eq!(b.store.task(review_id).await.unwrap().unwrap().status, TaskStatus::Pending, "no draft, not replaced");
    assert_eq!(b.store.task(aside_id).await.unwrap().unwrap().status, TaskStatus::Pending, "an aside stays");
    assert_eq!(b.store.tasks(Some(TaskStatus::Pending)).await.unwrap().len(), 3);

    // The bounded reads: one booking's pending tasks, and the counts by action.
    let (_, other) = intake_plan("ben@huber.ch");
    let other = b.store.apply(&other).await.unwrap().event_id.unwrap();
    let mut of_event: Vec<_> = b.store.pending_tasks_of(&[event]).await.unwrap().iter().map(|t| t.id).collect();
    of_event.sort();
    let mut expected = vec![second, review_id, aside_id];
    expected.sort();
    assert_eq!(of_event, expected, "the booking's pending tasks, not the other booking's");
    assert_eq!(b.store.pending_tasks_of(&[event, other]).await.unwrap().len(), 4);
    assert!(b.store.pending_tasks_of(&[]).await.unwrap().is_empty());
    let mut counts = b.store.pending_task_counts().await.unwrap();
    counts.sort_by_key(|(action, _)| action.as_str());
    let draft_action = intake.tasks[0].payload.action;
    let mut want = vec![(draft_action, 3), (oe_webhooks::domain::TaskAction::ManualReview, 1)];
    want.sort_by_key(|(action, _)| action.as_str());
    assert_eq!(counts, want, "two drafts of the other booking's and ours, an aside, a review");

    // The manager's late approval of the replaced draft claims nothing.
    let late = TaskDecision { task_id: first, resolution: Resolution::Approved, edited_message: None };
    assert_eq!(b.store.claim_task(&late, InboxId::new(), Utc::now()).await.unwrap(), Claim::Superseded(second));
    assert!(b.store.unhandled_decisions().await.unwrap().is_empty(), "reconciliation finds nothing to send");
}

/// Two venues share one inbox (Supabase: one `oe_inbox` per project): a
/// process claims only the teams it serves, and one booking's order key
/// never holds back another team's entries.
async fn claims_never_hand_out_another_teams_entries(b: Backend) {
    let other = TeamId::new();
    let theirs = entry(other, "t1", "client:same@client.ch");
    let ours = entry(b.team, "t2", "client:same@client.ch");
    let (their_id, our_id) = (theirs.id, ours.id);
    b.inbox.append(&[theirs, ours, entry(other, "t3", "client:x")]).await.unwrap();
    let lease = Duration::from_secs(60);
    let mine = b.inbox.claim(&[b.team], 10, Utc::now(), lease).await.unwrap();
    assert_eq!(mine.iter().map(|e| (e.id, e.team)).collect::<Vec<_>>(), [(our_id, b.team)]);
    assert_eq!(b.inbox.status(their_id).await.unwrap(), Some(EntryStatus::Pending), "untouched");
    let theirs = b.inbox.claim(&[other], 10, Utc::now(), lease).await.unwrap();
    assert_eq!(theirs.len(), 2, "the same client's order key of another team does not wait for ours");
    assert!(theirs.iter().all(|e| e.team == other));
    assert!(b.inbox.claim(&[], 10, Utc::now(), lease).await.unwrap().is_empty(), "no team, no entry");
}

/// A plan stamped with another team than the store's writes nothing.
async fn a_plan_of_another_team_is_refused_whole(b: Backend) {
    let (_, plan) = intake_plan("anna@keller.ch");
    let forged = Plan { team: Some(TeamId::new()), ..plan.clone() };
    let refused = b.store.apply(&forged).await.unwrap_err();
    assert!(!refused.is_transient(), "never retried: {refused}");
    assert!(b.store.tasks(None).await.unwrap().is_empty(), "nothing written");
    let own = Plan { team: Some(b.team), ..plan };
    assert!(b.store.apply(&own).await.unwrap().event_id.is_some());
}

async fn a_client_is_created_once_per_address(b: Backend) {
    let (_, first) = intake_plan("anna@keller.ch");
    let (_, second) = intake_plan("Anna@Keller.CH");
    let a = b.store.apply(&first).await.unwrap();
    let c = b.store.apply(&second).await.unwrap();
    assert_eq!(a.client_id, c.client_id, "one client per lower-cased address");
    assert_ne!(a.event_id, c.event_id, "but two inquiries are two bookings");
    let found = b.store.client_by_email(&EmailAddress::parse("ANNA@keller.ch").unwrap()).await.unwrap().unwrap();
    assert_eq!(Some(found.id), a.client_id);
    assert_eq!(found.name, "Anna Keller");
    assert!(b.store.client_by_email(&EmailAddress::parse("anna_@keller.ch").unwrap()).await.unwrap().is_none());
}

async fn a_booking_is_created_found_by_thread_and_advanced(b: Backend) {
    let (mail, plan) = intake_plan("jonas@meier.ch");
    let applied = b.store.apply(&plan).await.unwrap();
    let event = applied.event_id.unwrap();
    let booking = b.store.booking(event).await.unwrap().unwrap();
    assert_eq!(booking.client.email.as_str(), "jonas@meier.ch");
    assert_eq!(booking.event.current_step, 2);
    assert_eq!(booking.event.attendees, Some(24));
    assert_eq!(booking.last_inbound.as_ref().and_then(|m| m.message_id.as_deref()), Some(mail.message_id.as_str()));

    // A reply in the thread from another address still finds the booking.
    let mut reply: oe_webhooks::domain::InboundEmail =
        serde_json::from_value(inquiry("assistant@meier.ch", "Thanks!")).unwrap();
    reply.in_reply_to = Some(mail.message_id.clone());
    assert_eq!(b.store.booking_for_mail(&reply).await.unwrap().map(|b| b.event.id), Some(event));
    // Unthreaded mail of the same sender finds the open booking too.
    let (plain, _) = intake_plan("jonas@meier.ch");
    assert_eq!(b.store.booking_for_mail(&plain).await.unwrap().map(|b| b.event.id), Some(event));
    let (stranger, _) = intake_plan("someone@else.ch");
    assert!(b.store.booking_for_mail(&stranger).await.unwrap().is_none());

    let patch = EventPatch {
        status: Some(oe_webhooks::domain::EventStatus::Option),
        current_step: Some(5),
        ..EventPatch::default()
    };
    b.store
        .apply(&Plan { event: Some(EventWrite::Update { id: event, patch, expected_turn: None }), ..Plan::default() })
        .await
        .unwrap();
    let advanced = b.store.booking(event).await.unwrap().unwrap();
    assert_eq!((advanced.event.status, advanced.event.current_step), (oe_webhooks::domain::EventStatus::Option, 5));
}

async fn a_plan_whose_mail_is_stored_is_not_applied_twice(b: Backend) {
    let (_, plan) = intake_plan("anna@keller.ch");
    assert!(!b.store.apply(&plan).await.unwrap().duplicate);
    assert!(b.store.apply(&plan).await.unwrap().duplicate);
    assert_eq!(b.store.tasks(None).await.unwrap().len(), 1);
}

async fn a_decided_task_is_claimed_once(b: Backend) {
    let (_, plan) = intake_plan("anna@keller.ch");
    let task = b.store.apply(&plan).await.unwrap().task_ids[0];
    assert_eq!(b.store.tasks(Some(TaskStatus::Pending)).await.unwrap().len(), 1);
    let decision =
        TaskDecision { task_id: task, resolution: Resolution::Approved, edited_message: Some("Edited".into()) };
    let (me, other) = (InboxId::new(), InboxId::new());
    let Claim::Claimed(claimed) = b.store.claim_task(&decision, me, Utc::now()).await.unwrap() else {
        panic!("first claim wins")
    };
    assert_eq!(claimed.status, TaskStatus::Completed);
    assert_eq!(claimed.payload.edited_message.as_deref(), Some("Edited"));
    assert_eq!(claimed.payload.send_state, Some(SendState::Claimed));
    assert_eq!(b.store.claim_task(&decision, other, Utc::now()).await.unwrap(), Claim::AlreadyHandled);
    // The same entry, retried after a crash, resumes where it stopped.
    b.store.set_send_state(task, me, Some(SendState::Sending), Some("out-1@atelier.ch")).await.unwrap();
    b.store.set_send_state(task, other, None, None).await.unwrap();
    let Claim::Resume(resumed) = b.store.claim_task(&decision, me, Utc::now()).await.unwrap() else {
        panic!("the claimant resumes; another entry cannot release it")
    };
    assert_eq!(resumed.payload.send_state, Some(SendState::Sending));
    assert_eq!(resumed.payload.outgoing_message_id.as_deref(), Some("out-1@atelier.ch"));

    b.store.set_send_state(task, me, None, None).await.unwrap();
    assert_eq!(b.store.unhandled_decisions().await.unwrap().len(), 1, "a released decision is waiting again");
    assert!(matches!(b.store.claim_task(&decision, other, Utc::now()).await.unwrap(), Claim::Claimed(_)));
    b.store
        .apply(&Plan {
            task_updates: vec![workflow::TaskUpdate { id: task, send_state: SendState::Sent }],
            ..Plan::default()
        })
        .await
        .unwrap();
    assert!(b.store.unhandled_decisions().await.unwrap().is_empty());
    assert_eq!(b.store.claim_task(&decision, other, Utc::now()).await.unwrap(), Claim::AlreadyHandled, "sent is final");
    let unknown = TaskDecision { task_id: oe_webhooks::domain::TaskId::new(), ..decision };
    assert_eq!(b.store.claim_task(&unknown, me, Utc::now()).await.unwrap(), Claim::NotFound);
}

fn entry(team: TeamId, key: &str, order: &str) -> NewEntry {
    let change =
        serde_json::from_value(json!({"type": "UPDATE", "table": "tasks", "schema": "public", "record": {"n": key}}))
            .unwrap();
    NewEntry::new(team, "test", key.into(), order.into(), &InboxEvent::DbChange { change }, Utc::now())
}

async fn the_inbox_deduplicates_and_claims_in_order(b: Backend) {
    let first = entry(b.team, "k1", "client:a");
    let first_id = first.id;
    let res = b
        .inbox
        .append(&[
            first,
            entry(b.team, "k2", "client:a"),
            entry(b.team, "k3", "client:b"),
            entry(b.team, "k1", "client:a"),
        ])
        .await
        .unwrap();
    assert_eq!(res[0], Appended::Accepted(first_id));
    assert!(matches!(res[1], Appended::Accepted(_)) && matches!(res[2], Appended::Accepted(_)));
    assert_eq!(res[3], Appended::Duplicate(first_id), "a redelivery inside one batch");
    assert_eq!(b.inbox.append(&[entry(b.team, "k1", "client:a")]).await.unwrap(), [Appended::Duplicate(first_id)]);

    let lease = Duration::from_secs(60);
    let claimed = b.inbox.claim(&[b.team], 10, Utc::now(), lease).await.unwrap();
    let mut keys: Vec<_> = claimed.iter().map(|c| c.order_key.clone()).collect();
    keys.sort();
    assert_eq!(keys, ["client:a", "client:b"], "one entry per order key at a time");
    assert!(b.inbox.claim(&[b.team], 10, Utc::now(), lease).await.unwrap().is_empty());
    let a = claimed.iter().find(|c| c.order_key == "client:a").unwrap();
    assert_eq!(a.id, first_id);
    assert_eq!(b.inbox.status(first_id).await.unwrap(), Some(EntryStatus::Processing));
    b.inbox.complete(&[a.lease()], Utc::now()).await.unwrap();
    assert_eq!(b.inbox.status(first_id).await.unwrap(), Some(EntryStatus::Done));
    let next = b.inbox.claim(&[b.team], 10, Utc::now(), lease).await.unwrap();
    assert_eq!(next.len(), 1);
    assert!(matches!(&next[0].event, InboxEvent::DbChange { change } if change.record.as_ref().unwrap()["n"] == "k2"));
    let stats = b.inbox.stats().await.unwrap();
    assert_eq!((stats.pending, stats.processing, stats.done), (0, 2, 1));
    assert_eq!(b.inbox.prune(Utc::now() - chrono::Duration::hours(1)).await.unwrap(), 0, "too recent");
    assert_eq!(b.inbox.prune(Utc::now() + chrono::Duration::seconds(1)).await.unwrap(), 1);
    assert_eq!(b.inbox.status(first_id).await.unwrap(), None);
    assert_eq!(b.inbox.status(InboxId::new()).await.unwrap(), None);
}

async fn inbox_entries_retry_then_die(b: Backend) {
    let e = entry(b.team, "r1", "client:r");
    let id = e.id;
    b.inbox.append(&[e]).await.unwrap();
    let lease = Duration::from_secs(60);
    let first = b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap();
    assert_eq!(first[0].attempts, 1);
    b.inbox.retry_at(first[0].lease(), Utc::now() + chrono::Duration::milliseconds(700), "smtp down").await.unwrap();
    assert!(b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap().is_empty(), "not due yet");
    // Written again under the same lease (a duplicate outcome write): the
    // entry is no longer held, so nothing changes.
    b.inbox.retry_at(first[0].lease(), Utc::now() - chrono::Duration::seconds(1), "late").await.unwrap();
    assert!(b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap().is_empty(), "still not due");
    tokio::time::sleep(Duration::from_millis(900)).await;
    let again = b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap();
    assert_eq!(again[0].attempts, 2);
    b.inbox.bury(again[0].lease(), "gave up").await.unwrap();
    assert_eq!(b.inbox.status(id).await.unwrap(), Some(EntryStatus::Dead));
    assert_eq!(b.inbox.stats().await.unwrap().dead, 1);
    // An expired lease (a worker that died) makes the entry claimable again.
    let e2 = entry(b.team, "r2", "client:s");
    b.inbox.append(&[e2]).await.unwrap();
    assert_eq!(b.inbox.claim(&[b.team], 5, Utc::now(), Duration::from_millis(1)).await.unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let reclaimed = b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap();
    assert_eq!((reclaimed.len(), reclaimed[0].attempts), (1, 2));
}

/// A worker that outlived its lease cannot overwrite the outcome of the
/// one that took the entry over, nor keep it alive with heartbeats.
async fn a_lapsed_lease_records_nothing(b: Backend) {
    let e = entry(b.team, "f1", "client:f");
    let id = e.id;
    b.inbox.append(&[e]).await.unwrap();
    let stale = b.inbox.claim(&[b.team], 5, Utc::now(), Duration::from_millis(1)).await.unwrap()[0].lease();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let current = b.inbox.claim(&[b.team], 5, Utc::now(), Duration::from_secs(60)).await.unwrap()[0].lease();
    assert_eq!((current.id, current.attempt), (id, 2));
    b.inbox.bury(stale, "late failure of the first worker").await.unwrap();
    b.inbox.complete(&[stale], Utc::now()).await.unwrap();
    b.inbox.renew(&[stale], Duration::from_secs(600)).await.unwrap();
    assert_eq!(b.inbox.status(id).await.unwrap(), Some(EntryStatus::Processing), "the new holder's entry");
    b.inbox.renew(&[current], Duration::from_secs(600)).await.unwrap();
    b.inbox.complete(&[current], Utc::now()).await.unwrap();
    assert_eq!(b.inbox.status(id).await.unwrap(), Some(EntryStatus::Done));
}

async fn two_open_bookings_of_one_client_stay_apart(b: Backend) {
    let (first_mail, first) = intake_plan("anna@keller.ch");
    let (second_mail, second) = intake_plan("anna@keller.ch");
    let one = b.store.apply(&first).await.unwrap().event_id.unwrap();
    let two = b.store.apply(&second).await.unwrap().event_id.unwrap();
    assert_ne!(one, two);
    for (parent, expected) in [(&first_mail, one), (&second_mail, two)] {
        let mut reply: oe_webhooks::domain::InboundEmail =
            serde_json::from_value(inquiry("anna@keller.ch", "Yes")).unwrap();
        reply.references = vec!["unrelated@elsewhere.ch".into(), parent.message_id.clone()];
        assert_eq!(b.store.booking_for_mail(&reply).await.unwrap().map(|b| b.event.id), Some(expected));
    }
}

async fn plans_applied_together_succeed_or_fail_one_by_one(b: Backend) {
    let (mail_a, a) = intake_plan("anna@keller.ch");
    let (_, c) = intake_plan("jonas@meier.ch");
    let broken = Plan {
        event: Some(EventWrite::Update {
            id: oe_webhooks::domain::EventId::new(),
            patch: EventPatch::default(),
            expected_turn: None,
        }),
        ..Plan::default()
    };
    let results = b.store.apply_many(vec![a.clone(), broken, a, c]).await.unwrap();
    assert_eq!(results.len(), 4);
    assert!(results[0].as_ref().is_ok_and(|r| !r.duplicate));
    assert!(results[1].is_err(), "an update of a missing event fails alone");
    assert!(results[2].as_ref().is_ok_and(|r| r.duplicate), "the same mail again is a duplicate");
    assert!(results[3].as_ref().is_ok_and(|r| !r.duplicate && r.event_id.is_some()));
    assert_eq!(b.store.tasks(None).await.unwrap().len(), 2);

    let (stranger, _) = intake_plan("someone@else.ch");
    let contexts = b.store.mail_contexts(vec![mail_a.clone(), stranger]).await.unwrap();
    let first = contexts[0].as_ref().unwrap();
    assert_eq!(first.booking.as_ref().map(|b| b.client.email.as_str()), Some("anna@keller.ch"));
    assert!(contexts[1].as_ref().unwrap().booking.is_none() && contexts[1].as_ref().unwrap().client.is_none());
}

async fn an_unreadable_inbox_entry_is_parked_not_blocking(b: Backend) {
    let mut broken = entry(b.team, "u1", "client:u");
    broken.payload = serde_json::value::RawValue::from_string(r#"{"kind": "from_a_future_version"}"#.into()).unwrap();
    let broken_id = broken.id;
    b.inbox.append(&[broken, entry(b.team, "u2", "client:v")]).await.unwrap();
    let claimed = b.inbox.claim(&[b.team], 10, Utc::now(), Duration::from_secs(60)).await.unwrap();
    assert_eq!(claimed.len(), 1, "the readable entry is handed out");
    assert_eq!(b.inbox.status(broken_id).await.unwrap(), Some(EntryStatus::Dead));
}

/// The backlog-age gauge and alert read when the oldest unfinished entry
/// arrived (a claimed one is unfinished too); the request's trace context
/// travels with the entry to the worker that claims it.
async fn the_oldest_unfinished_entry_and_the_trace_context_are_kept(b: Backend) {
    assert_eq!(b.inbox.oldest_unfinished().await.unwrap(), None, "nothing waits");
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let received = Utc::now() - chrono::Duration::minutes(5);
    let mut first = entry(b.team, "o1", "client:o");
    (first.received_at, first.trace_context) = (received, Some(traceparent.into()));
    let second = entry(b.team, "o2", "client:p");
    let second_received = second.received_at;
    b.inbox.append(&[first, second]).await.unwrap();
    let close = |a: chrono::DateTime<Utc>, b: chrono::DateTime<Utc>| (a - b).num_milliseconds().abs() <= 1;
    let oldest = b.inbox.oldest_unfinished().await.unwrap().unwrap();
    assert!(close(oldest, received), "{oldest} vs {received}");

    let lease = Duration::from_secs(60);
    let claimed = b.inbox.claim(&[b.team], 1, Utc::now(), lease).await.unwrap();
    assert_eq!(claimed[0].trace_context.as_deref(), Some(traceparent));
    assert!(close(b.inbox.oldest_unfinished().await.unwrap().unwrap(), received), "in hand is not finished");
    b.inbox.complete(&[claimed[0].lease()], Utc::now()).await.unwrap();
    assert!(close(b.inbox.oldest_unfinished().await.unwrap().unwrap(), second_received), "the next one");

    let claimed = b.inbox.claim(&[b.team], 1, Utc::now(), lease).await.unwrap();
    assert_eq!(claimed[0].trace_context, None, "an entry accepted without tracing has none");
    b.inbox.bury(claimed[0].lease(), "gave up").await.unwrap();
    assert_eq!(b.inbox.oldest_unfinished().await.unwrap(), None, "dead entries are not a backlog");
}
