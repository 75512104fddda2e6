//! `webhooks/supabase/install.sql`, the installer an operator runs once in
//! the Supabase project: built from its parts, idempotent, and working
//! wherever the project keeps pgcrypto.

use std::path::Path;

use crate::postgrest::SupabaseHarness;
use crate::supabase::INSTALL_SQL;

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
    assert_eq!(functions, "11", "each function once");
}
