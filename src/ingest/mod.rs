//! The edge: authenticate a webhook, parse it into a domain event and an
//! inbox entry. No HTTP framework types here; headers come through
//! [`Headers`] and the body as bytes.

mod address;
mod form;
mod generic;
mod mailgun;
pub mod mime;
mod postmark;
pub mod resend;
mod sendgrid;
mod supabase;

use chrono::{DateTime, Utc};

use crate::config::{BasicCredentials, Config};
use crate::domain::{keys, InboxEvent};
use crate::domain::{InboundEmail, TeamId};
use crate::inbox::NewEntry;
use crate::signature::basic;
use crate::signature::standard::{self, SignedHeaders, SigningKey};
use crate::signature::SignatureError;
use crate::tenant::{Directory, RouteError};

pub use address::parse_mailbox;
pub use supabase::classified as classify_change;

/// Read access to request headers, by case-insensitive name.
pub trait Headers {
    fn get(&self, name: &str) -> Option<&str>;
}

/// Why a webhook was refused; each maps to one status (README, "HTTP").
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("authentication failed: {0}")]
    Unauthorized(#[from] SignatureError),
    #[error("malformed body: {0}")]
    Malformed(String),
    #[error("expected content type {0}")]
    UnsupportedMediaType(&'static str),
    #[error("unusable payload: {0}")]
    Unusable(String),
    /// No team of this deployment owns the mail's recipient (or the row).
    #[error("{0}")]
    Unrouted(#[from] RouteError),
    /// The body stopped arriving, or grew over the limit, while it was parsed.
    #[error(transparent)]
    Body(#[from] BodyError),
}

/// Why a streamed body could not be read to its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the body exceeds the limit of {0} bytes")]
    TooLarge(usize),
    #[error("the body could not be read")]
    Broken,
}

/// Chunks of a body as they arrive, the limit already enforced.
pub type BodyStream = futures_util::stream::BoxStream<'static, Result<bytes::Bytes, BodyError>>;

/// A request body: whole, or still arriving. Multipart forms are parsed as
/// they stream in, so attachments (whose content is dropped) never sit in
/// memory; everything else is read whole first.
pub enum Body {
    Whole(bytes::Bytes),
    Streaming(BodyStream),
}

impl From<bytes::Bytes> for Body {
    fn from(bytes: bytes::Bytes) -> Self {
        Self::Whole(bytes)
    }
}

impl Body {
    /// The whole body (a stream is read to its end).
    pub async fn whole(self) -> Result<bytes::Bytes, BodyError> {
        use futures_util::StreamExt;
        match self {
            Self::Whole(bytes) => Ok(bytes),
            Self::Streaming(mut stream) => {
                let mut out = bytes::BytesMut::new();
                while let Some(chunk) = stream.next().await {
                    out.extend_from_slice(&chunk?);
                }
                Ok(out.freeze())
            }
        }
    }
}

/// Email providers with an endpoint under `/webhooks/email/{provider}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Mailgun,
    Postmark,
    Resend,
    Sendgrid,
    Generic,
}

impl Provider {
    pub const ALL: [Provider; 5] =
        [Provider::Mailgun, Provider::Postmark, Provider::Resend, Provider::Sendgrid, Provider::Generic];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether this provider's posts of `content_type` are parsed as they
    /// stream in: multipart forms whose authentication does not cover the
    /// body (Mailgun signs timestamp + token, SendGrid sends Basic auth).
    pub fn streams(self, content_type: &str) -> bool {
        let mime = content_type.split(';').next().unwrap_or_default().trim();
        matches!(self, Self::Mailgun | Self::Sendgrid) && mime.eq_ignore_ascii_case("multipart/form-data")
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Mailgun => "mailgun",
            Self::Postmark => "postmark",
            Self::Resend => "resend",
            Self::Sendgrid => "sendgrid",
            Self::Generic => "generic",
        }
    }
}

/// What the edge made of an authenticated request.
#[derive(Debug)]
pub enum Ingested {
    Entry(NewEntry),
    /// Valid but nothing to store (e.g. Postmark's "Check" button): 200.
    Ignored(&'static str),
}

/// What the edge needs from the configuration.
#[derive(Debug, Clone)]
pub struct Verifier {
    /// Decides each entry's team: mail by recipient, changes by `team_id`.
    pub directory: Directory,
    pub tolerance_s: i64,
    pub supabase_keys: Vec<SigningKey>,
    pub email_keys: Vec<SigningKey>,
    /// Empty: Mailgun not configured (an empty HMAC key refuses all).
    pub mailgun_key: Vec<u8>,
    pub resend_keys: Vec<SigningKey>,
    pub postmark: Option<BasicCredentials>,
    pub sendgrid: Option<BasicCredentials>,
    /// The providers with credentials; the others' endpoints answer 404.
    pub providers: Vec<Provider>,
    /// Mailgun tokens seen within the tolerance window (shared by clones).
    pub mailgun_tokens: std::sync::Arc<crate::signature::replay::TokenCache>,
}

impl Verifier {
    pub fn from_config(c: &Config, directory: Directory) -> Self {
        use secrecy::ExposeSecret;
        Self {
            directory,
            tolerance_s: c.signature_tolerance.as_secs() as i64,
            supabase_keys: c.secrets.supabase.clone(),
            email_keys: c.secrets.email.clone(),
            mailgun_key: c.secrets.mailgun.as_ref().map(|k| k.expose_secret().as_bytes().to_vec()).unwrap_or_default(),
            resend_keys: c.secrets.resend.clone(),
            postmark: c.secrets.postmark.clone(),
            sendgrid: c.secrets.sendgrid.clone(),
            providers: c.secrets.providers(),
            mailgun_tokens: Default::default(),
        }
    }

