//! Processes inbox entries: claim with a lease, handle, then record done,
//! retry-at (exponential backoff) or dead.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn, Instrument};

use super::{Backoff, ClaimedEntry, Inbox, Lease};
use crate::metrics::Metrics;
use crate::tenant::Directory;

/// What turns an entry into effects (the dispatcher).
#[async_trait]
pub trait Handler: Send + Sync {
    async fn handle(&self, entry: &ClaimedEntry) -> Result<(), HandlerError>;
}

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Worth retrying: network, 5xx, 429, a busy database.
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying cannot help: park as dead right away.
    #[error("permanent: {0}")]
    Permanent(String),
}

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Entries handled at once (each of a different booking).
    pub concurrency: usize,
    /// How long a claim stays valid before another worker may take it over.
    pub lease: Duration,
    /// Poll interval when idle (retries falling due, other processes' writes).
    pub idle_poll: Duration,
    pub backoff: Backoff,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 16,
            // Short, and renewed while an entry is in hand (a heartbeat every
            // third of it): only a stopped worker's entries wait, and not long.
            lease: Duration::from_secs(20),
            idle_poll: Duration::from_millis(500),
            backoff: Backoff::default(),
        }
    }
}

/// Acknowledgements per second above which the acceptor counts as busy:
/// twice the steady load the ack latency target is set for (1,000/s), far
/// below a burst (tens of thousands per second).
const BUSY_ACKS_PER_SEC: f64 = 2_000.0;

/// How long processing steps aside each time it finds the acceptor busy;
/// between two such pauses it claims a few entries, so a long burst slows
/// processing down but never stops it.
const YIELD: Duration = Duration::from_millis(50);

/// Entries claimed after each such pause: about 300 a second keep moving
/// during a burst, whatever the concurrency.
const CLAIM_WHILE_BUSY: usize = 16;

/// The pace of acknowledgements between two looks at the writer's count of
/// committed entries.
struct AckPace {
    total: u64,
    at: Instant,
    busy: bool,
}

impl AckPace {
    /// Rates over less time than this are noise; the last verdict stands.
    const WINDOW: Duration = Duration::from_millis(20);

    fn new(total: u64, now: Instant) -> Self {
        Self { total, at: now, busy: false }
    }

    /// Whether more than [`BUSY_ACKS_PER_SEC`] entries were committed per
    /// second since the last verdict.
    fn busy(&mut self, total: u64, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at);
        if elapsed >= Self::WINDOW {
            let rate = total.saturating_sub(self.total) as f64 / elapsed.as_secs_f64();
            *self = Self { total, at: now, busy: rate > BUSY_ACKS_PER_SEC };
        }
        self.busy
    }
}

#[derive(Clone)]
pub struct Worker {
    inbox: Arc<dyn Inbox>,
    /// The entries in hand, renewed by the heartbeat until their outcome is
    /// recorded.
    in_hand: Arc<Mutex<HashSet<Lease>>>,
    /// The teams whose entries this process claims.
    teams: Directory,
    handler: Arc<dyn Handler>,
    settings: WorkerSettings,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
}

impl Worker {
    pub fn new(
        inbox: Arc<dyn Inbox>,
        teams: Directory,
        handler: Arc<dyn Handler>,
        settings: WorkerSettings,
        wake: Arc<Notify>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self { inbox, in_hand: Default::default(), teams, handler, settings, wake, metrics }
    }

