//! Process metrics at `/metrics`, in the OpenMetrics text format (which
//! Prometheus scrapes), kept in a `prometheus-client` registry.
//!
//! Families (README, "Operating", "Metrics"):
//! - `oe_webhooks_received_total{endpoint,outcome}`: every webhook request by
//!   provider and outcome (`accepted`, `duplicate`, `rejected`, `ignored`,
//!   `not_configured`, `rate_limited`, `unavailable`);
//! - `oe_webhooks_refused_total{endpoint,reason}`: refusals by the reason code
//!   of the answer (`invalid_signature`, `malformed`, ...), and
//!   `oe_webhooks_auth_failures_total{endpoint}` for the authentication ones;
//! - `oe_webhook_ack_seconds{endpoint}`: from the request's start to its answer;
//! - `oe_inbox_processed_total{outcome}` (`done`, `retry`, `dead`) and
//!   `oe_inbox_processing_seconds{outcome}`: one handling of an entry;
//! - `oe_inbox_entries{status}`, `oe_inbox_oldest_pending_age_seconds`,
//!   `oe_tasks_pending{action}`: read from the stores at scrape time;
//! - `oe_postgrest_request_seconds{operation}`, `oe_postgrest_errors_total{operation,kind}`;
//! - `oe_smtp_send_seconds`, `oe_smtp_errors_total{kind}`, `oe_mails_sent_total`;
//! - `oe_inbox_commits_total`, `oe_inbox_committed_entries_total`,
//!   `oe_inbox_append_failures_total`, `oe_alerts_sent_total{alert,channel}`.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::domain::TaskAction;
use crate::inbox::InboxStats;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointOutcome {
    endpoint: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointReason {
    endpoint: &'static str,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Endpoint {
    endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Status {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Action {
    action: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Operation {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationKind {
    operation: String,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertLabels {
    alert: &'static str,
    channel: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// 0.25 ms to ~16 s: an acknowledgement takes about a millisecond, a turn on
/// PostgREST tens of milliseconds, an SMTP send up to seconds.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.00025, 2.0, 17))
}

/// What is read from the stores when `/metrics` is scraped.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub inbox: Option<InboxStats>,
    /// Age of the oldest unfinished (pending or processing) entry, if any.
    pub oldest_pending_age: Option<Duration>,
    /// Pending tasks by `payload.action`, when the store could be read.
    pub tasks_pending: Option<Vec<(TaskAction, u64)>>,
}

/// The process's metrics; cheap to update from any thread.
pub struct Metrics {
    /// Only encoding needs the registry; the handles below update lock-free.
    registry: Mutex<Registry>,
    received: Family<EndpointOutcome, Counter>,
    refused: Family<EndpointReason, Counter>,
    auth_failures: Family<Endpoint, Counter>,
    ack: Histograms<Endpoint>,
    processed: Family<Outcome, Counter>,
    processing: Histograms<Outcome>,
    batches: Counter,
    batched_entries: Counter,
    append_failures: Counter,
    mails_sent: Counter,
    smtp: Histogram,
    smtp_errors: Family<Kind, Counter>,
    postgrest: Histograms<Operation>,
    postgrest_errors: Family<OperationKind, Counter>,
    alerts: Family<AlertLabels, Counter>,
    entries: Family<Status, Gauge>,
    oldest_pending: Gauge<f64, std::sync::atomic::AtomicU64>,
    tasks_pending: Family<Action, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let m = Self {
            registry: Mutex::new(Registry::default()),
            received: Family::default(),
            refused: Family::default(),
            auth_failures: Family::default(),
            ack: Family::new_with_constructor(latency),
            processed: Family::default(),
            processing: Family::new_with_constructor(latency),
            batches: Counter::default(),
            batched_entries: Counter::default(),
            append_failures: Counter::default(),
            mails_sent: Counter::default(),
            smtp: latency(),
            smtp_errors: Family::default(),
            postgrest: Family::new_with_constructor(latency),
            postgrest_errors: Family::default(),
            alerts: Family::default(),
            entries: Family::default(),
            oldest_pending: Gauge::default(),
            tasks_pending: Family::default(),
        };
        {
            let mut r = m.registry.lock().expect("metrics registry");
            r.register("oe_webhooks_received", "Webhook requests by endpoint and outcome", m.received.clone());
            r.register("oe_webhooks_refused", "Refused webhooks by endpoint and reason code", m.refused.clone());
            r.register(
                "oe_webhooks_auth_failures",
                "Webhooks refused for failed authentication (a spike: a misconfigured secret)",
                m.auth_failures.clone(),
            );
            r.register("oe_webhook_ack_seconds", "Time from a webhook's arrival to its answer", m.ack.clone());
            r.register(
                "oe_inbox_processed",
                "Inbox entries handled, by outcome (done, retry, dead)",
                m.processed.clone(),
            );
            r.register(
                "oe_inbox_processing_seconds",
                "Time to handle one inbox entry, by outcome",
                m.processing.clone(),
            );
            r.register("oe_inbox_commits", "Durable inbox commits (each holds a batch of requests)", m.batches.clone());
            r.register("oe_inbox_committed_entries", "Entries written by those commits", m.batched_entries.clone());
            r.register(
                "oe_inbox_append_failures",
                "Requests answered 503 because the inbox could not persist",
                m.append_failures.clone(),
            );
            r.register("oe_mails_sent", "Approved messages sent to clients", m.mails_sent.clone());
            r.register("oe_smtp_send_seconds", "Time to hand one message to the mail server", m.smtp.clone());
            r.register("oe_smtp_errors", "Failed sends by kind (not_sent, uncertain)", m.smtp_errors.clone());
            r.register("oe_postgrest_request_seconds", "PostgREST round trips by operation", m.postgrest.clone());
            r.register(
                "oe_postgrest_errors",
                "Failed PostgREST calls by operation and kind",
                m.postgrest_errors.clone(),
            );
            r.register("oe_alerts_sent", "Operational alerts delivered, by alert and channel", m.alerts.clone());
            r.register("oe_inbox_entries", "Inbox entries by status", m.entries.clone());
            r.register(
                "oe_inbox_oldest_pending_age_seconds",
                "Age of the oldest unfinished inbox entry (0: none)",
                m.oldest_pending.clone(),
            );
            r.register("oe_tasks_pending", "Tasks waiting for a manager, by action", m.tasks_pending.clone());
        }
        m
    }
}

impl Metrics {
    /// A webhook request's outcome at `endpoint` (the provider's name).
    pub fn received(&self, endpoint: &'static str, outcome: &'static str) {
        self.received.get_or_create(&EndpointOutcome { endpoint, outcome }).inc();
    }

    /// A refusal, by the reason code of the answer (`ApiError::code`);
    /// `unauthorized` when the sender failed authentication.
    pub fn refused(&self, endpoint: &'static str, reason: &'static str, unauthorized: bool) {
        self.refused.get_or_create(&EndpointReason { endpoint, reason }).inc();
        if unauthorized {
            self.auth_failures.get_or_create(&Endpoint { endpoint }).inc();
        }
    }

    /// Failed authentications at `endpoint` since the start (the alerts
    /// watch its rate).
    pub fn auth_failures(&self, endpoint: &'static str) -> u64 {
        self.auth_failures.get_or_create(&Endpoint { endpoint }).get()
    }

    /// How long the sender waited for its answer.
    pub fn acknowledged(&self, endpoint: &'static str, took: Duration) {
        self.ack.get_or_create(&Endpoint { endpoint }).observe(took.as_secs_f64());
    }

    pub fn processed(&self, outcome: &'static str) {
        self.processed.get_or_create(&Outcome { outcome }).inc();
    }

    /// One handling of an entry, by its outcome (`done`, `retry`, `dead`).
    pub fn processing_took(&self, outcome: &'static str, took: Duration) {
        self.processing.get_or_create(&Outcome { outcome }).observe(took.as_secs_f64());
    }

    pub fn inbox_batch(&self, size: usize) {
        self.batches.inc();
        self.batched_entries.inc_by(size as u64);
    }

    /// Entries the inbox writer has committed since start: the pace of
    /// acknowledgements, which processing yields to (see `inbox::Worker`).
    pub fn committed_entries(&self) -> u64 {
        self.batched_entries.get()
    }

    pub fn inbox_append_failed(&self, size: usize) {
        self.append_failures.inc_by(size as u64);
    }

    pub fn mail_sent(&self) {
        self.mails_sent.inc();
    }

    /// One SMTP send; `error` is `Some("not_sent" | "uncertain")` on failure.
    pub fn smtp_send(&self, took: Duration, error: Option<&'static str>) {
        self.smtp.observe(took.as_secs_f64());
        if let Some(kind) = error {
            self.smtp_errors.get_or_create(&Kind { kind }).inc();
        }
    }

    /// One PostgREST round trip; `operation` is the table or `rpc/<function>`,
    /// `error` the kind of failure (`unavailable`, `invalid`, ...).
    pub fn postgrest_call(&self, operation: &str, took: Duration, error: Option<&'static str>) {
        let operation = operation.to_string();
        if let Some(kind) = error {
            self.postgrest_errors.get_or_create(&OperationKind { operation: operation.clone(), kind }).inc();
        }
        self.postgrest.get_or_create(&Operation { operation }).observe(took.as_secs_f64());
    }

    /// An alert delivered on `channel` (`webhook`, `email`).
    pub fn alert_sent(&self, alert: &'static str, channel: &'static str) {
        self.alerts.get_or_create(&AlertLabels { alert, channel }).inc();
    }

    /// The exposition text, with the scrape-time gauges set from `now`.
    pub fn render(&self, now: Snapshot) -> String {
        if let Some(s) = now.inbox {
            for (status, n) in [
                ("pending", s.pending),
                ("processing", s.processing),
                ("done", s.done),
                ("dead", s.dead),
                ("discarded", s.discarded),
            ] {
                self.entries.get_or_create(&Status { status }).set(n as i64);
            }
        }
        self.oldest_pending.set(now.oldest_pending_age.map_or(0.0, |d| d.as_secs_f64()));
        if let Some(tasks) = now.tasks_pending {
            // Actions no longer pending go back to 0 rather than vanish.
            self.tasks_pending.clear();
            for (action, n) in tasks {
                self.tasks_pending.get_or_create(&Action { action: action.as_str() }).set(n as i64);
            }
        }
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_inbox_gauges_are_rendered() {
        let m = Metrics::default();
        m.received("generic", "accepted");
        m.received("generic", "accepted");
        m.processed("dead");
        m.postgrest_call("rpc/oe_inbox_claim", Duration::from_millis(3), Some("unavailable"));
        let text = m.render(Snapshot {
            inbox: Some(InboxStats { pending: 1, processing: 0, done: 5, dead: 2, discarded: 4 }),
            oldest_pending_age: Some(Duration::from_secs(90)),
            tasks_pending: Some(vec![(TaskAction::ApproveOffer, 3)]),
        });
        assert!(text.contains("oe_webhooks_received_total{endpoint=\"generic\",outcome=\"accepted\"} 2"), "{text}");
        assert!(text.contains("oe_inbox_processed_total{outcome=\"dead\"} 1"), "{text}");
        assert!(text.contains("oe_inbox_entries{status=\"dead\"} 2"), "{text}");
        assert!(text.contains("oe_inbox_entries{status=\"discarded\"} 4"), "{text}");
        assert!(text.contains("oe_inbox_entries{status=\"done\"} 5"), "{text}");
        assert!(text.contains("oe_inbox_oldest_pending_age_seconds 90.0"), "{text}");
        assert!(text.contains("oe_tasks_pending{action=\"approve_offer\"} 3"), "{text}");
        assert!(
            text.contains("oe_postgrest_errors_total{operation=\"rpc/oe_inbox_claim\",kind=\"unavailable\"} 1"),
            "{text}"
        );
        assert!(text.contains("oe_postgrest_request_seconds_count{operation=\"rpc/oe_inbox_claim\"} 1"), "{text}");
    }
}
