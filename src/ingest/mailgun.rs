//! Mailgun inbound routes (`forward()` to our URL): form fields
//! `sender`, `from`, `recipient`, `subject`, `body-plain`, `body-html`,
//! `message-headers`, `timestamp`/`token`/`signature`, and every MIME header
//! as its own field in the sender's casing.
//!
//! A route URL ending in `mime` gets `body-mime` (the raw message) instead
//! of the parts; a `store(notify=...)` route gets only a `message-url`,
//! which is refused (the body is not in the post). `stripped-*` fields are
//! absent when Mailgun's stripping fails, so nothing relies on them.

use chrono::{DateTime, TimeZone, Utc};

use super::address::{parse_mailbox, parse_mailbox_list};
use super::form::Form;
use super::mime;
use super::{Body, Headers, IngestError, Verifier};
use crate::domain::message_id;
use crate::domain::InboundEmail;
use crate::signature::mailgun::{self, MailgunSignature};

/// The signature covers timestamp + token only, so a multipart post is
/// parsed as it streams in; the token is then bound to the form's digest.
pub(super) async fn parse(
    v: &Verifier,
    headers: &dyn Headers,
    body: Body,
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
    // Only after the signature held: forged tokens must not fill the cache.
    v.mailgun_tokens.check(signature.token.unwrap_or_default(), form.digest, now.timestamp(), v.tolerance_s)?;
    normalize(&form, now)
}

fn normalize(form: &Form, now: DateTime<Utc>) -> Result<InboundEmail, IngestError> {
    let timestamp =
        form.get("timestamp").and_then(|t| t.parse::<i64>().ok()).and_then(|t| Utc.timestamp_opt(t, 0).single());
    if let Some(raw) = form.get_raw("body-mime").filter(|raw| !raw.iter().all(u8::is_ascii_whitespace)) {
        let mut mail = mime::parse_message(raw, now)?;
        let recipients = form.get("recipient").map(parse_mailbox_list).unwrap_or_default();
        if !recipients.is_empty() {
            mail.to = recipients;
        }
        mail.received_at = timestamp.unwrap_or(mail.received_at);
        mail.attachments.extend(form.files.iter().cloned());
        return Ok(mail);
    }
    if form.get("body-plain").is_none() && form.get("message-url").is_some() {
        return Err(IngestError::Unusable("mailgun store() notifications are not supported: use forward()".into()));
    }
    let header = |name: &str| form.get(name).map(str::to_string).or_else(|| message_header(form, name));
    let from = header("from")
        .as_deref()
        .and_then(mime::decode_mailbox)
        .or_else(|| form.get("sender").and_then(parse_mailbox))
        .ok_or_else(|| IngestError::Unusable("no valid sender address".into()))?;
    let message_id = header("Message-Id")
        .as_deref()
        .and_then(message_id::normalize)
        .ok_or_else(|| IngestError::Unusable("the mail has no Message-Id".into()))?;
    let to = form.get("recipient").or(form.get("To")).map(parse_mailbox_list).unwrap_or_default();
    let received_at = timestamp.unwrap_or(now);
    Ok(InboundEmail {
        message_id,
        from,
        to,
        subject: form.get("subject").unwrap_or_default().to_string(),
        text: mime::normalize_text(form.get("body-plain").unwrap_or_default()),
        html: form.get("body-html").map(str::to_string),
        in_reply_to: header("In-Reply-To").as_deref().and_then(|v| message_id::split_list(v).into_iter().next()),
        references: references(form),
        received_at,
        attachments: form.files.clone(),
    })
}

/// A header from `message-headers`, Mailgun's JSON list of `[name, value]`.
fn message_header(form: &Form, name: &str) -> Option<String> {
    message_headers(form, name).into_iter().next()
}

/// Every value of a header in `message-headers`, repeats in order.
fn message_headers(form: &Form, name: &str) -> Vec<String> {
    let list: Vec<(String, String)> =
        form.get("message-headers").and_then(|h| serde_json::from_str(h).ok()).unwrap_or_default();
    list.into_iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v).collect()
}

