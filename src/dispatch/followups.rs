//! A follow-up the sweep found due (`reconcile.rs`): drafted for the
//! manager's approval if it still holds on the booking as it is now.

use chrono::{DateTime, Utc};
use tracing::{info, instrument, warn};

use super::Dispatcher;
use crate::domain::{EventId, FollowUp, TaskKind, TaskStatus};
use crate::inbox::HandlerError;
use crate::store::{Store, StoreError};
use crate::workflow::{self, Context, Plan};

impl Dispatcher {
    /// `at` is the sweep's clock: the rules decide on it, so a test (or a
    /// sweep run by hand) may set the time.
    #[instrument(skip_all, fields(event_id = %follow_up.event, kind = follow_up.kind.as_str(), due = %follow_up.due))]
    pub(super) async fn on_follow_up(&self, follow_up: &FollowUp, at: DateTime<Utc>) -> Result<(), HandlerError> {
        let Some(booking) = self.store.booking(follow_up.event).await? else {
            warn!("follow-up of a booking that does not exist in this team; ignored");
            return Ok(());
        };
        let draft_pending = draft_pending(&*self.store, follow_up.event).await?;
        let ctx = Context { now: at, ..self.context() };
        let facts = self.facts(&booking, &ctx).await?;
        let plan = workflow::on_follow_up(&booking, follow_up, draft_pending, &ctx, &facts);
        if plan == Plan::default() {
            info!("follow-up no longer due (the client answered, or it was drafted already)");
            return Ok(());
        }
        self.store.apply(&self.ours(plan)).await?;
        info!("follow-up drafted for the manager");
        Ok(())
    }
}

/// A draft of this booking waits for the manager (not an aside): the
/// booking waits for the service, not for the client.
pub(super) async fn draft_pending(store: &dyn Store, event: EventId) -> Result<bool, StoreError> {
    let pending = store.pending_tasks_of(&[event]).await?;
    let found = pending_drafts(&pending).any(|e| e == event);
    Ok(found)
}

/// The events with a pending main-line draft among `tasks`. A pending
/// follow-up does not count: a newer follow-up (the lapse after the
/// reminder) replaces it, as any newer draft does.
pub(super) fn pending_drafts(tasks: &[crate::domain::Task]) -> impl Iterator<Item = EventId> + '_ {
    tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Pending && !t.payload.aside)
        .filter(|t| !is_follow_up(t))
        .filter(|t| t.payload.draft_message.as_deref().is_some_and(|d| !d.trim().is_empty()))
        .filter_map(|t| t.event_id)
}

/// A follow-up's draft (`kind` `followup_...`).
fn is_follow_up(task: &crate::domain::Task) -> bool {
    task.payload.context.kind.as_ref().is_some_and(TaskKind::is_follow_up)
}
