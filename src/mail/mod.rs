//! Outbound mail after approval: SMTP when `OE_SMTP_URL` is set, else an
//! `.eml` file in `OE_DATA_DIR/outbox/` (development).

mod invite;

use std::error::Error as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::metrics::Metrics;

use crate::workflow::OutgoingMail;

/// Sends approved mail (and alert mail); cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    /// Where each SMTP send's latency and errors are counted.
    metrics: Option<Arc<Metrics>>,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// Whether the message may have reached the server decides whether the
/// approval may be retried (at most once: README, "Delivery guarantees").
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The server certainly did not take the message; `permanent` when it
    /// said so with a 5xx (retrying cannot help).
    #[error("mail not sent: {reason}")]
    NotSent { reason: String, permanent: bool },
    /// The connection broke after the message may have been accepted.
    #[error("mail may or may not have been sent: {0}")]
    Uncertain(String),
}

impl Transport {
    fn name(&self) -> &'static str {
        match self {
            Self::Smtp(_) => "smtp",
            Self::Outbox(_) => "outbox",
        }
    }
}

impl Mailer {
    pub fn from_config(smtp_url: Option<&SecretString>, data_dir: &std::path::Path) -> Result<Self, String> {
        let transport = match smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                .map(|b| Transport::Smtp(b.build()))
                // The URL may hold a password: never echo it.
                .map_err(|_| "OE_SMTP_URL: not a valid smtp:// or smtps:// URL".to_string())?,
            None => Transport::Outbox(data_dir.join("outbox")),
        };
        Ok(Self { transport, metrics: None })
    }

    /// Counts each SMTP send in `metrics` (`oe_smtp_*`).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Sends one message, in a span of its own (`smtp_send`, a child of the
    /// turn that approved it); the span names the recipient's domain only.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let span = tracing::info_span!(
            "smtp_send",
            to_domain = mail.to.domain(),
            transport = self.transport.name(),
            otel.name = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        // Named before it starts: the exporter takes the name at the start.
        crate::telemetry::name_span(&span, "smtp send", "client");
        self.send_in(mail).instrument(span).await
    }

    async fn send_in(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let message = build(mail).map_err(|e| SendError::NotSent { reason: e, permanent: true })?;
        let result = match &self.transport {
            Transport::Smtp(transport) => {
                let started = Instant::now();
                let sent = transport.send(message).await.map(drop).map_err(classify);
                if let Some(m) = &self.metrics {
                    let error = sent.as_ref().err().map(|e| match e {
                        SendError::NotSent { .. } => "not_sent",
                        SendError::Uncertain(_) => "uncertain",
                    });
                    m.smtp_send(started.elapsed(), error);
                }
                sent
            }
            Transport::Outbox(dir) => write_eml(dir, &mail.message_id, &message.formatted())
                .await
                .map_err(|e| SendError::NotSent { reason: format!("outbox: {e}"), permanent: false }),
        };
        if result.is_err() {
            crate::telemetry::span_failed(&tracing::Span::current());
        }
        result
    }
}

fn build(mail: &OutgoingMail) -> Result<Message, String> {
    let from = Mailbox::new(Some(mail.from_name.clone()), mail.from.as_str().parse().map_err(|_| "bad from address")?);
    let to = Mailbox::new(mail.to_name.clone(), mail.to.as_str().parse().map_err(|_| "bad recipient address")?);
    let mut b = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}>", mail.message_id)));
    if let Some(parent) = &mail.in_reply_to {
        b = b.in_reply_to(format!("<{parent}>"));
    }
    if !mail.references.is_empty() {
        b = b.references(mail.references.iter().map(|r| format!("<{r}>")).collect::<Vec<_>>().join(" "));
    }
    let Some(invite) = &mail.invite else {
        return b.header(ContentType::TEXT_PLAIN).body(mail.body.clone()).map_err(|e| e.to_string());
    };
    let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH").map_err(|e| e.to_string())?;
    b.multipart(
        MultiPart::mixed()
            .singlepart(SinglePart::plain(mail.body.clone()))
            .singlepart(Attachment::new("invitation.ics".into()).body(invite::render(invite), calendar)),
    )
    .map_err(|e| e.to_string())
}

/// Written to a temporary name and renamed, so a reader never sees half a
/// mail and a crash leaves no partial file under the final name.
async fn write_eml(dir: &std::path::Path, message_id: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let safe: String =
        message_id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    let name = format!("{}-{safe}.eml", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
    let tmp = dir.join(format!(".{name}.tmp"));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, dir.join(name)).await
}

fn classify(e: lettre::transport::smtp::Error) -> SendError {
    if e.is_permanent() {
        return SendError::NotSent { reason: e.to_string(), permanent: true };
    }
    if e.is_transient() || e.is_tls() || refused(&e) {
        return SendError::NotSent { reason: e.to_string(), permanent: false };
    }
    SendError::Uncertain(e.to_string())
}

fn refused(e: &lettre::transport::smtp::Error) -> bool {
    let mut source = e.source();
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return matches!(io.kind(), std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound);
        }
        source = err.source();
    }
    false
}
