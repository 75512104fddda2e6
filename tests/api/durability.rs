//! README, "Delivery guarantees": acknowledged means durable; a crash delays, never loses or
//! doubles.

use std::time::Duration;

use chrono::Utc;
use oe_webhooks::inbox::Inbox;

use crate::helpers::{inquiry, spawn, Spawn, WORKSHOP};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_webhook_is_processed_once_after_a_restart() {
    // The first process acknowledges but never gets to process (no worker).
    let app = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    let mail = inquiry("anna@keller.ch", WORKSHOP);
    assert_eq!(app.post_generic(&mail).await.status(), 202);
    let dir = app.stop().await;

    let app = spawn(Spawn { dir: Some(dir), ..Spawn::default() }).await;
    let stats = app.wait_idle().await;
    assert_eq!((stats.done, stats.dead), (1, 0));
    assert_eq!(app.query("SELECT id FROM events").len(), 1);
    assert_eq!(app.query("SELECT id FROM tasks").len(), 1);

    // The provider retries after all: acknowledged, no second effect.
    assert_eq!(app.post_generic(&mail).await.status(), 200);
    app.wait_idle().await;
    assert_eq!(app.query("SELECT id FROM events").len(), 1);
    assert_eq!(app.query("SELECT id FROM clients").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_whose_worker_died_mid_way_is_resumed_after_a_restart() {
    let app = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    assert_eq!(app.post_generic(&inquiry("jonas@meier.ch", WORKSHOP)).await.status(), 202);
    // A worker claims the entry and dies before recording the outcome.
    let claimed = app.store().await.claim(&[dev_team()], 10, Utc::now(), Duration::from_secs(300)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let dir = app.stop().await;

    let app = spawn(Spawn { dir: Some(dir), ..Spawn::default() }).await;
    let stats = app.wait_idle().await;
    assert_eq!((stats.done, stats.dead, stats.processing), (1, 0, 0));
    assert_eq!(app.query("SELECT id FROM events").len(), 1, "processed exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_webhooks_share_commits_and_all_persist() {
    let app = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    let posts = (0..200).map(|i| {
        let mail = inquiry(&format!("guest{i}@example.ch"), WORKSHOP);
        let app = &app;
        async move { app.post_generic(&mail).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(posts).await;
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    assert_eq!(app.inbox_stats().await.pending, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_senders_mails_are_processed_in_order_and_never_in_parallel() {
    let app = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    for n in 0..3 {
        assert_eq!(app.post_generic(&inquiry("same@sender.ch", &format!("mail {n}"))).await.status(), 202);
    }
    assert_eq!(app.post_generic(&inquiry("other@sender.ch", WORKSHOP)).await.status(), 202);
    let store = app.store().await;
    let first = store.claim(&[dev_team()], 10, Utc::now(), Duration::from_secs(60)).await.unwrap();
    let keys: Vec<_> = first.iter().map(|e| e.order_key.as_str()).collect();
    assert_eq!(keys, ["client:same@sender.ch", "client:other@sender.ch"], "one entry per booking at a time");
    assert!(store.claim(&[dev_team()], 10, Utc::now(), Duration::from_secs(60)).await.unwrap().is_empty());
    store.complete(&[first[0].lease()], Utc::now()).await.unwrap();
    let next = store.claim(&[dev_team()], 10, Utc::now(), Duration::from_secs(60)).await.unwrap();
    assert_eq!(next.len(), 1);
    assert!(matches!(&next[0].event, oe_webhooks::inbox::InboxEvent::Mail { mail } if mail.text == "mail 1"));
}

fn dev_team() -> oe_webhooks::domain::TeamId {
    oe_webhooks::config::dev::TEAM_ID.parse().unwrap()
}

/// A worker that dies must not leave a service that acknowledges webhooks
/// nobody processes: readiness fails, webhooks get 503 (the sender keeps
/// them), and the process ends with an error for the orchestrator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_worker_fails_readiness_refuses_webhooks_and_ends_the_process() {
    let app = spawn(Spawn::default()).await;
    let ready = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    app.kill_worker();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let r = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
        if r.status() == 503 {
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["stopped"], "inbox worker");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "readiness never failed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.post_generic(&inquiry("anna@keller.ch", WORKSHOP)).await.status(), 503, "the sender retries later");
    let ended = app.exit(Duration::from_secs(10)).await;
    assert!(ended.is_err(), "the process ends with an error: {ended:?}");
}
