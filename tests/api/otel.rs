//! OpenTelemetry export end to end: the real binary in Supabase mode (real
//! PostgREST 12, real SMTP server), configured only by the standard `OTEL_*`
//! variables, exports its spans over OTLP/HTTP to a collector stand-in. The
//! stand-in is a small HTTP server in this test that decodes the protobuf
//! the exporter posts (`opentelemetry-proto`): it stands in for an
//! OpenTelemetry Collector, which cannot be installed here.
//!
//! The service runs as a child process because tracing is process-global:
//! its subscriber and exporter must not see the other tests' services.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use oe_webhooks::config::dev;
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{inquiry, standard_headers, WORKSHOP};
use crate::postgrest::SupabaseHarness;
use crate::smtp::SmtpServer;
use crate::supabase::{harness, Tenant};

/// One span as the collector received it (ids in hex).
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    pub trace_id: String,
    pub span_id: String,
    /// Empty for a root span.
    pub parent_span_id: String,
    pub name: String,
    pub service: String,
}

/// The collector stand-in: `POST /v1/traces` with an OTLP protobuf body.
pub struct Collector {
    pub port: u16,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    server: actix_web::dev::ServerHandle,
}

async fn receive(body: web::Bytes, spans: web::Data<Arc<Mutex<Vec<ReceivedSpan>>>>) -> HttpResponse {
    let Ok(request) = ExportTraceServiceRequest::decode(body.as_ref()) else {
        return HttpResponse::BadRequest().finish();
    };
    let mut received = spans.lock().unwrap();
    for resource in request.resource_spans {
        let service = resource
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
            .map(|v| match v {
                AnyValue::StringValue(s) => s.clone(),
                other => format!("{other:?}"),
            })
            .unwrap_or_default();
        for scope in resource.scope_spans {
            for s in scope.spans {
                received.push(ReceivedSpan {
                    trace_id: hex::encode(&s.trace_id),
                    span_id: hex::encode(&s.span_id),
                    parent_span_id: hex::encode(&s.parent_span_id),
                    name: s.name,
                    service: service.clone(),
                });
            }
        }
    }
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .body(ExportTraceServiceResponse::default().encode_to_vec())
}

impl Collector {
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let spans = Arc::new(Mutex::new(Vec::new()));
        let data = web::Data::new(spans.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                .route("/v1/traces", web::post().to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self { port, spans, server: handle }
    }

    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().unwrap().clone()
    }

