//! SendGrid Inbound Parse: `multipart/form-data` with the parsed fields
//! (`headers`, `from`, `to`, `subject`, `text`, `html`, `envelope`,
//! `charsets`, `attachment-info`, files `attachment1..N`), or, with "POST
//! the raw, full MIME message", the whole message in `email`.
//!
//! Field values are in the charset `charsets` declares for them, not
//! necessarily UTF-8; the real `Message-ID`, `In-Reply-To` and `References`
//! exist only in the raw `headers` block.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::address::{parse_mailbox, parse_mailbox_list};
use super::form::Form;
use super::mime::{self, HeaderInfo};
use super::{Body, IngestError};
use crate::domain::{Attachment, InboundEmail};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Envelope {
    to: Vec<String>,
    from: Option<String>,
}

/// Basic auth is checked before the body is read, so the post is parsed as
/// it streams in: attachment parts are counted, never held.
pub(super) async fn parse(
    content_type: &str,
    body: impl Into<Body>,
    now: DateTime<Utc>,
) -> Result<InboundEmail, IngestError> {
    let mime_type = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if mime_type != "multipart/form-data" {
        return Err(IngestError::UnsupportedMediaType("multipart/form-data"));
    }
    let form = Form::parse_with(content_type, body, is_attachment_part).await?;
    let envelope: Envelope = form.get("envelope").and_then(|e| serde_json::from_str(e).ok()).unwrap_or_default();
    let envelope_to = || envelope.to.iter().filter_map(|a| parse_mailbox(a)).collect::<Vec<_>>();

    if let Some(raw) = form.get_raw("email").filter(|raw| !raw.iter().all(u8::is_ascii_whitespace)) {
        let mut mail = mime::parse_message(raw, now)?;
        if mail.to.is_empty() {
            mail.to = envelope_to();
        }
        return Ok(mail);
    }

    let charsets: HashMap<String, String> =
        form.get("charsets").and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
    let field = |name: &str| form.get_raw(name).map(|bytes| decode(bytes, charset_of(&charsets, name)));
    let head = form.get_raw("headers").map(|h| HeaderInfo::parse_block(h, now)).unwrap_or_default();

    let from = head
        .from
        .clone()
        .or_else(|| field("from").as_deref().and_then(parse_mailbox))
        .or_else(|| envelope.from.as_deref().and_then(parse_mailbox))
        .ok_or_else(|| IngestError::Unusable("no valid sender address".into()))?;
    let message_id =
        head.message_id.clone().ok_or_else(|| IngestError::Unusable("the mail has no Message-ID".into()))?;
    let mut to = head.to.clone();
    if to.is_empty() {
        to = field("to").as_deref().map(parse_mailbox_list).unwrap_or_default();
    }
    if to.is_empty() {
        to = envelope_to();
    }
    Ok(InboundEmail {
        message_id,
        from,
        to,
        subject: field("subject").or(head.subject).unwrap_or_default(),
        text: mime::normalize_text(&field("text").unwrap_or_default()),
        html: field("html").filter(|h| !h.trim().is_empty()),
        in_reply_to: head.in_reply_to,
        references: head.references,
        received_at: head.date.unwrap_or(now),
        attachments: attachments(&form),
    })
}

/// The declared charset of a field (`charsets` keys in any casing).
fn charset_of<'a>(charsets: &'a HashMap<String, String>, field: &str) -> Option<&'a str> {
    charsets.iter().find(|(k, _)| k.eq_ignore_ascii_case(field)).map(|(_, v)| v.as_str())
}

/// Field bytes in their declared charset (unknown labels: UTF-8),
/// malformed sequences replaced.
fn decode(bytes: &[u8], charset: Option<&str>) -> String {
    let encoding =
        charset.and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes())).unwrap_or(encoding_rs::UTF_8);
    encoding.decode(bytes).0.into_owned()
}

