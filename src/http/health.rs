use actix_web::{web, HttpResponse};
use serde_json::json;
use tracing::warn;

use super::AppState;
use crate::metrics::Snapshot;

pub(super) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the store answers and the inbox takes writes. Dead entries do
/// not make the service unready, but they are reported here.
pub(super) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if let Some(task) = state.background.stopped() {
        return HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable", "stopped": task}));
    }
    let store = state.store.ping().await;
    let inbox = state.inbox.stats().await;
    match (store, inbox) {
        (Ok(()), Ok(stats)) => HttpResponse::Ok().json(json!({"status": "ready", "inbox": stats})),
        (store, inbox) => {
            if let Err(e) = &store {
                warn!(error = %e, "readiness: store unreachable");
            }
            if let Err(e) = &inbox {
                warn!(error = %e, "readiness: inbox unreadable");
            }
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "store": if store.is_ok() { "ok" } else { "unreachable" },
                "inbox": if inbox.is_ok() { "ok" } else { "unreachable" },
            }))
        }
    }
}

/// The store-backed gauges are read here, at scrape time; one that cannot be
/// read is left out of this scrape (its last value stays) rather than failing it.
pub(super) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (inbox, oldest, tasks) =
        tokio::join!(state.inbox.stats(), state.inbox.oldest_unfinished(), state.store.pending_task_counts());
    let now = chrono::Utc::now();
    let snapshot = Snapshot {
        inbox: inbox.ok(),
        oldest_pending_age: oldest.ok().flatten().map(|t| (now - t).to_std().unwrap_or_default()),
        tasks_pending: tasks.ok(),
    };
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render(snapshot))
}
