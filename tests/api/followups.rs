//! Follow-ups on time, end to end: the sweep (with the clock as a
//! parameter, no sleeping) queues what is due through the inbox, the
//! worker drafts it for the manager, once, and a lapsed option releases
//! its room. On the embedded store and on the real PostgREST.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use oe_webhooks::config::Config;
use oe_webhooks::dispatch::{Reconciler, Stores, Tenants};
use oe_webhooks::domain::{EventId, RoomId};
use oe_webhooks::inbox::{Inbox, InboxWriter};
use oe_webhooks::store::Store;
use oe_webhooks::workflow::{due_follow_up, FollowUpTimings};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, RefusedPort, TestApp};

const LAUNCH: &str = "Hello,\n\nwe are planning a product launch on 12.03.2027 from 18:00 to 23:00 for 70 guests, \
standing reception, with the Classic Apéro.\n\nBest regards,\nSara Brunner\n";

fn mail(text: &str) -> Value {
    json!({
        "message_id": "<sara-1@brunner-events.ch>",
        "from": {"email": "sara@brunner-events.ch", "name": "Sara Brunner"},
        "to": [{"email": "events@atelier-zurich.ch"}],
        "subject": "Product launch",
        "text": text,
        "received_at": "2026-11-25T10:00:00Z",
    })
}

/// A reconciler over `stores` whose sweep the test runs by hand, at the
/// time it chooses (the app's own runs on the real clock, where nothing is
/// due yet).
fn reconciler(config: &Config, stores: Stores, inbox: Arc<dyn Inbox>, team: oe_webhooks::domain::TeamId) -> Reconciler {
    let directory = oe_webhooks::tenant::Directory::new(
        oe_webhooks::tenant::Served::One(team),
        vec![],
        oe_webhooks::tenant::Defaults {
            system_user: config.system_user_id,
            sender: config.from_email.clone(),
            venue_name: "The Atelier".into(),
            timezone: chrono_tz::Europe::Zurich,
            payment: None,
        },
    );
    let tenants = Tenants::new(
        directory,
        stores,
        oe_webhooks::mail::Mailer::from_config(None, &config.data_dir).unwrap(),
        oe_webhooks::ingest::resend::ResendApi::new("http://127.0.0.1:9", None),
        Default::default(),
    );
    Reconciler {
        tenants: Arc::new(tenants),
        writer: InboxWriter::spawn(inbox, Default::default(), Default::default()),
        interval: Duration::from_secs(60),
        inbox: None,
        follow_ups: Some(FollowUpTimings::default()),
        payload_retention: Duration::ZERO,
    }
}

/// 10:00 in Zurich on `d`.
fn morning(d: NaiveDate) -> DateTime<Utc> {
    chrono_tz::Europe::Zurich.from_local_datetime(&d.and_hms_opt(10, 0, 0).unwrap()).unwrap().with_timezone(&Utc)
}

