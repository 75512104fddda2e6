//! One dispatcher per team: an entry is handled by the dispatcher of the
//! team it was accepted for, whose store reads and writes that team only.
//! Dispatchers are made on first use from the team's settings (its
//! mailbox row, else the process defaults), so a venue added to
//! `oe_mailboxes` is served without a restart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{Dispatcher, Venue};
use crate::domain::{TeamId, UserId};
use crate::inbox::{ClaimedEntry, Handler, HandlerError};
use crate::ingest::resend::ResendApi;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::store::embedded::EmbeddedStore;
use crate::store::supabase::SupabaseStore;
use crate::store::{Store, StoreError};
use crate::tenant::Directory;

/// Where a team's store comes from.
#[derive(Clone)]
pub enum Stores {
    /// The embedded store holds the one team it was opened for.
    Embedded(EmbeddedStore),
    /// One project, any team (the same connections, another filter).
    Supabase(SupabaseStore),
}

impl Stores {
    fn for_team(&self, team: TeamId, user: UserId) -> Option<Arc<dyn Store>> {
        match self {
            Self::Embedded(s) => (s.team() == team).then(|| Arc::new(s.clone()) as Arc<dyn Store>),
            Self::Supabase(s) => Some(Arc::new(s.for_team(team, user))),
        }
    }
}

pub struct Tenants {
    directory: Directory,
    stores: Stores,
    mailer: Mailer,
    resend: ResendApi,
    metrics: Arc<Metrics>,
    dispatchers: Mutex<HashMap<TeamId, Arc<Dispatcher>>>,
}

impl Tenants {
    pub fn new(directory: Directory, stores: Stores, mailer: Mailer, resend: ResendApi, metrics: Arc<Metrics>) -> Self {
        Self { directory, stores, mailer, resend, metrics, dispatchers: Mutex::default() }
    }

    /// The dispatcher of `team`; `None` when this process does not serve
    /// it or knows no system user for it.
    pub fn dispatcher(&self, team: TeamId) -> Option<Arc<Dispatcher>> {
        if !self.directory.serves(team) {
            return None;
        }
        let mut map = self.dispatchers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(d) = map.get(&team) {
            return Some(d.clone());
        }
        let settings = self.directory.settings(team)?;
        let store = self.stores.for_team(team, settings.system_user)?;
        let venue = Venue {
            team,
            timezone: settings.timezone,
            name: settings.venue_name,
            email: settings.sender,
            payment: settings.payment,
        };
        let d = Arc::new(Dispatcher::new(store, self.mailer.clone(), self.resend.clone(), venue, self.metrics.clone()));
        map.insert(team, d.clone());
        Some(d)
    }

    /// Reads the mailboxes again (Supabase mode), so venues added or
    /// disabled in `oe_mailboxes` take effect without a restart. On an
    /// error the directory stays as it was.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        if let Stores::Supabase(s) = &self.stores {
            self.directory.replace(s.mailboxes().await?);
        }
        Ok(())
    }

    /// The stores of every team served (for reconciliation).
    pub fn stores(&self) -> Vec<(TeamId, Arc<dyn Store>)> {
        self.directory.teams().into_iter().filter_map(|t| Some((t, self.dispatcher(t)?.store.clone()))).collect()
    }
}

#[async_trait]
impl Handler for Tenants {
    async fn handle(&self, entry: &ClaimedEntry) -> Result<(), HandlerError> {
        match self.dispatcher(entry.team) {
            Some(d) => d.handle(entry).await,
            // Claims are scoped to the teams served, so this is a team that
            // was just disabled or has no system user: leave it for later.
            None => Err(HandlerError::Transient(format!("team {} is not served by this process", entry.team))),
        }
    }
}
