//! Group commit: concurrent requests share one durable commit.
//!
//! One SQLite transaction per request tops out near 17k/s on two cores; a
//! single writer task that drains whatever queued up while the previous
//! commit ran amortizes the fsync over the whole batch, and each request
//! still gets its answer only after its own row is durable.
//!
//! The answers go back in bulk too: an answer sent from the writer's
//! thread wakes the request's thread (an `eventfd` write per answer, the
//! writer's most frequent system call), so each HTTP worker thread has a
//! [`Courier`] that takes all of a batch's answers for that thread in one
//! wake and hands them out there.

use std::cell::RefCell;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Notify};
use tracing::{error, warn};

use super::{Appended, Inbox, NewEntry};
use crate::metrics::Metrics;

const MAX_BATCH: usize = 1024;
const QUEUE_DEPTH: usize = 16 * 1024;

type Answer = Result<Appended, AppendError>;
type Reply = oneshot::Sender<Answer>;

/// An entry waiting for its commit, and where its answer goes.
struct Pending {
    entry: NewEntry,
    reply: Reply,
    /// The courier of the thread that asked, if it has one.
    courier: Option<Courier>,
}

/// Carries a batch's answers to one thread, which sends them on to the
/// waiting requests (a same-thread wake, no system call).
#[derive(Clone)]
struct Courier(mpsc::UnboundedSender<Vec<(Reply, Answer)>>);

thread_local! {
    static COURIER: RefCell<Option<Courier>> = const { RefCell::new(None) };
}

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
    tx: mpsc::Sender<Pending>,
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

    /// Gives the calling thread a courier (once): the answers to its
    /// appends then arrive one batch at a time. Call it on a thread that
    /// runs a `LocalSet` for as long as it appends: an HTTP worker, from
    /// the app factory. Without one, each answer comes on its own.
    pub fn deliver_in_bulk_on_this_thread() {
        COURIER.with(|courier| {
            if courier.borrow().is_some() {
                return;
            }
            let (tx, mut rx) = mpsc::unbounded_channel::<Vec<(Reply, Answer)>>();
            tokio::task::spawn_local(async move {
                while let Some(answers) = rx.recv().await {
                    for (reply, answer) in answers {
                        let _ = reply.send(answer);
                    }
                }
            });
            *courier.borrow_mut() = Some(Courier(tx));
        });
    }

    /// Resolves once the entry is durably stored (or known to be a duplicate).
    pub async fn append(&self, entry: NewEntry) -> Result<Appended, AppendError> {
        let (reply, answer) = oneshot::channel();
        let courier = COURIER.with(|c| c.borrow().clone());
        self.tx.send(Pending { entry, reply, courier }).await.map_err(|_| AppendError::Unavailable)?;
        answer.await.unwrap_or(Err(AppendError::Unavailable))
    }
}

/// Sends each answer, those for one courier together.
fn deliver(answers: impl IntoIterator<Item = (Reply, Option<Courier>, Answer)>) {
    let mut by_courier: Vec<(Courier, Vec<(Reply, Answer)>)> = Vec::new();
    for (reply, courier, answer) in answers {
        match courier {
            None => {
                let _ = reply.send(answer);
            }
            // A handful of HTTP threads: a scan finds the group.
            Some(courier) => match by_courier.iter_mut().find(|(c, _)| c.0.same_channel(&courier.0)) {
                Some((_, group)) => group.push((reply, answer)),
                None => by_courier.push((courier, vec![(reply, answer)])),
            },
        }
    }
    for (courier, group) in by_courier {
        // The thread's courier is gone (its worker stopped): answer here.
        if let Err(mpsc::error::SendError(group)) = courier.0.send(group) {
            for (reply, answer) in group {
                let _ = reply.send(answer);
            }
        }
    }
}

async fn run(inbox: Arc<dyn Inbox>, mut rx: mpsc::Receiver<Pending>, wake: Arc<Notify>, metrics: Arc<Metrics>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let size = batch.len();
        let (entries, waiting): (Vec<NewEntry>, Vec<(Reply, Option<Courier>)>) =
            batch.drain(..).map(|p| (p.entry, (p.reply, p.courier))).unzip();
        match inbox.append(&entries).await {
            Ok(results) if results.len() == size => {
                metrics.inbox_batch(size);
                deliver(waiting.into_iter().zip(results).map(|((reply, courier), r)| (reply, courier, Ok(r))));
                wake.notify_one();
            }
            Ok(results) => {
                error!(expected = size, got = results.len(), "inbox returned a wrong number of results");
                fail_all(waiting);
            }
            Err(e) if !e.is_transient() && size > 1 => {
                // One bad entry must not fail its neighbours: find it.
                warn!(error = %e, batch = size, "inbox refused a batch; appending its entries one by one");
                let mut answers = Vec::with_capacity(size);
                for (entry, (reply, courier)) in entries.chunks(1).zip(waiting) {
                    let answer = match inbox.append(entry).await {
                        Ok(mut r) if r.len() == 1 => Ok(r.remove(0)),
                        Ok(_) => Err(AppendError::Unavailable),
                        Err(e) if e.is_transient() => Err(AppendError::Unavailable),
                        Err(_) => Err(AppendError::Rejected),
                    };
                    answers.push((reply, courier, answer));
                }
                deliver(answers);
                wake.notify_one();
            }
            Err(e) => {
                warn!(error = %e, batch = size, "inbox append failed; senders get 503 and retry");
                metrics.inbox_append_failed(size);
                fail_all(waiting);
            }
        }
    }
}

fn fail_all(waiting: Vec<(Reply, Option<Courier>)>) {
    deliver(waiting.into_iter().map(|(reply, courier)| (reply, courier, Err(AppendError::Unavailable))));
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

    /// Answers reach the requests through their thread's courier, and
    /// still reach them once that courier is gone (its worker stopped).
    #[test]
    fn answers_come_through_the_courier_and_without_it() {
        let thread = std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let inbox = Arc::new(Picky::default());
            let writer = InboxWriter::spawn(inbox.clone(), Arc::new(Notify::new()), Arc::new(Metrics::default()));
            let with_courier = tokio::task::LocalSet::new();
            // An answer that never arrives fails the test instead of hanging it.
            fn within<F: std::future::Future>(f: F) -> tokio::time::Timeout<F> {
                tokio::time::timeout(Duration::from_secs(5), f)
            }
            let answers = with_courier.block_on(&rt, async {
                InboxWriter::deliver_in_bulk_on_this_thread();
                assert!(COURIER.with(|c| c.borrow().is_some()));
                within(async { tokio::join!(writer.append(entry("good", "a")), writer.append(entry("good", "b"))) })
                    .await
                    .expect("answered through the courier")
            });
            assert!(matches!(answers, (Ok(Appended::Accepted(_)), Ok(Appended::Accepted(_)))), "{answers:?}");
            // The courier's task went with its LocalSet; the thread still has its sender.
            drop(with_courier);
            let late = tokio::task::LocalSet::new()
                .block_on(&rt, async { within(writer.append(entry("good", "c"))).await })
                .expect("answered without the courier");
            assert!(matches!(late, Ok(Appended::Accepted(_))), "{late:?}");
        });
        thread.join().unwrap();
    }
}
