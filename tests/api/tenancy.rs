//! Several venues (teams) in one Supabase project, on the real PostgREST:
//! no mail, row or decision ever crosses from one team to another, whatever
//! the deployment layout. Rows are checked with SQL.

use std::time::Duration;

use futures_util::StreamExt;
use oe_webhooks::config::dev;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn, Spawn, TestApp, WORKSHOP};
use crate::postgrest::SupabaseHarness;
use crate::smtp::SmtpServer;
use crate::supabase::{harness, route_webhooks_to, spawn_supabase, Tenant};

struct Venue {
    tenant: Tenant,
    inbox: &'static str,
    name: &'static str,
    /// The domain its clients write from (to find misrouted rows).
    clients: &'static str,
}

fn venues() -> [Venue; 2] {
    [
        Venue {
            tenant: Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() },
            inbox: "events@atelier-zurich.ch",
            name: "The Atelier",
            clients: "alpha-clients.ch",
        },
        Venue {
            tenant: Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() },
            inbox: "hello@seehaus-luzern.ch",
            name: "Seehaus Luzern",
            clients: "beta-clients.ch",
        },
    ]
}

async fn sql(h: &SupabaseHarness, q: &str) -> String {
    h.psql(q).await.unwrap()
}

async fn register_mailboxes(h: &SupabaseHarness, venues: &[Venue]) {
    for v in venues {
        sql(
            h,
            &format!(
                "insert into oe_mailboxes (address, team_id, system_user_id, venue_name) values ('{}', '{}', '{}', '{}')",
                v.inbox, v.tenant.team, v.tenant.user, v.name
            ),
        )
        .await;
    }
}

fn mail_to(venue: &Venue, n: usize) -> Value {
    json!({
        "message_id": format!("<{}@{}>", Uuid::new_v4(), venue.clients),
        "from": {"email": format!("client{n}@{}", venue.clients), "name": format!("Client {n}")},
        "to": [{"email": venue.inbox}],
        "subject": "Workshop booking request",
        "text": WORKSHOP,
        "received_at": "2026-11-25T10:00:00Z",
    })
}

/// Posts `n` inquiries to each (app, venue) pair at once, 32 in flight.
async fn post_inquiries(targets: &[(&TestApp, &Venue)], n: usize) {
    let posts = targets.iter().flat_map(|(app, venue)| (0..n).map(move |i| (*app, mail_to(venue, i))));
    let statuses: Vec<u16> = futures_util::stream::iter(posts)
        .map(|(app, mail)| async move { app.post_generic(&mail).await.status().as_u16() })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 202), "all accepted: {statuses:?}");
}

/// Rows of `venue`'s team that concern the other venue's clients, per table.
async fn cross_rows(h: &SupabaseHarness, venue: &Venue, other: &Venue) -> String {
    let (team, theirs) = (venue.tenant.team, other.clients);
    sql(
        h,
        &format!(
            "select (select count(*) from clients where team_id = '{team}' and email like '%@{theirs}')
                  + (select count(*) from events e join clients c on c.id = e.client_id
                      where e.team_id = '{team}' and c.email like '%@{theirs}')
                  + (select count(*) from emails where team_id = '{team}' and from_email like '%@{theirs}')
                  + (select count(*) from tasks where team_id = '{team}' and payload->>'recipient_email' like '%@{theirs}')
                  + (select count(*) from tasks where team_id = '{team}' and payload->>'draft_message' like '%{}%')",
            other.name
        ),
    )
    .await
}

async fn own_rows(h: &SupabaseHarness, venue: &Venue) -> String {
    let team = venue.tenant.team;
    sql(
        h,
        &format!(
            "select (select count(*) from clients where team_id = '{team}') || '|' ||
                    (select count(*) from events where team_id = '{team}') || '|' ||
                    (select count(*) from emails where team_id = '{team}' and not is_sent) || '|' ||
                    (select count(*) from tasks where team_id = '{team}')"
        ),
    )
    .await
}

/// The measured leak: one deployment per venue on one project, both under
/// load. Each claims only its own team's entries from the shared inbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_deployments_on_one_project_never_write_into_each_others_team() {
    let h = harness().await;
    let venues = venues();
    register_mailboxes(&h, &venues).await;
    let [a, b] = venues;
    let app_a =
        spawn_supabase(&h, &a.tenant, vec![("OE_FROM_EMAIL", a.inbox.into()), ("OE_WORKERS", "16".into())]).await;
    let app_b =
        spawn_supabase(&h, &b.tenant, vec![("OE_FROM_EMAIL", b.inbox.into()), ("OE_WORKERS", "16".into())]).await;

    post_inquiries(&[(&app_a, &a), (&app_b, &b)], 500).await;
    // The other venue's mailbox at this venue's endpoint is refused, never guessed.
    let misrouted = app_a.post_generic(&mail_to(&b, 9999)).await;
    assert_eq!(
        (misrouted.status().as_u16(), misrouted.json::<Value>().await.unwrap()["error"].clone()),
        (422, json!("other_venue"))
    );
    for app in [&app_a, &app_b] {
        assert_eq!(app.wait_idle_for(Duration::from_secs(90)).await.dead, 0);
    }

    assert_eq!(cross_rows(&h, &a, &b).await, "0", "no row of the second venue's clients in the first venue");
    assert_eq!(cross_rows(&h, &b, &a).await, "0", "and none the other way");
    for v in [&a, &b] {
        assert_eq!(own_rows(&h, v).await, "500|500|500|500", "{}: every inquiry in its own team", v.name);
    }
    let unattributed = sql(&h, "select count(*) from oe_inbox where team_id is null").await;
    assert_eq!(unattributed, "0");
}

