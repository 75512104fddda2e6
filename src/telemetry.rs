//! Structured logs through `tracing`: JSON in production, human-readable on
//! a terminal (OE_LOG_FORMAT). Filter with RUST_LOG (default `info`, with
//! actix's own start and stop chatter, "starting N workers", left out).
//!
//! OpenTelemetry traces (README, "Operating", "Tracing"): off unless
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is
//! set; then the same spans are exported over OTLP/HTTP (protobuf), with the
//! standard `OTEL_*` variables (`OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_BSP_SCHEDULE_DELAY`, ...). One trace per event: the request's span
//! (continuing an incoming W3C `traceparent`), its context stored with the
//! inbox entry ([`current_traceparent`]), the worker's span as its child
//! ([`continue_trace`]), the turn, each PostgREST call and the SMTP send.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// The service name when `OTEL_SERVICE_NAME` is unset.
const SERVICE_NAME: &str = "oe-webhooks";

/// Whether this process exports spans: only then are the `otel.*` fields
/// recorded, so the log lines of a service without tracing stay as short
/// as they were.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Keeps the trace exporter; dropping it flushes the spans not yet sent.
/// Hold it for the life of the process.
#[must_use = "dropping the guard stops the trace export"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported (an OTLP endpoint is configured).
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(e) = provider.shutdown() {
                eprintln!("could not flush the last trace spans: {e}");
            }
        }
    }
}

/// Installs the global subscriber (logs, and traces when configured by the
/// `OTEL_*` environment). A second call (tests, CLI helpers) keeps the first
/// subscriber and exports nothing.
pub fn init(format: LogFormat) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let provider = match otlp_provider() {
        Ok(provider) => provider,
        Err(e) => {
            // Tracing is an aid: a bad exporter setting must not stop the service.
            eprintln!("OpenTelemetry export is off: {e}");
            None
        }
    };
    let otel = provider.as_ref().map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer(SERVICE_NAME)));
    let (json, pretty) = match format {
        LogFormat::Json => {
            (Some(fmt::layer().json().flatten_event(true).with_current_span(true).with_target(false)), None)
        }
        LogFormat::Pretty => (None, Some(fmt::layer().compact().with_target(false))),
    };
    let installed = tracing_subscriber::registry().with(filter).with(otel).with(json).with(pretty).try_init();
    if installed.is_err() {
        // Someone else's subscriber would not carry our spans to the exporter.
        if let Some(p) = provider {
            let _ = p.shutdown();
        }
        return Telemetry { provider: None };
    }
    EXPORTING.store(provider.is_some(), Ordering::Relaxed);
    Telemetry { provider }
}

/// The tracer provider when an OTLP endpoint is configured, else `None`.
fn otlp_provider() -> Result<Option<SdkTracerProvider>, opentelemetry_otlp::ExporterBuildError> {
    let configured = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| !v.trim().is_empty()));
    if !configured {
        return Ok(None);
    }
    // The builder reads the endpoint, headers and timeout from OTEL_*.
    let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
    // The resource reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
    let mut resource = Resource::builder();
    if std::env::var("OTEL_SERVICE_NAME").is_err() {
        resource = resource.with_service_name(SERVICE_NAME);
    }
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource.build()).build();
    Ok(Some(provider))
}

/// Names `span` for the trace backend (`otel.name`, `otel.kind`: `server`,
/// `client`, `consumer`); the span must declare both fields `Empty`.
pub fn name_span(span: &Span, name: impl Display, kind: &'static str) {
    if EXPORTING.load(Ordering::Relaxed) {
        span.record("otel.name", tracing::field::display(name));
        span.record("otel.kind", kind);
    }
}

/// Marks `span` as failed for the trace backend (`otel.status_code`, declared `Empty`).
pub fn span_failed(span: &Span) {
    if EXPORTING.load(Ordering::Relaxed) {
        span.record("otel.status_code", "ERROR");
    }
}

/// The W3C `traceparent` of the current span, when it is being traced: what
/// an inbox entry stores so its processing joins the request's trace.
pub fn current_traceparent() -> Option<String> {
    // Tracing off: nothing to join, and nothing to work out per request.
    if !EXPORTING.load(Ordering::Relaxed) {
        return None;
    }
    let context = Span::current().context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove("traceparent")
}

/// Makes `span` a child of the trace a stored or received `traceparent`
/// names; a missing or malformed one leaves `span` a root.
pub fn continue_trace(span: &Span, traceparent: Option<&str>) {
    let Some(traceparent) = traceparent else { return };
    continue_from(span, &OneHeader(traceparent));
}

/// Makes `span` a child of the context in `headers` (a `traceparent` sent
/// with a webhook), if any.
pub fn continue_from(span: &Span, headers: &dyn Extractor) {
    if !EXPORTING.load(Ordering::Relaxed) {
        return;
    }
    let context = TraceContextPropagator::new().extract(headers);
    if context.span().span_context().is_valid() {
        // Fails only when the span is disabled or already started elsewhere.
        let _ = span.set_parent(context);
    }
}

struct OneHeader<'a>(&'a str);

impl Extractor for OneHeader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        (key == "traceparent").then_some(self.0)
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_tracer_there_is_no_traceparent_to_store() {
        assert_eq!(current_traceparent(), None);
        // A malformed context is ignored, not an error.
        continue_trace(&Span::none(), Some("not-a-traceparent"));
    }
}
