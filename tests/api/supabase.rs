//! Supabase mode against the real PostgREST 12 over Postgres, with the
//! installer SQL of `webhooks/supabase/` applied on top of the frontend's
//! schema. Rows are checked with SQL, not with the service's own reader.

use std::path::Path;
use std::time::Duration;

use oe_webhooks::config::dev;
use oe_webhooks::store::CatalogFile;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn, Spawn, TestApp};
use crate::postgrest::SupabaseHarness;
use crate::smtp::SmtpServer;

pub const INSTALL_SQL: &str = "webhooks/supabase/install.sql";

pub async fn harness() -> SupabaseHarness {
    SupabaseHarness::start(&[Path::new(INSTALL_SQL)])
        .await
        .expect("Postgres and PostgREST 12 must be available (bash .ci/install-postgrest.sh)")
}

/// The frontend's tables with only the columns the frontend contract requires (in place
/// of tests/supabase/10_schema.sql).
pub const MINIMAL_SCHEMA: &str = "tests/supabase/minimal/10_schema.sql";

/// [`harness`] on a frontend that has only the spec's required columns.
pub async fn minimal_harness() -> SupabaseHarness {
    SupabaseHarness::start_replacing(&[("10_schema.sql", Path::new(MINIMAL_SCHEMA))], &[Path::new(INSTALL_SQL)])
        .await
        .expect("install.sql applies on a frontend with only the spec's required columns")
}

pub struct Tenant {
    pub team: Uuid,
    pub user: Uuid,
}

pub async fn spawn_supabase(h: &SupabaseHarness, tenant: &Tenant, extra: Vec<(&'static str, String)>) -> TestApp {
    let mut vars = vec![
        ("OE_INTEGRATION_MODE", "supabase".to_string()),
        ("OE_SUPABASE_URL", h.base_url.clone()),
        ("OE_SUPABASE_KEY", h.service_key.clone()),
        ("OE_TEAM_ID", tenant.team.to_string()),
        ("OE_SYSTEM_USER_ID", tenant.user.to_string()),
        ("OE_FROM_EMAIL", dev::FROM_EMAIL.to_string()),
        ("OE_SUPABASE_WEBHOOK_SECRET", dev::SUPABASE_WEBHOOK_SECRET.to_string()),
        ("OE_EMAIL_WEBHOOK_SECRET", dev::EMAIL_WEBHOOK_SECRET.to_string()),
        ("OE_MAILGUN_SIGNING_KEY", dev::MAILGUN_SIGNING_KEY.to_string()),
    ];
    vars.extend(extra);
    spawn(Spawn { vars, ..Spawn::default() }).await
}

/// The Mailgun fixture's fields (its stale signature is replaced).
fn mailgun_fixture() -> Vec<(String, String)> {
    let body = std::fs::read("fixtures/mailgun/inquiry-en.mailgun.form").unwrap();
    let mut fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap();
    fields.retain(|(k, _)| !matches!(k.as_str(), "timestamp" | "token" | "signature"));
    fields
}

async fn sql(h: &SupabaseHarness, q: &str) -> String {
    h.psql(q).await.unwrap()
}

/// Points the installer's database webhooks at the service on `port`,
/// signed with the development secret.
pub async fn route_webhooks_to(h: &SupabaseHarness, port: u16) {
    sql(
        h,
        &format!(
            "select oe_private.configure_webhook('http://127.0.0.1:{port}/webhooks/supabase', '{}')",
            dev::SUPABASE_WEBHOOK_SECRET
        ),
    )
    .await;
}

/// A venue of its own on the shared PostgREST harness: catalogue seeded,
/// the service running, and the database webhooks routed to it.
pub async fn venue_on_postgrest() -> (SupabaseHarness, Tenant, TestApp) {
    let h = harness().await;
    let tenant = Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() };
    seed_catalogue(&h, tenant.team, tenant.user).await;
    let app = spawn_supabase(&h, &tenant, vec![]).await;
    route_webhooks_to(&h, app.port()).await;
    (h, tenant, app)
}

/// The product lines of the offers not cancelled, "name xN" by name, a line each.
pub async fn current_offer_lines(h: &SupabaseHarness) -> String {
    sql(
        h,
        "select li.name || ' x' || li.quantity::int from offer_line_items li join offers o on o.id = li.offer_id
         where o.status <> 'cancelled' and li.product_id is not null order by li.name",
    )
    .await
}

