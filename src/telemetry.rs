//! Structured logs through `tracing`: JSON in production, human-readable on
//! a terminal (OE_LOG_FORMAT). Filter with RUST_LOG (default `info`, with
//! actix's own start and stop chatter, "starting N workers", left out).

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    // `try_init`: a second call (tests, CLI helpers) is harmless.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
