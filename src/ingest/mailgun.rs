//! Mailgun inbound routes (`forward()` to our URL): form fields
//! `sender`, `from`, `recipient`, `subject`, `body-plain`, `body-html`,
//! `message-headers`, `timestamp`/`token`/`signature`, and every MIME header
//! as its own field in the sender's casing.

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};

use super::address::{parse_mailbox, parse_mailbox_list};
use super::form::Form;
use super::{Headers, IngestError, Verifier};
use crate::domain::message_id;
use crate::domain::InboundEmail;
use crate::signature::mailgun::{self, MailgunSignature};

pub(super) async fn parse(
    v: &Verifier,
    headers: &dyn Headers,
    body: Bytes,
    now: DateTime<Utc>,
) -> Result<InboundEmail, IngestError> {
    let form = Form::parse(headers.get("content-type").unwrap_or_default(), body).await?;
    // Two signatures in one post could smuggle a valid one past a parser
    // that reads the other.
    for field in ["signature", "token", "timestamp"] {
        if form.count(field) > 1 {
            return Err(IngestError::Malformed(format!("more than one `{field}` field")));
        }
    }
    let signature = MailgunSignature {
        timestamp: form.get("timestamp"),
        token: form.get("token"),
        signature: form.get("signature"),
    };
    mailgun::verify(&v.mailgun_key, signature, now.timestamp(), v.tolerance_s)?;
    normalize(&form, now)
}

fn normalize(form: &Form, now: DateTime<Utc>) -> Result<InboundEmail, IngestError> {
    let header = |name: &str| form.get(name).map(str::to_string).or_else(|| message_header(form, name));
    let from = header("from")
        .as_deref()
        .and_then(parse_mailbox)
        .or_else(|| form.get("sender").and_then(parse_mailbox))
        .ok_or_else(|| IngestError::Unusable("no valid sender address".into()))?;
    let message_id = header("Message-Id")
        .as_deref()
        .and_then(message_id::normalize)
        .ok_or_else(|| IngestError::Unusable("the mail has no Message-Id".into()))?;
    let to = form.get("recipient").or(form.get("To")).map(parse_mailbox_list).unwrap_or_default();
    let received_at = form
        .get("timestamp")
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(|t| Utc.timestamp_opt(t, 0).single())
        .unwrap_or(now);
    Ok(InboundEmail {
        message_id,
        from,
        to,
        subject: form.get("subject").unwrap_or_default().to_string(),
        text: form.get("body-plain").unwrap_or_default().to_string(),
        html: form.get("body-html").map(str::to_string),
        in_reply_to: header("In-Reply-To").as_deref().and_then(message_id::normalize),
        references: header("References").as_deref().map(message_id::split_list).unwrap_or_default(),
        received_at,
        attachments: form.files.clone(),
    })
}

/// A header from `message-headers`, Mailgun's JSON list of `[name, value]`.
fn message_header(form: &Form, name: &str) -> Option<String> {
    let list: Vec<(String, String)> = serde_json::from_str(form.get("message-headers")?).ok()?;
    list.into_iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}
