//! The Supabase store: PostgREST under `{OE_SUPABASE_URL}/rest/v1`, with the
//! service-role key. Each workflow step is one RPC (`oe_apply_plan`, one
//! transaction); the inbox is a table shared by all replicas, claimed with
//! `FOR UPDATE SKIP LOCKED` (`webhooks/supabase/install.sql`).

mod inbox;
mod rest;
mod store;

use crate::config::SupabaseConfig;
use crate::domain::{TeamId, UserId};
use crate::store::StoreError;
use crate::tenant::VenueMailbox;

pub use rest::Rest;

#[derive(Clone)]
pub struct SupabaseStore {
    rest: Rest,
    team: TeamId,
    user: UserId,
}

impl SupabaseStore {
    pub fn new(config: &SupabaseConfig, team: TeamId, user: UserId) -> Result<Self, StoreError> {
        Ok(Self { rest: Rest::new(config)?, team, user })
    }

    /// Records each PostgREST call's latency and errors in `metrics`
    /// (also for the stores [`Self::for_team`] makes from this one).
    pub fn with_metrics(mut self, metrics: std::sync::Arc<crate::metrics::Metrics>) -> Self {
        self.rest = self.rest.with_metrics(metrics);
        self
    }

    /// The same project (and HTTP connections) for another team.
    pub fn for_team(&self, team: TeamId, user: UserId) -> Self {
        Self { rest: self.rest.clone(), team, user }
    }

    /// The venues' inbox addresses (`oe_mailboxes`). A project without the
    /// table (an installer older than multi-team support) has none.
    pub async fn mailboxes(&self) -> Result<Vec<VenueMailbox>, StoreError> {
        match self.rest.get::<VenueMailbox>("oe_mailboxes?select=*").await {
            Err(StoreError::Invalid(why)) if why.contains("PGRST205") || why.contains("42P01") => Ok(Vec::new()),
            other => other,
        }
    }
}
