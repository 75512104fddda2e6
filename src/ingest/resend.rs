//! Resend inbound: the `email.received` webhook (Svix-signed) carries
//! metadata only. The edge stores that notice; the worker then fetches the
//! text, HTML and headers from Resend's received-emails API
//! (`GET {OE_RESEND_API_BASE}/emails/receiving/{email_id}`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use super::address::{parse_mailbox, parse_mailbox_list};
use super::{json_error, IngestError, Ingested};
use crate::domain::{keys, message_id, Attachment, InboundEmail, InboxEvent, MailNotice};
use crate::inbox::NewEntry;
use crate::tenant::Directory;

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    data: MailNotice,
}

pub(super) fn entry(directory: &Directory, body: &[u8], now: DateTime<Utc>) -> Result<Ingested, IngestError> {
    let event: Event = serde_json::from_slice(body).map_err(json_error)?;
    if event.kind != "email.received" {
        // Other Resend events (deliveries, bounces) are not for us.
        return Ok(Ingested::Ignored("not an email.received event"));
    }
    let notice = event.data;
    if notice.email_id.trim().is_empty() {
        return Err(IngestError::Unusable("data.email_id is empty".into()));
    }
    let recipients: Vec<_> = notice.to.iter().filter_map(|t| parse_mailbox(t)).map(|m| m.email).collect();
    let team = directory.route_mail(&recipients)?;
    // A notice without a readable sender is still kept (the fetched mail
    // has the address); it is ordered on its own.
    let order_key = match parse_mailbox(&notice.from) {
        Some(m) => keys::client(&m.email),
        None => format!("resend:{}", notice.email_id),
    };
    // The mail's own Message-ID when Resend gives it, so the same mail
    // through another route is a duplicate too.
    let dedupe_key = match notice.message_id.as_deref().and_then(message_id::normalize) {
        Some(id) => keys::mail(team, &id),
        None => format!("resend:{}", notice.email_id),
    };
    Ok(Ingested::Entry(NewEntry::new(
        team,
        "email:resend",
        dedupe_key,
        order_key,
        &InboxEvent::ResendReceived { notice },
        now,
    )))
}

/// Client of the one Resend endpoint the worker needs.
#[derive(Clone)]
pub struct ResendApi {
    http: reqwest::Client,
    base: String,
    key: Option<SecretString>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Network, 5xx, 429, timeout: retry with backoff.
    #[error("resend API unavailable: {0}")]
    Transient(String),
    /// 401/404 or no key: retrying cannot help.
    #[error("resend API refused: {0}")]
    Permanent(String),
}

/// `GET /emails/receiving/{id}` as documented in Resend's API reference.
#[derive(Deserialize)]
struct Received {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    html: Option<String>,
    #[serde(default)]
    headers: Value,
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    attachments: Vec<ReceivedAttachment>,
}

#[derive(Deserialize)]
struct ReceivedAttachment {
    #[serde(default)]
    filename: String,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    size: u64,
}

impl ResendApi {
    pub fn new(base: &str, key: Option<SecretString>) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap_or_default();
        Self { http, base: base.trim_end_matches('/').to_string(), key }
    }

    pub async fn fetch(&self, notice: &MailNotice, now: DateTime<Utc>) -> Result<InboundEmail, FetchError> {
        let key = self.key.as_ref().ok_or_else(|| FetchError::Permanent("OE_RESEND_API_KEY is not set".into()))?;
        let url = format!("{}/emails/receiving/{}", self.base, notice.email_id);
        let res = self
            .http
            .get(url)
            .bearer_auth(key.expose_secret())
            .send()
            .await
            .map_err(|e| FetchError::Transient(e.to_string()))?;
        match res.status() {
            s if s.is_success() => {}
            s @ (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => {
                return Err(FetchError::Permanent(format!("{s}: check OE_RESEND_API_KEY")))
            }
            s @ StatusCode::NOT_FOUND => {
                return Err(FetchError::Permanent(format!("{s}: email {} not found", notice.email_id)))
            }
            s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
                return Err(FetchError::Transient(s.to_string()))
            }
            s => return Err(FetchError::Permanent(s.to_string())),
        }
        let received: Received =
            res.json().await.map_err(|e| FetchError::Transient(format!("unreadable answer: {e}")))?;
        normalize(received, notice, now)
    }
}

fn normalize(r: Received, notice: &MailNotice, now: DateTime<Utc>) -> Result<InboundEmail, FetchError> {
    let header = |name: &str| -> Option<String> {
        match &r.headers {
            Value::Object(map) => {
                map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str()).map(str::to_string)
            }
            Value::Array(list) => list
                .iter()
                .find(|h| h["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
                .and_then(|h| h["value"].as_str())
                .map(str::to_string),
            _ => None,
        }
    };
    let from_raw = if r.from.is_empty() { notice.from.clone() } else { r.from.clone() };
    let from = parse_mailbox(&from_raw).ok_or_else(|| FetchError::Permanent("no valid sender address".into()))?;
    let message_id = r
        .message_id
        .as_deref()
        .or(notice.message_id.as_deref())
        .and_then(message_id::normalize)
        .or_else(|| header("message-id").as_deref().and_then(message_id::normalize))
        .unwrap_or_else(|| format!("{}@resend", notice.email_id));
    Ok(InboundEmail {
        message_id,
        from,
        to: r.to.iter().flat_map(|t| parse_mailbox_list(t)).collect(),
        subject: if r.subject.is_empty() { notice.subject.clone() } else { r.subject },
        text: r.text.unwrap_or_default(),
        html: r.html,
        in_reply_to: header("in-reply-to").as_deref().and_then(message_id::normalize),
        references: header("references").as_deref().map(message_id::split_list).unwrap_or_default(),
        received_at: r
            .created_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .or(notice.created_at)
            .unwrap_or(now),
        attachments: r
            .attachments
            .into_iter()
            .map(|a| Attachment { filename: a.filename, content_type: a.content_type, size: a.size })
            .collect(),
    })
}
