use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::EmailAddress;

/// One inbound client mail, normalized from whichever provider delivered it.
///
/// This is also the wire format of `POST /webhooks/email/generic`, so custom
/// relays and fixtures can speak it directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundEmail {
    /// RFC 5322 Message-ID without angle brackets; the de-duplication key.
    #[serde(deserialize_with = "message_id::de")]
    pub message_id: String,
    pub from: Mailbox,
    #[serde(default)]
    pub to: Vec<Mailbox>,
    #[serde(default)]
    pub subject: String,
    /// Plain text as sent, quoted history included (the workflow strips it).
    /// Relays of HTML-only mail send `"text": null`: read as empty, the
    /// workflow then reads `html`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, deserialize_with = "message_id::de_opt")]
    pub in_reply_to: Option<String>,
    #[serde(default, deserialize_with = "message_id::de_list")]
    pub references: Vec<String>,
    pub received_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// `null` reads as an empty string (relays send `"text": null` for HTML-only mail).
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A provider's notice that a mail was received, carrying metadata only
/// (Resend's `email.received`): the worker fetches the content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailNotice {
    /// The provider's id of the received mail, to fetch it by.
    pub email_id: String,
    #[serde(default)]
    pub from: String,
    /// The recipients (the venue's inbox address among them): routes the
    /// mail to its team.
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub message_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub email: EmailAddress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Attachment metadata only: content never enters the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    #[serde(default)]
    pub content_type: String,
    #[serde(default)]
    pub size: u64,
}

impl InboundEmail {
    /// Removes NUL characters, which Postgres text and jsonb cannot hold:
    /// one NUL in a mail must not make its inbox batch fail.
    pub fn without_nul(mut self) -> Self {
        fn clean(s: &mut String) {
            if s.contains('\0') {
                s.retain(|c| c != '\0');
            }
        }
        clean(&mut self.message_id);
        clean(&mut self.subject);
        clean(&mut self.text);
        for s in self.html.iter_mut().chain(self.in_reply_to.iter_mut()).chain(self.references.iter_mut()) {
            clean(s);
        }
        for m in self.to.iter_mut().chain(std::iter::once(&mut self.from)) {
            if let Some(n) = m.name.as_mut() {
                clean(n);
            }
        }
        for a in &mut self.attachments {
            clean(&mut a.filename);
            clean(&mut a.content_type);
        }
        self
    }

    /// Message-IDs this mail refers to, nearest first: In-Reply-To, then
    /// References from the newest backwards.
    pub fn thread_refs(&self) -> impl Iterator<Item = &str> {
        self.in_reply_to.iter().chain(self.references.iter().rev()).map(String::as_str)
    }
}

/// Message-IDs are stored bare (`abc@host`), whatever form the sender used.
pub mod message_id {
    use serde::{Deserialize, Deserializer};

    pub fn normalize(raw: &str) -> Option<String> {
        let bare = raw.trim().trim_start_matches('<').trim_end_matches('>').trim();
        (!bare.is_empty() && !bare.chars().any(char::is_whitespace)).then(|| bare.to_string())
    }

    /// Splits a `References` header value (`<a@x> <b@y>`) into bare ids.
    pub fn split_list(raw: &str) -> Vec<String> {
        raw.split(|c: char| c.is_whitespace() || c == ',').filter_map(normalize).collect()
    }

    pub(super) fn de<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let raw = String::deserialize(d)?;
        normalize(&raw).ok_or_else(|| serde::de::Error::custom("message_id is empty or malformed"))
    }

    pub(super) fn de_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.as_deref().and_then(normalize))
    }

    pub(super) fn de_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match Option::<OneOrMany>::deserialize(d)? {
            None => Vec::new(),
            Some(OneOrMany::One(s)) => split_list(&s),
            Some(OneOrMany::Many(v)) => v.iter().filter_map(|s| normalize(s)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_json_parses_with_bracketed_ids_and_string_references() {
        let mail: InboundEmail = serde_json::from_value(serde_json::json!({
            "message_id": "<abc@mail.example.ch>",
            "from": {"email": "Anna@Example.CH", "name": "Anna Keller"},
            "to": [{"email": "events@atelier.ch"}],
            "subject": "Booking",
            "text": "Hello",
            "in_reply_to": "<p1@atelier.ch>",
            "references": "<p0@atelier.ch> <p1@atelier.ch>",
            "received_at": "2026-11-25T10:00:00Z"
        }))
        .unwrap();
        assert_eq!(mail.message_id, "abc@mail.example.ch");
        assert_eq!(mail.from.email.as_str(), "anna@example.ch");
        assert_eq!(mail.thread_refs().collect::<Vec<_>>(), ["p1@atelier.ch", "p1@atelier.ch", "p0@atelier.ch"]);
    }

    #[test]
    fn nul_characters_are_removed() {
        let mail: InboundEmail = serde_json::from_value(serde_json::json!({
            "message_id": "<a@b.ch>", "from": {"email": "a@b.ch", "name": "A\u{0}"}, "subject": "S\u{0}",
            "text": "x\u{0}y", "received_at": "2026-11-25T10:00:00Z"
        }))
        .unwrap();
        let clean = mail.without_nul();
        assert_eq!((clean.text.as_str(), clean.subject.as_str(), clean.from.name.as_deref()), ("xy", "S", Some("A")));
    }

    #[test]
    fn an_html_only_mail_with_a_null_text_parses_with_an_empty_text() {
        let mail: InboundEmail = serde_json::from_value(serde_json::json!({
            "message_id": "<a@b.ch>", "from": {"email": "a@b.ch"}, "text": null, "html": "<p>Hallo</p>",
            "received_at": "2026-11-25T10:00:00Z"
        }))
        .unwrap();
        assert_eq!((mail.text.as_str(), mail.html.as_deref()), ("", Some("<p>Hallo</p>")));
    }

    #[test]
    fn an_empty_message_id_is_rejected() {
        let err = serde_json::from_value::<InboundEmail>(serde_json::json!({
            "message_id": "<>", "from": {"email": "a@b.ch"}, "received_at": "2026-11-25T10:00:00Z"
        }));
        assert!(err.is_err());
    }
}