    /// Runs until `cancel` fires, then lets the entries in hand finish.
    ///
    /// Claims go out in batches: a claim is a round trip (an RPC in
    /// Supabase mode), and claiming one entry per completion would make the
    /// claim, not the work, the limit.
    pub async fn run(self, cancel: CancellationToken) {
        let mut running = JoinSet::new();
        let batch = (self.settings.concurrency / 4).max(1);
        // Successes are marked done in batches, one round trip for many.
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let completer = tokio::spawn(self.clone().complete_in_batches(done_rx));
        let heartbeat_stop = CancellationToken::new();
        let heartbeat = tokio::spawn(self.clone().heartbeat(heartbeat_stop.clone()));
        let mut pace = AckPace::new(self.metrics.committed_entries(), Instant::now());
        loop {
            if cancel.is_cancelled() {
                break;
            }
            while running.try_join_next().is_some() {}
            let mut free = self.settings.concurrency.saturating_sub(running.len());
            let mut got_work = false;
            if free >= batch || running.is_empty() {
                if pace.busy(self.metrics.committed_entries(), Instant::now()) {
                    // A burst is being acknowledged: its claims and writes
                    // would take the inbox connection and CPU from the
                    // acknowledgements. Step aside, then take one batch.
                    tokio::select! {
                        _ = cancel.cancelled() => break,
                        _ = tokio::time::sleep(YIELD) => {}
                    }
                    free = free.min(CLAIM_WHILE_BUSY);
                }
                for entry in self.claim(free).await {
                    got_work = true;
                    let (me, done) = (self.clone(), done_tx.clone());
                    running.spawn(async move {
                        if let Some(id) = me.process(entry).await {
                            let _ = done.send(id);
                        }
                    });
                }
            }
            if got_work && running.len() < self.settings.concurrency {
                continue;
            }
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.settings.idle_poll) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }
        info!(in_flight = running.len(), "worker stopping; finishing entries in hand");
        while running.join_next().await.is_some() {}
        drop(done_tx);
        let _ = completer.await;
        heartbeat_stop.cancel();
        let _ = heartbeat.await;
    }

    /// Lowers the calling thread's scheduling priority (nice 10) so that,
    /// on a busy machine, the threads that acknowledge webhooks (the HTTP
    /// workers and the inbox writer, left at their priority) get the CPU
    /// first and processing takes what they leave: a burst is acknowledged
    /// at the pace of the ack path, and its backlog (durable in the inbox,
    /// nothing of it in memory) is processed as soon as the burst eases.
    /// `serve` runs the runtime that processes entries (the worker, the
    /// store calls it makes on the blocking pool) on such threads. Linux
    /// only (the nice value is per thread there); elsewhere nothing changes.
    pub fn lower_thread_priority() {
        #[cfg(target_os = "linux")]
        if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 10) {
            warn!(error = %e, "could not lower the priority of a processing thread");
        }
    }

    async fn claim(&self, limit: usize) -> Vec<ClaimedEntry> {
        let teams = self.teams.teams();
        if teams.is_empty() {
            return Vec::new();
        }
        match self.inbox.claim(&teams, limit, Utc::now(), self.settings.lease).await {
            Ok(entries) => entries,
            Err(e) => {
                warn!(error = %e, "claiming inbox entries failed; will retry");
                tokio::time::sleep(Duration::from_secs(1)).await;
                Vec::new()
            }
        }
    }

    /// Handles one entry and records a failure; returns its lease when it
    /// succeeded, for the caller to mark done.
    async fn process(&self, entry: ClaimedEntry) -> Option<Lease> {
        let span = tracing::info_span!(
            "inbox_entry",
            inbox_id = %entry.id,
            source = %entry.source,
            attempt = entry.attempts,
            otel.name = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
        );
        crate::telemetry::name_span(&span, "process inbox entry", "consumer");
        // A child of the request that accepted the entry: one trace per event.
        crate::telemetry::continue_trace(&span, entry.trace_context.as_deref());
        let lease = entry.lease();
        self.held().insert(lease);
        async {
            let started = std::time::Instant::now();
            let outcome = self.handler.handle(&entry).await;
            let took = started.elapsed();
            match outcome {
                Ok(()) => {
                    self.metrics.processed("done");
                    self.metrics.processing_took("done", took);
                    return Some(lease);
                }
                Err(HandlerError::Transient(reason)) => match self.settings.backoff.next_delay(entry.attempts) {
                    Some(delay) => {
                        warn!(%reason, retry_in_s = delay.as_secs(), "transient failure; will retry");
                        self.metrics.processed("retry");
                        self.metrics.processing_took("retry", took);
                        let due = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                        self.record("retry", || self.inbox.retry_at(lease, due, &reason)).await;
                    }
                    None => {
                        error!(%reason, "giving up after {} attempts; entry parked as dead", entry.attempts);
                        self.metrics.processed("dead");
                        self.metrics.processing_took("dead", took);
                        self.record("dead", || self.inbox.bury(lease, &reason)).await;
                    }
                },
                Err(HandlerError::Permanent(reason)) => {
                    error!(%reason, "entry cannot be processed; parked as dead");
                    self.metrics.processed("dead");
                    self.metrics.processing_took("dead", took);
                    self.record("dead", || self.inbox.bury(lease, &reason)).await;
                }
            }
            self.held().remove(&lease);
            None
        }
        .instrument(span)
        .await
    }

    /// Renews the leases of the entries in hand every third of the lease.
    async fn heartbeat(self, stop: CancellationToken) {
        let every = self.settings.lease / 3;
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
            let leases: Vec<Lease> = self.held().iter().copied().collect();
            if leases.is_empty() {
                continue;
            }
            if let Err(e) = self.inbox.renew(&leases, self.settings.lease).await {
                warn!(error = %e, entries = leases.len(), "could not renew inbox leases; will try again");
            }
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashSet<Lease>> {
        self.in_hand.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an outcome, retrying until it lands (the store may be away
    /// for a while) for as long as the lease could still be ours: after
    /// that the entry may be someone else's, and the fenced write would
    /// match nothing anyway.
    async fn record<F, Fut>(&self, what: &'static str, write: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(), crate::store::StoreError>>,
    {
        let give_up = tokio::time::Instant::now() + self.settings.lease;
        let mut pause = Duration::from_millis(200);
        loop {
            match write().await {
                Ok(()) => return,
                Err(e) if tokio::time::Instant::now() + pause < give_up => {
                    warn!(error = %e, what, "could not record an inbox outcome; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    // The lease lapses and the entry runs again, idempotently.
                    warn!(error = %e, what, "could not record an inbox outcome; the entry will run again");
                    return;
                }
            }
        }
    }

    /// Marks successes done: whatever has queued up since the last round
    /// trip goes in the next one.
    async fn complete_in_batches(self, mut done: mpsc::UnboundedReceiver<Lease>) {
        let mut leases = Vec::with_capacity(256);
        while done.recv_many(&mut leases, 256).await > 0 {
            self.record("done", || self.inbox.complete(&leases, Utc::now())).await;
            let mut held = self.held();
            for l in &leases {
                held.remove(l);
            }
            drop(held);
            leases.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Busy above 2,000 acknowledgements per second; a look sooner than
    /// the window after the last keeps the last verdict.
    #[test]
    fn the_acceptor_is_busy_above_two_thousand_acks_per_second() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut pace = AckPace::new(0, start);
        assert!(!pace.busy(30, at(20)), "1,500/s");
        assert!(pace.busy(530, at(40)), "25,000/s");
        assert!(pace.busy(530, at(45)), "5 ms later: too soon to tell, still busy");
        assert!(!pace.busy(560, at(60)), "1,500/s again over the 20 ms since");
        assert!(!pace.busy(560, at(1060)), "idle");
    }
}
