//! `POST /webhooks/...`: read the body within the limit (or stream it into
//! the parser: multipart mail with attachments), hand it to `ingest`,
//! persist through the inbox writer, answer.

use actix_web::http::header::HeaderMap;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::{Bytes, BytesMut};
use chrono::Utc;
use futures_util::StreamExt;
use serde_json::json;
use tracing::{info, warn};

use super::error::{Refusal, Sender};
use super::{ApiError, AppState};
use crate::inbox::{AppendError, Appended};
use crate::ingest::{self, Body, BodyError, IngestError, Ingested, Provider};

/// actix's header map seen through the framework-free `ingest::Headers`.
struct ActixHeaders<'a>(&'a HeaderMap);

impl ingest::Headers for ActixHeaders<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(super) async fn supabase(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Refusal> {
    let endpoint = "supabase";
    let started = std::time::Instant::now();
    let answer = async {
        guard(&req, &state, endpoint)?;
        let body = read_body(&req, payload, state.supabase_max_body_bytes)
            .await
            .inspect_err(|_| state.metrics.received(endpoint, "rejected"))?;
        let entry = ingest::supabase(&state.verifier, &ActixHeaders(req.headers()), &body, Utc::now());
        persist(&req, &state, endpoint, entry).await
    };
    let answered = answer.await;
    state.metrics.acknowledged(endpoint, started.elapsed());
    answered.map_err(|error| refused(&state, Sender::Supabase, endpoint, error))
}

pub(super) async fn email(
    provider: Provider,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Refusal> {
    let endpoint = provider.name();
    let started = std::time::Instant::now();
    let answer = async {
        if !state.verifier.configured(provider) {
            state.metrics.received(endpoint, "not_configured");
            return Err(ApiError::NotConfigured { provider: endpoint });
        }
        guard(&req, &state, endpoint)?;
        let headers = ActixHeaders(req.headers());
        let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let entry = if provider.streams(content_type) {
            let limit = state.max_body_bytes;
            declared_length(&req, limit).inspect_err(|_| state.metrics.received(endpoint, "rejected"))?;
            // The parser pulls chunks through a small channel while this
            // task reads them off the connection: at most a few chunks wait.
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            let chunks = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
            let body = Body::Streaming(Box::pin(chunks));
            let parse = ingest::email(provider, &state.verifier, &headers, body, Utc::now());
            let ((), entry) = tokio::join!(pump(payload, limit, tx), parse);
            entry
        } else {
            let body = read_body(&req, payload, state.max_body_bytes)
                .await
                .inspect_err(|_| state.metrics.received(endpoint, "rejected"))?;
            ingest::email(provider, &state.verifier, &headers, body, Utc::now()).await
        };
        persist(&req, &state, endpoint, entry).await
    };
    let answered = answer.await;
    state.metrics.acknowledged(endpoint, started.elapsed());
    answered.map_err(|error| refused(&state, Sender::Email(provider), endpoint, error))
}

/// One line per refused webhook: the provider, the reason code of the
/// answer and a short reason. The inbox being unavailable is a fault of
/// ours, logged with the request.
fn refused(state: &AppState, sender: Sender, provider: &'static str, error: ApiError) -> Refusal {
    let unauthorized = matches!(error, ApiError::Ingest(IngestError::Unauthorized(_)));
    state.metrics.refused(provider, error.code(), unauthorized);
    if !matches!(error, ApiError::Unavailable) {
        let reason = match &error {
            ApiError::Ingest(IngestError::Unauthorized(detail)) => detail.to_string(),
            // Parser messages can quote the payload: keep the line short.
            other => other.message().chars().take(120).collect(),
        };
        warn!(provider, code = error.code(), %reason, "webhook refused");
    }
    Refusal { sender, error }
}

fn guard(req: &HttpRequest, state: &AppState, endpoint: &'static str) -> Result<(), ApiError> {
    if state.background.stopped().is_some() {
        // Nobody would process it: the sender keeps it and retries, and the
        // body is not even read.
        state.metrics.received(endpoint, "unavailable");
        return Err(ApiError::Unavailable);
    }
    if state.limiter.is_blocked(req.peer_addr().map(|a| a.ip()), Utc::now().timestamp()) {
        state.metrics.received(endpoint, "rate_limited");
        return Err(ApiError::RateLimited);
    }
    Ok(())
}

async fn persist(
    req: &HttpRequest,
    state: &AppState,
    endpoint: &'static str,
    ingested: Result<Ingested, IngestError>,
) -> Result<HttpResponse, ApiError> {
    let ingested = ingested.inspect_err(|e| {
        state.metrics.received(endpoint, "rejected");
        if let IngestError::Unauthorized(_) = e {
            state.limiter.record_failure(req.peer_addr().map(|a| a.ip()), Utc::now().timestamp());
        }
    })?;
    let entry = match ingested {
        Ingested::Entry(mut entry) => {
            // Its processing continues this request's trace (tracing on).
            entry.trace_context = crate::telemetry::current_traceparent();
            entry
        }
        Ingested::Ignored(why) => {
            state.metrics.received(endpoint, "ignored");
            info!(endpoint, why, "webhook acknowledged without effect");
            return Ok(HttpResponse::Ok().json(json!({"status": "ignored"})));
        }
    };
    match state.writer.append(entry).await {
        Ok(Appended::Accepted(id)) => {
            state.metrics.received(endpoint, "accepted");
            Ok(HttpResponse::Accepted().json(json!({"status": "accepted", "id": id})))
        }
        Ok(Appended::Duplicate(id)) => {
            state.metrics.received(endpoint, "duplicate");
            info!(endpoint, inbox_id = %id, "redelivery acknowledged as duplicate");
            Ok(HttpResponse::Ok().json(json!({"status": "duplicate", "id": id})))
        }
        Err(AppendError::Rejected) => {
            state.metrics.received(endpoint, "rejected");
            Err(IngestError::Unusable("the payload cannot be stored".into()).into())
        }
        Err(AppendError::Unavailable) => {
            state.metrics.received(endpoint, "unavailable");
            Err(ApiError::Unavailable)
        }
    }
}

/// The body's `Content-Length`, if declared; refuses one over `limit`
/// before a byte is read.
fn declared_length(req: &HttpRequest, limit: usize) -> Result<Option<usize>, ApiError> {
    let declared =
        req.headers().get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n > limit => Err(ApiError::TooLarge(limit)),
        _ => Ok(declared),
    }
}

/// Moves the body's chunks into `tx` as they arrive, ending with an error
/// once they exceed `limit` or the connection fails; stops when the parser
/// is done (it dropped the receiver).
async fn pump(mut payload: web::Payload, limit: usize, tx: tokio::sync::mpsc::Sender<Result<Bytes, BodyError>>) {
    let mut seen = 0usize;
    while let Some(chunk) = payload.next().await {
        let item = match chunk {
            Ok(chunk) if seen + chunk.len() > limit => Err(BodyError::TooLarge(limit)),
            Ok(chunk) => {
                seen += chunk.len();
                Ok(chunk)
            }
            Err(_) => Err(BodyError::Broken),
        };
        let last = item.is_err();
        if tx.send(item).await.is_err() || last {
            return;
        }
    }
}

/// Reads the whole body, refusing early when `Content-Length` already
/// exceeds the limit and as soon as the streamed bytes do.
async fn read_body(req: &HttpRequest, mut payload: web::Payload, limit: usize) -> Result<Bytes, ApiError> {
    let declared = declared_length(req, limit)?;
    let mut body = BytesMut::with_capacity(declared.unwrap_or(4096).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| IngestError::Malformed("the body could not be read".into()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
