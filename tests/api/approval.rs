//! Intake -> manager decision -> mail, with a real SMTP server.

use std::time::Duration;

use oe_webhooks::config::dev;
use oe_webhooks::domain::{TaskAction, TaskStatus};
use oe_webhooks::inbox::Backoff;
use oe_webhooks::store::Store;
use serde_json::{json, Value};

use crate::helpers::{inquiry, spawn, RefusedPort, Spawn, TestApp, WORKSHOP};
use crate::smtp::SmtpServer;

/// The `tasks` UPDATE Supabase sends when the manager decides: the row
/// before and after, as the frontend wrote it.
fn decision(task: &Value, resolution: &str, edited: Option<&str>) -> Value {
    let mut record = task.clone();
    record["status"] = json!("completed");
    record["completed_at"] = json!("2026-11-25T10:31:07.412+00:00");
    record["payload"]["resolution"] = json!(resolution);
    if let Some(e) = edited {
        record["payload"]["edited_message"] = json!(e);
    }
    json!({"type": "UPDATE", "table": "tasks", "schema": "public", "record": record, "old_record": task})
}

async fn with_smtp() -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start();
    let app = spawn(Spawn { vars: vec![("OE_SMTP_URL", smtp.url())], ..Spawn::default() }).await;
    (app, smtp)
}

