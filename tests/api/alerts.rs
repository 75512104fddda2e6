//! Operational alerts: a burst of dead entries is one incident, told once
//! to a Standard Webhooks receiver (its signature verified here) and once
//! by mail on a real SMTP server; the incident's resolution is told once too.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use mailin_embedded::{response, Handler, Response, Server};
use oe_webhooks::inbox::Backoff;
use oe_webhooks::signature::standard::{verify, SignedHeaders, SigningKey};
use serde_json::{json, Value};

use crate::helpers::{approval, inquiry, spawn, Spawn, TestApp, WORKSHOP};

/// base64("alerts-receiver-secret")
const ALERT_SECRET: &str = "whsec_YWxlcnRzLXJlY2VpdmVyLXNlY3JldA==";
const OPS: &str = "ops@atelier-ops.ch";

/// The verified alerts, and how many deliveries failed verification.
type Received = (Arc<Mutex<Vec<Value>>>, Arc<Mutex<u32>>);

/// The operational webhook's receiver: keeps the alerts whose Standard
/// Webhooks signature verifies, answers 401 to any other.
struct Receiver {
    url: String,
    alerts: Arc<Mutex<Vec<Value>>>,
    rejected: Arc<Mutex<u32>>,
}

async fn receive(req: HttpRequest, body: web::Bytes, receiver: web::Data<Received>) -> HttpResponse {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let headers = SignedHeaders {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
    };
    let keys = [SigningKey::parse(ALERT_SECRET).unwrap()];
    if verify(&keys, headers, &body, chrono::Utc::now().timestamp(), 300).is_err() {
        *receiver.1.lock().unwrap() += 1;
        return HttpResponse::Unauthorized().finish();
    }
    let mut alert: Value = serde_json::from_slice(&body).unwrap();
    alert["webhook_id"] = json!(header("webhook-id"));
    receiver.0.lock().unwrap().push(alert);
    HttpResponse::NoContent().finish()
}

impl Receiver {
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (alerts, rejected) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(0)));
        let data = web::Data::new((alerts.clone(), rejected.clone()));
        let server =
            HttpServer::new(move || App::new().app_data(data.clone()).route("/ops/alerts", web::post().to(receive)))
                .workers(1)
                .disable_signals()
                .listen(listener)
                .unwrap()
                .run();
        tokio::spawn(server);
        Self { url: format!("http://127.0.0.1:{port}/ops/alerts?token=not-logged"), alerts, rejected }
    }

    fn alerts(&self) -> Vec<Value> {
        self.alerts.lock().unwrap().clone()
    }
}

/// A mail server that refuses every client's address for good (550), so an
/// approved mail can only die, and takes mail to the operators.
#[derive(Clone, Default)]
struct OpsOnly {
    mails: Arc<Mutex<Vec<String>>>,
    current: Option<String>,
}

