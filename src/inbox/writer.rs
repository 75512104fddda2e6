//! Group commit: concurrent requests share one durable commit.
//!
//! One SQLite transaction per request tops out near 17k/s on two cores; a
//! single writer task that drains whatever queued up while the previous
//! commit ran amortizes the fsync over the whole batch, and each request
//! still gets its answer only after its own row is durable.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Notify};
use tracing::{error, warn};

use super::{Appended, Inbox, NewEntry};
use crate::metrics::Metrics;

const MAX_BATCH: usize = 1024;
const QUEUE_DEPTH: usize = 16 * 1024;

type Reply = oneshot::Sender<Result<Appended, AppendError>>;

#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum AppendError {
    /// The inbox could not persist: the sender must retry (503).
    #[error("the inbox cannot persist right now")]
    Unavailable,
    /// The store refused this entry itself (422): retrying cannot help.
    #[error("the inbox refused this entry")]
    Rejected,
}

/// Cheap to clone; hand one to every HTTP worker.
#[derive(Clone)]
pub struct InboxWriter {
    tx: mpsc::Sender<(NewEntry, Reply)>,
}

impl InboxWriter {
    /// Starts the writer task. `wake` is notified after every commit so the
    /// worker picks new entries up without polling delay.
    pub fn spawn(inbox: Arc<dyn Inbox>, wake: Arc<Notify>, metrics: Arc<Metrics>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        // A thread of its own: `Inbox::append` may block (SQLite), and a
        // dedicated thread saves a hand-off per batch.
        let spawned = std::thread::Builder::new().name("inbox-writer".into()).spawn(move || {
            match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt.block_on(run(inbox, rx, wake, metrics)),
                Err(e) => error!(error = %e, "cannot start the inbox writer; every webhook will get 503"),
            }
        });
        if let Err(e) = spawned {
            error!(error = %e, "cannot start the inbox writer thread; every webhook will get 503");
        }
        Self { tx }
    }

    /// Resolves once the entry is durably stored (or known to be a duplicate).
    pub async fn append(&self, entry: NewEntry) -> Result<Appended, AppendError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((entry, reply)).await.map_err(|_| AppendError::Unavailable)?;
        answer.await.unwrap_or(Err(AppendError::Unavailable))
    }
}

async fn run(
    inbox: Arc<dyn Inbox>,
    mut rx: mpsc::Receiver<(NewEntry, Reply)>,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (entries, replies): (Vec<NewEntry>, Vec<Reply>) = batch.drain(..).unzip();
        let size = entries.len();
        // Kept for the one-by-one fallback; cheap next to the commit.
        let retry = entries.clone();
        match inbox.append(entries).await {
            Ok(results) if results.len() == size => {
                metrics.inbox_batch(size);
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(Ok(result));
                }
                wake.notify_one();
            }
            Ok(results) => {
                error!(expected = size, got = results.len(), "inbox returned a wrong number of results");
                fail_all(replies);
            }
            Err(e) if !e.is_transient() && size > 1 => {
                // One bad entry must not fail its neighbours: find it.
                warn!(error = %e, batch = size, "inbox refused a batch; appending its entries one by one");
                for (entry, reply) in retry.into_iter().zip(replies) {
                    let result = match inbox.append(vec![entry]).await {
                        Ok(mut r) if r.len() == 1 => Ok(r.remove(0)),
                        Ok(_) => Err(AppendError::Unavailable),
                        Err(e) if e.is_transient() => Err(AppendError::Unavailable),
                        Err(_) => Err(AppendError::Rejected),
                    };
                    let _ = reply.send(result);
                }
                wake.notify_one();
            }
            Err(e) => {
                warn!(error = %e, batch = size, "inbox append failed; senders get 503 and retry");
                metrics.inbox_append_failed(size);
                fail_all(replies);
            }
        }
    }
}

fn fail_all(replies: Vec<Reply>) {
    for reply in replies {
        let _ = reply.send(Err(AppendError::Unavailable));
    }
}