async fn intake(app: &TestApp, mail: &Value) -> Value {
    assert_eq!(app.post_generic(mail).await.status(), 202);
    app.wait_idle().await;
    // Earlier approvals may have left the next step's task pending.
    let mut tasks =
        app.query("SELECT * FROM tasks WHERE status = 'pending' AND json_extract(payload, '$.kind') = 'intake'");
    assert_eq!(tasks.len(), 1);
    tasks.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inquiry_becomes_client_event_email_and_a_pending_task_with_a_draft() {
    let (app, _smtp) = with_smtp().await;
    let mut mail = inquiry("Anna.Keller@Keller-Consulting.CH", WORKSHOP);
    mail["from"]["name"] = json!("Anna Keller");
    let task = intake(&app, &mail).await;

    let clients = app.query("SELECT * FROM clients");
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["email"], "anna.keller@keller-consulting.ch");
    assert_eq!(clients[0]["name"], "Anna Keller");
    assert_eq!(clients[0]["status"], "lead");
    assert_eq!(clients[0]["team_id"], dev::TEAM_ID);

    let events = app.query("SELECT * FROM events");
    assert_eq!(events[0]["status"], "lead");
    assert_eq!(events[0]["event_date"], "2027-03-14");
    assert_eq!(events[0]["start_time"], "09:00:00");
    assert_eq!(events[0]["end_time"], "17:00:00");
    assert_eq!(events[0]["attendees"], 24);
    assert_eq!(events[0]["seating_layout"], "workshop");
    assert_eq!(events[0]["current_step"], 2);
    assert_eq!(events[0]["date_confirmed"], 0);
    assert_eq!(events[0]["client_id"], clients[0]["id"]);

    let emails = app.query("SELECT * FROM emails");
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0]["is_sent"], 0);
    assert_eq!(emails[0]["event_id"], events[0]["id"]);

    assert_eq!(task["category"], "Email Tasks");
    assert_eq!(task["event_id"], events[0]["id"]);
    assert_eq!(task["payload"]["action"], "approve_message");
    assert_eq!(task["payload"]["recipient_email"], "anna.keller@keller-consulting.ch");
    let draft = task["payload"]["draft_message"].as_str().unwrap();
    assert!(draft.contains("Sunday, 14.03.2027") && draft.contains("09:00–17:00") && draft.contains("24"), "{draft}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_sends_the_draft_once_over_smtp_in_the_clients_thread() {
    let (app, smtp) = with_smtp().await;
    let mail = inquiry("anna@keller.ch", WORKSHOP);
    let task = intake(&app, &mail).await;

    let approve = decision(&task, "approved", None);
    assert_eq!(app.post_supabase(&approve).await.status(), 202);
    // The same decision delivered again (another webhook id): no second mail.
    assert_eq!(app.post_supabase(&approve).await.status(), 202);
    app.wait_idle().await;

    let mails = smtp.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(smtp.mails().len(), 1, "sent at most once");
    let sent = &mails[0];
    assert_eq!(sent.to, ["anna@keller.ch"]);
    assert_eq!(sent.from, dev::FROM_EMAIL);
    assert!(sent.data.contains("14.03.2027"), "{}", sent.data);
    let parent = mail["message_id"].as_str().unwrap();
    assert!(sent.data.contains(&format!("In-Reply-To: {parent}")), "{}", sent.data);

    let outgoing = app.query("SELECT * FROM emails WHERE is_sent = 1");
    assert_eq!(outgoing.len(), 1);
    assert_eq!(outgoing[0]["to_email"], "anna@keller.ch");
    let stored = app.query("SELECT * FROM tasks");
    assert_eq!(stored[0]["status"], "completed");
    assert_eq!(stored[0]["payload"]["send_state"], "sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_message_wins_and_a_rejection_sends_nothing() {
    let (app, smtp) = with_smtp().await;
    let task = intake(&app, &inquiry("anna@keller.ch", WORKSHOP)).await;
    app.post_supabase(&decision(&task, "approved", Some("Dear Anna, see you on 14 March. The Atelier"))).await;
    app.wait_idle().await;
    let mails = smtp.wait_for(1).await;
    assert!(mails[0].data.contains("Dear Anna, see you on 14 March."));
    assert!(!mails[0].data.contains("This is what we understood"), "the draft must not be sent");

    let task = intake(&app, &inquiry("jonas@meier.ch", WORKSHOP)).await;
    app.post_supabase(&decision(&task, "rejected", None)).await;
    app.wait_idle().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(smtp.mails().len(), 1, "nothing sent on rejection");
    let review = app.query(&format!(
        "SELECT * FROM tasks WHERE status = 'pending' AND event_id = '{}'",
        task["event_id"].as_str().unwrap()
    ));
    assert_eq!(review.len(), 1, "no next step after a rejection, only the review");
    assert_eq!(review[0]["payload"]["action"], "manual_review");
    assert_eq!(review[0]["event_id"], task["event_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_task_changes_and_our_own_echoes_are_ignored() {
    let (app, smtp) = with_smtp().await;
    let task = intake(&app, &inquiry("anna@keller.ch", WORKSHOP)).await;
    let mut retitled = task.clone();
    retitled["title"] = json!("Call back first");
    retitled["priority"] = json!("high");
    app.post_supabase(
        &json!({"type": "UPDATE", "table": "tasks", "schema": "public", "record": retitled, "old_record": task}),
    )
    .await;
    // The echo of a write after completion: old and new both completed.
    let mut done = task.clone();
    done["status"] = json!("completed");
    done["payload"]["resolution"] = json!("approved");
    app.post_supabase(
        &json!({"type": "UPDATE", "table": "tasks", "schema": "public", "record": done, "old_record": done}),
    )
    .await;
    let stats = app.wait_idle().await;
    assert_eq!(stats.dead, 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(smtp.mails().is_empty());
    assert_eq!(app.query("SELECT status FROM tasks")[0]["status"], "pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_whose_webhook_was_lost_is_found_by_reconciliation() {
    let (app, smtp) = with_smtp().await;
    let task = intake(&app, &inquiry("anna@keller.ch", WORKSHOP)).await;
    // The manager approves while no webhook reaches us.
    let store = app.store().await;
    let id = task["id"].as_str().unwrap().parse().unwrap();
    store.record_manager_decision(id, oe_webhooks::domain::Resolution::Approved, None).await.unwrap();
    assert_eq!(store.unhandled_decisions().await.unwrap().len(), 1);

    let directory = oe_webhooks::tenant::Directory::new(
        oe_webhooks::tenant::Served::One(store.team()),
        vec![],
        oe_webhooks::tenant::Defaults {
            system_user: app.config.system_user_id,
            sender: app.config.from_email.clone(),
            venue_name: "The Atelier".into(),
            timezone: chrono_tz::Europe::Zurich,
            payment: None,
        },
    );
    let tenants = oe_webhooks::dispatch::Tenants::new(
        directory,
        oe_webhooks::dispatch::Stores::Embedded(store.clone()),
        oe_webhooks::mail::Mailer::from_config(None, &app.config.data_dir).unwrap(),
        oe_webhooks::ingest::resend::ResendApi::new("http://127.0.0.1:9", None),
        Default::default(),
    );
    let reconciler = oe_webhooks::dispatch::Reconciler {
        tenants: std::sync::Arc::new(tenants),
        writer: oe_webhooks::inbox::InboxWriter::spawn(
            std::sync::Arc::new(store.clone()),
            Default::default(),
            Default::default(),
        ),
        interval: Duration::from_secs(60),
        inbox: None,
        follow_ups: None,
        payload_retention: Duration::ZERO,
    };
    assert_eq!(reconciler.reconcile_once().await.unwrap(), 1);
    assert_eq!(smtp.wait_for(1).await.len(), 1);
    app.wait_idle().await;
    assert!(store.unhandled_decisions().await.unwrap().is_empty());
    assert_eq!(reconciler.reconcile_once().await.unwrap(), 0, "nothing left to reconcile");
    // The reconciled approval moved the booking on like the webhook would:
    // the room proposal is what waits now.
    let pending = store.tasks(Some(TaskStatus::Pending)).await.unwrap();
    assert_eq!(pending.iter().map(|t| t.payload.action).collect::<Vec<_>>(), [TaskAction::ApproveRoom]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_mail_server_is_retried_then_parked_dead_without_sending() {
    let closed = RefusedPort::bind();
    let app = spawn(Spawn {
        vars: vec![("OE_SMTP_URL", format!("smtp://127.0.0.1:{}", closed.port()))],
        backoff: Some(Backoff { base: Duration::from_millis(10), max: Duration::from_millis(20), max_attempts: 3 }),
        ..Spawn::default()
    })
    .await;
    let task = intake(&app, &inquiry("anna@keller.ch", WORKSHOP)).await;
    app.post_supabase(&decision(&task, "approved", None)).await;
    let stats = app.wait_idle().await;
    assert_eq!(stats.dead, 1);
    // The claim was given back: the decision can still be acted on later.
    let stored = app.query("SELECT * FROM tasks");
    assert!(stored[0]["payload"].get("send_state").is_none(), "{}", stored[0]);
    assert!(app.query("SELECT * FROM emails WHERE is_sent = 1").is_empty());
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("oe_inbox_processed_total{outcome=\"dead\"} 1"), "{metrics}");
    assert!(metrics.contains("oe_inbox_processed_total{outcome=\"retry\"} 2"), "{metrics}");
}

/// A worker stopped mid-way through a decision; the same inbox entry runs
/// again. Where it stopped decides: after the mail server took the mail it
/// only records it; during the send it resends nothing and asks a human.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_decision_never_sends_twice() {
    use oe_webhooks::domain::{Resolution, SendState, TaskDecision};
    use oe_webhooks::inbox::{Inbox, InboxEvent, NewEntry};

    let (app, smtp) = with_smtp().await;
    let store = app.store().await;
    for (send_state, expect_dead) in [(SendState::Delivered, false), (SendState::Sending, true)] {
        let state = send_state.as_str();
        let task = intake(&app, &inquiry(&format!("{state}@keller.ch"), WORKSHOP)).await;
        let decision = TaskDecision {
            task_id: task["id"].as_str().unwrap().parse().unwrap(),
            resolution: Resolution::Approved,
            edited_message: None,
        };
        let entry = NewEntry::new(
            store.team(),
            "test",
            format!("decision:{state}"),
            format!("client:{state}@keller.ch"),
            &InboxEvent::Decision { decision: decision.clone() },
            chrono::Utc::now(),
        );
        // The first run got this far before it stopped.
        store.claim_task(&decision, entry.id, chrono::Utc::now()).await.unwrap();
        let message_id = format!("out-{state}@atelier-zurich.ch");
        store.set_send_state(decision.task_id, entry.id, Some(send_state), Some(&message_id)).await.unwrap();
        store.append(&[entry]).await.unwrap();

        let stats = app.wait_idle().await;
        assert_eq!(stats.dead, expect_dead as u64, "{state}");
        let recorded = app.query(&format!("SELECT * FROM emails WHERE is_sent = 1 AND message_id = '{message_id}'"));
        assert_eq!(recorded.len(), !expect_dead as usize, "{state}: recorded under the id of the mail that went out");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(smtp.mails().is_empty(), "nothing is sent a second time");
}

/// The client corrects the inquiry before the manager answered: the first
/// draft is closed as superseded, only the corrected one waits, and the
/// manager's late approval of the old draft sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_mail_supersedes_the_pending_draft_and_the_old_one_is_never_sent() {
    let (app, smtp) = with_smtp().await;
    let first_mail = inquiry("anna@keller.ch", WORKSHOP);
    let old = intake(&app, &first_mail).await;
    let mut correction =
        inquiry("anna@keller.ch", "Sorry, a correction: we will be 30 people, not 24. Everything else stays the same.");
    correction["in_reply_to"] = first_mail["message_id"].clone();
    assert_eq!(app.post_generic(&correction).await.status(), 202);
    app.wait_idle().await;

    let pending =
        app.query("SELECT id, json_extract(payload, '$.draft_message') AS draft FROM tasks WHERE status = 'pending'");
    assert_eq!(pending.len(), 1, "one pending draft per booking: {pending:?}");
    assert_ne!(pending[0]["id"], old["id"]);
    let closed = app.query(&format!(
        "SELECT status, json_extract(payload, '$.send_state') AS state, json_extract(payload, '$.superseded_by') AS newer
           FROM tasks WHERE id = '{}'",
        old["id"].as_str().unwrap()
    ));
    assert_eq!((closed[0]["status"].as_str(), closed[0]["state"].as_str()), (Some("completed"), Some("superseded")));
    assert_eq!(closed[0]["newer"], pending[0]["id"]);

    assert_eq!(app.post_supabase(&decision(&old, "approved", None)).await.status(), 202);
    app.wait_idle().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(smtp.mails().is_empty(), "the superseded draft is never sent");
    let still = app.query(&format!(
        "SELECT json_extract(payload, '$.send_state') AS state FROM tasks WHERE id = '{}'",
        old["id"].as_str().unwrap()
    ));
    assert_eq!(still[0]["state"], "superseded");
}
