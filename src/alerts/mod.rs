//! Operational alerts (README, "Operating", "Alerts"): someone is told when
//! inbox entries go dead, when the backlog grows old, or when a provider's
//! webhooks keep failing authentication (a misconfigured secret).
//!
//! A monitor checks every `OE_ALERT_CHECK_SECS` and keeps one incident per
//! condition: an alert goes out when the incident opens, and one more when it
//! is resolved, never per entry. Deliveries (a Standard Webhooks-signed POST
//! to `OE_ALERT_WEBHOOK_URL`, a mail to `OE_ALERT_EMAIL`) that fail are tried
//! again at the next check, each channel on its own.

mod deliver;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::inbox::Inbox;
use crate::metrics::Metrics;

pub use deliver::{Channels, EmailChannel, WebhookChannel};

/// When an alert fires; `OE_ALERT_*` (README, "Configuration").
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// How often the conditions are checked (`OE_ALERT_CHECK_SECS`, 30).
    pub check_every: Duration,
    /// The oldest unfinished entry's age that opens a backlog incident
    /// (`OE_ALERT_PENDING_AGE_SECS`, 900).
    pub pending_age: Duration,
    /// Failed authentications of one provider within a minute that open a
    /// refusal incident (`OE_ALERT_AUTH_FAILURES_PER_MIN`, 20).
    pub auth_failures_per_min: u64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self { check_every: Duration::from_secs(30), pending_age: Duration::from_secs(900), auth_failures_per_min: 20 }
    }
}

/// What an incident is about; also the alert's `type` (Svix's naming).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Condition {
    /// Entries parked as dead: nothing retries them until an operator does.
    #[serde(rename = "message.attempt.exhausted")]
    DeadEntries,
    /// The oldest unfinished entry is older than the threshold.
    #[serde(rename = "inbox.backlog.stale")]
    StaleBacklog,
    /// A provider's webhooks keep failing authentication.
    #[serde(rename = "webhook.authentication.failing")]
    AuthFailures { endpoint: &'static str },
}

impl Condition {
    /// The alert's type, also the `alert` label of `oe_alerts_sent_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DeadEntries => "message.attempt.exhausted",
            Self::StaleBacklog => "inbox.backlog.stale",
            Self::AuthFailures { .. } => "webhook.authentication.failing",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    Open,
    Resolved,
}

/// One alert, as sent: the webhook's JSON body, and the mail's content.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    /// `message.attempt.exhausted`, `inbox.backlog.stale` or
    /// `webhook.authentication.failing`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: DateTime<Utc>,
    pub data: AlertData,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertData {
    /// Stable for the incident: its open and resolved alerts share it.
    pub incident_id: String,
    pub state: IncidentState,
    /// One line for a human (no personal data: counts, ages, providers).
    pub summary: String,
    /// Dead entries, for `message.attempt.exhausted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead: Option<u64>,
    /// Age in seconds of the oldest unfinished entry, for `inbox.backlog.stale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest_pending_age_secs: Option<u64>,
    /// The provider, for `webhook.authentication.failing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<&'static str>,
    /// Failed authentications in the last minute, for the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_failures_last_minute: Option<u64>,
}

/// What one check measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub dead: u64,
    pub oldest_pending_age: Option<Duration>,
    /// Failed authentications per endpoint within the last minute.
    pub auth_failures: Vec<(&'static str, u64)>,
}

/// The incidents and their transitions; pure, so the rules are unit-tested.
#[derive(Debug, Default)]
pub struct Incidents {
    open: HashMap<Condition, String>,
}

