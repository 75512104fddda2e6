//! Webhook authentication, free of HTTP types: callers pass header values
//! and the body as `&str`/`&[u8]`, and the clock as a parameter.

pub mod basic;
pub mod mailgun;
pub mod replay;
pub mod standard;

/// Why a request failed authentication. All map to 401; the variant is for
/// logs and the short machine code in the response.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    #[error("missing field {0}")]
    MissingField(&'static str),
    #[error("timestamp is not a number")]
    InvalidTimestamp,
    #[error("timestamp outside the tolerance window")]
    StaleTimestamp,
    #[error("no signature matches")]
    NoMatch,
    #[error("credentials do not match")]
    BadCredentials,
    #[error("token was already used")]
    Replayed,
}

impl SignatureError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader(_) | Self::MissingField(_) => "missing_signature",
            Self::InvalidTimestamp | Self::StaleTimestamp => "stale_signature",
            Self::NoMatch => "invalid_signature",
            Self::BadCredentials => "invalid_credentials",
            Self::Replayed => "replayed_signature",
        }
    }
}

/// `|now - ts| <= tolerance`, in both directions (clock skew is symmetric).
fn within_tolerance(timestamp: i64, now: i64, tolerance_s: i64) -> bool {
    (now - timestamp).abs() <= tolerance_s
}
