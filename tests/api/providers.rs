//! Inbound mail through every provider's endpoint, authenticated each in
//! its own way. Resend's received-emails API cannot run here: a local
//! stand-in of that one endpoint (`GET /emails/receiving/{id}`) answers in
//! the response shape of Resend's API reference.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use oe_webhooks::config::dev;
use oe_webhooks::inbox::Backoff;
use oe_webhooks::signature::basic;
use oe_webhooks::signature::standard::SigningKey;
use serde_json::{json, Value};

use crate::helpers::{spawn, Spawn, TestApp, WORKSHOP};

const RESEND_KEY: &str = "re_test_key";

/// The stand-in: `flaky` fails once with 503, `missing` is 404, a wrong
/// key is 401, anything else is a received mail.
async fn resend_stand_in() -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let server = HttpServer::new(move || {
        let counter = counter.clone();
        App::new().route(
            "/emails/receiving/{id}",
            web::get().to(move |req: HttpRequest, id: web::Path<String>| {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    if req.headers().get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {RESEND_KEY}")) {
                        return HttpResponse::Unauthorized().json(json!({"statusCode": 401, "name": "validation_error", "message": "API key is invalid"}));
                    }
                    if id.as_str() == "missing" {
                        return HttpResponse::NotFound().json(json!({"statusCode": 404, "name": "not_found", "message": "Email not found"}));
                    }
                    if id.as_str() == "flaky" && n == 0 {
                        return HttpResponse::ServiceUnavailable().finish();
                    }
                    HttpResponse::Ok().json(json!({
                        "object": "email",
                        "id": id.as_str(),
                        "to": ["events@atelier-zurich.ch"],
                        "from": "Lea Schmid <lea.schmid@example.ch>",
                        "created_at": "2026-11-25T09:41:12.000Z",
                        "subject": "Team workshop",
                        "html": "<p>Hello</p>",
                        "text": WORKSHOP,
                        "headers": {"Message-ID": format!("<{id}@mail.example.ch>"), "In-Reply-To": "<out-1@atelier-zurich.ch>"},
                        "bcc": [], "cc": [], "reply_to": [],
                        "message_id": format!("<{id}@mail.example.ch>"),
                        "attachments": [{"id": "att_1", "filename": "floorplan.pdf", "content_type": "application/pdf", "content_disposition": "attachment", "size": 48213}]
                    }))
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    tokio::spawn(server.run());
    (format!("http://{addr}"), calls)
}

fn received_event(email_id: &str) -> String {
    json!({
        "type": "email.received",
        "created_at": "2026-11-25T09:41:13.000Z",
        "data": {
            "email_id": email_id,
            "created_at": "2026-11-25T09:41:12.000Z",
            "from": "Lea Schmid <lea.schmid@example.ch>",
            "to": ["events@atelier-zurich.ch"],
            "cc": [], "bcc": [],
            "message_id": format!("<{email_id}@mail.example.ch>"),
            "subject": "Team workshop",
            "attachments": [{"id": "att_1", "filename": "floorplan.pdf", "content_type": "application/pdf", "content_disposition": "attachment"}]
        }
    })
    .to_string()
}

async fn post_resend(app: &TestApp, body: &str, secret: &str) -> reqwest::Response {
    let key = SigningKey::parse(secret).unwrap();
    let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let ts = chrono::Utc::now().timestamp();
    let headers = [
        ("content-type", "application/json".to_string()),
        ("svix-id", id.clone()),
        ("svix-timestamp", ts.to_string()),
        ("svix-signature", key.sign(&id, ts, body.as_bytes())),
    ];
    app.post("/webhooks/email/resend", &headers, body.to_string()).await
}

async fn resend_app(base: &str) -> TestApp {
    spawn(Spawn {
        vars: vec![("OE_RESEND_API_BASE", base.to_string()), ("OE_RESEND_API_KEY", RESEND_KEY.to_string())],
        backoff: Some(Backoff { base: Duration::from_millis(10), max: Duration::from_millis(20), max_attempts: 4 }),
        ..Spawn::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resend_notice_is_acknowledged_then_its_content_fetched_into_a_booking() {
    let (base, calls) = resend_stand_in().await;
    let app = resend_app(&base).await;
    let body = received_event("8c1f0e6a-77c4-4b5e-9b0e-1f2d3c4b5a69");
    let res = post_resend(&app, &body, dev::RESEND_WEBHOOK_SECRET).await;
    assert_eq!(res.status(), 202);
    let stats = app.wait_idle().await;
    assert_eq!((stats.done, stats.dead), (1, 0));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the body is fetched once, by the worker");
    let emails = app.query("SELECT * FROM emails");
    assert_eq!(emails[0]["body_text"], WORKSHOP);
    assert_eq!(emails[0]["message_id"], "8c1f0e6a-77c4-4b5e-9b0e-1f2d3c4b5a69@mail.example.ch");
    assert_eq!(emails[0]["in_reply_to"], "out-1@atelier-zurich.ch");
    assert_eq!(app.query("SELECT attendees FROM events")[0]["attendees"], 24);
    // Resend redelivers the same event: acknowledged, no second fetch.
    assert_eq!(post_resend(&app, &body, dev::RESEND_WEBHOOK_SECRET).await.status(), 200);
    app.wait_idle().await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_fetches_retry_on_5xx_and_give_up_on_404_and_a_wrong_key() {
    let (base, _) = resend_stand_in().await;
    let app = resend_app(&base).await;
    assert_eq!(post_resend(&app, &received_event("flaky"), dev::RESEND_WEBHOOK_SECRET).await.status(), 202);
    assert_eq!(post_resend(&app, &received_event("missing"), dev::RESEND_WEBHOOK_SECRET).await.status(), 202);
    let stats = app.wait_idle().await;
    assert_eq!((stats.done, stats.dead), (1, 1), "flaky succeeds on retry, missing is dead");

    let wrong_key = spawn(Spawn {
        vars: vec![("OE_RESEND_API_BASE", base.clone()), ("OE_RESEND_API_KEY", "re_wrong".into())],
        ..Spawn::default()
    })
    .await;
    post_resend(&wrong_key, &received_event("abc"), dev::RESEND_WEBHOOK_SECRET).await;
    assert_eq!(wrong_key.wait_idle().await.dead, 1);
    assert!(wrong_key.query("SELECT id FROM events").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_get_401_from_every_provider() {
    let app = spawn(Spawn::default()).await;
    let json_ct = ("content-type", "application/json".to_string());
    let bad_basic = ("authorization", basic::header("postmark", "wrong"));
    assert_eq!(app.post("/webhooks/email/postmark", &[json_ct.clone(), bad_basic.clone()], "{}").await.status(), 401);
    assert_eq!(app.post("/webhooks/email/postmark", std::slice::from_ref(&json_ct), "{}").await.status(), 401);
    let multipart = ("content-type", "multipart/form-data; boundary=xyz".to_string());
    let bad_sg = ("authorization", basic::header(dev::SENDGRID_USER, "wrong"));
    assert_eq!(app.post("/webhooks/email/sendgrid", &[multipart, bad_sg], "--xyz--\r\n").await.status(), 401);
    let res = post_resend(&app, &received_event("x"), "whsec_c2Vjb25kLXNlY3JldA==").await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_signature");
    let mailgun = [("content-type", "application/x-www-form-urlencoded".to_string())];
    assert_eq!(app.post("/webhooks/email/mailgun", &mailgun, "timestamp=1&token=a&signature=b").await.status(), 401);
    assert_eq!(app.inbox_stats().await.pending, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_resend_events_are_acknowledged_without_effect() {
    let app = spawn(Spawn::default()).await;
    let body = json!({"type": "email.delivered", "created_at": "2026-11-25T09:41:13.000Z", "data": {"email_id": "x"}})
        .to_string();
    let res = post_resend(&app, &body, dev::RESEND_WEBHOOK_SECRET).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ignored");
    assert_eq!(app.inbox_stats().await.pending, 0);
}

/// A post that can never succeed gets the answer that stops its sender's
/// retries (Mailgun 406, Postmark 403, Svix `webhook-delivery:
/// abort-message`, SendGrid any 4xx), with the same JSON body as elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_that_can_never_succeed_stops_each_providers_retries() {
    let app = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    let mut answers = Vec::new();

    let store_notify = [("sender", "anna@keller.ch"), ("message-url", "https://storage.api.mailgun.net/v3/x")];
    answers.push(("mailgun", app.post_mailgun(&store_notify).await));
    let pm_auth = ("authorization", basic::header(dev::POSTMARK_USER, dev::POSTMARK_PASSWORD));
    let json_ct = ("content-type", "application/json".to_string());
    let no_sender = json!({"MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817", "TextBody": "hi"}).to_string();
    answers
        .push(("postmark", app.post("/webhooks/email/postmark", &[json_ct.clone(), pm_auth.clone()], no_sender).await));
    let text = ("content-type", "text/plain".to_string());
    answers.push(("postmark", app.post("/webhooks/email/postmark", &[text, pm_auth], "hello").await));
    answers.push(("resend", post_resend(&app, "{\"type\": ", dev::RESEND_WEBHOOK_SECRET).await));
    let sg = [
        ("content-type", "multipart/form-data; boundary=b".to_string()),
        ("authorization", basic::header(dev::SENDGRID_USER, dev::SENDGRID_PASSWORD)),
    ];
    answers.push(("sendgrid", app.post("/webhooks/email/sendgrid", &sg, "--b\r\nbroken").await));

    let mut seen = Vec::new();
    for (provider, res) in answers {
        let status = res.status().as_u16();
        let abort = res.headers().get("webhook-delivery").map(|v| v.to_str().unwrap().to_string());
        let body: Value = res.json().await.unwrap();
        seen.push(format!("{provider} {status} {} {abort:?}", body["error"].as_str().unwrap()));
    }
    assert_eq!(
        seen,
        [
            "mailgun 406 unprocessable None",
            "postmark 403 unprocessable None",
            "postmark 403 unsupported_media_type None",
            "resend 400 malformed Some(\"abort-message\")",
            "sendgrid 400 malformed None",
        ]
    );
    // A bad signature is not final: the sender's retry may meet a fixed secret.
    let bad = post_resend(&app, "{\"type\": ", "whsec_c2Vjb25kLXNlY3JldA==").await;
    assert_eq!(bad.status(), 401);
    assert!(bad.headers().get("webhook-delivery").is_none());
    assert_eq!(app.inbox_stats().await.pending, 0);
}

/// SendGrid posts inbound mail up to 30 MB: a 25 MB mail with one
/// attachment is accepted under the default limit, streamed through the
/// parser, and the attachment lands in the intake task as metadata only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_25_mb_sendgrid_mail_is_accepted_with_its_attachment_as_metadata() {
    let app = spawn(Spawn::default()).await;
    let size = 25 * 1000 * 1000;
    let body = sendgrid_with_attachment("<big-25mb@keller.ch>", size);
    assert!(body.len() > size);
    let headers = [
        ("content-type", "multipart/form-data; boundary=xYzZY".to_string()),
        ("authorization", basic::header(dev::SENDGRID_USER, dev::SENDGRID_PASSWORD)),
    ];
    let res = app.post("/webhooks/email/sendgrid", &headers, body).await;
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let stats = app.wait_idle_for(Duration::from_secs(60)).await;
    assert_eq!((stats.done, stats.dead), (1, 0));
    let tasks = app.query("SELECT payload FROM tasks");
    let attachments = &tasks[0]["payload"]["attachments"];
    assert_eq!(
        attachments,
        &json!([{"filename": "Grundriss.pdf", "content_type": "application/pdf", "size": size}]),
        "{}",
        tasks[0]
    );
    // The content went nowhere: no row holds anything near its size.
    let largest = app.query("SELECT max(length(payload)) AS n FROM tasks")[0]["n"].as_u64().unwrap();
    assert!(largest < 100_000, "{largest}");

    // Over the limit: refused while it streams in, without reading it whole.
    let small = spawn(Spawn { vars: vec![("OE_MAX_BODY_BYTES", "1000000".into())], ..Spawn::default() }).await;
    let res = small.post("/webhooks/email/sendgrid", &headers, sendgrid_with_attachment("<b@k.ch>", 2_000_000)).await;
    assert_eq!(res.status(), 413);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "payload_too_large");
}

/// A parsed-mode SendGrid post from Anna Keller with one PDF of `size` bytes.
fn sendgrid_with_attachment(message_id: &str, size: usize) -> Vec<u8> {
    let part = |name: &str, extra: &str, value: &[u8]| -> Vec<u8> {
        let mut p = format!("--xYzZY\r\nContent-Disposition: form-data; name=\"{name}\"{extra}\r\n\r\n").into_bytes();
        p.extend_from_slice(value);
        p.extend_from_slice(b"\r\n");
        p
    };
    let headers = format!(
        "From: Anna Keller <anna@keller.ch>\nTo: events@atelier-zurich.ch\nSubject: Workshop\nMessage-ID: {message_id}\n"
    );
    let mut body = Vec::with_capacity(size + 4096);
    body.extend(part("headers", "", headers.as_bytes()));
    body.extend(part("text", "", WORKSHOP.as_bytes()));
    body.extend(part("envelope", "", br#"{"to":["events@atelier-zurich.ch"],"from":"anna@keller.ch"}"#));
    body.extend(part(
        "attachment-info",
        "",
        br#"{"attachment1":{"filename":"Grundriss.pdf","type":"application/pdf"}}"#,
    ));
    let pdf: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    body.extend(part("attachment1", "; filename=\"Grundriss.pdf\"\r\nContent-Type: application/pdf", &pdf));
    body.extend_from_slice(b"--xYzZY--\r\n");
    body
}
