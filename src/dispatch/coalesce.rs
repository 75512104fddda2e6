//! Coalesces concurrent store calls into one batch call: while one batch
//! is in flight, the next one gathers. In Supabase mode a round trip costs
//! far more than the SQL it runs, so sixteen inquiries handled at once make
//! one context RPC and one apply RPC instead of thirty-two.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use crate::store::StoreError;

type Reply<O> = oneshot::Sender<Result<O, StoreError>>;

pub struct Coalescer<I, O> {
    tx: mpsc::Sender<(I, Reply<O>)>,
}

impl<I: Send + 'static, O: Send + 'static> Coalescer<I, O> {
    /// `batch` gets the inputs in arrival order and answers each, in order.
    pub fn spawn<F, Fut>(max_batch: usize, batch: F) -> Self
    where
        F: Fn(Vec<I>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<Result<O, StoreError>>, StoreError>> + Send,
    {
        let (tx, mut rx) = mpsc::channel::<(I, Reply<O>)>(1024);
        tokio::spawn(async move {
            let mut queued = Vec::with_capacity(max_batch);
            while rx.recv_many(&mut queued, max_batch).await > 0 {
                let (inputs, replies): (Vec<I>, Vec<Reply<O>>) = queued.drain(..).unzip();
                let n = inputs.len();
                match batch(inputs).await {
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
        self.tx.send((input, reply)).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}
