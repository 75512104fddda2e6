//! A small PostgREST client: auth headers, timeouts, connection reuse, and
//! PostgREST errors mapped by meaning.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tracing::Instrument;

use crate::config::SupabaseConfig;
use crate::metrics::Metrics;
use crate::store::StoreError;

#[derive(Clone)]
pub struct Rest {
    http: reqwest::Client,
    base: String,
    key: SecretString,
    /// Where each call's latency and errors are counted (the service's).
    metrics: Option<Arc<Metrics>>,
}

/// What PostgREST says when it refuses: `{code, message, details, hint}`.
#[derive(Debug, Default, serde::Deserialize)]
struct PgError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

impl Rest {
    pub fn new(config: &SupabaseConfig) -> Result<Self, StoreError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(32)
            .build()
            .map_err(StoreError::unavailable)?;
        Ok(Self { http, base: format!("{}/rest/v1", config.url), key: config.key.clone(), metrics: None })
    }

    /// Counts each call in `metrics` (`oe_postgrest_*`).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// A request with Supabase's two auth headers (the gateway wants
    /// `apikey`, PostgREST the bearer token).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let key = self.key.expose_secret();
        self.http.request(method, format!("{}/{path}", self.base)).header("apikey", key).bearer_auth(key)
    }

    /// Sends one request in a span of its own (`postgrest`, a child of the
    /// turn that makes it), timed and counted by operation: the table or
    /// `rpc/<function>`, never the filter (it can hold an address).
    pub async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, StoreError> {
        let (client, request) = req.build_split();
        let request = request.map_err(StoreError::unavailable)?;
        let method = request.method().clone();
        let operation = operation(request.url().path()).to_string();
        let span = tracing::info_span!(
            "postgrest",
            %method,
            %operation,
            status = tracing::field::Empty,
            otel.name = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        crate::telemetry::name_span(&span, format_args!("{method} {operation}"), "client");
        let started = Instant::now();
        let result = async {
            let res = client.execute(request).await.map_err(StoreError::unavailable)?;
            let status = res.status();
            tracing::Span::current().record("status", status.as_u16());
            let bytes = res.bytes().await.map_err(StoreError::unavailable)?;
            if status.is_success() {
                let body: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
                return serde_json::from_slice(body)
                    .map_err(|e| StoreError::Invalid(format!("unexpected PostgREST answer: {e}")));
            }
            Err(classify(status, serde_json::from_slice(&bytes).unwrap_or_default()))
        }
        .instrument(span.clone())
        .await;
        let error = result.as_ref().err().map(error_kind);
        if error.is_some() {
            crate::telemetry::span_failed(&span);
        }
        if let Some(m) = &self.metrics {
            m.postgrest_call(&operation, started.elapsed(), error);
        }
        result
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, StoreError> {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn rpc<T: DeserializeOwned>(&self, function: &str, args: &impl Serialize) -> Result<T, StoreError> {
        self.send(self.request(Method::POST, &format!("rpc/{function}")).json(args)).await
    }

    /// PATCH returning the changed rows: an empty list means the filter
    /// matched nothing (the conditional update lost).
    pub async fn patch(&self, path: &str, body: &Value) -> Result<Vec<Value>, StoreError> {
        self.send(self.request(Method::PATCH, path).header("Prefer", "return=representation").json(body)).await
    }
}

/// The operation a URL path names: `oe_inbox`, `rpc/oe_apply_plans`, ...
fn operation(path: &str) -> &str {
    let rest = path.split_once("/rest/v1/").map_or(path, |(_, rest)| rest);
    rest.trim_matches('/')
}

/// The metric label of a failed call.
fn error_kind(e: &StoreError) -> &'static str {
    match e {
        StoreError::Duplicate(_) => "duplicate",
        StoreError::Forbidden(_) => "forbidden",
        StoreError::Invalid(_) => "invalid",
        StoreError::Unavailable(_) => "unavailable",
    }
}

/// SQLSTATE of `oe_apply_plan` for a race another turn won
/// (`webhooks/supabase/install.sql`): an offer number another booking took
/// first, or a booking written since the plan read it. Retried, and planned
/// again on fresh state.
pub const PLAN_AGAIN: &str = "OE001";

/// Transient (retry): 5xx (but P0002, a missing row), 429, timeouts,
/// SQLSTATE class 40 (deadlock, serialization failure) and
/// [`PLAN_AGAIN`]. Configuration (never retried): 401/403,
/// insufficient privilege, bad JWT. A unique violation is its own kind: on
/// an idempotent write it means "already done".
fn classify(status: StatusCode, err: PgError) -> StoreError {
    let what = if err.message.is_empty() { status.to_string() } else { format!("{} ({})", err.message, err.code) };
    match (status, err.code.as_str()) {
        (_, code) if code.starts_with("40") || code == PLAN_AGAIN => {
            StoreError::Unavailable(format!("PostgREST answered {what}").into())
        }
        (_, "23505") | (StatusCode::CONFLICT, _) => StoreError::Duplicate(what),
        (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _) | (_, "42501" | "PGRST300" | "PGRST301" | "PGRST302") => {
            StoreError::Forbidden(what)
        }
        // A row an RPC looked for is not there (`oe_apply_plan`: an unknown
        // event, offer or client). PostgREST answers 500, but it is the data.
        (_, "P0002") => StoreError::Invalid(what),
        (s, _) if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
            StoreError::Unavailable(format!("PostgREST answered {what}").into())
        }
        _ => StoreError::Invalid(what),
    }
}

/// Percent-encodes a value for a simple PostgREST filter (`eq.`, `ilike.`),
/// where everything after the operator is the value.
pub fn encoded(value: &str) -> String {
    utf8_percent(value)
}

fn utf8_percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified_by_meaning() {
        let e = |status: u16, code: &str| {
            classify(StatusCode::from_u16(status).unwrap(), PgError { code: code.into(), message: "m".into() })
        };
        assert!(matches!(e(409, "23505"), StoreError::Duplicate(_)));
        assert!(matches!(e(401, "PGRST301"), StoreError::Forbidden(_)));
        assert!(matches!(e(403, "42501"), StoreError::Forbidden(_)));
        assert!(e(503, "").is_transient() && e(429, "").is_transient() && e(500, "XX000").is_transient());
        assert!(e(500, "40001").is_transient() && e(500, "40P01").is_transient(), "class 40 is a race: retry");
        assert!(e(400, PLAN_AGAIN).is_transient(), "so is a race another turn won");
        assert!(matches!(e(400, "42703"), StoreError::Invalid(_)));
        assert!(matches!(e(500, "P0002"), StoreError::Invalid(_)), "a missing row is not retried");
    }

    #[test]
    fn the_operation_is_the_table_or_function_without_the_filter() {
        assert_eq!(operation("/rest/v1/rpc/oe_inbox_claim"), "rpc/oe_inbox_claim");
        assert_eq!(operation("/rest/v1/tasks"), "tasks");
        assert_eq!(operation("/base/rest/v1/oe_inbox"), "oe_inbox");
    }

    #[test]
    fn filter_values_are_percent_encoded() {
        assert_eq!(encoded("a+b@x.ch"), "a%2Bb%40x.ch");
        assert_eq!(encoded("a&b=c"), "a%26b%3Dc");
    }
}
