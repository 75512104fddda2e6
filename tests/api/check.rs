//! `oe-webhooks check` against a live PostgREST, as an operator runs it.

use oe_webhooks::config::dev;
use std::path::Path;
use uuid::Uuid;

use crate::postgrest::SupabaseHarness;

fn check(h: &SupabaseHarness, team: Uuid, key: &str) -> (bool, String) {
    let env = [
        ("OE_INTEGRATION_MODE", "supabase".to_string()),
        ("OE_SUPABASE_URL", h.base_url.clone()),
        ("OE_SUPABASE_KEY", key.to_string()),
        ("OE_TEAM_ID", team.to_string()),
        ("OE_SYSTEM_USER_ID", Uuid::new_v4().to_string()),
        ("OE_FROM_EMAIL", dev::FROM_EMAIL.to_string()),
        ("OE_SUPABASE_WEBHOOK_SECRET", dev::SUPABASE_WEBHOOK_SECRET.to_string()),
        ("OE_EMAIL_WEBHOOK_SECRET", dev::EMAIL_WEBHOOK_SECRET.to_string()),
    ];
    crate::helpers::run_cli(&["check"], &env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_passes_on_an_installed_project_and_names_what_is_wrong_otherwise() {
    let h = crate::supabase::harness().await;
    let team = Uuid::new_v4();
    h.psql(&format!("insert into teams (id, name) values ('{team}', 'The Atelier')")).await.unwrap();

    let (ok, out) = check(&h, team, &h.service_key);
    assert!(ok, "{out}");
    assert!(out.contains("ok    events: 21 columns readable") && out.contains("all checks passed"), "{out}");
    assert!(out.contains("ok    7 RPC functions callable"), "{out}");

    let (ok, out) = check(&h, Uuid::new_v4(), &h.service_key);
    assert!(!ok);
    assert!(out.contains("FAIL  team") && out.contains("not found"), "{out}");

    let (ok, out) = check(&h, team, &h.anon_key.replace('.', "x"));
    assert!(!ok);
    assert!(out.contains("the key was refused"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_lists_the_missing_workflow_columns_before_the_installer_ran() {
    let h = SupabaseHarness::start(&[] as &[&Path]).await.expect("Postgres and PostgREST 12 must be available");
    let team = Uuid::new_v4();
    h.psql(&format!("insert into teams (id) values ('{team}')")).await.unwrap();
    let (ok, out) = check(&h, team, &h.service_key);
    assert!(!ok);
    assert!(out.contains("FAIL  events: missing columns current_step, date_confirmed, caller_step"), "{out}");
    assert!(out.contains("FAIL  rooms: missing columns deposit_required, deposit_percent"), "{out}");
    assert!(out.contains("FAIL  oe_inbox: table missing"), "{out}");
    assert!(out.contains("FAIL  RPC functions not callable: oe_inbox_stats"), "{out}");
    assert!(out.contains("run webhooks/supabase/install.sql"), "{out}");
}

/// Listed before anything is asked of the project, so it shows even when
/// the project cannot be reached.
#[test]
fn check_lists_the_configured_mail_providers() {
    let env = [
        ("OE_INTEGRATION_MODE", "supabase".to_string()),
        ("OE_SUPABASE_URL", "http://127.0.0.1:9".to_string()),
        ("OE_SUPABASE_KEY", "service-role-key".to_string()),
        ("OE_TEAM_ID", Uuid::new_v4().to_string()),
        ("OE_SYSTEM_USER_ID", Uuid::new_v4().to_string()),
        ("OE_FROM_EMAIL", dev::FROM_EMAIL.to_string()),
        ("OE_SUPABASE_WEBHOOK_SECRET", dev::SUPABASE_WEBHOOK_SECRET.to_string()),
        ("OE_MAILGUN_SIGNING_KEY", "key-3ax6xnjp29jd6fds4gc373sgvjxteol0".to_string()),
    ];
    let (ok, out) = crate::helpers::run_cli(&["check"], &env);
    assert!(!ok, "the project is unreachable: {out}");
    assert!(
        out.contains("ok    mail providers configured: mailgun (not configured, answer 404: postmark, resend, sendgrid, generic)"),
        "{out}"
    );

    let (ok, out) = crate::helpers::run_cli(&["check"], &env[..7]);
    assert!(!ok);
    assert!(out.contains("no inbound mail provider is configured") && out.contains("OE_MAILGUN_SIGNING_KEY"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_tells_the_frontends_required_columns_from_the_optional_ones_install_sql_adds() {
    // A frontend with only the spec's columns, one of them dropped, and no installer yet.
    let drop_total = tempfile::Builder::new().suffix(".sql").tempfile().unwrap();
    std::fs::write(drop_total.path(), "alter table offer_line_items drop column total;").unwrap();
    let h = SupabaseHarness::start_replacing(
        &[("10_schema.sql", Path::new(crate::supabase::MINIMAL_SCHEMA))],
        &[drop_total.path()],
    )
    .await
    .expect("Postgres and PostgREST 12 must be available");
    let team = Uuid::new_v4();
    h.psql(&format!("insert into teams (id) values ('{team}')")).await.unwrap();
    let (ok, out) = check(&h, team, &h.service_key);
    assert!(!ok);
    assert!(
        out.contains(
            "FAIL  offer_line_items: missing required columns total: the frontend's schema must have them (webhooks/supabase/README.md"
        ),
        "{out}"
    );
    assert!(
        out.contains("FAIL  offer_line_items: missing columns team_id, user_id, product_id, description (optional"),
        "{out}"
    );
    assert!(out.contains("FAIL  tasks: missing columns description (optional"), "{out}");
    assert!(!out.contains("tasks: missing required"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_passes_on_a_frontend_with_only_the_specs_columns_once_installed() {
    let h = crate::supabase::minimal_harness().await;
    let team = Uuid::new_v4();
    h.psql(&format!("insert into teams (id) values ('{team}')")).await.unwrap();
    let (ok, out) = check(&h, team, &h.service_key);
    assert!(ok, "{out}");
    assert!(out.contains("ok    offer_line_items: 10 columns readable (6 required, 4 optional)"), "{out}");
}
