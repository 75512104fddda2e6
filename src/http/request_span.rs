//! The span of each request, kept short so log lines stay readable: method,
//! path and status. A refused webhook is logged once, by its handler (with
//! the provider and the reason code); a server fault and an unknown path
//! here. With tracing on it is the root of the event's trace, or the child
//! of the sender's W3C `traceparent` when one came with the request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::Error;
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

pub struct RequestSpan;

/// The request's headers as an OpenTelemetry carrier (for `traceparent`).
struct Headers<'a>(&'a actix_web::http::header::HeaderMap);

impl opentelemetry::propagation::Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.path(),
            status = tracing::field::Empty,
            otel.name = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        crate::telemetry::name_span(&span, format_args!("{} {}", request.method(), request.path()), "server");
        crate::telemetry::continue_from(&span, &Headers(request.headers()));
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error().map(ToString::to_string)),
            Err(e) => (e.as_response_error().status_code(), Some(e.to_string())),
        };
        span.record("status", status.as_u16());
        if status.is_server_error() {
            crate::telemetry::span_failed(&span);
        }
        let _in_span = span.enter();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = error.as_deref().unwrap_or("-"), "request failed");
        } else if status == StatusCode::NOT_FOUND {
            tracing::warn!("no such endpoint (check the webhook URL configured at the sender)");
        }
    }
}
