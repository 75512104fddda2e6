//! Inbox operations end to end on a running service (embedded store): an
//! entry the store refuses goes dead, the CLI lists, shows, plans and
//! performs the retry, and it is processed once; a retried decision whose
//! mail went out sends nothing again; erasure removes a client's data.

use std::time::Duration;

use oe_webhooks::domain::InboxId;
use oe_webhooks::inbox::{EntryFilter, EntryStatus, Inbox};

use crate::helpers::{approval, inquiry, run_cli, spawn, spawn_app, Spawn, TestApp, WORKSHOP};
use crate::smtp::SmtpServer;

/// Makes the store refuse (or accept again) every stored mail: a trigger
/// in the service's own database, as a broken schema would.
pub fn refuse_mail_writes(app: &TestApp, refuse: bool) {
    let conn = rusqlite::Connection::open(app.dir.path().join("openevent.sqlite3")).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let sql = if refuse {
        "CREATE TRIGGER refuse_mail BEFORE INSERT ON emails BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    } else {
        "DROP TRIGGER refuse_mail"
    };
    conn.execute_batch(sql).unwrap();
}

/// Posts an inquiry the store refuses; returns the dead entry's id.
pub async fn dead_inquiry(app: &TestApp, from: &str) -> InboxId {
    refuse_mail_writes(app, true);
    assert_eq!(app.post_generic(&inquiry(from, WORKSHOP)).await.status(), 202);
    assert_eq!(app.wait_idle().await.dead, 1);
    refuse_mail_writes(app, false);
    let dead = app.store().await.entries(&EntryFilter { status: Some(EntryStatus::Dead), ..Default::default() }).await;
    let dead = dead.unwrap();
    assert_eq!(dead.len(), 1);
    dead[0].id
}

fn cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    run_cli(args, &[("OE_DATA_DIR", app.dir.path().display().to_string()), ("USER", "maria".into())])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_entry_is_listed_planned_retried_in_bulk_and_processed_once() {
    let app = spawn_app().await;
    let id = dead_inquiry(&app, "anna@keller.ch").await.to_string();

    let (ok, out) = cli(&app, &["inbox", "list", "--status", "dead"]);
    assert!(ok && out.contains(&id) && out.contains("email:generic"), "{out}");
    let (ok, out) = cli(&app, &["inbox", "show", &id]);
    assert!(ok && out.contains("attempt 1") && out.contains("refused by the test"), "every error: {out}");
    assert!(!out.contains("workshop"), "no body without --body: {out}");
    let (_, out) = cli(&app, &["inbox", "show", &id, "--body"]);
    assert!(out.contains("team workshop"), "{out}");

    let (ok, out) = cli(&app, &["inbox", "retry", "--status", "dead", "--since", "1h", "--plan"]);
    assert!(ok && out.contains("plan: 1 entries would be retried") && out.contains(&id), "{out}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.inbox_stats().await.dead, 1, "a plan changes nothing");

    let (ok, out) = cli(&app, &["inbox", "retry", "--status", "dead"]);
    assert!(ok && out.contains("1 of 1 entries queued again"), "{out}");
    let stats = app.wait_idle().await;
    assert_eq!((stats.dead, stats.done), (0, 1));
    assert_eq!(app.query("SELECT * FROM tasks").len(), 1, "processed once");
    assert_eq!(app.query("SELECT * FROM emails").len(), 1);
    let (_, out) = cli(&app, &["inbox", "retry", &id]);
    assert!(out.contains("left alone: it is done"), "a done entry is not retried: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discarded_entry_is_kept_with_who_and_why() {
    let app = spawn_app().await;
    let id = dead_inquiry(&app, "anna@keller.ch").await.to_string();
    let (ok, out) = cli(&app, &["inbox", "discard", &id]);
    assert!(!ok && out.contains("--reason"), "the reason is required: {out}");
    let (ok, out) = cli(&app, &["inbox", "discard", &id, "--reason", "a test mail"]);
    assert!(ok && out.contains("1 of 1 entries discarded"), "{out}");
    let (_, out) = cli(&app, &["inbox", "show", &id]);
    assert!(
        out.contains("status    discarded") && out.contains("discarded by maria") && out.contains("a test mail"),
        "{out}"
    );
    let (_, out) = cli(&app, &["inbox", "list", "--status", "discarded"]);
    assert!(out.contains(&id), "{out}");
    assert_eq!(app.inbox_stats().await.dead, 0);
    let (ok, out) = cli(&app, &["inbox", "show", "not-an-id"]);
    assert!(!ok && out.contains("is not an inbox entry id"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_decision_whose_mail_was_sent_sends_nothing_again() {
    let smtp = SmtpServer::start();
    let app = spawn(Spawn { vars: vec![("OE_SMTP_URL", smtp.url())], ..Spawn::default() }).await;
    assert_eq!(app.post_generic(&inquiry("anna@keller.ch", WORKSHOP)).await.status(), 202);
    app.wait_idle().await;
    let task = app.query("SELECT * FROM tasks WHERE status = 'pending'").remove(0);
    assert_eq!(app.post_supabase(&approval(&task)).await.status(), 202);
    assert_eq!(smtp.wait_for(1).await.len(), 1);
    app.wait_idle().await;

    // As if the entry had died after the send (a crash, a human's doubt).
    let inbox = rusqlite::Connection::open(app.dir.path().join("inbox.sqlite3")).unwrap();
    inbox.busy_timeout(Duration::from_secs(5)).unwrap();
    let id: String = inbox.query_row("SELECT id FROM inbox WHERE source = 'supabase'", [], |r| r.get(0)).unwrap();
    inbox.execute("UPDATE inbox SET status = 'dead', last_error = 'parked by the test' WHERE id = ?1", [&id]).unwrap();

    let (ok, out) = cli(&app, &["inbox", "retry", &id]);
    assert!(ok && out.contains("1 of 1 entries queued again"), "{out}");
    app.wait_idle().await;
    let store = app.store().await;
    assert_eq!(store.status(id.parse().unwrap()).await.unwrap(), Some(EntryStatus::Done));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.mails().len(), 1, "nothing is sent a second time");
    assert_eq!(app.query("SELECT * FROM emails WHERE is_sent = 1").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erase_removes_a_clients_mail_bodies_and_inbox_payloads() {
    let app = spawn_app().await;
    assert_eq!(app.post_generic(&inquiry("bob@erase.ch", WORKSHOP)).await.status(), 202);
    assert_eq!(app.post_generic(&inquiry("carla@keep.ch", WORKSHOP)).await.status(), 202);
    app.wait_idle().await;
    let (ok, out) = cli(&app, &["erase", "--client", "Bob@Erase.ch"]);
    assert!(
        ok && out.contains("erased bob@erase.ch: 1 mail bodies, 1 inbox payloads; 0 entries still in flight"),
        "{out}"
    );
    let bodies = app.query("SELECT from_email, body_text FROM emails ORDER BY from_email");
    assert_eq!(bodies[0]["body_text"], "[erased]");
    assert!(bodies[1]["body_text"].as_str().unwrap().contains("workshop"), "the other client's mail stays");
    let (ok, out) = cli(&app, &["erase", "--client", "not an address"]);
    assert!(!ok && out.contains("is not an email address"), "{out}");
}
