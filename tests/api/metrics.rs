//! `/metrics` scraped as Prometheus would: the families are there, and the
//! counters, histograms and scrape-time gauges move with what happens.

use std::time::Duration;

use crate::helpers::{approval, inquiry, spawn, Spawn, TestApp, WORKSHOP};
use crate::smtp::SmtpServer;

async fn scrape(app: &TestApp) -> String {
    let res = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    res.text().await.unwrap()
}

/// The value of the sample line that starts with `series` (name and labels).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.split(' ').next()?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metric_families_are_exposed_and_move_with_webhooks_processing_and_mail() {
    let smtp = SmtpServer::start();
    let app = spawn(Spawn { vars: vec![("OE_SMTP_URL", smtp.url())], ..Spawn::default() }).await;
    let before = scrape(&app).await;
    // Unlabelled families are there from the start; labelled ones with their
    // first sample (checked below).
    for family in [
        "# TYPE oe_inbox_entries gauge",
        "# TYPE oe_inbox_oldest_pending_age_seconds gauge",
        "# TYPE oe_smtp_send_seconds histogram",
        "# TYPE oe_mails_sent counter",
        "# TYPE oe_inbox_commits counter",
    ] {
        assert!(before.contains(family), "{family} missing:\n{before}");
    }
    assert_eq!(value(&before, "oe_inbox_entries{status=\"done\"}"), Some(0.0), "{before}");
    assert_eq!(value(&before, "oe_smtp_send_seconds_count"), Some(0.0), "{before}");

    // Accepted, then a redelivery, then a forged one.
    let mail = inquiry("anna@keller.ch", WORKSHOP);
    assert_eq!(app.post_generic(&mail).await.status(), 202);
    assert_eq!(app.post_generic(&mail).await.status(), 200);
    let forged =
        app.post_standard("/webhooks/email/generic", "whsec_d3Jvbmcgc2VjcmV0", "msg_forged", &mail.to_string()).await;
    assert_eq!(forged.status(), 401);
    app.wait_idle().await;

    let text = scrape(&app).await;
    let generic = |outcome: &str| {
        value(&text, &format!("oe_webhooks_received_total{{endpoint=\"generic\",outcome=\"{outcome}\"}}"))
    };
    assert_eq!((generic("accepted"), generic("duplicate"), generic("rejected")), (Some(1.0), Some(1.0), Some(1.0)));
    assert_eq!(
        value(&text, "oe_webhooks_refused_total{endpoint=\"generic\",reason=\"invalid_signature\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(value(&text, "oe_webhooks_auth_failures_total{endpoint=\"generic\"}"), Some(1.0), "{text}");
    assert_eq!(value(&text, "oe_webhook_ack_seconds_count{endpoint=\"generic\"}"), Some(3.0), "{text}");
    assert_eq!(value(&text, "oe_inbox_processing_seconds_count{outcome=\"done\"}"), Some(1.0), "{text}");
    assert_eq!(value(&text, "oe_inbox_processed_total{outcome=\"done\"}"), Some(1.0), "{text}");
    assert_eq!(value(&text, "oe_inbox_entries{status=\"done\"}"), Some(1.0), "{text}");
    assert_eq!(value(&text, "oe_inbox_oldest_pending_age_seconds"), Some(0.0), "nothing waits: {text}");
    assert_eq!(value(&text, "oe_tasks_pending{action=\"approve_message\"}"), Some(1.0), "{text}");

    // The manager approves: one SMTP send, timed, and the task no longer waits.
    let task = app.query("SELECT * FROM tasks WHERE status = 'pending'").remove(0);
    assert_eq!(app.post_supabase(&approval(&task)).await.status(), 202);
    app.wait_idle().await;
    assert_eq!(smtp.wait_for(1).await.len(), 1);
    let text = scrape(&app).await;
    assert_eq!(value(&text, "oe_smtp_send_seconds_count"), Some(1.0), "{text}");
    assert_eq!(value(&text, "oe_mails_sent_total"), Some(1.0), "{text}");
    assert_eq!(value(&text, "oe_webhook_ack_seconds_count{endpoint=\"supabase\"}"), Some(1.0), "{text}");
    assert_eq!(value(&text, "oe_tasks_pending{action=\"approve_message\"}"), None, "decided: {text}");
    assert_eq!(value(&text, "oe_inbox_entries{status=\"done\"}"), Some(2.0), "{text}");
    for family in [
        "# TYPE oe_webhooks_received counter",
        "# TYPE oe_webhooks_refused counter",
        "# TYPE oe_webhooks_auth_failures counter",
        "# TYPE oe_webhook_ack_seconds histogram",
        "# TYPE oe_inbox_processed counter",
        "# TYPE oe_inbox_processing_seconds histogram",
        "# TYPE oe_tasks_pending gauge",
    ] {
        assert!(text.contains(family), "{family} missing:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_age_of_the_oldest_pending_entry_grows_while_nothing_processes_it() {
    let app = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    assert_eq!(app.post_generic(&inquiry("anna@keller.ch", WORKSHOP)).await.status(), 202);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let text = scrape(&app).await;
    let age = value(&text, "oe_inbox_oldest_pending_age_seconds").unwrap();
    assert!((1.0..60.0).contains(&age), "age {age}: {text}");
    assert_eq!(value(&text, "oe_inbox_entries{status=\"pending\"}"), Some(1.0), "{text}");
}
