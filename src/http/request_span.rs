//! The span of each request, kept short so log lines stay readable: method,
//! path and status. A refused webhook is logged once, by its handler (with
//! the provider and the reason code); a server fault and an unknown path
//! here.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::Error;
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.path(),
            status = tracing::field::Empty
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error().map(ToString::to_string)),
            Err(e) => (e.as_response_error().status_code(), Some(e.to_string())),
        };
        span.record("status", status.as_u16());
        let _in_span = span.enter();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = error.as_deref().unwrap_or("-"), "request failed");
        } else if status == StatusCode::NOT_FOUND {
            tracing::warn!("no such endpoint (check the webhook URL configured at the sender)");
        }
    }
}