/// One deployment for every venue: mail goes to the team of its recipient
/// address, each team answered with its own name and sender; a mail to an
/// unknown address is refused and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_deployment_serves_every_venue_by_recipient_address() {
    let h = harness().await;
    let smtp = SmtpServer::start();
    let venues = venues();
    register_mailboxes(&h, &venues).await;
    let app = spawn_all_teams(&h, vec![("OE_SMTP_URL", smtp.url())]).await;

    for v in &venues {
        assert_eq!(app.post_generic(&mail_to(v, 1)).await.status(), 202);
    }
    let stranger = json!({
        "message_id": "<lost@nowhere.ch>",
        "from": {"email": "someone@nowhere.ch"},
        "to": [{"email": "info@unknown-venue.ch"}],
        "subject": "Hello", "text": WORKSHOP, "received_at": "2026-11-25T10:00:00Z",
    });
    let refused = app.post_generic(&stranger).await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "unknown_mailbox");
    assert_eq!(app.wait_idle().await.dead, 0);

    for (v, other) in [(&venues[0], &venues[1]), (&venues[1], &venues[0])] {
        assert_eq!(own_rows(&h, v).await, "1|1|1|1", "{}", v.name);
        assert_eq!(cross_rows(&h, v, other).await, "0");
        let draft =
            sql(&h, &format!("select payload->>'draft_message' from tasks where team_id = '{}'", v.tenant.team)).await;
        assert!(draft.contains(v.name), "{} signs its own drafts: {draft}", v.name);
        assert_eq!(
            sql(&h, &format!("select user_id from events where team_id = '{}'", v.tenant.team)).await,
            v.tenant.user.to_string(),
            "rows owned by the team's own system user"
        );
    }
    assert_eq!(sql(&h, "select count(*) from emails where from_email = 'someone@nowhere.ch'").await, "0");
    assert_eq!(sql(&h, "select count(*) from oe_inbox where payload::text like '%nowhere.ch%'").await, "0");

    // The second venue's manager approves: the database webhook is routed
    // by the row's team, and the mail leaves from that venue's address.
    route_webhooks_to(&h, app.port()).await;
    let second = venues[1].tenant.team;
    sql(&h, &format!("update tasks set status = 'completed', payload = payload || '{{\"resolution\": \"approved\"}}' where team_id = '{second}'")).await;
    let deliveries = h.deliver_pg_net_requests().await.unwrap();
    assert_eq!(deliveries.iter().map(|d| d.status).collect::<Vec<_>>(), [Some(202)]);
    app.wait_idle().await;
    let mails = smtp.wait_for(1).await;
    assert_eq!(
        (mails[0].from.as_str(), mails[0].to.as_slice()),
        ("hello@seehaus-luzern.ch", ["client1@beta-clients.ch".to_string()].as_slice())
    );
    let first = venues[0].tenant.team;
    assert_eq!(
        sql(
            &h,
            &format!(
                "select status || '|' || coalesce(payload->>'send_state', '-') from tasks where team_id = '{first}'"
            )
        )
        .await,
        "pending|-",
        "the first venue's task is untouched"
    );
}

/// A signed change whose row claims another team than the task's own
/// reaches only that other team's store, where the task does not exist:
/// nothing is sent, nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_naming_another_team_than_its_task_is_refused() {
    let h = harness().await;
    let smtp = SmtpServer::start();
    let venues = venues();
    register_mailboxes(&h, &venues).await;
    let app = spawn_all_teams(&h, vec![("OE_SMTP_URL", smtp.url())]).await;
    assert_eq!(app.post_generic(&mail_to(&venues[0], 1)).await.status(), 202);
    app.wait_idle().await;
    let first = venues[0].tenant.team;
    let task_id = sql(&h, &format!("select id from tasks where team_id = '{first}'")).await;

    let forged = json!({
        "type": "UPDATE", "table": "tasks", "schema": "public",
        "record": {"id": task_id, "team_id": venues[1].tenant.team, "status": "completed",
                   "payload": {"resolution": "approved", "recipient_email": "client1@alpha-clients.ch"}},
        "old_record": {"id": task_id, "team_id": venues[1].tenant.team, "status": "pending"},
    });
    assert_eq!(app.post_supabase(&forged).await.status(), 202);
    app.wait_idle().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(smtp.mails().is_empty(), "nothing sent");
    assert_eq!(
        sql(
            &h,
            &format!("select status || '|' || coalesce(payload->>'send_state', '-') from tasks where id = '{task_id}'")
        )
        .await,
        "pending|-"
    );
    // A change of a team nobody here serves is acknowledged without effect.
    let foreign = json!({"type": "UPDATE", "table": "tasks", "schema": "public",
                         "record": {"id": task_id, "team_id": Uuid::new_v4(), "status": "completed"},
                         "old_record": {"id": task_id, "status": "pending"}});
    let res = app.post_supabase(&foreign).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ignored");
}

/// A process serving every team with an enabled mailbox (no OE_TEAM_ID).
async fn spawn_all_teams(h: &SupabaseHarness, extra: Vec<(&'static str, String)>) -> TestApp {
    let mut vars = vec![
        ("OE_INTEGRATION_MODE", "supabase".to_string()),
        ("OE_SUPABASE_URL", h.base_url.clone()),
        ("OE_SUPABASE_KEY", h.service_key.clone()),
        ("OE_SUPABASE_WEBHOOK_SECRET", dev::SUPABASE_WEBHOOK_SECRET.to_string()),
        ("OE_EMAIL_WEBHOOK_SECRET", dev::EMAIL_WEBHOOK_SECRET.to_string()),
    ];
    vars.extend(extra);
    spawn(Spawn { vars, ..Spawn::default() }).await
}