    /// Waits until spans of `trace_id` with each of `names` arrived (a parent
    /// ends, and is exported, after its children); the trace's spans.
    pub async fn wait_for(&self, trace_id: &str, names: &[&str]) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let trace: Vec<ReceivedSpan> = self.spans().into_iter().filter(|s| s.trace_id == trace_id).collect();
            if names.iter().all(|name| trace.iter().any(|s| s.name == *name)) {
                return trace;
            }
            assert!(Instant::now() < deadline, "not all of {names:?} in trace {trace_id}; got {trace:#?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

/// The `oe-webhooks` binary, serving with only `env` for configuration.
struct Service {
    child: Child,
    base: String,
}

impl Service {
    async fn start(env: &[(&str, String)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::env::var("TEST_LOG").is_ok();
        let child = Command::new(env!("CARGO_BIN_EXE_oe-webhooks"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OE_BIND", format!("127.0.0.1:{port}"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(if log { Stdio::inherit() } else { Stdio::null() })
            .stderr(if log { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .expect("the binary starts");
        let service = Self { child, base: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = reqwest::Client::new();
        while !client.get(format!("{}/healthz", service.base)).send().await.is_ok_and(|r| r.status().is_success()) {
            assert!(Instant::now() < deadline, "the service did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        service
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn pending_task(h: &SupabaseHarness, team: Uuid) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row = h
            .psql(&format!("select row_to_json(t)::text from tasks t where team_id = '{team}' and status = 'pending'"))
            .await
            .unwrap();
        if !row.trim().is_empty() {
            return serde_json::from_str(row.trim()).unwrap();
        }
        assert!(Instant::now() < deadline, "no task was drafted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The span of `spans` named `name` whose parent is `parent`.
fn child<'a>(spans: &'a [ReceivedSpan], parent: &ReceivedSpan, name: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|s| s.parent_span_id == parent.span_id && s.name == name)
        .unwrap_or_else(|| panic!("no {name:?} span under {:?}: {spans:#?}", parent.name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_its_approval_and_the_smtp_send_arrive_at_the_collector_as_one_trace_per_event() {
    let h = harness().await;
    let smtp = SmtpServer::start();
    let collector = Collector::start();
    let tenant = Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() };
    let data = tempfile::TempDir::new().unwrap();
    let service = Service::start(&[
        ("OE_INTEGRATION_MODE", "supabase".into()),
        ("OE_SUPABASE_URL", h.base_url.clone()),
        ("OE_SUPABASE_KEY", h.service_key.clone()),
        ("OE_TEAM_ID", tenant.team.to_string()),
        ("OE_SYSTEM_USER_ID", tenant.user.to_string()),
        ("OE_FROM_EMAIL", dev::FROM_EMAIL.into()),
        ("OE_SUPABASE_WEBHOOK_SECRET", dev::SUPABASE_WEBHOOK_SECRET.into()),
        ("OE_EMAIL_WEBHOOK_SECRET", dev::EMAIL_WEBHOOK_SECRET.into()),
        ("OE_SMTP_URL", smtp.url()),
        ("OE_DATA_DIR", data.path().display().to_string()),
        ("OE_LOG_FORMAT", "json".into()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://127.0.0.1:{}", collector.port)),
        ("OTEL_SERVICE_NAME", "oe-webhooks-under-test".into()),
        // Export every 100 ms instead of every 5 s.
        ("OTEL_BSP_SCHEDULE_DELAY", "100".into()),
    ])
    .await;
    let client = reqwest::Client::new();

    // The inquiry: a trace that starts at the request.
    let body = inquiry("anna@keller.ch", WORKSHOP).to_string();
    let mut req = client.post(format!("{}/webhooks/email/generic", service.base)).body(body.clone());
    for (k, v) in
        standard_headers(dev::EMAIL_WEBHOOK_SECRET, "msg_trace_inquiry", chrono::Utc::now().timestamp(), &body)
    {
        req = req.header(k, v);
    }
    assert_eq!(req.send().await.unwrap().status(), 202);
    let task = pending_task(&h, tenant.team).await;

    // The approval, sent with a W3C traceparent of the sender's: the trace
    // continues it.
    let (trace_id, sender_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let decision = crate::helpers::approval(&task).to_string();
    let mut req = client.post(format!("{}/webhooks/supabase", service.base)).body(decision.clone());
    let headers =
        standard_headers(dev::SUPABASE_WEBHOOK_SECRET, "msg_trace_decision", chrono::Utc::now().timestamp(), &decision);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req = req.header("traceparent", format!("00-{trace_id}-{sender_span}-01"));
    assert_eq!(req.send().await.unwrap().status(), 202);
    assert_eq!(smtp.wait_for(1).await.len(), 1, "the approved mail went out");

    // webhook -> inbox entry -> turn -> PostgREST calls and the SMTP send, in
    // the sender's trace.
    let trace = collector.wait_for(trace_id, &["smtp send", "on_decision", "process inbox entry"]).await;
    let request = trace
        .iter()
        .find(|s| s.name == "POST /webhooks/supabase")
        .unwrap_or_else(|| panic!("no request span: {trace:#?}"));
    assert_eq!(request.parent_span_id, sender_span, "the request continues the sender's span");
    let entry = child(&trace, request, "process inbox entry");
    let turn = child(&trace, entry, "on_decision");
    child(&trace, turn, "smtp send");
    let store_calls: Vec<&str> =
        trace.iter().filter(|s| s.parent_span_id == turn.span_id).map(|s| s.name.as_str()).collect();
    assert!(store_calls.contains(&"PATCH tasks"), "the task's claim is a PostgREST call of the turn: {store_calls:?}");
    assert!(
        store_calls.iter().any(|n| n.starts_with("POST rpc/")),
        "and so are the RPCs (the booking, the apply): {store_calls:?}"
    );
    assert!(trace.iter().all(|s| s.service == "oe-webhooks-under-test"), "OTEL_SERVICE_NAME is used");

    // The inquiry's own trace: its request is a root, and the coalesced
    // context read (a PostgREST RPC) sits under its turn.
    let spans = collector.spans();
    let inquiry = spans
        .iter()
        .find(|s| s.name == "POST /webhooks/email/generic")
        .unwrap_or_else(|| panic!("no inquiry request span: {spans:#?}"));
    assert!(inquiry.parent_span_id.is_empty(), "no traceparent came with it: a new trace");
    assert_ne!(inquiry.trace_id, trace_id, "one trace per event");
    let trace = collector.wait_for(&inquiry.trace_id, &["store_batch", "on_mail", "process inbox entry"]).await;
    let entry = child(&trace, inquiry, "process inbox entry");
    let turn = child(&trace, entry, "on_mail");
    let batch = child(&trace, turn, "store_batch");
    assert!(
        trace.iter().any(|s| s.parent_span_id == batch.span_id && s.name.starts_with("POST rpc/oe_mail_context")),
        "the context read is a PostgREST call of the batch: {trace:#?}"
    );

    let names: HashMap<&str, usize> = trace.iter().fold(HashMap::new(), |mut m, s| {
        *m.entry(s.name.as_str()).or_default() += 1;
        m
    });
    assert_eq!(names.get("process inbox entry"), Some(&1), "processed once: {names:?}");
    // The same calls, counted: PostgREST latency by operation.
    let metrics = client.get(format!("{}/metrics", service.base)).send().await.unwrap().text().await.unwrap();
    let count =
        |series: &str| metrics.lines().find_map(|l| l.strip_prefix(series)?.trim().parse::<f64>().ok()).unwrap_or(0.0);
    assert!(count("oe_postgrest_request_seconds_count{operation=\"rpc/oe_inbox_claim\"}") >= 1.0, "{metrics}");
    assert!(count("oe_postgrest_request_seconds_count{operation=\"tasks\"}") >= 1.0, "{metrics}");
    assert_eq!(count("oe_smtp_send_seconds_count"), 1.0, "{metrics}");
    drop(service);
    collector.stop().await;
}
