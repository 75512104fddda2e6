//! Process counters, rendered in the Prometheus text format at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::inbox::InboxStats;

#[derive(Default)]
pub struct Metrics {
    /// (endpoint, outcome) -> count. Labels are static strings, so the map
    /// stays tiny; an uncontended mutex costs less than the HMAC.
    received: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    processed: Mutex<BTreeMap<&'static str, u64>>,
    batches: AtomicU64,
    batched_entries: AtomicU64,
    append_failures: AtomicU64,
    mails_sent: AtomicU64,
}

impl Metrics {
    pub fn received(&self, endpoint: &'static str, outcome: &'static str) {
        *self.received.lock().expect("metrics lock").entry((endpoint, outcome)).or_default() += 1;
    }

    pub fn processed(&self, outcome: &'static str) {
        *self.processed.lock().expect("metrics lock").entry(outcome).or_default() += 1;
    }

    pub fn inbox_batch(&self, size: usize) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.batched_entries.fetch_add(size as u64, Ordering::Relaxed);
    }

    pub fn inbox_append_failed(&self, size: usize) {
        self.append_failures.fetch_add(size as u64, Ordering::Relaxed);
    }

    pub fn mail_sent(&self) {
        self.mails_sent.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text; `inbox` is read fresh at scrape time.
    pub fn render(&self, inbox: Option<InboxStats>) -> String {
        let mut out = String::new();
        out.push_str("# HELP oe_webhooks_received_total Webhook requests by endpoint and outcome.\n");
        out.push_str("# TYPE oe_webhooks_received_total counter\n");
        for ((endpoint, outcome), n) in self.received.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "oe_webhooks_received_total{{endpoint=\"{endpoint}\",outcome=\"{outcome}\"}} {n}");
        }
        out.push_str("# HELP oe_inbox_processed_total Inbox entries handled, by outcome (done, retry, dead).\n");
        out.push_str("# TYPE oe_inbox_processed_total counter\n");
        for (outcome, n) in self.processed.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "oe_inbox_processed_total{{outcome=\"{outcome}\"}} {n}");
        }
        let counters = [
            ("oe_inbox_commits_total", "Durable inbox commits (each holds a batch of requests).", &self.batches),
            ("oe_inbox_committed_entries_total", "Entries written by those commits.", &self.batched_entries),
            (
                "oe_inbox_append_failures_total",
                "Requests answered 503 because the inbox could not persist.",
                &self.append_failures,
            ),
            ("oe_mails_sent_total", "Approved messages sent to clients.", &self.mails_sent),
        ];
        for (name, help, value) in counters {
            let _ =
                writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", value.load(Ordering::Relaxed));
        }
        if let Some(s) = inbox {
            out.push_str("# HELP oe_inbox_entries Inbox entries by status.\n# TYPE oe_inbox_entries gauge\n");
            for (status, n) in
                [("pending", s.pending), ("processing", s.processing), ("done", s.done), ("dead", s.dead)]
            {
                let _ = writeln!(out, "oe_inbox_entries{{status=\"{status}\"}} {n}");
            }
        }
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
        let text = m.render(Some(InboxStats { pending: 1, processing: 0, done: 5, dead: 2 }));
        assert!(text.contains("oe_webhooks_received_total{endpoint=\"generic\",outcome=\"accepted\"} 2"));
        assert!(text.contains("oe_inbox_processed_total{outcome=\"dead\"} 1"));
        assert!(text.contains("oe_inbox_entries{status=\"dead\"} 2"));
    }
}