fn pending_kinds(app: &TestApp) -> Vec<String> {
    app.query("SELECT json_extract(payload, '$.kind') AS kind FROM tasks WHERE status = 'pending' ORDER BY created_at")
        .into_iter()
        .map(|r| r["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_before_the_offer_runs_out_is_drafted_once_and_a_lapsed_option_releases_its_room() {
    let app = spawn_app().await;
    assert_eq!(app.post_generic(&mail(LAUNCH)).await.status(), 202);
    app.wait_idle().await;
    app.approve_all().await;
    let offer = app.query("SELECT * FROM offers WHERE status = 'sent'").remove(0);
    let event = app.query("SELECT * FROM events").remove(0);
    assert_eq!(event["status"], "option");
    let valid_until: NaiveDate = offer["valid_until"].as_str().unwrap().parse().unwrap();
    let event_id: EventId = event["id"].as_str().unwrap().parse().unwrap();
    let event_date: NaiveDate = event["event_date"].as_str().unwrap().parse().unwrap();
    let room: RoomId = serde_json::from_value::<Vec<RoomId>>(event["room_ids"].clone()).unwrap()[0];

    let store = app.store().await;
    let sweep = reconciler(&app.config, Stores::Embedded(store.clone()), Arc::new(store.clone()), store.team());
    assert_eq!(sweep.sweep_follow_ups(Utc::now()).await.unwrap(), 0, "nothing is due today");

    // Three days before the offer runs out, the client still silent.
    let reminder_day = morning(valid_until.checked_sub_days(Days::new(3)).unwrap());
    assert_eq!(sweep.sweep_follow_ups(reminder_day).await.unwrap(), 1);
    app.wait_idle().await;
    assert_eq!(sweep.sweep_follow_ups(reminder_day).await.unwrap(), 0, "the second sweep finds it queued");
    assert_eq!(sweep.sweep_follow_ups(reminder_day + chrono::Duration::hours(2)).await.unwrap(), 0);
    app.wait_idle().await;
    assert_eq!(pending_kinds(&app), ["followup_offer_expiry"], "exactly one reminder task");
    let task = app.query("SELECT * FROM tasks WHERE status = 'pending'").remove(0);
    let payload = &task["payload"];
    let draft = payload["draft_message"].as_str().unwrap();
    assert_eq!(payload["action"], "approve_message");
    assert!(draft.contains(offer["offer_number"].as_str().unwrap()), "{draft}");
    // The booking remembers it: never again, whatever the inbox forgets.
    let booking = store.booking(event_id).await.unwrap().unwrap();
    let next_day = reminder_day + chrono::Duration::days(1);
    assert_eq!(due_follow_up(&booking, false, &FollowUpTimings::default(), next_day, chrono_tz::Europe::Zurich), None);

    // The manager sends it; the client stays silent, the offer runs out.
    app.approve_all().await;
    assert_eq!(app.query("SELECT id FROM emails WHERE is_sent = 1").len(), 4, "intake, room, offer, reminder");
    assert_eq!(store.booked_rooms(event_date, event_date, EventId::new()).await.unwrap(), [(event_date, room)]);
    let lapse_day = morning(valid_until.checked_add_days(Days::new(1)).unwrap());
    assert_eq!(sweep.sweep_follow_ups(lapse_day).await.unwrap(), 1);
    app.wait_idle().await;
    assert_eq!(sweep.sweep_follow_ups(lapse_day).await.unwrap(), 0);
    let after = app.query("SELECT status, room_ids, current_step FROM events").remove(0);
    assert_eq!((&after["status"], &after["room_ids"]), (&json!("lead"), &json!([])), "{after}");
    assert_eq!(app.query("SELECT status FROM offers")[0]["status"], "cancelled");
    // Another booking can take the date: the room is no longer held.
    assert!(store.booked_rooms(event_date, event_date, EventId::new()).await.unwrap().is_empty());
    assert_eq!(pending_kinds(&app), ["followup_option_lapsed"]);
    let note = app.query("SELECT json_extract(payload, '$.draft_message') AS d FROM tasks WHERE status = 'pending'");
    assert!(note[0]["d"].as_str().unwrap().contains("has been released"), "{note:?}");
}

/// The same on the real PostgREST: the sweep's read is one RPC, its entries
/// go to the shared `oe_inbox` (where replicas would meet the same keys),
/// the manager approves with a frontend UPDATE delivered by the trigger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgrest_a_reminder_is_drafted_once_and_a_lapsed_option_releases_its_room() {
    use crate::supabase::{approve_pending, venue_on_postgrest};
    use oe_webhooks::config::SupabaseConfig;
    use oe_webhooks::domain::{TeamId, UserId};
    use oe_webhooks::store::supabase::SupabaseStore;

    let (h, tenant, app) = venue_on_postgrest().await;
    let sql = |q: String| {
        let h = &h;
        async move { h.psql(&q).await.unwrap() }
    };
    let pending_kinds =
        || sql("select payload->>'kind' from tasks where status = 'pending' order by created_at".into());

    assert_eq!(app.post_generic(&mail(LAUNCH)).await.status(), 202);
    app.wait_idle().await;
    approve_pending(&h, &app).await;
    let valid_until: NaiveDate =
        sql("select valid_until from offers where status = 'sent'".into()).await.trim().parse().unwrap();
    let event_date: NaiveDate =
        sql("select event_date from events where status = 'option'".into()).await.trim().parse().unwrap();

    let config = SupabaseConfig { url: h.base_url.clone(), key: h.service_key.clone().into() };
    let store = SupabaseStore::new(&config, TeamId(tenant.team), UserId(tenant.user)).unwrap();
    let sweep = reconciler(&app.config, Stores::Supabase(store.clone()), Arc::new(store.clone()), TeamId(tenant.team));
    assert_eq!(sweep.sweep_follow_ups(Utc::now()).await.unwrap(), 0, "nothing is due today");

    let reminder_day = morning(valid_until.checked_sub_days(Days::new(3)).unwrap());
    assert_eq!(sweep.sweep_follow_ups(reminder_day).await.unwrap(), 1);
    app.wait_idle().await;
    assert_eq!(sweep.sweep_follow_ups(reminder_day).await.unwrap(), 0);
    app.wait_idle().await;
    assert_eq!(pending_kinds().await, "followup_offer_expiry", "exactly one reminder task");
    assert!(h.deliver_pg_net_requests().await.unwrap().is_empty(), "the service's own writes post nothing");

    approve_pending(&h, &app).await;
    assert_eq!(
        sql("select count(*) from emails where is_sent".into()).await.trim(),
        "4",
        "intake, room, offer, reminder"
    );
    let held = store.booked_rooms(event_date, event_date, EventId::new()).await.unwrap();
    assert_eq!(held.len(), 1, "the option holds its room");
    let lapse_day = morning(valid_until.checked_add_days(Days::new(1)).unwrap());
    assert_eq!(sweep.sweep_follow_ups(lapse_day).await.unwrap(), 1);
    app.wait_idle().await;
    assert_eq!(sweep.sweep_follow_ups(lapse_day).await.unwrap(), 0);
    assert_eq!(
        sql("select status || ' ' || coalesce(array_length(room_ids, 1), 0) || ' ' || current_step from events".into())
            .await
            .trim(),
        "lead 0 3"
    );
    assert_eq!(sql("select status from offers".into()).await.trim(), "cancelled");
    assert!(store.booked_rooms(event_date, event_date, EventId::new()).await.unwrap().is_empty(), "the date is free");
    assert_eq!(pending_kinds().await, "followup_option_lapsed");
}

/// Database webhooks are fire-and-forget: a manager's correction whose post
/// was lost (the service unreachable) is still taken over, from the journal
/// the same UPDATE or DELETE wrote, by reconciliation; one that arrived is
/// marked handled by its webhook and never fed twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgrest_a_correction_whose_webhook_was_lost_is_reconciled_and_changes_the_next_offer() {
    use crate::supabase::{approve_pending, current_offer_lines, route_webhooks_to, venue_on_postgrest};
    use oe_webhooks::config::SupabaseConfig;
    use oe_webhooks::domain::{TeamId, UserId};
    use oe_webhooks::store::supabase::SupabaseStore;

    let (h, tenant, app) = venue_on_postgrest().await;
    let sql = |q: String| {
        let h = &h;
        async move { h.psql(&q).await.unwrap() }
    };
    let current_lines = || current_offer_lines(&h);
    let launch = LAUNCH.replace("the Classic Apéro.", "the Classic Apéro and a DJ.");
    assert_eq!(app.post_generic(&mail(&launch)).await.status(), 202);
    app.wait_idle().await;
    approve_pending(&h, &app).await;
    assert_eq!(current_lines().await, "Classic Apéro x70\nDJ Service x1");

    let config = SupabaseConfig { url: h.base_url.clone(), key: h.service_key.clone().into() };
    let team = TeamId(tenant.team);
    let store = SupabaseStore::new(&config, team, UserId(tenant.user)).unwrap();
    let sweep = reconciler(&app.config, Stores::Supabase(store.clone()), Arc::new(store.clone()), team);
    let soon = || Utc::now() + chrono::Duration::minutes(1);

    // A correction whose webhook arrives is marked handled by it.
    sql(format!("update events set attendees = 60 where team_id = '{}'", tenant.team)).await;
    let delivered = h.deliver_pg_net_requests().await.unwrap();
    assert_eq!(delivered.iter().map(|d| d.status).collect::<Vec<_>>(), [Some(202)]);
    app.wait_idle().await;
    assert!(store.unhandled_corrections(soon(), 10).await.unwrap().is_empty(), "the webhook marked it handled");
    assert_eq!(sweep.reconcile_corrections(team, &store, soon()).await.unwrap(), 0);

    // The service is unreachable when the manager takes the DJ off.
    let closed = RefusedPort::bind();
    route_webhooks_to(&h, closed.port()).await;
    sql("delete from offer_line_items where name = 'DJ Service'".into()).await;
    let lost = h.deliver_pg_net_requests().await.unwrap();
    assert!(lost.len() == 1 && lost[0].status.is_none(), "the post is lost: {lost:?}");
    assert_eq!(store.unhandled_corrections(soon(), 10).await.unwrap().len(), 1);
    // Within the grace period the webhook may still come: not yet.
    assert_eq!(sweep.reconcile_corrections(team, &store, Utc::now() - chrono::Duration::minutes(2)).await.unwrap(), 0);
    assert_eq!(sweep.reconcile_corrections(team, &store, soon()).await.unwrap(), 1);
    app.wait_idle().await;
    assert!(store.unhandled_corrections(soon(), 10).await.unwrap().is_empty(), "handled once");
    assert_eq!(sweep.reconcile_corrections(team, &store, soon()).await.unwrap(), 0);

    // The client asks for more: the revised offer keeps both corrections.
    route_webhooks_to(&h, app.port()).await;
    let more = json!({
        "message_id": "<sara-2@brunner-events.ch>",
        "from": {"email": "sara@brunner-events.ch", "name": "Sara Brunner"},
        "to": [{"email": "events@atelier-zurich.ch"}],
        "subject": "Re: Product launch",
        "text": "Could you add a photo booth? Thanks, Sara",
        "received_at": "2026-11-26T10:00:00Z",
    });
    assert_eq!(app.post_generic(&more).await.status(), 202);
    app.wait_idle().await;
    approve_pending(&h, &app).await;
    assert_eq!(current_lines().await, "Classic Apéro x60\nPhoto Booth x1");
}
