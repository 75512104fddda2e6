//! Raw MIME messages (RFC 5322 + MIME), parsed with `mail-parser`: headers
//! (encoded words, folding, any casing), bodies in any transfer encoding
//! and charset, attachments as metadata. Also the small helpers the
//! provider adapters share (header blocks, dates, text, attachment limits).

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, TimeZone, Utc};
use mail_parser::{Addr, HeaderName, HeaderValue, Message, MessageParser, MimeHeaders, PartType};

use super::IngestError;
use crate::domain::message_id;
use crate::domain::{Attachment, EmailAddress, InboundEmail, Mailbox};

/// Per-attachment size limit. Larger attachments are still recorded (name,
/// type, size) but flagged as oversized: see [`is_oversized`].
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

/// Whether an attachment exceeds [`MAX_ATTACHMENT_BYTES`] (the venue team
/// has to ask the client for another way to send it).
pub fn is_oversized(attachment: &Attachment) -> bool {
    attachment.size > MAX_ATTACHMENT_BYTES
}

/// Parses a whole message (`Message-ID`, `From`, bodies, attachments).
pub fn parse_message(raw: &[u8], now: DateTime<Utc>) -> Result<InboundEmail, IngestError> {
    let message = parse_raw(raw).ok_or_else(|| IngestError::Malformed("not a MIME message".into()))?;
    let head = HeaderInfo::of(&message, now);
    let from = head.from.ok_or_else(|| IngestError::Unusable("no valid sender address".into()))?;
    let message_id = head.message_id.ok_or_else(|| IngestError::Unusable("the mail has no Message-ID".into()))?;
    let text = (0..message.text_body_count()).filter_map(|i| message.body_text(i)).collect::<Vec<_>>().join("\n");
    let html = message.html_part(0).filter(|p| p.is_text_html()).and_then(|_| message.body_html(0)).map(String::from);
    let attachments = message
        .attachments()
        .enumerate()
        .filter(|(_, part)| !part.is_encoding_problem)
        .map(|(i, part)| {
            let filename =
                part.attachment_name().map(str::to_string).unwrap_or_else(|| format!("attachment-{}", i + 1));
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_string(),
                })
                .unwrap_or_else(|| default_content_type(&part.body).to_string())
                .to_ascii_lowercase();
            attachment(filename, content_type, part.len() as u64)
        })
        .collect();
    Ok(InboundEmail {
        message_id,
        from,
        to: head.to,
        subject: head.subject.unwrap_or_default(),
        text: normalize_text(&text),
        html: html.filter(|h| !h.trim().is_empty()),
        in_reply_to: head.in_reply_to,
        references: head.references,
        received_at: head.date.unwrap_or(now),
        attachments,
    })
}

fn default_content_type(body: &PartType<'_>) -> &'static str {
    match body {
        PartType::Text(_) => "text/plain",
        PartType::Html(_) => "text/html",
        PartType::Message(_) => "message/rfc822",
        _ => "application/octet-stream",
    }
}

/// mail-parser is fuzzed, but a panic in it must not take a request down.
fn parse_raw(raw: &[u8]) -> Option<Message<'_>> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    catch_unwind(AssertUnwindSafe(|| MessageParser::default().parse(raw))).ok().flatten()
}

/// What the headers of a mail say, each field absent when unusable.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct HeaderInfo {
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub date: Option<DateTime<Utc>>,
}

impl HeaderInfo {
    /// A bare header block (SendGrid's `headers` field, a Date line): the
    /// blank line that ends a header section is added here.
    pub(super) fn parse_block(block: &[u8], now: DateTime<Utc>) -> Self {
        let mut raw = block.to_vec();
        raw.extend_from_slice(b"\r\n\r\n");
        parse_raw(&raw).map(|m| Self::of(&m, now)).unwrap_or_default()
    }

    fn of(message: &Message<'_>, now: DateTime<Utc>) -> Self {
        let from = message.from().into_iter().chain(message.sender()).flat_map(|a| a.iter()).find_map(mailbox);
        let to = message.all_to().flat_map(|a| a.iter()).filter_map(mailbox).collect();
        let in_reply_to = message.header_values(HeaderName::InReplyTo).flat_map(ids).next();
        let mut references: Vec<String> = Vec::new();
        for id in message.header_values(HeaderName::References).flat_map(ids) {
            if !references.contains(&id) {
                references.push(id);
            }
        }
        Self {
            from,
            to,
            subject: message.subject().map(str::to_string),
            message_id: message.header_values(HeaderName::MessageId).flat_map(ids).next(),
            in_reply_to,
            references,
            date: message.date().filter(|d| d.is_valid()).and_then(|d| plausible(d.to_timestamp(), now)),
        }
    }
}

