//! Postmark inbound webhooks: JSON with `FromFull`, `ToFull`, `Subject`,
//! `Date`, `TextBody`, `HtmlBody`, `Headers` (`[{Name, Value}]`, the only
//! place of the real `Message-ID`, `In-Reply-To` and `References`),
//! `Attachments` and, optionally, `RawEmail`. Postmark's own `MessageID`
//! is a UUID, used only when the mail has no Message-ID of its own.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::address::{parse_mailbox, parse_mailbox_list};
use super::mime::{self, HeaderInfo};
use super::{json_error, IngestError};
use crate::domain::message_id;
use crate::domain::{Attachment, EmailAddress, InboundEmail, Mailbox};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Payload {
    from: Option<String>,
    from_name: Option<String>,
    from_full: Option<Value>,
    to: Option<String>,
    to_full: Option<Value>,
    subject: Option<String>,
    #[serde(rename = "MessageID")]
    message_id: Option<String>,
    date: Option<String>,
    text_body: Option<String>,
    html_body: Option<String>,
    headers: Option<Value>,
    attachments: Option<Value>,
    raw_email: Option<String>,
}

/// `Ok(None)` for the payload of the "Check" button in Postmark's settings
/// (all-zero `MessageID`): acknowledged, nothing stored.
pub(super) fn parse(body: &[u8], now: DateTime<Utc>) -> Result<Option<InboundEmail>, IngestError> {
    let p: Payload = serde_json::from_slice(body).map_err(json_error)?;
    let postmark_id = p.message_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
    if postmark_id.is_some_and(|id| id.contains('0') && id.chars().all(|c| c == '0' || c == '-')) {
        return Ok(None);
    }
    let headers = Headers::of(p.headers.as_ref());
    // Headers first; the raw message (when Postmark includes it) for what
    // they lack; bodies always from the JSON fields.
    let raw = p.raw_email.as_deref().map(|r| HeaderInfo::parse_block(header_section(r.as_bytes()), now));

    let from = from_full(p.from_full.as_ref(), p.from_name.as_deref())
        .or_else(|| p.from.as_deref().and_then(parse_mailbox))
        .or_else(|| headers.first("From").and_then(parse_mailbox))
        .or_else(|| raw.as_ref().and_then(|r| r.from.clone()))
        .ok_or_else(|| IngestError::Unusable("no valid sender address".into()))?;
    let message_id = headers
        .ids("Message-ID")
        .into_iter()
        .next()
        .or_else(|| raw.as_ref().and_then(|r| r.message_id.clone()))
        .or_else(|| postmark_id.and_then(|id| message_id::normalize(&format!("{id}@postmark"))))
        .ok_or_else(|| IngestError::Unusable("the mail has no Message-ID".into()))?;
    let in_reply_to =
        headers.ids("In-Reply-To").into_iter().next().or_else(|| raw.as_ref().and_then(|r| r.in_reply_to.clone()));
    let mut references = headers.ids("References");
    if references.is_empty() {
        references = raw.as_ref().map(|r| r.references.clone()).unwrap_or_default();
    }
    references.dedup();
    let mut to = full_list(p.to_full.as_ref());
    if to.is_empty() {
        to = p.to.as_deref().map(parse_mailbox_list).unwrap_or_default();
    }
    let received_at = p
        .date
        .as_deref()
        .or_else(|| headers.first("Date"))
        .and_then(|d| mime::parse_date(d, now))
        .or_else(|| raw.as_ref().and_then(|r| r.date))
        .unwrap_or(now);
    let attachments = match &p.attachments {
        Some(Value::Array(list)) => list.iter().filter_map(attachment).collect(),
        _ => Vec::new(),
    };
    Ok(Some(InboundEmail {
        message_id,
        from,
        to,
        subject: p.subject.unwrap_or_default(),
        text: mime::normalize_text(p.text_body.as_deref().unwrap_or_default()),
        html: p.html_body.filter(|h| !h.trim().is_empty()),
        in_reply_to,
        references,
        received_at,
        attachments,
    }))
}

/// `Headers`: `[{"Name": .., "Value": ..}]`, names in any casing, repeats
/// kept; entries of another shape are ignored.
struct Headers(Vec<(String, String)>);

impl Headers {
    fn of(value: Option<&Value>) -> Self {
        let list = value.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        Self(
            list.iter()
                .filter_map(|h| {
                    let name = h.get("Name")?.as_str()?;
                    let value = h.get("Value")?.as_str()?;
                    Some((name.trim().to_string(), value.to_string()))
                })
                .collect(),
        )
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn first<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.all(name).next()
    }

    fn ids(&self, name: &str) -> Vec<String> {
        self.all(name).flat_map(message_id::split_list).collect()
    }
}

fn from_full(full: Option<&Value>, from_name: Option<&str>) -> Option<Mailbox> {
    let full = full?;
    let email = EmailAddress::parse(full.get("Email")?.as_str()?).ok()?;
    let name = full.get("Name").and_then(Value::as_str).or(from_name).map(str::trim).filter(|n| !n.is_empty());
    Some(Mailbox { email, name: name.map(str::to_string) })
}

