//! The catalogue changes rarely (a manager edits a room or a product), and
//! every booking step reads it: keep it in memory for a minute.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::store::{Store, StoreError};
use crate::workflow::Catalogue;

const FRESH_FOR: Duration = Duration::from_secs(60);

pub(super) struct CatalogueCache {
    store: Arc<dyn Store>,
    cached: Mutex<Option<(Instant, Arc<Catalogue>)>>,
}

impl CatalogueCache {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, cached: Mutex::new(None) }
    }

    /// The catalogue, read again when older than a minute. Concurrent
    /// callers wait for one read rather than each making their own.
    pub async fn get(&self) -> Result<Arc<Catalogue>, StoreError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, c)) = cached.as_ref() {
            if at.elapsed() < FRESH_FOR {
                return Ok(c.clone());
            }
        }
        let fresh = Arc::new(self.store.catalogue().await?);
        *cached = Some((Instant::now(), fresh.clone()));
        Ok(fresh)
    }
}