fn mailbox(addr: &Addr<'_>) -> Option<Mailbox> {
    let email = EmailAddress::parse(addr.address()?).ok()?;
    let name = addr.name().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    Some(Mailbox { email, name })
}

/// Bare Message-IDs in a header value, whether mail-parser understood it
/// as ids or kept it as text.
fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => message_id::split_list(t),
        HeaderValue::TextList(list) => list.iter().flat_map(|t| message_id::split_list(t)).collect(),
        _ => Vec::new(),
    }
}

/// A `Date` header value (RFC 2822, or whatever mail-parser can make of
/// it) as a receipt time; dates more than a day ahead of `now` are ignored.
pub(super) fn parse_date(raw: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(raw) {
        return plausible(d.timestamp(), now);
    }
    if raw.contains(['\r', '\n']) {
        return None;
    }
    HeaderInfo::parse_block(format!("Date: {raw}").as_bytes(), now).date
}

fn plausible(ts: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let at = Utc.timestamp_opt(ts, 0).single()?;
    (at <= now + chrono::Duration::days(1)).then_some(at)
}

/// One mailbox as a header value: plain (`Name <addr>`) or with RFC 2047
/// encoded words in the name, which mail-parser decodes.
pub(super) fn decode_mailbox(raw: &str) -> Option<Mailbox> {
    if raw.contains("=?") && !raw.contains(['\r', '\n']) {
        let head = HeaderInfo::parse_block(format!("From: {raw}").as_bytes(), Utc::now());
        if head.from.is_some() {
            return head.from;
        }
    }
    super::address::parse_mailbox(raw)
}

/// Plain text as sent, with line endings made `\n` and trailing blank
/// lines dropped, so the same mail reads the same from every provider.
pub(super) fn normalize_text(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end_matches(['\n', '\r']).to_string()
}

