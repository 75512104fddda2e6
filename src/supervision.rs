//! Whether the background work (the inbox worker, the reconciler) still
//! runs. A service whose worker died must not go on acknowledging webhooks
//! nobody will process: `/readyz` fails, webhooks get 503 (the senders
//! retry), and the process exits non-zero after a grace period so the
//! orchestrator restarts it.

use std::sync::{Arc, Mutex};

use tokio::task::AbortHandle;

#[derive(Clone, Default)]
pub struct Background {
    inner: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// The first background task that stopped unasked.
    stopped: Option<&'static str>,
    worker: Option<AbortHandle>,
}

impl Background {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Some(name)` once a background task stopped unasked.
    pub fn stopped(&self) -> Option<&'static str> {
        self.state().stopped
    }

    pub(crate) fn mark_stopped(&self, which: &'static str) {
        self.state().stopped.get_or_insert(which);
    }

    pub(crate) fn set_worker(&self, handle: AbortHandle) {
        self.state().worker = Some(handle);
    }

    /// Kills the inbox worker as a crash would (tests, failure drills).
    pub fn kill_worker(&self) {
        if let Some(h) = &self.state().worker {
            h.abort();
        }
    }
}