/// The manager approves, as in the frontend (a plain UPDATE), the newest
/// pending task that is not a manual review, until none is left (at most
/// six rounds); each round's webhook is delivered, accepted and processed.
pub async fn approve_pending(h: &SupabaseHarness, app: &TestApp) {
    for _ in 0..6 {
        let changed = sql(
            h,
            "with t as (select id from tasks where status = 'pending' and payload->>'action' <> 'manual_review'
                        order by created_at desc limit 1)
             update tasks set status = 'completed', payload = payload || '{\"resolution\": \"approved\"}'
             where id in (select id from t) returning id",
        )
        .await;
        if changed.is_empty() {
            return;
        }
        for d in h.deliver_pg_net_requests().await.unwrap() {
            assert_eq!(d.status, Some(202), "{}", d.response_body);
        }
        app.wait_idle().await;
    }
}

/// The venue's rooms, products and categories (the built-in catalogue) for
/// one team, as the frontend's rows; catalogue ids are kept, so once per
/// database.
pub async fn seed_catalogue(h: &SupabaseHarness, team: Uuid, user: Uuid) {
    let catalog = CatalogFile::builtin();
    let (team, user) = (team.to_string(), user.to_string());
    let tenant = |rows: &[Value]| -> String {
        let rows: Vec<Value> = rows
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r["team_id"] = json!(team);
                r["user_id"] = json!(user);
                r
            })
            .collect();
        Value::Array(rows).to_string()
    };
    let sql = format!(
        "insert into product_categories (id, team_id, user_id, name)
           select id, team_id, user_id, name
           from jsonb_populate_recordset(null::product_categories, $j${}$j$);
         insert into rooms (id, team_id, user_id, name, description, capacity, theater_capacity, cocktail_capacity,
                            seated_dinner_capacity, standing_capacity, amenities, hourly_rate, half_day_rate,
                            full_day_rate, vat_rate, deposit_required, deposit_percent, layout_capacities)
           select id, team_id, user_id, name, description, capacity, theater_capacity, cocktail_capacity,
                  seated_dinner_capacity, standing_capacity, amenities, hourly_rate, half_day_rate, full_day_rate,
                  vat_rate, deposit_required, deposit_percent, layout_capacities
           from jsonb_populate_recordset(null::rooms, $j${}$j$);
         insert into products (id, team_id, user_id, category_id, name, description, base_price, price_type,
                               vat_rate, available)
           select id, team_id, user_id, category_id, name, description, base_price, price_type, vat_rate, available
           from jsonb_populate_recordset(null::products, $j${}$j$);",
        tenant(&catalog.product_categories),
        tenant(&catalog.rooms),
        tenant(&catalog.products),
    );
    h.psql(&sql).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailgun_inquiry_and_its_approval_go_through_postgrest_once() {
    let h = harness().await;
    let smtp = SmtpServer::start();
    let tenant = Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() };
    let app = spawn_supabase(&h, &tenant, vec![("OE_SMTP_URL", smtp.url())]).await;
    let team = tenant.team;

    let fields = mailgun_fixture();
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(app.post_mailgun(&refs).await.status(), 202);
    assert_eq!(app.wait_idle().await.dead, 0);

    // What the frontend reads, checked with SQL.
    assert_eq!(
        sql(&h, &format!("select email, name, status from clients where team_id = '{team}'")).await,
        "anna.keller@keller-consulting.ch|Anna Keller|lead"
    );
    assert_eq!(
        sql(&h, &format!("select event_date, start_time, end_time, attendees, status, current_step, date_confirmed, seating_layout from events where team_id = '{team}'")).await,
        "2027-03-14|09:00:00|17:00:00|24|lead|2|f|u_shape"
    );
    assert_eq!(
        sql(&h, &format!("select is_sent, message_id, (client_id is not null), (event_id is not null) from emails where team_id = '{team}'")).await,
        "f|CAJ7x9k2Lm4Qp1zR8@mail.gmail.com|t|t"
    );
    let task = sql(&h, &format!(
        "select category || '|' || status || '|' || (payload->>'action') || '|' || (payload->>'recipient_email') || '|' || (event_id is not null) from tasks where team_id = '{team}'"
    ))
    .await;
    assert_eq!(task, "Email Tasks|pending|approve_message|anna.keller@keller-consulting.ch|true");
    let draft = sql(&h, "select payload->>'draft_message' from tasks").await;
    assert!(draft.contains("Sunday, 14.03.2027"), "{draft}");

    // The manager approves in the frontend: a plain UPDATE. The trigger
    // signs the change with pgcrypto and queues it for pg_net. pg_net itself
    // cannot be installed here (it is neither a Debian nor an npm package):
    // the harness's stand-in `net.http_post` records the request exactly as
    // pg_net would queue it, and `deliver_pg_net_requests` sends it once.
    route_webhooks_to(&h, app.port()).await;
    sql(&h, "update tasks set status = 'completed', payload = payload || '{\"resolution\": \"approved\"}'").await;
    let deliveries = h.deliver_pg_net_requests().await.unwrap();
    assert_eq!(deliveries.len(), 1, "one webhook for one decision");
    assert_eq!(
        deliveries[0].status,
        Some(202),
        "the Postgres-made signature verifies: {}",
        deliveries[0].response_body
    );
    let sent: Value = serde_json::from_slice(&deliveries[0].body).unwrap();
    assert_eq!(
        (sent["type"].as_str(), sent["table"].as_str(), sent["schema"].as_str()),
        (Some("UPDATE"), Some("tasks"), Some("public"))
    );
    assert_eq!(sent["old_record"]["status"], "pending");
    assert_eq!(sent["record"]["payload"]["resolution"], "approved");

    // pg_net never retries, but a provider might: deliver it again.
    let again = app
        .post_standard(
            "/webhooks/supabase",
            dev::SUPABASE_WEBHOOK_SECRET,
            "msg_again",
            std::str::from_utf8(&deliveries[0].body).unwrap(),
        )
        .await;
    assert_eq!(again.status(), 202);
    app.wait_idle().await;
    let mails = smtp.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.mails().len(), 1, "sent exactly once");
    assert_eq!(mails[0].to, ["anna.keller@keller-consulting.ch"]);
    assert!(mails[0].data.contains("14.03.2027"));

    assert_eq!(sql(&h, "select payload->>'send_state' from tasks where payload->>'kind' = 'intake'").await, "sent");
    // This team has no rooms: the availability step that follows asks a person.
    assert_eq!(
        sql(&h, "select payload->>'action' from tasks where payload->>'kind' is distinct from 'intake'").await,
        "manual_review"
    );
    assert_eq!(sql(&h, &format!("select count(*) from emails where is_sent and team_id = '{team}'")).await, "1");
    // The service's own writes after the decision fire no webhook.
    assert!(h.deliver_pg_net_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_team_sees_none_of_the_rows_the_service_wrote() {
    let h = harness().await;
    let tenant = Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() };
    let app = spawn_supabase(&h, &tenant, vec![]).await;
    let mail = crate::helpers::inquiry("jonas@meier.ch", crate::helpers::WORKSHOP);
    assert_eq!(app.post_generic(&mail).await.status(), 202);
    app.wait_idle().await;

    let http = reqwest::Client::new();
    let read = |table: &'static str, team: Uuid| {
        http.get(format!("{}/rest/v1/{table}?select=id", h.base_url))
            .header("apikey", &h.anon_key)
            .bearer_auth(h.authenticated_jwt(team))
            .send()
    };
    for table in ["clients", "events", "emails", "tasks"] {
        let mine: Vec<Value> = read(table, tenant.team).await.unwrap().json().await.unwrap();
        let theirs: Vec<Value> = read(table, Uuid::new_v4()).await.unwrap().json().await.unwrap();
        assert_eq!((mine.len(), theirs.len()), (1, 0), "{table}");
    }
    for table in ["clients", "events", "emails", "tasks"] {
        assert_eq!(
            sql(&h, &format!("select count(*) from {table} where team_id is distinct from '{}'", tenant.team)).await,
            "0",
            "{table}"
        );
    }
    // anon (no user) reads nothing, the inbox included.
    let anon: Value = http
        .get(format!("{}/rest/v1/oe_inbox", h.base_url))
        .header("apikey", &h.anon_key)
        .bearer_auth(&h.anon_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(anon.as_array().map(|a| a.is_empty()).unwrap_or(true), "{anon}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_with_nul_characters_is_stored_without_them_and_fails_no_neighbour() {
    let h = harness().await;
    let tenant = Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() };
    let app = spawn_supabase(&h, &tenant, vec![]).await;
    let mut bad = crate::helpers::inquiry("nul@example.ch", "Hello\u{0} we are 30 people on 14.03.2027.");
    // In the Message-ID too, which the de-duplication key is made of.
    bad["message_id"] = serde_json::json!("<nul\u{0}id@example.ch>");
    let good = crate::helpers::inquiry("fine@example.ch", crate::helpers::WORKSHOP);
    let (a, b) = tokio::join!(app.post_generic(&bad), app.post_generic(&good));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (202, 202));
    assert_eq!(app.wait_idle().await.dead, 0);
    assert_eq!(sql(&h, "select count(*) from emails where position(chr(1) in body_text) = 0").await, "2");
    assert_eq!(
        sql(&h, "select body_text from emails where from_email = 'nul@example.ch'").await,
        "Hello we are 30 people on 14.03.2027."
    );
}