impl Incidents {
    /// The alerts this reading raises: an incident that opens or resolves.
    pub fn update(&mut self, reading: &Reading, settings: &AlertSettings, now: DateTime<Utc>) -> Vec<Alert> {
        let mut alerts = Vec::new();
        let dead = reading.dead > 0;
        self.transition(Condition::DeadEntries, dead, now, &mut alerts, |state| AlertData {
            summary: match state {
                IncidentState::Open => format!(
                    "{} inbox entr{} parked as dead: no more attempts until an operator retries them",
                    reading.dead,
                    if reading.dead == 1 { "y" } else { "ies" }
                ),
                IncidentState::Resolved => "no dead inbox entries remain".into(),
            },
            dead: Some(reading.dead),
            ..AlertData::empty(state)
        });
        let age = reading.oldest_pending_age.unwrap_or_default();
        let stale = reading.oldest_pending_age.is_some_and(|a| a >= settings.pending_age);
        self.transition(Condition::StaleBacklog, stale, now, &mut alerts, |state| AlertData {
            summary: match state {
                IncidentState::Open => format!(
                    "the oldest unprocessed inbox entry waits since {} s (threshold {} s)",
                    age.as_secs(),
                    settings.pending_age.as_secs()
                ),
                IncidentState::Resolved => "the inbox backlog is back under the threshold".into(),
            },
            oldest_pending_age_secs: Some(age.as_secs()),
            ..AlertData::empty(state)
        });
        for &(endpoint, n) in &reading.auth_failures {
            let failing = n >= settings.auth_failures_per_min.max(1);
            self.transition(Condition::AuthFailures { endpoint }, failing, now, &mut alerts, |state| AlertData {
                summary: match state {
                    IncidentState::Open => format!(
                        "{n} webhooks to /webhooks/{} failed authentication in the last minute: \
                         check the provider's secret (README, \"Configuration\")",
                        if endpoint == "supabase" { "supabase".to_string() } else { format!("email/{endpoint}") }
                    ),
                    IncidentState::Resolved => format!("webhooks to the {endpoint} endpoint authenticate again"),
                },
                endpoint: Some(endpoint),
                auth_failures_last_minute: Some(n),
                ..AlertData::empty(state)
            });
        }
        alerts
    }

    fn transition(
        &mut self,
        condition: Condition,
        active: bool,
        now: DateTime<Utc>,
        alerts: &mut Vec<Alert>,
        data: impl FnOnce(IncidentState) -> AlertData,
    ) {
        let (state, incident_id) = match (self.open.contains_key(&condition), active) {
            (false, true) => {
                let id = format!("inc_{}", uuid::Uuid::now_v7().simple());
                self.open.insert(condition, id.clone());
                (IncidentState::Open, id)
            }
            (true, false) => (IncidentState::Resolved, self.open.remove(&condition).unwrap_or_default()),
            // No change: an open incident stays open, a quiet one quiet.
            _ => return,
        };
        let mut data = data(state);
        data.incident_id = incident_id;
        alerts.push(Alert { kind: condition.kind(), timestamp: now, data });
    }
}

impl AlertData {
    fn empty(state: IncidentState) -> Self {
        Self {
            incident_id: String::new(),
            state,
            summary: String::new(),
            dead: None,
            oldest_pending_age_secs: None,
            endpoint: None,
            auth_failures_last_minute: None,
        }
    }
}

/// Failed authentications per endpoint over the last minute, from the
/// process's counters sampled at each check.
#[derive(Default)]
struct AuthWindow {
    samples: VecDeque<(Instant, Vec<u64>)>,
}

impl AuthWindow {
    fn per_minute(&mut self, now: Instant, counts: Vec<u64>) -> Vec<u64> {
        const MINUTE: Duration = Duration::from_secs(60);
        while self.samples.len() > 1 && self.samples.get(1).is_some_and(|(t, _)| now.duration_since(*t) >= MINUTE) {
            self.samples.pop_front();
        }
        let rates = match self.samples.front() {
            Some((_, old)) => counts.iter().zip(old).map(|(n, o)| n.saturating_sub(*o)).collect(),
            // The first check: everything counted so far is recent.
            None => counts.clone(),
        };
        self.samples.push_back((now, counts));
        rates
    }
}

/// Checks the conditions periodically and delivers the alerts.
pub struct Monitor {
    pub inbox: Arc<dyn Inbox>,
    pub metrics: Arc<Metrics>,
    pub channels: Channels,
    pub settings: AlertSettings,
}

/// The endpoints whose failed authentications are watched.
fn endpoints() -> Vec<&'static str> {
    std::iter::once("supabase").chain(crate::ingest::Provider::ALL.iter().map(|p| p.name())).collect()
}