    /// Whether `provider`'s endpoint is served (it has credentials).
    pub fn configured(&self, provider: Provider) -> bool {
        self.providers.contains(&provider)
    }

    /// Standard Webhooks headers, under either their own or Svix's names.
    fn standard(
        &self,
        keys: &[SigningKey],
        headers: &dyn Headers,
        body: &[u8],
        now: i64,
    ) -> Result<String, IngestError> {
        let pick =
            |name: &str| headers.get(&format!("webhook-{name}")).or_else(|| headers.get(&format!("svix-{name}")));
        let signed = SignedHeaders { id: pick("id"), timestamp: pick("timestamp"), signature: pick("signature") };
        standard::verify(keys, signed, body, now, self.tolerance_s)?;
        Ok(signed.id.unwrap_or_default().to_string())
    }
}

/// `POST /webhooks/supabase`. A change of a team this deployment does not
/// serve is acknowledged without effect: with one deployment per venue and
/// the triggers posting every team's changes to one URL, it is another
/// deployment's (which also finds it by reconciliation).
pub fn supabase(v: &Verifier, headers: &dyn Headers, body: &[u8], now: DateTime<Utc>) -> Result<Ingested, IngestError> {
    require_json(headers)?;
    let webhook_id = v.standard(&v.supabase_keys, headers, body, now.timestamp())?;
    match supabase::entry(&v.directory, webhook_id, body, now) {
        Err(IngestError::Unrouted(RouteError::OtherTeam)) => Ok(Ingested::Ignored("a change of another team")),
        other => other,
    }
}

/// `POST /webhooks/email/{provider}`.
pub async fn email(
    provider: Provider,
    v: &Verifier,
    headers: &dyn Headers,
    body: impl Into<Body>,
    now: DateTime<Utc>,
) -> Result<Ingested, IngestError> {
    let content_type = headers.get("content-type").unwrap_or_default();
    let body = body.into();
    let mail = match provider {
        Provider::Generic => {
            require_json(headers)?;
            let body = body.whole().await?;
            v.standard(&v.email_keys, headers, &body, now.timestamp())?;
            generic::parse(&body)?
        }
        Provider::Mailgun => mailgun::parse(v, headers, body, now).await?,
        Provider::Postmark => {
            require_basic(headers, v.postmark.as_ref())?;
            require_json(headers)?;
            let body = body.whole().await?;
            match postmark::parse(&body, now)? {
                Some(mail) => mail,
                None => return Ok(Ingested::Ignored("postmark check payload")),
            }
        }
        Provider::Sendgrid => {
            require_basic(headers, v.sendgrid.as_ref())?;
            sendgrid::parse(content_type, body, now).await?
        }
        Provider::Resend => {
            require_json(headers)?;
            let body = body.whole().await?;
            v.standard(&v.resend_keys, headers, &body, now.timestamp())?;
            return resend::entry(&v.directory, &body, now);
        }
    };
    let team = v.directory.route_mail(mail.to.iter().map(|m| &m.email))?;
    Ok(Ingested::Entry(mail_entry(team, provider, mail, now)))
}

/// Basic credentials from the hook URL. Unset credentials (a provider the
/// venue does not use) refuse everything.
fn require_basic(headers: &dyn Headers, creds: Option<&BasicCredentials>) -> Result<(), IngestError> {
    use secrecy::ExposeSecret;
    let Some(creds) = creds else {
        return Err(SignatureError::BadCredentials.into());
    };
    let password = creds.password.expose_secret();
    if creds.user.is_empty() || password.is_empty() {
        return Err(SignatureError::BadCredentials.into());
    }
    basic::verify(headers.get("authorization"), &creds.user, password)?;
    Ok(())
}

/// The inbox entry of an inbound mail: de-duplicated by Message-ID per
/// team, ordered per sender (a sender's mails concern their bookings).
pub fn mail_entry(team: TeamId, provider: Provider, mail: InboundEmail, now: DateTime<Utc>) -> NewEntry {
    // NULs out first: Postgres text holds none, and the de-duplication
    // key is made of the Message-ID.
    let mail = mail.without_nul();
    let dedupe_key = keys::mail(team, &mail.message_id);
    let order_key = keys::client(&mail.from.email);
    NewEntry::new(team, format!("email:{}", provider.name()), dedupe_key, order_key, &InboxEvent::Mail { mail }, now)
}

fn content_type(headers: &dyn Headers) -> String {
    headers.get("content-type").unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

fn require_json(headers: &dyn Headers) -> Result<(), IngestError> {
    let ct = content_type(headers);
    if ct == "application/json" || ct.ends_with("+json") {
        Ok(())
    } else {
        Err(IngestError::UnsupportedMediaType("application/json"))
    }
}

/// serde_json syntax errors are malformed (400); well-formed JSON of the
/// wrong shape is unusable (422).
fn json_error(e: serde_json::Error) -> IngestError {
    use serde_json::error::Category;
    let line = e.to_string();
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => IngestError::Malformed(line),
        Category::Data => IngestError::Unusable(line),
    }
}
