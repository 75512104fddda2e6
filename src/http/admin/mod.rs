//! `/admin`: the operator's API and page (README, "Admin API", "Operator
//! page"). Mounted only when `OE_ADMIN_TOKEN` is set; otherwise every
//! `/admin` path is the service's plain 404. Never behind the webhooks'
//! failed-authentication rate limit: that one protects the senders' path.
//!
//! The routes and the OpenAPI description come from one list of handlers
//! ([`admin_routes!`]), so a route cannot be served undocumented.

mod auth;
mod page;

use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ApiError, AppState};
use crate::domain::InboxId;
use crate::inbox::{AttemptError, Discarded, EntryFilter, EntryStatus, EntryView};

pub use auth::AdminToken;
use auth::{Admin, BearerScheme};

/// Query of `GET /admin/inbox`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// pending, processing, done, dead or discarded.
    status: Option<String>,
    /// Exact source, e.g. `email:mailgun`.
    source: Option<String>,
    /// Received at or after this RFC 3339 time.
    since: Option<String>,
    /// At most this many, newest first (default 100, at most 1000).
    limit: Option<usize>,
}

/// Query of `GET /admin/inbox/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowQuery {
    /// Include the payload (personal data).
    #[serde(default)]
    body: bool,
}

/// Body of `POST /admin/inbox/{id}/discard`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DiscardRequest {
    /// Why (required, kept with the entry).
    reason: String,
    /// Who; default `admin-api`.
    by: Option<String>,
}

/// Body of `POST /admin/inbox/retry` (bulk).
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkRetryRequest {
    /// `dead` (or `discarded`).
    status: String,
    /// Only entries received at or after this RFC 3339 time.
    since: Option<String>,
    /// Dry run: say what would be retried, change nothing.
    #[serde(default)]
    plan: bool,
}

/// What a retry or discard did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionResult {
    /// True for a dry run (`plan`): nothing changed.
    plan: bool,
    /// The entries changed (or, with `plan`, that would be).
    #[schema(value_type = Vec<String>)]
    entries: Vec<InboxId>,
}

fn store_error(e: crate::store::StoreError) -> ApiError {
    tracing::warn!(error = %e, "admin: the inbox is unavailable");
    ApiError::Unavailable
}

fn parse_status(s: &str) -> Result<EntryStatus, ApiError> {
    EntryStatus::parse(s)
        .ok_or_else(|| ApiError::BadRequest("status is one of pending, processing, done, dead, discarded".into()))
}

fn parse_since(s: Option<&str>) -> Result<Option<chrono::DateTime<Utc>>, ApiError> {
    s.map(|s| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::BadRequest("since is an RFC 3339 time, e.g. 2026-11-29T08:00:00Z".into()))
    })
    .transpose()
}

fn parse_id(s: &str) -> Result<InboxId, ApiError> {
    s.parse().map_err(|_| ApiError::BadRequest("the entry id is a UUID".into()))
}

/// Lists inbox entries, newest first, without payloads.
#[utoipa::path(
    tag = "inbox", params(ListQuery),
    responses((status = 200, body = Vec<EntryView>), (status = 400), (status = 401))
)]
#[get("/admin/inbox")]
async fn list(_: Admin, state: web::Data<AppState>, q: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let filter = EntryFilter {
        status: q.status.as_deref().map(parse_status).transpose()?,
        source: q.source.clone(),
        since: parse_since(q.since.as_deref())?,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
    };
    let entries = state.inbox.entries(&filter).await.map_err(store_error)?;
    Ok(HttpResponse::Ok().json(entries))
}

/// One entry: source, keys, attempts, every error, timestamps; the payload
/// only with `body=true`.
#[utoipa::path(
    tag = "inbox", params(("id" = String, Path, description = "the entry's id"), ShowQuery),
    responses((status = 200, body = EntryView), (status = 400), (status = 401), (status = 404))
)]
#[get("/admin/inbox/{id}")]
async fn show(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let entry = state.inbox.entry(id, q.body).await.map_err(store_error)?.ok_or(ApiError::NoEntry)?;
    Ok(HttpResponse::Ok().json(entry))
}

/// Queues a dead (or discarded) entry again; the worker handles it through
/// the same idempotent path, so nothing is sent twice.
#[utoipa::path(
    tag = "inbox", params(("id" = String, Path, description = "the entry's id")),
    responses((status = 200, body = ActionResult), (status = 401), (status = 404),
              (status = 409, description = "the entry is not dead or discarded, or its payload was removed"))
)]
#[post("/admin/inbox/{id}/retry")]
async fn retry(_: Admin, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let done = state.inbox.requeue(&[id], Utc::now()).await.map_err(store_error)?;
    answer(&state, id, done, "only a dead or discarded entry with its payload can be retried").await
}

