//! The HTTP contract (README, "HTTP"): statuses and JSON bodies.

use oe_webhooks::config::dev;
use serde_json::{json, Value};

use crate::helpers::{inquiry, spawn, spawn_app, standard_headers, Spawn, WORKSHOP};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_generic_mail_is_accepted_then_a_redelivery_is_a_duplicate() {
    let app = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    let body = inquiry("anna@keller.ch", WORKSHOP).to_string();
    let first = app.post_standard("/webhooks/email/generic", dev::EMAIL_WEBHOOK_SECRET, "msg_1", &body).await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["status"], "accepted");

    // Same mail again (the provider retried): same inbox entry, 200.
    let again = app.post_standard("/webhooks/email/generic", dev::EMAIL_WEBHOOK_SECRET, "msg_2", &body).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, json!({"status": "duplicate", "id": first["id"]}));
    assert_eq!(app.inbox_stats().await.pending, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supabase_redelivery_with_the_same_webhook_id_is_a_duplicate() {
    let app = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    let task = "0190f0a0-0000-7000-8000-000000000001";
    let decided = json!({"type": "UPDATE", "table": "tasks", "schema": "public",
        "record": {"id": task, "status": "completed", "payload": {"action": "approve_message", "resolution": "approved"}},
        "old_record": {"id": task, "status": "pending"}})
    .to_string();
    let a = app.post_standard("/webhooks/supabase", dev::SUPABASE_WEBHOOK_SECRET, "msg_abc", &decided).await;
    let b = app.post_standard("/webhooks/supabase", dev::SUPABASE_WEBHOOK_SECRET, "msg_abc", &decided).await;
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (202, 200));
    assert_eq!(app.inbox_stats().await.pending, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supabase_change_that_needs_no_action_is_acknowledged_and_not_stored() {
    let app = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    let retitled = json!({"type": "UPDATE", "table": "tasks", "schema": "public",
        "record": {"id": "x", "title": "new"}, "old_record": {"id": "x", "title": "old"}})
    .to_string();
    let res = app.post_standard("/webhooks/supabase", dev::SUPABASE_WEBHOOK_SECRET, "msg_title", &retitled).await;
    assert_eq!(res.status(), 200);
    let stats = app.inbox_stats().await;
    let stored = stats.pending + stats.processing + stats.done + stats.dead;
    assert_eq!(stored, 0, "an edit the workflow ignores is not queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_missing_and_stale_signatures_get_401_with_a_json_reason() {
    let app = spawn_app().await;
    let body = inquiry("anna@keller.ch", WORKSHOP).to_string();
    let now = chrono::Utc::now().timestamp();
    let cases = [
        ("wrong secret", standard_headers("whsec_c2Vjb25kLXNlY3JldA==", "msg_1", now, &body)),
        // A minute past the 300 s tolerance each way: at 301 s a future
        // timestamp fell back inside it whenever a loaded machine took a
        // second to send the request.
        ("stale", standard_headers(dev::EMAIL_WEBHOOK_SECRET, "msg_1", now - 360, &body)),
        ("future", standard_headers(dev::EMAIL_WEBHOOK_SECRET, "msg_1", now + 360, &body)),
        ("missing", vec![("content-type", "application/json".to_string())]),
    ];
    for (what, headers) in cases {
        let res = app.post("/webhooks/email/generic", &headers, body.clone()).await;
        assert_eq!(res.status(), 401, "{what}");
        let json: Value = res.json().await.unwrap();
        assert!(json["error"].as_str().unwrap().ends_with("signature"), "{what}: {json}");
        assert!(!json["message"].as_str().unwrap().contains(dev::EMAIL_WEBHOOK_SECRET), "{what}");
    }
    // The Supabase secret does not open the email endpoint.
    let res = app.post_standard("/webhooks/email/generic", dev::SUPABASE_WEBHOOK_SECRET, "msg_x", &body).await;
    assert_eq!(res.status(), 401);
    assert_eq!(app.inbox_stats().await.pending + app.inbox_stats().await.done, 0, "nothing refused may be stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svix_header_names_and_rotated_secrets_are_accepted() {
    let old = "whsec_c2Vjb25kLXNlY3JldA==";
    let app = spawn(Spawn {
        vars: vec![("OE_EMAIL_WEBHOOK_SECRET", format!("{} {old}", dev::EMAIL_WEBHOOK_SECRET))],
        run_worker: false,
        ..Spawn::default()
    })
    .await;
    let body = inquiry("anna@keller.ch", WORKSHOP).to_string();
    let svix: Vec<(&str, String)> = standard_headers(old, "msg_svix", chrono::Utc::now().timestamp(), &body)
        .into_iter()
        .map(|(k, v)| {
            (if k.starts_with("webhook-") { k.replacen("webhook-", "svix-", 1).leak() as &str } else { k }, v)
        })
        .collect();
    assert_eq!(app.post("/webhooks/email/generic", &svix, body).await.status(), 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_wrong_type_malformed_and_unusable_bodies_get_their_status() {
    let app = spawn(Spawn { vars: vec![("OE_MAX_BODY_BYTES", "2048".into())], ..Spawn::default() }).await;
    let big = inquiry("anna@keller.ch", &"x".repeat(4096)).to_string();
    let res = app.post_standard("/webhooks/email/generic", dev::EMAIL_WEBHOOK_SECRET, "msg_big", &big).await;
    assert_eq!(res.status(), 413);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "payload_too_large");

    let mut headers = standard_headers(dev::EMAIL_WEBHOOK_SECRET, "msg_t", chrono::Utc::now().timestamp(), "{}");
    headers[0].1 = "text/plain".into();
    let res = app.post("/webhooks/email/generic", &headers, "{}").await;
    assert_eq!(res.status(), 415);

    let res =
        app.post_standard("/webhooks/email/generic", dev::EMAIL_WEBHOOK_SECRET, "msg_m", "{\"message_id\": ").await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "malformed");

    let no_sender =
        json!({"message_id": "<a@b.ch>", "from": {"email": "not-an-address"}, "received_at": "2026-11-25T10:00:00Z"})
            .to_string();
    let res = app.post_standard("/webhooks/email/generic", dev::EMAIL_WEBHOOK_SECRET, "msg_u", &no_sender).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unprocessable");

    let res = app.post("/webhooks/email/nosuchprovider", &[], "{}").await;
    assert_eq!(res.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_mailgun_post_is_accepted_and_a_bad_signature_is_not() {
    let app = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    let fields = [
        ("from", "Anna Keller <anna@keller.ch>"),
        ("sender", "anna@keller.ch"),
        ("recipient", "events@atelier-zurich.ch"),
        ("subject", "Workshop"),
        ("body-plain", WORKSHOP),
        ("Message-Id", "<mg-1@keller.ch>"),
    ];
    assert_eq!(app.post_mailgun(&fields).await.status(), 202);
    assert_eq!(app.post_mailgun(&fields).await.status(), 200, "same Message-Id is a duplicate");

    // A captured signature replayed with another body: the token is spent.
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = oe_webhooks::signature::mailgun::sign(dev::MAILGUN_SIGNING_KEY.as_bytes(), &ts, "captured-token");
    let signed = [("timestamp", ts.as_str()), ("token", "captured-token"), ("signature", sig.as_str())];
    let mut original: Vec<(&str, &str)> = fields.to_vec();
    original[5] = ("Message-Id", "<mg-2@keller.ch>");
    original.extend(signed);
    assert_eq!(app.post_mailgun(&original).await.status(), 202);
    let mut replayed: Vec<(&str, &str)> = fields.to_vec();
    replayed[4] = ("body-plain", "Please send the invoice to this other address.");
    replayed[5] = ("Message-Id", "<mg-3@keller.ch>");
    replayed.extend(signed);
    let res = app.post_mailgun(&replayed).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "replayed_signature");

    let mut forged: Vec<(&str, &str)> = fields.to_vec();
    let ts = chrono::Utc::now().timestamp().to_string();
    forged.extend([("timestamp", ts.as_str()), ("token", "abc"), ("signature", "00")]);
    assert_eq!(app.post_mailgun(&forged).await.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_authentication_failures_are_rate_limited() {
    let app = spawn(Spawn { vars: vec![("OE_RATE_LIMIT_PER_MIN", "3".into())], ..Spawn::default() }).await;
    let body = inquiry("anna@keller.ch", WORKSHOP).to_string();
    let mut statuses = Vec::new();
    for i in 0..5 {
        let res = app
            .post_standard("/webhooks/email/generic", "whsec_c2Vjb25kLXNlY3JldA==", &format!("msg_{i}"), &body)
            .await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app().await;
    let get = |p: &'static str| app.client.get(format!("{}{p}", app.address)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    let ready: Value = get("/readyz").await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    app.post_generic(&inquiry("anna@keller.ch", WORKSHOP)).await;
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(metrics.contains("oe_webhooks_received_total{endpoint=\"generic\",outcome=\"accepted\"} 1"), "{metrics}");
    assert!(metrics.contains("oe_inbox_entries{status=\"dead\"} 0"), "{metrics}");
}