/// `References`, repeated headers included: the form fields, or else
/// `message-headers` (Mailgun posts each header in both places).
fn references(form: &Form) -> Vec<String> {
    let mut values: Vec<String> = form.get_all("References").map(str::to_string).collect();
    if values.is_empty() {
        values = message_headers(form, "References");
    }
    let mut ids: Vec<String> = Vec::new();
    for id in values.iter().flat_map(|v| message_id::split_list(v)) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[cfg(test)]
mod tests {

    use super::super::mime::tests::{expected_inquiry_de, now, Lcg, INQUIRY_DE, INQUIRY_DE_TEXT};
    use super::super::sendgrid::tests::multipart;
    use super::*;
    use bytes::Bytes;

    const HTML_DE: &str =
        "<p>Guten Tag</p><p>Wir möchten am 10.12.2027 unser Weihnachtsessen bei Ihnen durchführen.</p>";

    /// The German inquiry through a `forward()` route (multipart: it has an attachment).
    fn forward_de() -> (String, Vec<u8>) {
        let body_plain = INQUIRY_DE_TEXT.replace('\n', "\r\n") + "\r\n";
        let message_headers = serde_json::to_string(&[
            ["Received", "from mail.baumann-partner.ch by mxa.mailgun.org with ESMTP"],
            ["Message-Id", "<8f2c1d0e.4b7a@mail.baumann-partner.ch>"],
            ["In-Reply-To", "<offer-2026-0412@atelier-zurich.ch>"],
            ["References", "<inq-2026-0398@atelier-zurich.ch> <offer-2026-0412@atelier-zurich.ch>"],
        ])
        .unwrap();
        let body = multipart(
            "mg-8c1f",
            &[
                ("Content-Type", None, None, b"multipart/mixed; boundary=\"outer-7f3a\""),
                ("Date", None, None, b"Thu, 26 Nov 2026 09:14:02 +0100"),
                ("From", None, None, b"=?utf-8?q?J=C3=BCrg_M=C3=BCller?= <Juerg.Mueller@baumann-partner.ch>"),
                ("Message-Id", None, None, b"<8f2c1d0e.4b7a@mail.baumann-partner.ch>"),
                ("In-Reply-To", None, None, b"<offer-2026-0412@atelier-zurich.ch>"),
                ("References", None, None, b"<inq-2026-0398@atelier-zurich.ch>"),
                ("references", None, None, b"<offer-2026-0412@atelier-zurich.ch>"),
                ("Subject", None, None, "Anfrage Weihnachtsessen für 40 Personen".as_bytes()),
                ("To", None, None, b"The Atelier Events <events@atelier-zurich.ch>"),
                ("attachment-count", None, None, b"1"),
                ("body-html", None, None, HTML_DE.as_bytes()),
                ("body-plain", None, None, body_plain.as_bytes()),
                ("from", None, None, "Jürg Müller <Juerg.Mueller@baumann-partner.ch>".as_bytes()),
                ("message-headers", None, None, message_headers.as_bytes()),
                ("recipient", None, None, b"events@atelier-zurich.ch"),
                ("sender", None, None, b"juerg.mueller@baumann-partner.ch"),
                ("subject", None, None, "Anfrage Weihnachtsessen für 40 Personen".as_bytes()),
                ("timestamp", None, None, b"1795680842"),
                ("token", None, None, b"5f0c6e0b2d9a4e7c8b1f3a6d9e2c5b8a7f0e3d6c9b2a5f8e1d"),
                ("signature", None, None, b"0000000000000000000000000000000000000000000000000000000000000000"),
                (
                    "attachment-1",
                    Some("Sitzplan.pdf"),
                    Some("application/pdf"),
                    b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n1 0 obj\n<</Type/Catalog>>\nendobj\n",
                ),
            ],
        );
        ("multipart/form-data; boundary=mg-8c1f".into(), body)
    }

    /// The same inquiry through a route ending in `mime`.
    fn mime_de() -> (String, Vec<u8>) {
        let fields = [
            ("recipient", "events@atelier-zurich.ch"),
            ("sender", "juerg.mueller@baumann-partner.ch"),
            ("from", "Jürg Müller <Juerg.Mueller@baumann-partner.ch>"),
            ("subject", "Anfrage Weihnachtsessen für 40 Personen"),
            ("body-mime", INQUIRY_DE),
            ("timestamp", "1795680842"),
            ("token", "5f0c6e0b2d9a4e7c8b1f3a6d9e2c5b8a7f0e3d6c9b2a5f8e1d"),
            ("signature", "0000000000000000000000000000000000000000000000000000000000000000"),
        ];
        ("application/x-www-form-urlencoded".into(), serde_urlencoded::to_string(fields).unwrap().into_bytes())
    }

    async fn run(content_type: &str, body: Vec<u8>) -> Result<InboundEmail, IngestError> {
        let form = Form::parse(content_type, Bytes::from(body)).await?;
        normalize(&form, now())
    }

    fn expected_de() -> InboundEmail {
        expected_inquiry_de("events@atelier-zurich.ch", HTML_DE)
    }

    #[tokio::test]
    async fn forward_posts_normalize_with_repeated_headers_and_encoded_names() {
        let (ct, body) = forward_de();
        assert_eq!(run(&ct, body).await.unwrap(), expected_de());
    }

    #[tokio::test]
    async fn mime_routes_parse_body_mime() {
        let (ct, body) = mime_de();
        assert_eq!(run(&ct, body).await.unwrap(), expected_de());
    }

    #[tokio::test]
    async fn store_notifications_are_refused_clearly() {
        let fields = [
            ("recipient", "events@atelier-zurich.ch"),
            ("sender", "juerg.mueller@baumann-partner.ch"),
            ("from", "Jürg Müller <juerg.mueller@baumann-partner.ch>"),
            ("subject", "Anfrage Weihnachtsessen für 40 Personen"),
            ("Message-Id", "<8f2c1d0e.4b7a@mail.baumann-partner.ch>"),
            (
                "message-url",
                "https://storage-europe-west1.api.mailgun.net/v3/domains/atelier-zurich.ch/messages/BAABAQ",
            ),
            (
                "attachments",
                r#"[{"url": "https://storage-europe-west1.api.mailgun.net/v3/domains/atelier-zurich.ch/messages/BAABAQ/attachments/0", "content-type": "application/pdf", "name": "Sitzplan.pdf", "size": 48}]"#,
            ),
            ("timestamp", "1795680842"),
        ];
        let body = serde_urlencoded::to_string(fields).unwrap().into_bytes();
        match run("application/x-www-form-urlencoded", body).await {
            Err(IngestError::Unusable(m)) => {
                assert_eq!(m, "mailgun store() notifications are not supported: use forward()")
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn the_existing_forward_fixture_still_parses() {
        let body = include_bytes!("../../fixtures/mailgun/inquiry-en.mailgun.form");
        let mail = run("application/x-www-form-urlencoded", body.to_vec()).await.unwrap();
        assert_eq!(mail.message_id, "CAJ7x9k2Lm4Qp1zR8@mail.gmail.com");
        assert_eq!(mail.from.email.as_str(), "anna.keller@keller-consulting.ch");
        assert!(mail.text.contains("14.03.2027"));
    }

    #[tokio::test]
    async fn the_body_mime_fixture_parses() {
        let body = include_bytes!("../../fixtures/mailgun/inquiry-mime.mailgun.form");
        let mail = run("application/x-www-form-urlencoded", body.to_vec()).await.unwrap();
        assert_eq!(mail.message_id, "4e1b7c2a-93d0-4f6e-a8b5-0c2d9e7f1a36@outlook.com");
        assert_eq!(mail.from.email.as_str(), "tom.fischer@helvetia-robotics.ch");
        assert_eq!(mail.from.name.as_deref(), Some("Tom Fischer"));
        assert_eq!(mail.to[0].email.as_str(), "events@atelier-zurich.ch");
        assert_eq!(mail.subject, "Summer party for 150 people – July 2027");
        assert!(mail.text.contains("150 guests") && mail.text.contains("Grüsse"), "{}", mail.text);
        assert_eq!((mail.in_reply_to.as_deref(), mail.references.len()), (None, 0));
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].filename, "Gästeliste.xlsx");
    }

    /// The same inquiry through every provider and mode normalizes to the
    /// same mail (only the receipt time may differ; recipients may differ
    /// in display names, as providers post envelope or header recipients).
    #[tokio::test]
    async fn the_same_mail_is_the_same_through_every_provider() {
        let mut mails = Vec::new();
        mails.push(("mime", super::super::mime::parse_message(INQUIRY_DE.as_bytes(), now()).unwrap()));
        let postmark = serde_json::to_vec(&super::super::postmark::tests::inquiry_de()).unwrap();
        mails.push(("postmark", super::super::postmark::parse(&postmark, now()).unwrap().unwrap()));
        let ct = "multipart/form-data; boundary=xYzZY";
        let sendgrid = super::super::sendgrid::tests::inquiry_de();
        mails.push(("sendgrid", super::super::sendgrid::parse(ct, Bytes::from(sendgrid), now()).await.unwrap()));
        let raw = super::super::sendgrid::tests::inquiry_de_raw();
        mails.push(("sendgrid raw", super::super::sendgrid::parse(ct, Bytes::from(raw), now()).await.unwrap()));
        let (ct, body) = forward_de();
        mails.push(("mailgun forward", run(&ct, body).await.unwrap()));
        let (ct, body) = mime_de();
        mails.push(("mailgun mime", run(&ct, body).await.unwrap()));

        let comparable = |m: &InboundEmail| {
            let to: Vec<String> = m.to.iter().map(|t| t.email.to_string()).collect();
            (
                m.message_id.clone(),
                m.from.clone(),
                to,
                m.subject.clone(),
                m.text.clone(),
                m.html.clone(),
                m.in_reply_to.clone(),
                m.references.clone(),
                m.attachments.clone(),
            )
        };
        let reference = comparable(&mails[0].1);
        assert_eq!(reference.4, INQUIRY_DE_TEXT);
        for (provider, mail) in &mails {
            assert_eq!(comparable(mail), reference, "{provider}");
        }
    }

    #[tokio::test]
    async fn garbage_never_panics() {
        let mut rng = Lcg(31);
        let (fct, forward) = forward_de();
        let (mct, mime) = mime_de();
        for i in 0..300 {
            let (ct, input) = match i % 3 {
                0 => (mct.as_str(), rng.bytes(i)),
                1 => (fct.as_str(), rng.mangle(&forward)),
                _ => (mct.as_str(), rng.mangle(&mime)),
            };
            let _ = run(ct, input).await;
        }
    }
}
