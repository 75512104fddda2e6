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
}
