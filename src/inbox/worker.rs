//! Processes inbox entries: claim with a lease, handle, then record done,
//! retry-at (exponential backoff) or dead.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn, Instrument};

use super::{Backoff, ClaimedEntry, Inbox};
use crate::domain::InboxId;
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
            lease: Duration::from_secs(300),
            idle_poll: Duration::from_millis(500),
            backoff: Backoff::default(),
        }
    }
}

#[derive(Clone)]
pub struct Worker {
    inbox: Arc<dyn Inbox>,
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
        Self { inbox, teams, handler, settings, wake, metrics }
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
        let completer = tokio::spawn(complete_in_batches(self.inbox.clone(), done_rx));
        loop {
            if cancel.is_cancelled() {
                break;
            }
            while running.try_join_next().is_some() {}
            let free = self.settings.concurrency.saturating_sub(running.len());
            let mut got_work = false;
            if free >= batch || running.is_empty() {
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

    /// Handles one entry and records a failure; returns the id when it
    /// succeeded, for the caller to mark done.
    async fn process(&self, entry: ClaimedEntry) -> Option<InboxId> {
        let span =
            tracing::info_span!("inbox_entry", inbox_id = %entry.id, source = %entry.source, attempt = entry.attempts);
        async {
            let outcome = self.handler.handle(&entry).await;
            let recorded = match outcome {
                Ok(()) => {
                    self.metrics.processed("done");
                    return Some(entry.id);
                }
                Err(HandlerError::Transient(reason)) => match self.settings.backoff.next_delay(entry.attempts) {
                    Some(delay) => {
                        warn!(%reason, retry_in_s = delay.as_secs(), "transient failure; will retry");
                        self.metrics.processed("retry");
                        let due = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                        self.inbox.retry_at(entry.id, due, &reason).await
                    }
                    None => {
                        error!(%reason, "giving up after {} attempts; entry parked as dead", entry.attempts);
                        self.metrics.processed("dead");
                        self.inbox.bury(entry.id, &reason).await
                    }
                },
                Err(HandlerError::Permanent(reason)) => {
                    error!(%reason, "entry cannot be processed; parked as dead");
                    self.metrics.processed("dead");
                    self.inbox.bury(entry.id, &reason).await
                }
            };
            if let Err(e) = recorded {
                // The lease expires and the entry is processed again; effects
                // are idempotent, so that costs time, not correctness.
                warn!(error = %e, "could not record the outcome of an inbox entry");
            }
            None
        }
        .instrument(span)
        .await
    }
}

/// Marks successes done: whatever has queued up since the last round trip
/// goes in the next one.
async fn complete_in_batches(inbox: Arc<dyn Inbox>, mut done: mpsc::UnboundedReceiver<InboxId>) {
    let mut ids = Vec::with_capacity(256);
    while done.recv_many(&mut ids, 256).await > 0 {
        if let Err(e) = inbox.complete(&ids, Utc::now()).await {
            // The leases expire and the entries run again, idempotently.
            warn!(error = %e, entries = ids.len(), "could not mark entries done");
        }
        ids.clear();
    }
}
