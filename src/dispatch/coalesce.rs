//! Coalesces concurrent store calls into one batch call: while one batch
//! is in flight, the next one gathers. In Supabase mode a round trip costs
//! far more than the SQL it runs, so sixteen inquiries handled at once make
//! one context RPC and one apply RPC instead of thirty-two.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};
use tracing::{Instrument, Span};

use crate::store::StoreError;

type Reply<O> = oneshot::Sender<Result<O, StoreError>>;

/// An input, where to answer it, and the caller's span: the batch's span is
/// a child of the first caller's and linked to the others', so its store
/// calls show in the traces of the turns they serve.
type Queued<I, O> = (I, Reply<O>, Span);

pub struct Coalescer<I, O> {
    tx: mpsc::Sender<Queued<I, O>>,
}

impl<I: Send + 'static, O: Send + 'static> Coalescer<I, O> {
    /// `batch` gets the inputs in arrival order and answers each, in order.
    pub fn spawn<F, Fut>(max_batch: usize, batch: F) -> Self
    where
        F: Fn(Vec<I>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<Result<O, StoreError>>, StoreError>> + Send,
    {
        let (tx, mut rx) = mpsc::channel::<Queued<I, O>>(1024);
        tokio::spawn(async move {
            let mut queued = Vec::with_capacity(max_batch);
            while rx.recv_many(&mut queued, max_batch).await > 0 {
                let mut callers = Vec::with_capacity(queued.len());
                let (inputs, replies): (Vec<I>, Vec<Reply<O>>) = queued
                    .drain(..)
                    .map(|(input, reply, caller)| {
                        callers.push(caller);
                        (input, reply)
                    })
                    .unzip();
                let n = inputs.len();
                let span = match callers.first() {
                    Some(first) => tracing::info_span!(parent: first, "store_batch", size = n),
                    None => tracing::info_span!("store_batch", size = n),
                };
                for other in callers.iter().skip(1) {
                    span.follows_from(other);
                }
                match batch(inputs).instrument(span).await {
                    Ok(outputs) if outputs.len() == n => {
                        for (reply, out) in replies.into_iter().zip(outputs) {
                            let _ = reply.send(out);
                        }
                    }
                    Ok(_) => {
                        for reply in replies {
                            let _ = reply
                                .send(Err(StoreError::Invalid("a batch call answered a wrong number of items".into())));
                        }
                    }
                    Err(e) => {
                        for reply in replies {
                            let _ = reply.send(Err(e.replicate()));
                        }
                    }
                }
            }
        });
        Self { tx }
    }

    pub async fn call(&self, input: I) -> Result<O, StoreError> {
        let (reply, answer) = oneshot::channel();
        let gone = || StoreError::Unavailable("the batching task stopped".into());
        self.tx.send((input, reply, Span::current())).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}