/// Attachment metadata; oversized ones are kept (with their size) and logged.
pub(super) fn attachment(filename: String, content_type: String, size: u64) -> Attachment {
    let a = Attachment { filename, content_type, size };
    if is_oversized(&a) {
        tracing::warn!(filename = %a.filename, size = a.size, limit = MAX_ATTACHMENT_BYTES, "oversized attachment");
    }
    a
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
    }

    /// The German inquiry every provider test delivers, as a raw message:
    /// windows-1252 quoted-printable text, an HTML alternative, a PDF.
    pub const INQUIRY_DE: &str = "Return-Path: <juerg.mueller@baumann-partner.ch>\r\n\
Received: from mail.baumann-partner.ch (mail.baumann-partner.ch [185.12.64.9])\r\n\
\tby mx.atelier-zurich.ch; Thu, 26 Nov 2026 09:14:05 +0100\r\n\
MIME-Version: 1.0\r\n\
Date: Thu, 26 Nov 2026 09:14:02 +0100\r\n\
From: =?utf-8?q?J=C3=BCrg_M=C3=BCller?= <Juerg.Mueller@baumann-partner.ch>\r\n\
To: The Atelier Events <events@atelier-zurich.ch>\r\n\
Subject: =?utf-8?q?Anfrage_Weihnachtsessen_f=C3=BCr_40_Personen?=\r\n\
message-id: <8f2c1d0e.4b7a@mail.baumann-partner.ch>\r\n\
in-reply-to: <offer-2026-0412@atelier-zurich.ch>\r\n\
REFERENCES: <inq-2026-0398@atelier-zurich.ch>\r\n\
\x20<offer-2026-0412@atelier-zurich.ch>\r\n\
Content-Type: multipart/mixed; boundary=\"outer-7f3a\"\r\n\
\r\n\
--outer-7f3a\r\n\
Content-Type: multipart/alternative; boundary=\"alt-19c4\"\r\n\
\r\n\
--alt-19c4\r\n\
Content-Type: text/plain; charset=windows-1252\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Guten Tag\r\n\
\r\n\
Wir m=F6chten am 10.12.2027 unser Weihnachtsessen bei Ihnen durchf=FChren: =\r\n\
40 Personen, Bankett an runden Tischen, ab 18:30 Uhr.\r\n\
Bitte senden Sie uns eine Offerte inkl. Ap=E9ro.\r\n\
\r\n\
Freundliche Gr=FCsse\r\n\
J=FCrg M=FCller\r\n\
\r\n\
--alt-19c4\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Guten Tag</p><p>Wir m\u{f6}chten am 10.12.2027 unser Weihnachtsessen bei Ihnen durchf\u{fc}hren.</p>\r\n\
--alt-19c4--\r\n\
\r\n\
--outer-7f3a\r\n\
Content-Type: application/pdf; name=\"Sitzplan.pdf\"\r\n\
Content-Disposition: attachment; filename=\"Sitzplan.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK\r\n\
--outer-7f3a--\r\n";

    /// What every provider's delivery of the inquiry normalizes to; the
    /// recipient and HTML differ by what each provider posts.
    pub fn expected_inquiry_de(to: &str, html: &str) -> InboundEmail {
        InboundEmail {
            message_id: "8f2c1d0e.4b7a@mail.baumann-partner.ch".into(),
            from: crate::ingest::parse_mailbox("Jürg Müller <juerg.mueller@baumann-partner.ch>").unwrap(),
            to: vec![crate::ingest::parse_mailbox(to).unwrap()],
            subject: "Anfrage Weihnachtsessen für 40 Personen".into(),
            text: INQUIRY_DE_TEXT.into(),
            html: Some(html.into()),
            in_reply_to: Some("offer-2026-0412@atelier-zurich.ch".into()),
            references: vec!["inq-2026-0398@atelier-zurich.ch".into(), "offer-2026-0412@atelier-zurich.ch".into()],
            received_at: Utc.with_ymd_and_hms(2026, 11, 26, 8, 14, 2).unwrap(),
            attachments: vec![crate::domain::Attachment {
                filename: "Sitzplan.pdf".into(),
                content_type: "application/pdf".into(),
                size: 48,
            }],
        }
    }

    pub const INQUIRY_DE_TEXT: &str = "Guten Tag\n\nWir möchten am 10.12.2027 unser Weihnachtsessen bei Ihnen \
durchführen: 40 Personen, Bankett an runden Tischen, ab 18:30 Uhr.\nBitte senden Sie uns eine Offerte inkl. \
Apéro.\n\nFreundliche Grüsse\nJürg Müller";

    #[test]
    fn a_multipart_message_normalizes_completely() {
        let mail = parse_message(INQUIRY_DE.as_bytes(), now()).unwrap();
        assert_eq!(mail.message_id, "8f2c1d0e.4b7a@mail.baumann-partner.ch");
        assert_eq!(mail.from.email.as_str(), "juerg.mueller@baumann-partner.ch");
        assert_eq!(mail.from.name.as_deref(), Some("Jürg Müller"));
        assert_eq!(mail.to.len(), 1);
        assert_eq!(mail.to[0].email.as_str(), "events@atelier-zurich.ch");
        assert_eq!(mail.to[0].name.as_deref(), Some("The Atelier Events"));
        assert_eq!(mail.subject, "Anfrage Weihnachtsessen für 40 Personen");
        assert_eq!(mail.text, INQUIRY_DE_TEXT);
        assert!(mail.html.as_deref().unwrap().contains("Weihnachtsessen bei Ihnen durchführen"));
        assert_eq!(mail.in_reply_to.as_deref(), Some("offer-2026-0412@atelier-zurich.ch"));
        assert_eq!(mail.references, ["inq-2026-0398@atelier-zurich.ch", "offer-2026-0412@atelier-zurich.ch"]);
        assert_eq!(mail.received_at, Utc.with_ymd_and_hms(2026, 11, 26, 8, 14, 2).unwrap());
        assert_eq!(
            mail.attachments,
            [Attachment { filename: "Sitzplan.pdf".into(), content_type: "application/pdf".into(), size: 48 }]
        );
    }

    #[test]
    fn a_single_part_message_without_date_or_threading() {
        let raw = "From: anna.keller@keller-consulting.ch\nTo: events@atelier-zurich.ch\nSubject: Workshop\n\
Message-ID: <abc.1@keller-consulting.ch>\n\nHello,\nwe are 24 people on 14.03.2027.\n";
        let mail = parse_message(raw.as_bytes(), now()).unwrap();
        assert_eq!(mail.text, "Hello,\nwe are 24 people on 14.03.2027.");
        assert_eq!(mail.html, None);
        assert_eq!(mail.from.name, None);
        assert_eq!((mail.in_reply_to, mail.references.len()), (None, 0));
        assert_eq!(mail.received_at, now());
    }

    #[test]
    fn a_message_without_message_id_or_sender_is_unusable() {
        let no_id = "From: a@b.ch\r\nSubject: x\r\n\r\nbody\r\n";
        assert!(matches!(parse_message(no_id.as_bytes(), now()), Err(IngestError::Unusable(_))));
        let no_from = "Message-ID: <x@y.ch>\r\nSubject: x\r\n\r\nbody\r\n";
        assert!(matches!(parse_message(no_from.as_bytes(), now()), Err(IngestError::Unusable(_))));
        assert!(matches!(parse_message(b"", now()), Err(IngestError::Malformed(_))));
    }

    #[test]
    fn an_undecodable_attachment_is_skipped_and_the_mail_kept() {
        let raw = "From: Lea Frei <lea@frei.ch>\r\nMessage-ID: <m1@frei.ch>\r\nSubject: Apero\r\n\
Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\nAp\u{e9}ro f\u{fc}r 80 Personen\r\n--b\r\n\
Content-Type: image/png; name=broken.png\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@@ not base64 !!!\r\n\
--b\r\nContent-Type: text/csv; name=gaeste.csv\r\nContent-Disposition: attachment\r\n\r\nname;firma\r\n--b--\r\n";
        // The text part is ISO-8859-1 on the wire: re-encode the literal.
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(raw);
        let mail = parse_message(&bytes, now()).unwrap();
        assert_eq!(mail.text, "Apéro für 80 Personen");
        let names: Vec<_> = mail.attachments.iter().map(|a| a.filename.as_str()).collect();
        assert!(names.contains(&"gaeste.csv"), "{names:?}");
        assert!(!names.contains(&"broken.png"), "{names:?}");
    }

    #[test]
    fn dates_parse_and_future_dates_are_ignored() {
        let d = parse_date("Thu, 26 Nov 2026 09:14:02 +0100 (CET)", now()).unwrap();
        assert_eq!(d, Utc.with_ymd_and_hms(2026, 11, 26, 8, 14, 2).unwrap());
        assert_eq!(parse_date("Mon, 1 Jan 2035 10:00:00 +0000", now()), None);
        assert_eq!(parse_date("yesterday", now()), None);
        assert_eq!(parse_date("", now()), None);
    }

    #[test]
    fn oversized_attachments_are_flagged() {
        assert!(is_oversized(&attachment("a.mov".into(), "video/quicktime".into(), MAX_ATTACHMENT_BYTES + 1)));
        assert!(!is_oversized(&attachment("a.pdf".into(), "application/pdf".into(), MAX_ATTACHMENT_BYTES)));
    }

    /// A tiny deterministic generator, so garbage tests need no dependency.
    pub struct Lcg(pub u64);

    impl Lcg {
        pub fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.0 >> 33
        }

        pub fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }

        /// `base` with a few bytes replaced, cut at a random point.
        pub fn mangle(&mut self, base: &[u8]) -> Vec<u8> {
            let mut out = base.to_vec();
            for _ in 0..(self.next() % 8) {
                if !out.is_empty() {
                    let i = self.next() as usize % out.len();
                    out[i] = self.next() as u8;
                }
            }
            let cut = self.next() as usize % (out.len() + 1);
            out.truncate(cut.max(out.len() / 2));
            out
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = Lcg(7);
        let broken = [
            &b"Content-Type: multipart/mixed; boundary=\"\r\n\r\n--\r\n--"[..],
            b"From: =?x-unknown?B?@@@?= <a@b.ch>\r\nMessage-ID: <\r\nContent-Transfer-Encoding: base64\r\n\r\n@@",
            b"Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822",
            b"Date: Fri, 31 Feb 99999 99:99:99 +9999\r\nFrom: <@>\r\n\r\n",
            b"\r\n\r\n\r\n",
        ];
        for case in broken {
            let _ = parse_message(case, now());
        }
        for i in 0..300 {
            let input = if i % 2 == 0 { rng.bytes(i * 3) } else { rng.mangle(INQUIRY_DE.as_bytes()) };
            let _ = parse_message(&input, now());
            let _ = HeaderInfo::parse_block(&input, now());
        }
    }
}
