use actix_web::{web, HttpResponse};
use serde_json::json;
use tracing::warn;

use super::AppState;

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

pub(super) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let stats = state.inbox.stats().await.ok();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render(stats))
}
