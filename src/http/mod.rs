//! HTTP: routes, body limits, and the mapping of errors to responses. The
//! only module that knows actix-web.

pub mod admin;
mod error;
mod health;
mod rate_limit;
mod request_span;
mod webhooks;

use std::sync::Arc;

use actix_web::web;

use crate::inbox::{Inbox, InboxWriter};
use crate::ingest::{Provider, Verifier};
use crate::metrics::Metrics;
use crate::store::Store;

pub use error::ApiError;
pub use rate_limit::FailureLimiter;
pub use request_span::RequestSpan;

/// Shared by every HTTP worker.
pub struct AppState {
    pub writer: InboxWriter,
    pub verifier: Verifier,
    pub metrics: Arc<Metrics>,
    pub inbox: Arc<dyn Inbox>,
    pub store: Arc<dyn Store>,
    /// Largest body of a mail provider's post (`OE_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// Largest body of a database webhook: one row before and after.
    pub supabase_max_body_bytes: usize,
    pub limiter: FailureLimiter,
    /// Whether the worker and the reconciler still run.
    pub background: crate::supervision::Background,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks/supabase", web::post().to(webhooks::supabase));
    // One static route per provider: actix matches static paths without
    // running its regex router, which shows at tens of thousands of requests/s.
    for provider in Provider::ALL {
        cfg.route(
            &format!("/webhooks/email/{}", provider.name()),
            web::post().to(move |req, payload, state| webhooks::email(provider, req, payload, state)),
        );
    }
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(ApiError::NotFound) }));
}
