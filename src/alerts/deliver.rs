//! Where alerts go: a Standard Webhooks-signed POST (as Svix signs its own
//! operational webhooks) and/or a mail through the service's own sender.

use std::time::Duration;

use chrono::Utc;

use super::{Alert, IncidentState};
use crate::domain::EmailAddress;
use crate::mail::Mailer;
use crate::signature::standard::SigningKey;
use crate::workflow::OutgoingMail;

/// The operational webhook (`OE_ALERT_WEBHOOK_URL`, `OE_ALERT_WEBHOOK_SECRET`).
#[derive(Clone)]
pub struct WebhookChannel {
    /// May hold a token: never logged.
    url: String,
    key: SigningKey,
    http: reqwest::Client,
}

impl WebhookChannel {
    pub fn new(url: String, key: SigningKey) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot build the alert webhook client: {e}"))?;
        Ok(Self { url, key, http })
    }
}

/// Alert mail (`OE_ALERT_EMAIL`), sent from `from` through the mailer that
/// sends approved mail (SMTP, or the outbox in development).
#[derive(Clone)]
pub struct EmailChannel {
    pub to: EmailAddress,
    pub from: EmailAddress,
    pub mailer: Mailer,
}

#[derive(Clone, Default)]
pub struct Channels {
    pub webhook: Option<WebhookChannel>,
    pub email: Option<EmailChannel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Webhook,
    Email,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Email => "email",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("the alert webhook could not be reached: {0}")]
    Unreachable(String),
    #[error("the alert webhook answered {0}")]
    Refused(u16),
    #[error("the alert mail was not sent: {0}")]
    Mail(String),
}

impl Channels {
    /// Whether any channel is configured (else no monitor runs).
    pub fn any(&self) -> bool {
        self.webhook.is_some() || self.email.is_some()
    }

    pub(super) fn each(&self) -> impl Iterator<Item = Channel> {
        [self.webhook.as_ref().map(|_| Channel::Webhook), self.email.as_ref().map(|_| Channel::Email)]
            .into_iter()
            .flatten()
    }

    /// For the start-up log line: which channels, never their addresses' secrets.
    pub(super) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.webhook.is_some() {
            parts.push("webhook".to_string());
        }
        if let Some(e) = &self.email {
            parts.push(format!("email to {}", e.to));
        }
        parts.join(", ")
    }

    pub(super) async fn deliver(&self, alert: &Alert, channel: Channel) -> Result<(), DeliveryError> {
        match channel {
            Channel::Webhook => match &self.webhook {
                Some(w) => post(w, alert).await,
                None => Ok(()),
            },
            Channel::Email => match &self.email {
                Some(e) => mail(e, alert).await,
                None => Ok(()),
            },
        }
    }
}

/// The same id on every attempt of one alert, so a receiver de-duplicates
/// (Standard Webhooks, "webhook-id").
fn message_id(alert: &Alert) -> String {
    let state = match alert.data.state {
        IncidentState::Open => "open",
        IncidentState::Resolved => "resolved",
    };
    format!("msg_{}_{state}", alert.data.incident_id.trim_start_matches("inc_"))
}

async fn post(channel: &WebhookChannel, alert: &Alert) -> Result<(), DeliveryError> {
    let body = serde_json::to_string(alert).map_err(|e| DeliveryError::Unreachable(e.to_string()))?;
    let id = message_id(alert);
    let ts = Utc::now().timestamp();
    let res = channel
        .http
        .post(&channel.url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", channel.key.sign(&id, ts, body.as_bytes()))
        .body(body)
        .send()
        .await
        // Without the URL: it may carry a token.
        .map_err(|e| DeliveryError::Unreachable(e.without_url().to_string()))?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(DeliveryError::Refused(res.status().as_u16()))
    }
}

async fn mail(channel: &EmailChannel, alert: &Alert) -> Result<(), DeliveryError> {
    let state = match alert.data.state {
        IncidentState::Open => "ALERT",
        IncidentState::Resolved => "RESOLVED",
    };
    let details = serde_json::to_string_pretty(alert).unwrap_or_default();
    let mail = OutgoingMail {
        from: channel.from.clone(),
        from_name: "oe-webhooks alerts".into(),
        to: channel.to.clone(),
        to_name: None,
        subject: format!("[oe-webhooks] {state}: {}", alert.kind),
        body: format!(
            "{}\n\nIncident {} ({}), {}.\n\nDetails:\n{details}\n",
            alert.data.summary,
            alert.data.incident_id,
            alert.kind,
            alert.timestamp.to_rfc3339()
        ),
        message_id: format!("{}@{}", message_id(alert), channel.from.domain()),
        in_reply_to: None,
        references: Vec::new(),
        invite: None,
    };
    channel.mailer.send(&mail).await.map_err(|e| DeliveryError::Mail(e.to_string()))
}
