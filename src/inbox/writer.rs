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
        match inbox.append(&entries).await {
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
                for (entry, reply) in entries.chunks(1).zip(replies) {
                    let result = match inbox.append(entry).await {
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use async_trait::async_trait;
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::domain::{EmailAddress, InboxId, TeamId};
    use crate::inbox::{
        ClaimedEntry, EntryFilter, EntryStatus, EntryView, ErasedEntries, InboxEvent, InboxStats, Lease,
    };
    use crate::store::StoreError;

    /// A test double of a store that refuses, as a whole, any batch holding
    /// an entry whose source is `bad`; the first call is slow, so the
    /// entries sent meanwhile queue up into one batch. Only `append` is
    /// called by the writer.
    #[derive(Default)]
    struct Picky {
        batch_sizes: Mutex<Vec<usize>>,
    }

    #[async_trait]
    impl Inbox for Picky {
        async fn append(&self, entries: &[NewEntry]) -> Result<Vec<Appended>, StoreError> {
            let first = {
                let mut sizes = self.batch_sizes.lock().unwrap();
                sizes.push(entries.len());
                sizes.len() == 1
            };
            if first {
                std::thread::sleep(Duration::from_millis(200));
            }
            if entries.iter().any(|e| e.source == "bad") {
                return Err(StoreError::Invalid("refused".into()));
            }
            Ok(entries.iter().map(|e| Appended::Accepted(e.id)).collect())
        }
        async fn claim(
            &self,
            _: &[TeamId],
            _: usize,
            _: DateTime<Utc>,
            _: Duration,
        ) -> Result<Vec<ClaimedEntry>, StoreError> {
            unreachable!("the writer only appends")
        }
        async fn complete(&self, _: &[Lease], _: DateTime<Utc>) -> Result<(), StoreError> {
            unreachable!("the writer only appends")
        }
        async fn retry_at(&self, _: Lease, _: DateTime<Utc>, _: &str) -> Result<(), StoreError> {
            unreachable!("the writer only appends")
        }
        async fn bury(&self, _: Lease, _: &str) -> Result<(), StoreError> {
            unreachable!("the writer only appends")
        }
        async fn renew(&self, _: &[Lease], _: Duration) -> Result<(), StoreError> {
            unreachable!("the writer only appends")
        }
        async fn status(&self, _: InboxId) -> Result<Option<EntryStatus>, StoreError> {
            unreachable!("the writer only appends")
        }
        async fn prune(&self, _: DateTime<Utc>) -> Result<u64, StoreError> {
            unreachable!("the writer only appends")
        }
        async fn stats(&self) -> Result<InboxStats, StoreError> {
            unreachable!("the writer only appends")
        }
        async fn oldest_unfinished(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
            unreachable!("the writer only appends")
        }
        async fn entries(&self, _: &EntryFilter) -> Result<Vec<EntryView>, StoreError> {
            unreachable!("the writer only appends")
        }
        async fn entry(&self, _: InboxId, _: bool) -> Result<Option<EntryView>, StoreError> {
            unreachable!("the writer only appends")
        }
        async fn requeue(&self, _: &[InboxId], _: DateTime<Utc>) -> Result<Vec<InboxId>, StoreError> {
            unreachable!("the writer only appends")
        }
        async fn discard(&self, _: &[InboxId], _: &str, _: &str, _: DateTime<Utc>) -> Result<Vec<InboxId>, StoreError> {
            unreachable!("the writer only appends")
        }
        async fn prune_payloads(&self, _: DateTime<Utc>, _: DateTime<Utc>) -> Result<u64, StoreError> {
            unreachable!("the writer only appends")
        }
        async fn erase_client(&self, _: &EmailAddress, _: DateTime<Utc>) -> Result<ErasedEntries, StoreError> {
            unreachable!("the writer only appends")
        }
    }

    fn entry(source: &str, key: &str) -> NewEntry {
        let event = InboxEvent::DepositPaid { event: crate::domain::EventId::new(), payment: None };
        NewEntry::new(TeamId::new(), source, key.into(), key.into(), &event, Utc::now())
    }

    /// A batch the store refuses is appended again entry by entry: the one
    /// bad entry is refused (422), its neighbours are accepted.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_refused_entry_does_not_fail_its_batch() {
        let inbox = Arc::new(Picky::default());
        let writer = InboxWriter::spawn(inbox.clone(), Arc::new(Notify::new()), Arc::new(Metrics::default()));
        let slow = tokio::spawn({
            let writer = writer.clone();
            async move { writer.append(entry("good", "first")).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (good, bad) = tokio::join!(writer.append(entry("good", "a")), writer.append(entry("bad", "b")));
        assert!(matches!(slow.await.unwrap(), Ok(Appended::Accepted(_))));
        assert!(matches!(good, Ok(Appended::Accepted(_))), "{good:?}");
        assert_eq!(bad, Err(AppendError::Rejected));
        assert_eq!(*inbox.batch_sizes.lock().unwrap(), [1, 2, 1, 1], "the batch of two, then one by one");
    }
}
