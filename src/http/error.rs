//! The one place where failures become HTTP responses (README, "HTTP"): a status
//! and `{"error": "<code>", "message": "<one line>"}`, never internals; and,
//! for a request that can never succeed, the answer that stops *its sender's*
//! retries ([`stop_retries`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::ingest::{BodyError, IngestError, Provider};
use crate::tenant::RouteError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error("the body exceeds the limit of {0} bytes")]
    TooLarge(usize),
    #[error("no such endpoint")]
    NotFound,
    /// A provider this deployment has no credentials for. The answer goes
    /// to whoever calls, so it names no configuration (the startup log
    /// lists the providers and their variables).
    #[error("the {provider} endpoint is not configured on this service")]
    NotConfigured { provider: &'static str },
    #[error("too many failed attempts; slow down")]
    RateLimited,
    /// The inbox could not persist: the sender must retry later.
    #[error("the webhook could not be stored; retry later")]
    Unavailable,
    /// `/admin` without the right bearer token (or session cookie).
    #[error("a valid admin token is required")]
    AdminUnauthorized,
    /// An admin request that names nothing usable (a bad id, status, time).
    #[error("{0}")]
    BadRequest(String),
    /// An admin request for an entry that does not exist.
    #[error("no such inbox entry")]
    NoEntry,
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
            Self::TooLarge(_) | Self::Ingest(IngestError::Body(BodyError::TooLarge(_))) => "payload_too_large",
            Self::Ingest(IngestError::Body(BodyError::Broken)) => "malformed",
            Self::NotFound | Self::NotConfigured { .. } => "not_found",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::AdminUnauthorized => "unauthorized",
            Self::BadRequest(_) => "bad_request",
            Self::NoEntry => "not_found",
        }
    }

    /// The same request can never succeed: retrying it only repeats the
    /// refusal. Not so for a bad signature (a rotated secret), a mailbox
    /// not yet configured, a body over a limit that may be raised, an
    /// unconfigured provider, a body cut off on the way or an unavailable
    /// inbox: a retry may succeed
    /// once the configuration is fixed, so those keep their status.
    pub(crate) fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Ingest(IngestError::Malformed(_) | IngestError::UnsupportedMediaType(_) | IngestError::Unusable(_))
        )
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
            Self::TooLarge(_) | Self::Ingest(IngestError::Body(BodyError::TooLarge(_))) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            // Cut off on the way: the sender's retry may arrive whole.
            Self::Ingest(IngestError::Body(BodyError::Broken)) => StatusCode::BAD_REQUEST,
            Self::NotFound | Self::NotConfigured { .. } => StatusCode::NOT_FOUND,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::AdminUnauthorized => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NoEntry => StatusCode::NOT_FOUND,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if matches!(self, Self::Unavailable) {
            res.insert_header(("Retry-After", "5"));
        }
        if matches!(self, Self::AdminUnauthorized) {
            res.insert_header(("WWW-Authenticate", "Bearer realm=\"oe-webhooks admin\""));
        }
        res.json(json!({"error": self.code(), "message": self.message()}))
    }
}

/// Who posted a refused request: each retries by its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    Supabase,
    Email(Provider),
}

/// How a sender is told that retrying a request is pointless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopRetries {
    /// Answer this status instead of the refusal's own.
    Status(StatusCode),
    /// Keep the refusal's status and add this response header.
    Header(&'static str, &'static str),
    /// The refusal's own 4xx already stops them.
    ClientError,
}

/// Each sender's rule, from its own documentation (read 2026-12):
pub(crate) fn stop_retries(sender: Sender) -> StopRetries {
    match sender {
        // Mailgun: "If Mailgun receives a 406 (Not Acceptable) code, Mailgun will
        // determine the POST is rejected and not retry"; any other code is retried
        // for 8 hours. https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-retries
        Sender::Email(Provider::Mailgun) => StopRetries::Status(StatusCode::NOT_ACCEPTABLE),
        // Postmark inbound: anything but 200 is retried 10 times over ~10.5 hours;
        // "If we receive a 403 Forbidden response, retries stop immediately."
        // https://postmarkapp.com/support/article/understanding-inbound-webhook-retries-in-postmark
        Sender::Email(Provider::Postmark) => StopRetries::Status(StatusCode::FORBIDDEN),
        // Svix: "`webhook-delivery: abort-message` – stops retries of the message
        // just sent" (https://docs.svix.com/receiving/delivery-control). Resend
        // delivers through Svix (svix-* headers, Svix's retry schedule:
        // https://resend.com/docs/webhooks/retries-and-replays); the generic
        // endpoint speaks Standard Webhooks, whose senders are mostly Svix.
        Sender::Email(Provider::Resend | Provider::Generic) => StopRetries::Header("webhook-delivery", "abort-message"),
        // SendGrid Inbound Parse "retries any POSTs that respond with a 5XX
        // status" (for 3 days); a 4xx is final already.
        // https://www.twilio.com/docs/sendgrid/for-developers/parsing-email/inbound-email
        Sender::Email(Provider::Sendgrid) => StopRetries::ClientError,
        // pg_net posts once and never retries (README, "Supabase mode").
        Sender::Supabase => StopRetries::ClientError,
    }
}

