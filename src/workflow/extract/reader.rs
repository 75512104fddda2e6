//! The seam between reading a mail and the workflow: an [`Extractor`] turns
//! a mail into a [`Reading`] before the pure workflow runs, so the workflow
//! never reads text itself, rule tests can hand it a reading made by hand,
//! and another extractor (an LLM behind the same types) could be plugged in.

use chrono::NaiveDate;

use super::quoted::{is_forward, strip_forwarded};
use super::{extract_fresh, mail_text, strip_quoted, Extracted, Vocabulary};
use crate::domain::InboundEmail;

/// What the workflow knows of one mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The client's own new text: HTML read as text, quoted history and
    /// the signature left out (for the resend digest and the language).
    pub fresh: String,
    /// What was understood in it.
    pub found: Extracted,
}

/// Reads mail for the workflow. `today` anchors relative dates; the
/// vocabulary holds the venue's rooms and products.
pub trait Extractor: Send + Sync {
    fn read(&self, mail: &InboundEmail, today: NaiveDate, vocabulary: &Vocabulary) -> Reading;
}

/// The deterministic rules of this module (English and German).
#[derive(Debug, Clone, Copy, Default)]
pub struct Rules;

impl Extractor for Rules {
    fn read(&self, mail: &InboundEmail, today: NaiveDate, vocabulary: &Vocabulary) -> Reading {
        let text = mail_text(&mail.text, mail.html.as_deref());
        let fresh = if is_forward(&mail.subject) { strip_forwarded(&text) } else { strip_quoted(&text) };
        let found = extract_fresh(&fresh, today, vocabulary);
        Reading { fresh, found }
    }
}
