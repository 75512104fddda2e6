//! Database webhooks are fire-and-forget (pg_net tries once): a decision
//! made (or a deposit marked paid) while the service was down never
//! arrives. On start and at a fixed interval, decisions recorded in the
//! database but not acted on, and paid deposits of unconfirmed bookings, are
//! fed into the inbox, through the same idempotent path as a webhook.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::Tenants;
use crate::domain::TeamId;
use crate::inbox::{InboxEvent, InboxWriter, NewEntry};
use crate::store::Store;

pub struct Reconciler {
    /// Every team served is reconciled, each through its own store.
    pub tenants: Arc<Tenants>,
    pub writer: InboxWriter,
    pub interval: Duration,
    /// Inbox housekeeping rides along: done entries older than this go.
    pub inbox: Option<(Arc<dyn crate::inbox::Inbox>, Duration)>,
    /// Payloads of processed entries are removed after this
    /// (`OE_INBOX_RETENTION_DAYS`); their rows, and so their
    /// de-duplication keys, stay until the duration above.
    pub payload_retention: Duration,
}

impl Reconciler {
    pub async fn run(self, cancel: CancellationToken) {
        loop {
            if let Err(e) = self.tenants.refresh().await {
                warn!(error = %e, "reading the venues' mailboxes failed; keeping the ones known");
            }
            match self.reconcile_once().await {
                Ok(0) => {}
                Ok(n) => info!(queued = n, "reconciliation queued decisions or deposits that no webhook delivered"),
                Err(e) => warn!(error = %e, "reconciliation failed; will try again"),
            }
            if let Some((inbox, keep)) = &self.inbox {
                let before = Utc::now() - chrono::Duration::from_std(*keep).unwrap_or_default();
                match inbox.prune(before).await {
                    Ok(0) => {}
                    Ok(n) => info!(pruned = n, "removed processed inbox entries past the retention"),
                    Err(e) => warn!(error = %e, "pruning the inbox failed; will try again"),
                }
                let now = Utc::now();
                let before = now - chrono::Duration::from_std(self.payload_retention).unwrap_or_default();
                match inbox.prune_payloads(before, now).await {
                    Ok(0) => {}
                    Ok(n) => info!(pruned = n, "removed payloads of processed inbox entries past the retention"),
                    Err(e) => warn!(error = %e, "pruning inbox payloads failed; will try again"),
                }
            }
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(self.interval) => {}
            }
        }
    }

    /// Queues every unhandled decision of every team served; returns how
    /// many were new.
    pub async fn reconcile_once(&self) -> Result<usize, String> {
        let mut queued = 0;
        for (team, store) in self.tenants.stores() {
            queued += self.reconcile_team(team, &*store).await?;
        }
        Ok(queued)
    }

    async fn reconcile_team(&self, team: TeamId, store: &dyn Store) -> Result<usize, String> {
        let decisions = store.unhandled_decisions().await.map_err(|e| e.to_string())?;
        let mut queued = 0;
        for decision in decisions {
            // Ordered with the client's mail, like the webhook it replaces.
            let recipient = match store.task(decision.task_id).await {
                Ok(Some(task)) => {
                    task.payload.recipient_email.and_then(|e| crate::domain::EmailAddress::parse(&e).ok())
                }
                _ => None,
            };
            let order_key = match recipient {
                Some(email) => format!("client:{email}"),
                None => format!("tasks:{}", decision.task_id),
            };
            let entry = NewEntry::new(
                team,
                "reconcile",
                format!("decision:{}", decision.task_id),
                order_key,
                &InboxEvent::Decision { decision },
                Utc::now(),
            );
            if matches!(self.writer.append(entry).await, Ok(crate::inbox::Appended::Accepted(_))) {
                queued += 1;
            }
        }
        // Keyed by event: the handler is idempotent, and once it drafted the
        // confirmation a repeat would add nothing.
        for event in store.paid_unconfirmed().await.map_err(|e| e.to_string())? {
            let entry = NewEntry::new(
                team,
                "reconcile",
                format!("deposit:{event}"),
                format!("event:{event}"),
                &InboxEvent::DepositPaid { event },
                Utc::now(),
            );
            if matches!(self.writer.append(entry).await, Ok(crate::inbox::Appended::Accepted(_))) {
                queued += 1;
            }
        }
        Ok(queued)
    }
}