/// `attachment1..N`: read as metadata only, with or without a file name.
fn is_attachment_part(name: &str) -> bool {
    name.strip_prefix("attachment").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The file parts, plus `attachmentN` parts posted without a file name
/// (described only in `attachment-info`).
fn attachments(form: &Form) -> Vec<Attachment> {
    let info: HashMap<String, Value> =
        form.get("attachment-info").and_then(|i| serde_json::from_str(i).ok()).unwrap_or_default();
    let mut out = form.files.clone();
    for (name, size) in &form.sized {
        let meta = info.get(name);
        let text = |key: &str| meta.and_then(|m| m.get(key)).and_then(Value::as_str).filter(|s| !s.is_empty());
        let filename = text("filename").or(text("name")).unwrap_or(name).to_string();
        let content_type = text("type").unwrap_or("application/octet-stream").to_ascii_lowercase();
        out.push(mime::attachment(filename, content_type, *size));
    }
    out
}

#[cfg(test)]
pub(super) mod tests {

    use super::super::mime::tests::{expected_inquiry_de, now, Lcg, INQUIRY_DE, INQUIRY_DE_TEXT};
    use super::*;
    use bytes::Bytes;

    /// One part of a multipart body: name, file name, content type, bytes.
    pub type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

    /// A `multipart/form-data` body as on the wire (CRLF, first line the boundary).
    pub fn multipart(boundary: &str, parts: &[Part<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, filename, content_type, data) in parts {
            out.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
            );
            if let Some(f) = filename {
                out.extend_from_slice(format!("; filename=\"{f}\"").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            if let Some(ct) = content_type {
                out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        out
    }

    pub const HEADERS_DE: &str = "Received: from mail.baumann-partner.ch (mail.baumann-partner.ch [185.12.64.9]) by \
mx.sendgrid.net with ESMTP id 7Qx2bR4kT9e for <events@atelier-zurich.ch>; Thu, 26 Nov 2026 08:14:05 +0000 (UTC)\n\
MIME-Version: 1.0\n\
Date: Thu, 26 Nov 2026 09:14:02 +0100\n\
From: =?utf-8?q?J=C3=BCrg_M=C3=BCller?= <Juerg.Mueller@baumann-partner.ch>\n\
To: The Atelier Events <events@atelier-zurich.ch>\n\
Subject: =?utf-8?q?Anfrage_Weihnachtsessen_f=C3=BCr_40_Personen?=\n\
message-id: <8f2c1d0e.4b7a@mail.baumann-partner.ch>\n\
in-reply-to: <offer-2026-0412@atelier-zurich.ch>\n\
REFERENCES: <inq-2026-0398@atelier-zurich.ch>\n\
\t<offer-2026-0412@atelier-zurich.ch>\n\
Content-Type: multipart/mixed; boundary=\"outer-7f3a\"\n";

    /// The German inquiry in SendGrid's parsed mode, `text` in windows-1252.
    pub fn inquiry_de() -> Vec<u8> {
        let crlf = INQUIRY_DE_TEXT.replace('\n', "\r\n");
        let (text, _, _) = encoding_rs::WINDOWS_1252.encode(&crlf);
        let html = "<p>Guten Tag</p><p>Wir möchten am 10.12.2027 unser Weihnachtsessen bei Ihnen durchführen.</p>";
        multipart(
            "xYzZY",
            &[
                ("headers", None, None, HEADERS_DE.as_bytes()),
                ("dkim", None, None, b"{@baumann-partner.ch : pass}"),
                ("content-ids", None, None, b"{}"),
                ("to", None, None, b"The Atelier Events <events@atelier-zurich.ch>"),
                ("html", None, None, html.as_bytes()),
                ("from", None, None, "Jürg Müller <Juerg.Mueller@baumann-partner.ch>".as_bytes()),
                ("text", None, None, &text),
                ("sender_ip", None, None, b"185.12.64.9"),
                ("spam_report", None, None, b"Spam detection software has NOT identified this email as spam."),
                (
                    "envelope",
                    None,
                    None,
                    br#"{"to":["events@atelier-zurich.ch"],"from":"juerg.mueller@baumann-partner.ch"}"#,
                ),
                ("attachments", None, None, b"1"),
                ("subject", None, None, "Anfrage Weihnachtsessen für 40 Personen".as_bytes()),
                ("spam_score", None, None, b"0.012"),
                (
                    "attachment-info",
                    None,
                    None,
                    br#"{"attachment1":{"filename":"Sitzplan.pdf","name":"Sitzplan.pdf","type":"application/pdf"}}"#,
                ),
                (
                    "charsets",
                    None,
                    None,
                    br#"{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"windows-1252"}"#,
                ),
                ("SPF", None, None, b"pass"),
                (
                    "attachment1",
                    Some("Sitzplan.pdf"),
                    Some("application/pdf"),
                    b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n1 0 obj\n<</Type/Catalog>>\nendobj\n",
                ),
            ],
        )
    }

    /// The same inquiry in raw mode: the whole message in `email`.
    pub fn inquiry_de_raw() -> Vec<u8> {
        multipart(
            "xYzZY",
            &[
                ("dkim", None, None, b"{@baumann-partner.ch : pass}"),
                ("email", None, None, INQUIRY_DE.as_bytes()),
                ("to", None, None, b"The Atelier Events <events@atelier-zurich.ch>"),
                ("from", None, None, "Jürg Müller <Juerg.Mueller@baumann-partner.ch>".as_bytes()),
                ("sender_ip", None, None, b"185.12.64.9"),
                (
                    "envelope",
                    None,
                    None,
                    br#"{"to":["events@atelier-zurich.ch"],"from":"juerg.mueller@baumann-partner.ch"}"#,
                ),
                ("subject", None, None, "Anfrage Weihnachtsessen für 40 Personen".as_bytes()),
                ("charsets", None, None, br#"{"to":"UTF-8","subject":"UTF-8","from":"UTF-8"}"#),
                ("SPF", None, None, b"pass"),
            ],
        )
    }

    const CT: &str = "multipart/form-data; boundary=xYzZY";

    fn expected_de() -> InboundEmail {
        expected_inquiry_de(
            "The Atelier Events <events@atelier-zurich.ch>",
            "<p>Guten Tag</p><p>Wir möchten am 10.12.2027 unser Weihnachtsessen bei Ihnen durchführen.</p>",
        )
    }

    #[tokio::test]
    async fn a_parsed_inquiry_normalizes_with_declared_charsets() {
        let mail = parse(CT, Bytes::from(inquiry_de()), now()).await.unwrap();
        assert!(mail.text.contains("Freundliche Grüsse"));
        assert_eq!(mail, expected_de());
    }

    #[tokio::test]
    async fn a_raw_inquiry_normalizes_through_the_mime_parser() {
        let mail = parse(CT, Bytes::from(inquiry_de_raw()), now()).await.unwrap();
        assert_eq!(mail, expected_de());
    }

    #[tokio::test]
    async fn the_fixtures_parse() {
        let (de, raw) = (
            &include_bytes!("../../fixtures/sendgrid/inquiry-de.sendgrid.multipart")[..],
            &include_bytes!("../../fixtures/sendgrid/inquiry-raw.sendgrid.multipart")[..],
        );
        for body in [de, raw] {
            let first = body.split(|&b| b == b'\r' || b == b'\n').next().unwrap();
            let boundary = std::str::from_utf8(&first[2..]).unwrap();
            let ct = format!("multipart/form-data; boundary={boundary}");
            let mail = parse(&ct, Bytes::copy_from_slice(body), now()).await.unwrap();
            assert_eq!(mail.to[0].email.as_str(), "events@atelier-zurich.ch");
            if body == de {
                assert_eq!(mail.message_id, "0102019c5e3a7b1f-6c2d@eu-central-1.amazonses.com");
                assert_eq!(mail.from.name.as_deref(), Some("Sabine Gerber"));
                assert_eq!(mail.subject, "Anfrage Generalversammlung März 2027");
                assert!(mail.text.contains("Freundliche Grüsse"), "{}", mail.text);
                assert!(mail.text.contains("Bestuhlung"), "{}", mail.text);
                assert_eq!(mail.in_reply_to, None);
                assert_eq!(mail.attachments.len(), 1);
                assert_eq!(mail.attachments[0].filename, "Traktandenliste_GV_2027.pdf");
            } else {
                assert_eq!(mail.message_id, "20261123141502.3f9a@kanzlei-roth.ch");
                assert_eq!(mail.from.email.as_str(), "p.roth@kanzlei-roth.ch");
                assert_eq!(mail.subject, "Re: Offerte Jubiläumsapéro 12. Juni 2027");
                assert!(mail.text.contains("Apéro riche"), "{}", mail.text);
                assert_eq!(mail.in_reply_to.as_deref(), Some("offer-2026-0488@atelier-zurich.ch"));
                assert_eq!(mail.references, ["inq-2026-0471@atelier-zurich.ch", "offer-2026-0488@atelier-zurich.ch"]);
            }
        }
    }

    #[tokio::test]
    async fn errors_map_to_statuses() {
        let json = parse("application/json", Bytes::from_static(b"{}"), now()).await;
        assert!(matches!(json, Err(IngestError::UnsupportedMediaType(_))));
        let no_boundary = parse("multipart/form-data", Bytes::from(inquiry_de()), now()).await;
        assert!(matches!(no_boundary, Err(IngestError::Malformed(_))));
        let no_headers = multipart("b", &[("from", None, None, b"a@b.ch"), ("text", None, None, b"hi")]);
        let r = parse("multipart/form-data; boundary=b", Bytes::from(no_headers), now()).await;
        assert!(matches!(r, Err(IngestError::Unusable(_))), "{r:?}");
        let no_from = multipart("b", &[("headers", None, None, b"Message-ID: <a@b.ch>")]);
        let r = parse("multipart/form-data; boundary=b", Bytes::from(no_from), now()).await;
        assert!(matches!(r, Err(IngestError::Unusable(_))), "{r:?}");
    }

    #[tokio::test]
    async fn an_unnamed_attachment_part_is_described_by_attachment_info() {
        let body = multipart(
            "b",
            &[
                ("headers", None, None, b"From: a@b.ch\nMessage-ID: <a@b.ch>"),
                ("attachment-info", None, None, br#"{"attachment1":{"filename":"menu.pdf","type":"application/pdf"}}"#),
                ("attachment1", None, None, b"%PDF-"),
            ],
        );
        let mail = parse("multipart/form-data; boundary=b", Bytes::from(body), now()).await.unwrap();
        assert_eq!(
            mail.attachments,
            [Attachment { filename: "menu.pdf".into(), content_type: "application/pdf".into(), size: 5 }]
        );
    }

    #[tokio::test]
    async fn garbage_never_panics() {
        let mut rng = Lcg(23);
        let bases = [inquiry_de(), inquiry_de_raw()];
        for i in 0..300 {
            let input = match i % 3 {
                0 => rng.bytes(i),
                1 => rng.mangle(&bases[0]),
                _ => rng.mangle(&bases[1]),
            };
            let _ = parse(CT, Bytes::from(input), now()).await;
        }
    }
}
