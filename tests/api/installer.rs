//! `webhooks/supabase/install.sql`, the installer an operator runs once in
//! the Supabase project: built from its parts, idempotent, and working
//! wherever the project keeps pgcrypto.

use std::path::Path;

use oe_webhooks::config::dev;
use uuid::Uuid;

use crate::postgrest::SupabaseHarness;
use crate::supabase::{spawn_supabase, Tenant, INSTALL_SQL};

#[test]
fn install_sql_is_the_concatenation_of_its_parts() {
    let out = std::process::Command::new("bash")
        .args(["scripts/supabase-install-sql.sh", "--stdout"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let built = String::from_utf8(out.stdout).unwrap();
    let file = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(INSTALL_SQL)).unwrap();
    assert!(
        built == file,
        "{INSTALL_SQL} is not the concatenation of src/store/supabase/sql/*.sql: run bash scripts/supabase-install-sql.sh"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_installer_runs_twice_without_error() {
    let install = Path::new(INSTALL_SQL);
    let h =
        SupabaseHarness::start(&[install, install]).await.expect("install.sql applies twice on the frontend's schema");
    let functions = h
        .psql("select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' and p.proname like 'oe\\_%'")
        .await
        .unwrap();
    // 11, oe_follow_up_candidates, 3 of the inbox operations (record_error,
    // inbox_erase, erase_client_mail) and oe_pending_task_counts.
    assert_eq!(functions, "16", "each function once");
}

/// Installs on a project whose pgcrypto is in `schema`, then has Postgres
/// sign a task decision and pg_net (the harness's stand-in) deliver it to
/// the service, which accepts it only if the signature verifies.
async fn the_postgres_made_signature_verifies_with_pgcrypto_in(schema: &str) {
    let moved = tempfile::Builder::new().suffix(".sql").tempfile().unwrap();
    std::fs::write(moved.path(), format!("alter extension pgcrypto set schema {schema};")).unwrap();
    let h = SupabaseHarness::start(&[moved.path(), Path::new(INSTALL_SQL)])
        .await
        .unwrap_or_else(|e| panic!("install.sql applies with pgcrypto in {schema}: {e:#}"));
    let found = h
        .psql("select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where extname = 'pgcrypto'")
        .await
        .unwrap();
    assert_eq!(found, schema);

    let tenant = Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() };
    let app = spawn_supabase(&h, &tenant, vec![]).await;
    h.psql(&format!(
        "select oe_private.configure_webhook('http://127.0.0.1:{}/webhooks/supabase', '{}');
         insert into tasks (team_id, user_id, title, category, payload)
           values ('{}', '{}', 'Approve', 'Email Tasks', '{{\"action\": \"approve_message\"}}');
         update tasks set status = 'completed', payload = payload || '{{\"resolution\": \"approved\"}}';",
        app.port(),
        dev::SUPABASE_WEBHOOK_SECRET,
        tenant.team,
        tenant.user,
    ))
    .await
    .unwrap();
    let deliveries = h.deliver_pg_net_requests().await.unwrap();
    assert_eq!(deliveries.len(), 1, "one webhook for one decision");
    assert_eq!(deliveries[0].status, Some(202), "the signature verifies: {}", deliveries[0].response_body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_installer_signs_with_pgcrypto_in_extensions() {
    the_postgres_made_signature_verifies_with_pgcrypto_in("extensions").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_installer_signs_with_pgcrypto_in_public_as_on_older_projects() {
    the_postgres_made_signature_verifies_with_pgcrypto_in("public").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_pg_net_the_installer_says_so_and_changes_nothing() {
    let h = SupabaseHarness::start(&[]).await.expect("Postgres and PostgREST 12 must be available");
    // pg_net cannot be installed on this machine: without the stand-in, the
    // project has none and none to enable.
    h.psql("drop schema net cascade").await.unwrap();
    let install = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(INSTALL_SQL)).unwrap();
    let error = format!("{:#}", h.psql(&install).await.expect_err("the install stops"));
    assert!(error.contains("needs the extension(s) pg_net"), "{error}");
    assert!(
        error.contains("nothing was changed") && error.contains("HINT:  Enable them under Database > Extensions"),
        "{error}"
    );
    let changed = h
        .psql(
            "select (to_regclass('public.oe_inbox') is not null) or exists (select 1 from information_schema.columns \
             where table_name = 'events' and column_name = 'current_step')",
        )
        .await
        .unwrap();
    assert_eq!(changed, "f", "nothing was changed");
}