/// A refusal, answered in the terms of the sender that posted it; the JSON
/// body is the same for every sender.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Refusal {
    pub sender: Sender,
    pub error: ApiError,
}

impl Refusal {
    fn stop(&self) -> Option<StopRetries> {
        self.error.is_final().then(|| stop_retries(self.sender))
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        match self.stop() {
            Some(StopRetries::Status(status)) => status,
            _ => self.error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self.error.error_response();
        *res.status_mut() = self.status_code();
        if let Some(StopRetries::Header(name, value)) = self.stop() {
            res.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static(name),
                actix_web::http::header::HeaderValue::from_static(value),
            );
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::SignatureError;

    /// The `webhook-delivery` header and the body's error code.
    fn answer(sender: Sender, error: ApiError) -> (Option<String>, String) {
        let res = Refusal { sender, error }.error_response();
        let header = res.headers().get("webhook-delivery").map(|v| v.to_str().unwrap().to_string());
        let body = actix_web::body::to_bytes(res.into_body());
        let body = futures_util::FutureExt::now_or_never(body).unwrap().unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        (header, json["error"].as_str().unwrap().to_string())
    }

    fn status(sender: Sender, error: ApiError) -> u16 {
        Refusal { sender, error }.status_code().as_u16()
    }

    type Case = (&'static str, fn() -> ApiError);

    fn errors() -> Vec<Case> {
        vec![
            ("malformed", || IngestError::Malformed("x".into()).into()),
            ("media type", || IngestError::UnsupportedMediaType("application/json").into()),
            ("unusable", || IngestError::Unusable("x".into()).into()),
            ("signature", || IngestError::Unauthorized(SignatureError::NoMatch).into()),
            ("mailbox", || IngestError::Unrouted(RouteError::UnknownMailbox).into()),
            ("too large", || ApiError::TooLarge(1)),
            ("grew too large", || IngestError::Body(BodyError::TooLarge(1)).into()),
            ("cut off", || IngestError::Body(BodyError::Broken).into()),
            ("unconfigured", || ApiError::NotConfigured { provider: "x" }),
            ("rate limited", || ApiError::RateLimited),
            ("unavailable", || ApiError::Unavailable),
        ]
    }

    /// Per sender: the status of each refusal (in the order of `errors`),
    /// and whether the final ones carry Svix's abort header.
    #[test]
    fn every_sender_is_told_to_stop_retrying_only_what_can_never_succeed() {
        use Provider::*;
        let table: [(Sender, [u16; 11], bool); 6] = [
            (Sender::Email(Mailgun), [406, 406, 406, 401, 422, 413, 413, 400, 404, 429, 503], false),
            (Sender::Email(Postmark), [403, 403, 403, 401, 422, 413, 413, 400, 404, 429, 503], false),
            (Sender::Email(Resend), [400, 415, 422, 401, 422, 413, 413, 400, 404, 429, 503], true),
            (Sender::Email(Generic), [400, 415, 422, 401, 422, 413, 413, 400, 404, 429, 503], true),
            (Sender::Email(Sendgrid), [400, 415, 422, 401, 422, 413, 413, 400, 404, 429, 503], false),
            (Sender::Supabase, [400, 415, 422, 401, 422, 413, 413, 400, 404, 429, 503], false),
        ];
        let mut failures = Vec::new();
        for (sender, statuses, aborts) in table {
            for ((what, error), expected) in errors().into_iter().zip(statuses) {
                let got = status(sender, error());
                let (header, code) = answer(sender, error());
                let header_expected = aborts && error().is_final();
                if got != expected || header.is_some() != header_expected {
                    failures.push(format!(
                        "{sender:?} {what}: {got} {header:?}, expected {expected} abort={header_expected}"
                    ));
                }
                if code != error().code() {
                    failures.push(format!("{sender:?} {what}: body code {code}, expected {}", error().code()));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn transient_refusals_keep_retry_after() {
        for provider in Provider::ALL {
            let res = Refusal { sender: Sender::Email(provider), error: ApiError::Unavailable }.error_response();
            assert_eq!(res.status(), 503);
            assert_eq!(res.headers().get("retry-after").unwrap(), "5");
            assert!(res.headers().get("webhook-delivery").is_none());
        }
    }
}