impl Handler for OpsOnly {
    fn rcpt(&mut self, to: &str) -> Response {
        if to.eq_ignore_ascii_case(OPS) {
            response::OK
        } else {
            response::NO_MAILBOX
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> Response {
        self.current = Some(String::new());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(m) = self.current.as_mut() {
            m.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(m) = self.current.take() {
            self.mails.lock().unwrap().push(m);
        }
        response::OK
    }
}

fn ops_smtp() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = OpsOnly::default();
    let mails = handler.mails.clone();
    let mut server = Server::new(handler);
    server.with_name("smtp.test").with_num_threads(2).with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (format!("smtp://127.0.0.1:{port}"), mails)
}

async fn until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn scrape(app: &TestApp) -> String {
    app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_dead_entries_raises_one_signed_alert_and_one_mail_then_one_resolution() {
    let receiver = Receiver::start();
    let (smtp_url, ops_mails) = ops_smtp();
    let app = spawn(Spawn {
        vars: vec![
            ("OE_SMTP_URL", smtp_url),
            ("OE_ALERT_WEBHOOK_URL", receiver.url.clone()),
            ("OE_ALERT_WEBHOOK_SECRET", ALERT_SECRET.into()),
            ("OE_ALERT_EMAIL", OPS.into()),
            ("OE_ALERT_CHECK_SECS", "1".into()),
        ],
        // A refused mail is final anyway; one attempt keeps the test short.
        backoff: Some(Backoff { base: Duration::from_millis(10), max: Duration::from_millis(20), max_attempts: 1 }),
        ..Spawn::default()
    })
    .await;

    // Three clients, three drafts, three approvals whose mail the server refuses.
    for client in ["anna@keller.ch", "ben@huber.ch", "carla@meier.ch"] {
        assert_eq!(app.post_generic(&inquiry(client, WORKSHOP)).await.status(), 202);
    }
    app.wait_idle().await;
    let tasks = app.query("SELECT * FROM tasks WHERE status = 'pending'");
    assert_eq!(tasks.len(), 3);
    for task in &tasks {
        assert_eq!(app.post_supabase(&approval(task)).await.status(), 202);
    }
    assert_eq!(app.wait_idle().await.dead, 3, "the burst: three dead entries");

    let opened = until("the alert", || receiver.alerts().first().cloned()).await;
    until("the alert mail", || ops_mails.lock().unwrap().first().cloned()).await;
    // Several checks later, still one alert: the incident stays open.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let alerts = receiver.alerts();
    assert_eq!(alerts.len(), 1, "one alert for the burst, not one per entry: {alerts:#?}");
    assert_eq!(*receiver.rejected.lock().unwrap(), 0, "every delivery's signature verified");
    assert_eq!(opened["type"], "message.attempt.exhausted");
    assert_eq!(opened["data"]["state"], "open");
    let dead = opened["data"]["dead"].as_u64().unwrap();
    assert!((1..=3).contains(&dead), "{opened}");
    let incident = opened["data"]["incident_id"].as_str().unwrap().to_string();
    assert!(opened["webhook_id"].as_str().unwrap().starts_with("msg_"), "{opened}");
    let mails = ops_mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "one mail for the burst");
    assert!(mails[0].contains("message.attempt.exhausted") && mails[0].contains(&incident), "{}", mails[0]);
    let text = scrape(&app).await;
    for channel in ["webhook", "email"] {
        let series = format!("oe_alerts_sent_total{{alert=\"message.attempt.exhausted\",channel=\"{channel}\"}} 1");
        assert!(text.contains(&series), "{series} missing:\n{text}");
    }

    // An operator deals with the dead entries (here: straight in the inbox
    // file): the incident is resolved, and that is told once too.
    let inbox = rusqlite::Connection::open(app.dir.path().join("inbox.sqlite3")).unwrap();
    inbox.busy_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        inbox.execute("UPDATE inbox SET status = 'done', finished_at = 0 WHERE status = 'dead'", []).unwrap(),
        3
    );
    let resolved = until("the resolution", || receiver.alerts().get(1).cloned()).await;
    assert_eq!(resolved["data"]["state"], "resolved");
    assert_eq!(resolved["data"]["incident_id"], incident.as_str(), "the same incident");
    until("the resolution mail", || ops_mails.lock().unwrap().get(1).cloned()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.alerts().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spike_of_failed_authentications_at_one_provider_raises_one_alert() {
    let receiver = Receiver::start();
    let app = spawn(Spawn {
        vars: vec![
            ("OE_ALERT_WEBHOOK_URL", receiver.url.clone()),
            ("OE_ALERT_WEBHOOK_SECRET", ALERT_SECRET.into()),
            ("OE_ALERT_CHECK_SECS", "1".into()),
            ("OE_ALERT_AUTH_FAILURES_PER_MIN", "5".into()),
            // The failures must reach the handler, not the rate limit.
            ("OE_RATE_LIMIT_PER_MIN", "0".into()),
        ],
        ..Spawn::default()
    })
    .await;
    // A sender still on the old secret.
    let body = inquiry("anna@keller.ch", WORKSHOP).to_string();
    for i in 0..8 {
        let res = app
            .post_standard("/webhooks/email/generic", "whsec_b2xkLXNlY3JldA==", &format!("msg_old_{i}"), &body)
            .await;
        assert_eq!(res.status(), 401);
    }
    let alert = until("the alert", || receiver.alerts().first().cloned()).await;
    assert_eq!(alert["type"], "webhook.authentication.failing");
    assert_eq!(alert["data"]["endpoint"], "generic");
    assert!(alert["data"]["summary"].as_str().unwrap().contains("/webhooks/email/generic"), "{alert}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(receiver.alerts().len(), 1, "once per incident");
}