impl Monitor {
    /// Runs until `cancel` fires.
    pub async fn run(self, cancel: CancellationToken) {
        let mut incidents = Incidents::default();
        let mut window = AuthWindow::default();
        let mut outbox: Vec<(Alert, deliver::Channel)> = Vec::new();
        info!(channels = %self.channels.describe(), "operational alerts on");
        loop {
            if let Some(reading) = self.read(&mut window).await {
                for alert in incidents.update(&reading, &self.settings, Utc::now()) {
                    info!(alert = alert.kind, state = ?alert.data.state, summary = %alert.data.summary, "alert");
                    outbox.extend(self.channels.each().map(|c| (alert.clone(), c)));
                }
            }
            let mut undelivered = Vec::new();
            for (alert, channel) in outbox.drain(..) {
                match self.channels.deliver(&alert, channel).await {
                    Ok(()) => self.metrics.alert_sent(alert.kind, channel.name()),
                    Err(e) => {
                        warn!(alert = alert.kind, channel = channel.name(), error = %e, "alert not delivered; will try again");
                        undelivered.push((alert, channel));
                    }
                }
            }
            outbox = undelivered;
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(self.settings.check_every) => {}
            }
        }
    }

    /// `None` when the inbox cannot be read: incidents stay as they are.
    async fn read(&self, window: &mut AuthWindow) -> Option<Reading> {
        let names = endpoints();
        let counts = names.iter().map(|e| self.metrics.auth_failures(e)).collect();
        let rates = window.per_minute(Instant::now(), counts);
        let (stats, oldest) = tokio::join!(self.inbox.stats(), self.inbox.oldest_unfinished());
        let (stats, oldest) = match (stats, oldest) {
            (Ok(s), Ok(o)) => (s, o),
            (Err(e), _) | (_, Err(e)) => {
                warn!(error = %e, "alerts: cannot read the inbox; checking again later");
                return None;
            }
        };
        let now = Utc::now();
        Some(Reading {
            dead: stats.dead,
            oldest_pending_age: oldest.map(|t| (now - t).to_std().unwrap_or_default()),
            auth_failures: names.into_iter().zip(rates).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AlertSettings {
        AlertSettings { pending_age: Duration::from_secs(60), auth_failures_per_min: 5, ..AlertSettings::default() }
    }

    #[test]
    fn a_burst_of_dead_entries_is_one_incident_opened_once_and_resolved_once() {
        let mut incidents = Incidents::default();
        let now = Utc::now();
        let mut sent = Vec::new();
        for dead in [0, 1, 4, 9, 9, 0, 0] {
            sent.extend(incidents.update(&Reading { dead, ..Reading::default() }, &settings(), now));
        }
        let states: Vec<_> = sent.iter().map(|a| (a.kind, a.data.state)).collect();
        assert_eq!(
            states,
            [
                ("message.attempt.exhausted", IncidentState::Open),
                ("message.attempt.exhausted", IncidentState::Resolved)
            ]
        );
        assert_eq!(sent[0].data.incident_id, sent[1].data.incident_id, "one incident");
        assert!(sent[0].data.summary.starts_with("1 inbox entry"), "{}", sent[0].data.summary);
        // A new dead entry after the incident was resolved is a new incident.
        let again = incidents.update(&Reading { dead: 1, ..Reading::default() }, &settings(), now);
        assert_eq!(again.len(), 1);
        assert_ne!(again[0].data.incident_id, sent[0].data.incident_id);
    }

    #[test]
    fn a_stale_backlog_and_an_authentication_spike_open_their_own_incidents() {
        let mut incidents = Incidents::default();
        let now = Utc::now();
        let young = Reading { oldest_pending_age: Some(Duration::from_secs(59)), ..Reading::default() };
        assert!(incidents.update(&young, &settings(), now).is_empty());
        let old = Reading {
            oldest_pending_age: Some(Duration::from_secs(61)),
            auth_failures: vec![("mailgun", 5), ("generic", 4)],
            ..Reading::default()
        };
        let alerts = incidents.update(&old, &settings(), now);
        let kinds: Vec<_> = alerts.iter().map(|a| (a.kind, a.data.endpoint)).collect();
        assert_eq!(kinds, [("inbox.backlog.stale", None), ("webhook.authentication.failing", Some("mailgun"))]);
        assert!(incidents.update(&old, &settings(), now).is_empty(), "still open: nothing new");
    }

    #[test]
    fn the_authentication_window_counts_the_last_minute_only() {
        let mut w = AuthWindow::default();
        let t0 = Instant::now();
        assert_eq!(w.per_minute(t0, vec![3]), [3]);
        assert_eq!(w.per_minute(t0 + Duration::from_secs(30), vec![10]), [7]);
        assert_eq!(w.per_minute(t0 + Duration::from_secs(61), vec![10]), [7], "since the newest sample a minute old");
        assert_eq!(w.per_minute(t0 + Duration::from_secs(200), vec![12]), [2]);
    }
}