fn full_list(list: Option<&Value>) -> Vec<Mailbox> {
    let list = list.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    list.iter()
        .filter_map(|m| {
            let email = EmailAddress::parse(m.get("Email")?.as_str()?).ok()?;
            let name = m.get("Name").and_then(Value::as_str).map(str::trim).filter(|n| !n.is_empty());
            Some(Mailbox { email, name: name.map(str::to_string) })
        })
        .collect()
}

/// Metadata of one attachment; one that is not an object with a name, or
/// whose content is not base64, is skipped (the mail is kept).
fn attachment(a: &Value) -> Option<Attachment> {
    use base64::Engine;
    let name = a.get("Name")?.as_str()?.trim();
    let content_type = a.get("ContentType").and_then(Value::as_str).unwrap_or("application/octet-stream");
    let declared = a.get("ContentLength").and_then(Value::as_u64);
    let size = match a.get("Content") {
        Some(Value::String(b64)) => {
            let clean: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(clean.as_bytes()) {
                Ok(data) => data.len() as u64,
                Err(e) => {
                    tracing::warn!(attachment = %name, error = %e, "skipping undecodable postmark attachment");
                    return None;
                }
            }
        }
        _ => declared?,
    };
    let filename = if name.is_empty() { "attachment".to_string() } else { name.to_string() };
    Some(mime::attachment(filename, content_type.to_ascii_lowercase(), size))
}

/// The header section of a raw message (up to the first blank line).
fn header_section(raw: &[u8]) -> &[u8] {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").or_else(|| raw.windows(2).position(|w| w == b"\n\n"));
    &raw[..end.unwrap_or(raw.len())]
}

