//! The service's own normalized mail JSON (for custom relays and fixtures).

use super::{json_error, IngestError};
use crate::domain::InboundEmail;

pub(super) fn parse(body: &[u8]) -> Result<InboundEmail, IngestError> {
    serde_json::from_slice(body).map_err(json_error)
}
