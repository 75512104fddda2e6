//! The one place where failures become HTTP responses (README, "HTTP"): a status
//! and `{"error": "<code>", "message": "<one line>"}`, never internals.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::ingest::IngestError;
use crate::tenant::RouteError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error("the body exceeds the limit of {0} bytes")]
    TooLarge(usize),
    #[error("no such endpoint")]
    NotFound,
    #[error("too many failed attempts; slow down")]
    RateLimited,
    /// The inbox could not persist: the sender must retry later.
    #[error("the webhook could not be stored; retry later")]
    Unavailable,
}

impl ApiError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Ingest(IngestError::Unauthorized(e)) => e.code(),
            Self::Ingest(IngestError::Malformed(_)) => "malformed",
            Self::Ingest(IngestError::UnsupportedMediaType(_)) => "unsupported_media_type",
            Self::Ingest(IngestError::Unusable(_)) => "unprocessable",
            Self::Ingest(IngestError::Unrouted(RouteError::UnknownMailbox)) => "unknown_mailbox",
            Self::Ingest(IngestError::Unrouted(RouteError::OtherTeam)) => "other_venue",
            Self::Ingest(IngestError::Unrouted(RouteError::NoTeam)) => "no_team",
            Self::TooLarge(_) => "payload_too_large",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
        }
    }

    /// One line for the sender. Signature failures get a fixed text: the
    /// detail (which key, which header value) stays in our logs.
    pub(crate) fn message(&self) -> String {
        match self {
            Self::Ingest(IngestError::Unauthorized(e)) => format!("authentication failed ({e})"),
            other => {
                let line = other.to_string();
                line.lines().next().unwrap_or_default().chars().take(200).collect()
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Ingest(IngestError::Unauthorized(_)) => StatusCode::UNAUTHORIZED,
            Self::Ingest(IngestError::Malformed(_)) => StatusCode::BAD_REQUEST,
            Self::Ingest(IngestError::UnsupportedMediaType(_)) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            // Valid, but no team of this deployment may take it.
            Self::Ingest(IngestError::Unusable(_) | IngestError::Unrouted(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if matches!(self, Self::Unavailable) {
            res.insert_header(("Retry-After", "5"));
        }
        res.json(json!({"error": self.code(), "message": self.message()}))
    }
}