#[cfg(test)]
pub(super) mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::super::mime::tests::{expected_inquiry_de, now, Lcg, INQUIRY_DE_TEXT};
    use super::*;

    /// The German inquiry of `mime::tests::INQUIRY_DE`, as Postmark posts it.
    pub fn inquiry_de() -> Value {
        json!({
            "FromName": "Jürg Müller",
            "MessageStream": "inbound",
            "From": "Juerg.Mueller@baumann-partner.ch",
            "FromFull": {"Email": "Juerg.Mueller@baumann-partner.ch", "Name": "Jürg Müller", "MailboxHash": ""},
            "To": "\"The Atelier Events\" <events@atelier-zurich.ch>",
            "ToFull": [{"Email": "events@atelier-zurich.ch", "Name": "The Atelier Events", "MailboxHash": ""}],
            "Cc": "", "CcFull": [], "Bcc": "", "BccFull": [],
            "OriginalRecipient": "events@atelier-zurich.ch",
            "Subject": "Anfrage Weihnachtsessen für 40 Personen",
            "MessageID": "5b0f5e4c-9d2a-4a8e-b1c3-2f6d7e8a9b01",
            "ReplyTo": "",
            "MailboxHash": "",
            "Date": "Thu, 26 Nov 2026 09:14:02 +0100",
            "TextBody": INQUIRY_DE_TEXT.replace('\n', "\r\n") + "\r\n",
            "HtmlBody": "<p>Guten Tag</p><p>Wir möchten am 10.12.2027 unser Weihnachtsessen bei Ihnen durchführen.</p>",
            "StrippedTextReply": "",
            "Tag": "",
            "Headers": [
                {"Name": "Return-Path", "Value": "<juerg.mueller@baumann-partner.ch>"},
                {"Name": "X-Spam-Status", "Value": "No"},
                {"Name": "message-id", "Value": "<8f2c1d0e.4b7a@mail.baumann-partner.ch>"},
                {"Name": "IN-REPLY-TO", "Value": "<offer-2026-0412@atelier-zurich.ch>"},
                {"Name": "references", "Value": "<inq-2026-0398@atelier-zurich.ch>\r\n <offer-2026-0412@atelier-zurich.ch>"},
                {"Name": "MIME-Version", "Value": "1.0"}
            ],
            "Attachments": [{
                "Name": "Sitzplan.pdf",
                "Content": "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK",
                "ContentType": "application/pdf",
                "ContentLength": 48,
                "ContentID": ""
            }]
        })
    }

    fn parse_value(v: &Value) -> Result<Option<InboundEmail>, IngestError> {
        parse(&serde_json::to_vec(v).unwrap(), now())
    }

    #[test]
    fn an_inquiry_normalizes_completely() {
        let mail = parse_value(&inquiry_de()).unwrap().unwrap();
        let expected = expected_inquiry_de(
            "The Atelier Events <events@atelier-zurich.ch>",
            "<p>Guten Tag</p><p>Wir möchten am 10.12.2027 unser Weihnachtsessen bei Ihnen durchführen.</p>",
        );
        assert_eq!(mail, expected);
    }

    #[test]
    fn without_a_message_id_header_postmarks_id_is_used() {
        let mut v = inquiry_de();
        v["Headers"] = json!([{"Name": "X-Spam-Score", "Value": "0.1"}]);
        let mail = parse_value(&v).unwrap().unwrap();
        assert_eq!(mail.message_id, "5b0f5e4c-9d2a-4a8e-b1c3-2f6d7e8a9b01@postmark");
        assert_eq!((mail.in_reply_to, mail.references.len()), (None, 0));
    }

    #[test]
    fn the_raw_email_fills_in_missing_headers() {
        let mut v = inquiry_de();
        v["Headers"] = json!([]);
        v["RawEmail"] = json!(super::super::mime::tests::INQUIRY_DE);
        let mail = parse_value(&v).unwrap().unwrap();
        assert_eq!(mail.message_id, "8f2c1d0e.4b7a@mail.baumann-partner.ch");
        assert_eq!(mail.in_reply_to.as_deref(), Some("offer-2026-0412@atelier-zurich.ch"));
        assert_eq!(mail.references.len(), 2);
        assert_eq!(mail.text, INQUIRY_DE_TEXT);
    }

    #[test]
    fn the_check_button_payload_is_acknowledged_and_ignored() {
        let body = include_bytes!("../../fixtures/postmark/check-button.postmark.json");
        assert!(parse(body, now()).unwrap().is_none());
    }

    #[test]
    fn the_english_fixture_parses() {
        let body = include_bytes!("../../fixtures/postmark/inquiry-en.postmark.json");
        let mail = parse(body, now()).unwrap().unwrap();
        assert_eq!(mail.message_id, "CAHs9mQ4fE2x7Lk1p0@mail.gmail.com");
        assert_eq!(mail.from.email.as_str(), "olivia.brandt@northwind-pharma.com");
        assert_eq!(mail.from.name.as_deref(), Some("Olivia Brandt"));
        assert_eq!(mail.subject, "Product launch evening – 22 April 2027");
        assert!(mail.text.contains("120 guests"), "{}", mail.text);
        assert!(mail.text.contains("> Thank you for your interest"), "quoted history is kept");
        assert_eq!(mail.in_reply_to.as_deref(), Some("offer-2026-0530@atelier-zurich.ch"));
        assert_eq!(mail.references, ["inq-2026-0517@atelier-zurich.ch", "offer-2026-0530@atelier-zurich.ch"]);
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].filename, "floorplan-launch.png");
        assert_eq!(mail.received_at, Utc.with_ymd_and_hms(2026, 11, 24, 15, 2, 11).unwrap());
    }

    #[test]
    fn a_bad_attachment_is_skipped_and_the_mail_kept() {
        let mut v = inquiry_de();
        v["Attachments"] = json!([
            {"Name": "broken.png", "Content": "@@not base64@@", "ContentType": "image/png", "ContentLength": 10},
            "not an object",
            {"Name": "huge.mov", "ContentType": "video/quicktime", "ContentLength": 40_000_000u64},
            {"Name": "menu.pdf", "Content": "JVBERi0=", "ContentType": "application/pdf", "ContentLength": 5}
        ]);
        let mail = parse_value(&v).unwrap().unwrap();
        let got: Vec<_> =
            mail.attachments.iter().map(|a| (a.filename.as_str(), a.size, mime::is_oversized(a))).collect();
        assert_eq!(got, [("huge.mov", 40_000_000, true), ("menu.pdf", 5, false)]);
    }

    #[test]
    fn errors_map_to_statuses() {
        assert!(matches!(parse(b"{\"From\": ", now()), Err(IngestError::Malformed(_))));
        assert!(matches!(parse(b"[1, 2]", now()), Err(IngestError::Unusable(_))));
        let mut v = inquiry_de();
        v["FromFull"] = json!({"Email": "", "Name": ""});
        v["From"] = json!("");
        assert!(matches!(parse_value(&v), Err(IngestError::Unusable(_))));
        let mut v = inquiry_de();
        v["Headers"] = json!([]);
        v["MessageID"] = Value::Null;
        assert!(matches!(parse_value(&v), Err(IngestError::Unusable(_))));
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = Lcg(11);
        let base = serde_json::to_vec(&inquiry_de()).unwrap();
        let odd = [
            json!({"Headers": "x", "Attachments": {"a": 1}, "FromFull": [], "ToFull": "x", "MessageID": "a b"}),
            json!({"From": "a@b.ch", "MessageID": "x", "Date": "Mon, 99 Foo 2026", "RawEmail": "\r\n\r\n"}),
            json!({"From": "a@b.ch", "Headers": [{"Name": "Message-ID", "Value": "<>"}], "MessageID": "-"}),
            json!(null),
        ];
        for v in &odd {
            let _ = parse_value(v);
        }
        for i in 0..300 {
            let input = if i % 3 == 0 { rng.bytes(i) } else { rng.mangle(&base) };
            let _ = parse(&input, now());
        }
    }
}
