//! Database webhooks are fire-and-forget (pg_net tries once): a decision
//! made (or a deposit marked paid) while the service was down never
//! arrives. On start and at a fixed interval, decisions recorded in the
//! database but not acted on, and paid deposits of unconfirmed bookings, are
//! fed into the inbox, through the same idempotent path as a webhook.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::followups::pending_drafts;
use super::Tenants;
use crate::domain::{keys, DbChange, TeamId};
use crate::inbox::{HandlerError, InboxEvent, InboxWriter, NewEntry};
use crate::store::Store;
use crate::workflow::{due_follow_up, FollowUpTimings};

pub struct Reconciler {
    /// Every team served is reconciled, each through its own store.
    pub tenants: Arc<Tenants>,
    pub writer: InboxWriter,
    pub interval: Duration,
    /// Inbox housekeeping rides along: done entries older than this go.
    pub inbox: Option<(Arc<dyn crate::inbox::Inbox>, Duration)>,
    /// The follow-up sweep rides along too (`None`: no follow-ups).
    pub follow_ups: Option<FollowUpTimings>,
    /// Payloads of processed entries are removed after this
    /// (`OE_INBOX_RETENTION_DAYS`); their rows, and so their
    /// de-duplication keys, stay until the duration above.
    pub payload_retention: Duration,
}

/// How many open bookings of a team one sweep reads at most (nearest
/// event first).
const FOLLOW_UP_CANDIDATES: usize = 1000;

/// A journaled correction is reconciled only once its webhook had this long
/// to arrive (and mark it handled): a delivered one is not handled twice.
const CORRECTION_GRACE: chrono::Duration = chrono::Duration::minutes(2);

/// Journaled corrections queued per team and round, oldest first.
const CORRECTIONS_PER_ROUND: usize = 200;

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
            match self.sweep_follow_ups(Utc::now()).await {
                Ok(0) => {}
                Ok(n) => info!(queued = n, "follow-ups due queued for drafting"),
                Err(e) => warn!(error = %e, "the follow-up sweep failed; will try again"),
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
                Some(email) => keys::client(&email),
                None => format!("tasks:{}", decision.task_id),
            };
            let entry = NewEntry::new(
                team,
                "reconcile",
                keys::decision(decision.task_id),
                order_key,
                &InboxEvent::Decision { decision },
                Utc::now(),
            );
            if matches!(self.writer.append(entry).await, Ok(crate::inbox::Appended::Accepted(_))) {
                queued += 1;
            }
        }
        queued += self.reconcile_corrections(team, store, Utc::now() - CORRECTION_GRACE).await?;
        // Keyed by event: the handler is idempotent, and once it drafted the
        // confirmation a repeat would add nothing.
        for event in store.paid_unconfirmed().await.map_err(|e| e.to_string())? {
            let entry = NewEntry::new(
                team,
                "reconcile",
                keys::deposit(event),
                keys::event(event),
                &InboxEvent::DepositPaid { event, payment: None },
                Utc::now(),
            );
            if matches!(self.writer.append(entry).await, Ok(crate::inbox::Appended::Accepted(_))) {
                queued += 1;
            }
        }
        Ok(queued)
    }
}

impl Reconciler {
    /// Queues the follow-ups due at `now` of every team served, one inbox
    /// entry each under a key of its own (`followup:<kind>:<event>:<due>`):
    /// the inbox keeps the first, so sweeps of several replicas, or after a
    /// restart, queue each once, and its claim and lease make the drafting
    /// durable. Returns how many were new. `now` is a parameter so a test
    /// can sweep at any time.
    pub async fn sweep_follow_ups(&self, now: DateTime<Utc>) -> Result<usize, String> {
        let Some(timings) = self.follow_ups else { return Ok(0) };
        let mut queued = 0;
        for (team, store) in self.tenants.stores() {
            let Some(tz) = self.tenants.dispatcher(team).map(|d| d.venue.timezone) else { continue };
            queued += sweep_team(&self.writer, team, &*store, &timings, now, tz).await?;
        }
        Ok(queued)
    }
}

async fn sweep_team(
    writer: &InboxWriter,
    team: TeamId,
    store: &dyn Store,
    timings: &FollowUpTimings,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<usize, String> {
    let today = now.with_timezone(&tz).date_naive();
    let bookings = store.follow_up_candidates(today, FOLLOW_UP_CANDIDATES).await.map_err(|e| e.to_string())?;
    if bookings.is_empty() {
        return Ok(0);
    }
    let events: Vec<_> = bookings.iter().map(|b| b.event.id).collect();
    let pending = store.pending_tasks_of(&events).await.map_err(|e| e.to_string())?;
    let drafting: std::collections::HashSet<_> = pending_drafts(&pending).collect();
    let mut queued = 0;
    for booking in bookings {
        let Some(follow_up) = due_follow_up(&booking, drafting.contains(&booking.event.id), timings, now, tz) else {
            continue;
        };
        // Ordered with the client's mail and the manager's decisions.
        let entry = NewEntry::new(
            team,
            "followup",
            follow_up.dedupe_key(),
            keys::client(&booking.client.email),
            &InboxEvent::FollowUp { follow_up, at: now },
            // Received (and due) when queued; the sweep's clock is the
            // entry's own business.
            Utc::now(),
        );
        if matches!(writer.append(entry).await, Ok(crate::inbox::Appended::Accepted(_))) {
            queued += 1;
        }
    }
    Ok(queued)
}

impl Reconciler {
    /// Queues the manager's journaled corrections recorded before `before`
    /// that no webhook handled (pg_net posts once), as the database change
    /// the webhook would have carried: the same handler takes them over and
    /// marks them handled. Returns how many were new. `before` is a
    /// parameter so a test need not wait out the grace period.
    pub async fn reconcile_corrections(
        &self,
        team: TeamId,
        store: &dyn Store,
        before: DateTime<Utc>,
    ) -> Result<usize, String> {
        let journal = store.unhandled_corrections(before, CORRECTIONS_PER_ROUND).await.map_err(|e| e.to_string())?;
        let mut queued = 0;
        for correction in journal {
            // Classified and ordered as its webhook would have been at the edge.
            let Some((event, order_key)) = crate::ingest::classify_change(&correction.change, team) else {
                store.correction_handled(correction.id).await.map_err(|e| e.to_string())?;
                continue;
            };
            let entry = NewEntry::new(
                team,
                "reconcile",
                format!("correction:{}", correction.id),
                order_key,
                &event,
                Utc::now(),
            );
            if matches!(self.writer.append(entry).await, Ok(crate::inbox::Appended::Accepted(_))) {
                queued += 1;
            }
        }
        Ok(queued)
    }
}

impl super::Dispatcher {
    /// The change was handled: its journal rows (the same change, recorded
    /// by the database with the edit) are marked so, so reconciliation does
    /// not feed them again.
    pub(super) async fn corrections_seen(&self, seen: impl Fn(&DbChange) -> bool) -> Result<(), HandlerError> {
        let horizon = Utc::now() + chrono::Duration::minutes(1);
        for journaled in self.store.unhandled_corrections(horizon, CORRECTIONS_PER_ROUND).await? {
            if seen(&journaled.change) {
                self.store.correction_handled(journaled.id).await?;
            }
        }
        Ok(())
    }
}
