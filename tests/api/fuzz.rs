//! Property tests of every parser at the edge: whatever the bytes, no
//! panic, and every refusal is a 4xx-class error (the HTTP layer maps
//! `IngestError` to 400/401/415/422 only). Runs 256 cases per property by
//! default; `PROPTEST_CASES=100000 cargo test --test api fuzz` runs longer.

use bytes::Bytes;
use chrono::Utc;
use oe_webhooks::config::{dev, Config};
use oe_webhooks::domain::message_id;
use oe_webhooks::ingest::{self, Headers, Provider, Verifier};
use oe_webhooks::signature::standard::{self, SignedHeaders, SigningKey};
use oe_webhooks::signature::{basic, mailgun};
use proptest::prelude::*;

fn verifier() -> Verifier {
    let config = Config::embedded_dev(std::env::temp_dir());
    Verifier::from_config(&config, oe_webhooks::tenant::Directory::one_team(config.embedded_tenant().0))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Valid credentials for `provider` around an arbitrary body, so the
/// parser behind the authentication is what gets exercised.
fn authenticated(provider: Provider, content_type: &str, body: &[u8]) -> Vec<(String, String)> {
    let mut h = vec![("content-type".to_string(), content_type.to_string())];
    let now = Utc::now().timestamp();
    match provider {
        Provider::Generic | Provider::Resend => {
            let secret =
                if provider == Provider::Generic { dev::EMAIL_WEBHOOK_SECRET } else { dev::RESEND_WEBHOOK_SECRET };
            let key = SigningKey::parse(secret).unwrap();
            h.push(("webhook-id".into(), "msg_fuzz".into()));
            h.push(("webhook-timestamp".into(), now.to_string()));
            h.push(("webhook-signature".into(), key.sign("msg_fuzz", now, body)));
        }
        Provider::Postmark => {
            h.push(("authorization".into(), basic::header(dev::POSTMARK_USER, dev::POSTMARK_PASSWORD)))
        }
        Provider::Sendgrid => {
            h.push(("authorization".into(), basic::header(dev::SENDGRID_USER, dev::SENDGRID_PASSWORD)))
        }
        Provider::Mailgun => {}
    }
    h
}

struct Owned(Vec<(String, String)>);

impl Headers for Owned {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn ingest_email(provider: Provider, content_type: &str, body: Vec<u8>) {
    let headers = Owned(authenticated(provider, content_type, &body));
    // Ok or a typed refusal; a panic fails the property.
    let _ = runtime().block_on(ingest::email(provider, &verifier(), &headers, Bytes::from(body), Utc::now()));
}

/// A signed Mailgun form around arbitrary fields.
fn mailgun_form(fields: Vec<(String, String)>) -> Vec<u8> {
    let ts = Utc::now().timestamp().to_string();
    let sig = mailgun::sign(dev::MAILGUN_SIGNING_KEY.as_bytes(), &ts, "tok");
    let mut all = fields;
    all.extend([("timestamp".into(), ts), ("token".into(), "tok".into()), ("signature".into(), sig)]);
    serde_urlencoded::to_string(&all).unwrap_or_default().into_bytes()
}

fn multipart(boundary: &str, parts: &[(String, Vec<u8>, bool)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value, is_file) in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        if *is_file {
            out.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        } else {
            out.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
        }
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

const FIELD_NAMES: &[&str] = &[
    "from",
    "sender",
    "recipient",
    "subject",
    "body-plain",
    "body-html",
    "body-mime",
    "Message-Id",
    "In-Reply-To",
    "References",
    "message-headers",
    "headers",
    "text",
    "html",
    "to",
    "envelope",
    "charsets",
    "email",
    "attachments",
    "message-url",
    "attachment-count",
];

fn field() -> impl Strategy<Value = (String, String)> {
    (prop::sample::select(FIELD_NAMES), any::<String>()).prop_map(|(k, v)| (k.to_string(), v))
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_any_provider(body in prop::collection::vec(any::<u8>(), 0..2048), ct in prop::sample::select(vec![
        "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/plain", "",
    ])) {
        for p in Provider::ALL {
            ingest_email(p, ct, body.clone());
        }
        let headers = Owned(authenticated(Provider::Generic, ct, &body));
        let _ = ingest::supabase(&verifier(), &headers, &body, Utc::now());
    }

    #[test]
    fn arbitrary_mailgun_forms_never_panic(fields in prop::collection::vec(field(), 0..12)) {
        ingest_email(Provider::Mailgun, "application/x-www-form-urlencoded", mailgun_form(fields));
    }

    #[test]
    fn arbitrary_multipart_bodies_never_panic(
        parts in prop::collection::vec((prop::sample::select(FIELD_NAMES).prop_map(str::to_string), prop::collection::vec(any::<u8>(), 0..300), any::<bool>()), 0..8),
        cut in 0usize..4096,
    ) {
        let mut body = multipart("XyZ", &parts);
        body.truncate(cut.max(1).min(body.len()));
        ingest_email(Provider::Sendgrid, "multipart/form-data; boundary=XyZ", body.clone());
        ingest_email(Provider::Mailgun, "multipart/form-data; boundary=XyZ", body);
    }

    #[test]
    fn arbitrary_provider_json_never_panics(v in arb_json(3)) {
        let body = serde_json::to_vec(&v).unwrap();
        for p in [Provider::Generic, Provider::Postmark, Provider::Resend] {
            ingest_email(p, "application/json", body.clone());
        }
    }

    #[test]
    fn arbitrary_mime_never_panics(raw in prop::collection::vec(any::<u8>(), 0..4096), prefix in prop::sample::select(vec![
        "", "From: a@b.ch\r\nMessage-ID: <x@y>\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n",
        "From: =?utf-8?B?w6Q=?= <a@b.ch>\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
    ])) {
        let mut message = prefix.as_bytes().to_vec();
        message.extend_from_slice(&raw);
        let _ = ingest::mime::parse_message(&message, Utc::now());
    }

    #[test]
    fn header_lists_and_addresses_never_panic(s in any::<String>()) {
        let _ = message_id::split_list(&s);
        let _ = message_id::normalize(&s);
        let _ = ingest::parse_mailbox(&s);
    }

    #[test]
    fn arbitrary_signature_headers_are_refused_not_panicked(id in any::<String>(), ts in any::<String>(), sig in any::<String>(), body in prop::collection::vec(any::<u8>(), 0..256)) {
        let keys = SigningKey::parse_list(dev::EMAIL_WEBHOOK_SECRET).unwrap();
        let headers = SignedHeaders { id: Some(&id), timestamp: Some(&ts), signature: Some(&sig) };
        prop_assert!(standard::verify(&keys, headers, &body, Utc::now().timestamp(), 300).is_err());
        let _ = SigningKey::parse_list(&sig);
        let _ = basic::verify(Some(&sig), "u", "p");
    }
}

fn arb_json(depth: u32) -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<String>().prop_map(serde_json::Value::from),
        prop::sample::select(vec![
            "a@b.ch",
            "<m@x.ch>",
            "Anna <anna@keller.ch>",
            "email.received",
            "2026-11-25T10:00:00Z"
        ])
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(depth, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "message_id",
                    "from",
                    "to",
                    "subject",
                    "text",
                    "received_at",
                    "type",
                    "data",
                    "email_id",
                    "From",
                    "FromFull",
                    "Email",
                    "Headers",
                    "Name",
                    "Value",
                    "TextBody",
                    "MessageID",
                    "Attachments",
                    "Date",
                ])
                .prop_map(str::to_string),
                inner,
                0..6,
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