/// Puts a pending or dead entry aside as `discarded`, with who and why.
#[utoipa::path(
    tag = "inbox", params(("id" = String, Path, description = "the entry's id")), request_body = DiscardRequest,
    responses((status = 200, body = ActionResult), (status = 400), (status = 401), (status = 404),
              (status = 409, description = "the entry is in hand or done"))
)]
#[post("/admin/inbox/{id}/discard")]
async fn discard(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<DiscardRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::BadRequest("reason must say why the entry is discarded".into()));
    }
    let by = body.by.as_deref().map(str::trim).filter(|b| !b.is_empty()).unwrap_or("admin-api");
    let done = state.inbox.discard(&[id], by, reason, Utc::now()).await.map_err(store_error)?;
    answer(&state, id, done, "only a pending or dead entry can be discarded").await
}

/// 200 when the entry changed; 404 when there is none; 409 (in the terms
/// of `rule`) when its state forbids the action.
async fn answer(state: &AppState, id: InboxId, done: Vec<InboxId>, rule: &str) -> Result<HttpResponse, ApiError> {
    if !done.is_empty() {
        return Ok(HttpResponse::Ok().json(ActionResult { plan: false, entries: done }));
    }
    match state.inbox.entry(id, false).await.map_err(store_error)? {
        None => Err(ApiError::NoEntry),
        Some(e) => Ok(HttpResponse::Conflict().json(
            serde_json::json!({"error": "conflict", "message": format!("the entry is {}: {rule}", e.status.as_str())}),
        )),
    }
}

/// Bulk retry of every entry of a status (`dead`), optionally received
/// since a time; `plan: true` only says which would be retried.
#[utoipa::path(
    tag = "inbox", request_body = BulkRetryRequest,
    responses((status = 200, body = ActionResult), (status = 400), (status = 401))
)]
#[post("/admin/inbox/retry")]
async fn bulk_retry(
    _: Admin,
    state: web::Data<AppState>,
    body: web::Json<BulkRetryRequest>,
) -> Result<HttpResponse, ApiError> {
    let status = parse_status(&body.status)?;
    if !matches!(status, EntryStatus::Dead | EntryStatus::Discarded) {
        return Err(ApiError::BadRequest("only dead or discarded entries can be retried".into()));
    }
    let filter =
        EntryFilter { status: Some(status), source: None, since: parse_since(body.since.as_deref())?, limit: 0 };
    let ids: Vec<InboxId> = (state.inbox.entries(&filter).await.map_err(store_error)?)
        .into_iter()
        .filter(|e| e.payload_pruned_at.is_none())
        .map(|e| e.id)
        .collect();
    if body.plan {
        return Ok(HttpResponse::Ok().json(ActionResult { plan: true, entries: ids }));
    }
    let done = state.inbox.requeue(&ids, Utc::now()).await.map_err(store_error)?;
    tracing::info!(retried = done.len(), "admin: bulk retry");
    Ok(HttpResponse::Ok().json(ActionResult { plan: false, entries: done }))
}

/// This description (OpenAPI 3.1).
#[utoipa::path(tag = "meta", responses((status = 200, description = "the OpenAPI description"), (status = 401)))]
#[get("/admin/openapi.json")]
async fn description(_: Admin) -> HttpResponse {
    HttpResponse::Ok().json(AdminDoc::openapi())
}

/// One list of handlers for both the routes and their description.
macro_rules! admin_routes {
    ($($handler:path),* $(,)?) => {
        /// The OpenAPI description of `/admin`, generated from the handlers.
        #[derive(OpenApi)]
        #[openapi(
            info(title = "oe-webhooks admin", description = "Inbox operations and the operator page; bearer token OE_ADMIN_TOKEN."),
            paths($($handler),*),
            components(schemas(EntryView, EntryStatus, AttemptError, Discarded, ActionResult, DiscardRequest, BulkRetryRequest)),
            modifiers(&BearerScheme),
            security(("bearer" = []))
        )]
        pub struct AdminDoc;

        /// Mounts `/admin` with its token (only when `OE_ADMIN_TOKEN` is set).
        pub fn routes(cfg: &mut web::ServiceConfig, token: AdminToken) {
            cfg.app_data(web::Data::new(token));
            $(cfg.service($handler);)*
        }
    };
}

admin_routes!(
    list,
    bulk_retry,
    show,
    retry,
    discard,
    description,
    page::index,
    page::sign_in,
    page::sign_out,
    page::retry_form,
    page::discard_form,
);
