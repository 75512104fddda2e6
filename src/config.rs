//! Configuration from `OE_*` environment variables (and `.env`), the README's "Configuration".
//!
//! Every problem is collected and reported at once, by variable name, so a
//! misconfigured deployment is fixed in one round trip. Secrets are
//! `SecretString` and never reach a log line.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;
use secrecy::SecretString;
use uuid::Uuid;

use crate::domain::{EmailAddress, TeamId, UserId};
use crate::ingest::Provider;
use crate::signature::standard::SigningKey;

/// Development-only credentials, used in embedded mode when a variable is
/// unset. Documented in the README; refused in Supabase mode.
pub mod dev {
    pub const TEAM_ID: &str = "00000000-0000-4000-8000-000000000001";
    pub const SYSTEM_USER_ID: &str = "00000000-0000-4000-8000-000000000002";
    /// The Standard Webhooks specification's test secret, so the load tools
    /// in `../shared/bench/` work against a default service.
    pub const EMAIL_WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /// base64("dev-only-supabase-webhook-secret")
    pub const SUPABASE_WEBHOOK_SECRET: &str = "whsec_ZGV2LW9ubHktc3VwYWJhc2Utd2ViaG9vay1zZWNyZXQ=";
    pub const MAILGUN_SIGNING_KEY: &str = "dev-mailgun-signing-key";
    /// base64("dev-only-resend-webhook-secret")
    pub const RESEND_WEBHOOK_SECRET: &str = "whsec_ZGV2LW9ubHktcmVzZW5kLXdlYmhvb2stc2VjcmV0";
    pub const POSTMARK_USER: &str = "postmark";
    pub const POSTMARK_PASSWORD: &str = "dev-postmark-password";
    pub const SENDGRID_USER: &str = "sendgrid";
    pub const SENDGRID_PASSWORD: &str = "dev-sendgrid-password";
    pub const FROM_EMAIL: &str = "events@atelier-zurich.ch";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Embedded,
    Supabase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone)]
pub struct SupabaseConfig {
    /// Project URL; REST lives under `{url}/rest/v1`.
    pub url: String,
    pub key: SecretString,
}

#[derive(Debug, Clone)]
pub struct BasicCredentials {
    pub user: String,
    pub password: SecretString,
}

/// Everything that authenticates a sender. A venue uses one mail provider:
/// the others stay unset (empty or `None`), and their endpoints answer 404.
#[derive(Debug, Clone)]
pub struct WebhookSecrets {
    pub supabase: Vec<SigningKey>,
    /// `/webhooks/email/generic`.
    pub email: Vec<SigningKey>,
    pub mailgun: Option<SecretString>,
    pub resend: Vec<SigningKey>,
    pub postmark: Option<BasicCredentials>,
    pub sendgrid: Option<BasicCredentials>,
}

impl WebhookSecrets {
    /// Whether `provider` has credentials, i.e. its endpoint is served.
    pub fn configured(&self, provider: Provider) -> bool {
        match provider {
            Provider::Generic => !self.email.is_empty(),
            Provider::Mailgun => self.mailgun.is_some(),
            Provider::Resend => !self.resend.is_empty(),
            Provider::Postmark => self.postmark.is_some(),
            Provider::Sendgrid => self.sendgrid.is_some(),
        }
    }

    /// The mail providers with credentials, in `Provider::ALL` order.
    pub fn providers(&self) -> Vec<Provider> {
        Provider::ALL.into_iter().filter(|p| self.configured(*p)).collect()
    }
}

/// The variables that configure a mail provider's endpoint.
pub fn provider_variables(provider: Provider) -> &'static str {
    match provider {
        Provider::Generic => "OE_EMAIL_WEBHOOK_SECRET",
        Provider::Mailgun => "OE_MAILGUN_SIGNING_KEY",
        Provider::Resend => "OE_RESEND_WEBHOOK_SECRET and OE_RESEND_API_KEY",
        Provider::Postmark => "OE_POSTMARK_INBOUND_USER and OE_POSTMARK_INBOUND_PASSWORD",
        Provider::Sendgrid => "OE_SENDGRID_INBOUND_USER and OE_SENDGRID_INBOUND_PASSWORD",
    }
}

/// Every provider's variables, for the message that asks for one of them.
pub fn all_provider_variables() -> String {
    Provider::ALL.iter().map(|p| format!("{} ({})", provider_variables(*p), p.name())).collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub supabase: Option<SupabaseConfig>,
    /// The one team served; `None` (Supabase mode only): every team with an
    /// enabled mailbox in `oe_mailboxes`.
    pub team_id: Option<TeamId>,
    /// Owner of the rows written, unless a team's mailbox names its own.
    pub system_user_id: Option<UserId>,
    pub email_account_id: Option<Uuid>,
    pub secrets: WebhookSecrets,
    pub resend_api_key: Option<SecretString>,
    pub resend_api_base: String,
    pub smtp_url: Option<SecretString>,
    /// The sender of approved mail, unless a team's mailbox names its own.
    pub from_email: Option<EmailAddress>,
    /// Bank details for deposit requests (`OE_PAYMENT_IBAN`,
    /// `OE_PAYMENT_BENEFICIARY`), unless a team's mailbox names its own.
    pub payment: Option<crate::workflow::Payment>,
    pub timezone: Tz,
    pub signature_tolerance: Duration,
    pub max_body_bytes: usize,
    /// Failed authentications allowed per client IP and minute (0: no limit).
    pub rate_limit_per_min: u32,
    pub log_format: LogFormat,
    /// Inbox entries processed at once; 0 runs an accept-only instance.
    pub workers: usize,
    /// When follow-ups are drafted (`OE_FOLLOWUP_*_DAYS`).
    pub follow_ups: crate::workflow::FollowUpTimings,
    /// Operational alerts (`OE_ALERT_*`); off when no channel is set.
    pub alerts: AlertConfig,
    /// Bearer token of `/admin` (`OE_ADMIN_TOKEN`); `None`: `/admin` is off.
    pub admin_token: Option<SecretString>,
    /// How long payloads of processed inbox entries are kept
    /// (`OE_INBOX_RETENTION_DAYS`, default 7 days).
    pub inbox_retention: Duration,
}

/// Where operational alerts go and when they fire (README, "Operating").
#[derive(Debug, Clone, Default)]
pub struct AlertConfig {
    /// `OE_ALERT_WEBHOOK_URL` (may hold a token: never logged) and the
    /// Standard Webhooks secret it is signed with, `OE_ALERT_WEBHOOK_SECRET`.
    pub webhook: Option<(SecretString, SigningKey)>,
    /// `OE_ALERT_EMAIL`, sent from `OE_FROM_EMAIL` through the mail sender.
    pub email: Option<EmailAddress>,
    pub settings: crate::alerts::AlertSettings,
}

/// All configuration problems, each naming its variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

impl Config {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        let vars: HashMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("OE_")).collect();
        Self::from_vars(&vars)
    }

    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        Reader { vars, problems: Vec::new() }.read()
    }

    /// The team and system user of the embedded store (always set in
    /// embedded mode; the development ones otherwise).
    pub fn embedded_tenant(&self) -> (TeamId, UserId) {
        let team = self.team_id.unwrap_or_else(|| dev::TEAM_ID.parse().expect("valid constant"));
        let user = self.system_user_id.unwrap_or_else(|| dev::SYSTEM_USER_ID.parse().expect("valid constant"));
        (team, user)
    }

    /// The embedded development configuration with a given data directory.
    pub fn embedded_dev(data_dir: PathBuf) -> Self {
        let vars = HashMap::from([("OE_DATA_DIR".to_string(), data_dir.display().to_string())]);
        Self::from_vars(&vars).expect("the development defaults are valid")
    }
}

struct Reader<'a> {
    vars: &'a HashMap<String, String>,
    problems: Vec<String>,
}

impl Reader<'_> {
    /// The trimmed value, if set and not empty. Owned, so callers may
    /// record problems while holding it.
    fn get(&self, name: &str) -> Option<String> {
        self.vars.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()).map(str::to_string)
    }

    fn parsed<T: std::str::FromStr>(&mut self, name: &str, default: T, what: &str) -> T {
        match self.get(name) {
            None => default,
            Some(raw) => raw.parse().unwrap_or_else(|_| {
                self.problems.push(format!("{name}: {what}"));
                default
            }),
        }
    }

    /// A value that has a development default in embedded mode and is
    /// required in Supabase mode.
    fn dev_or_required(&mut self, name: &str, dev: &str, mode: Mode) -> String {
        match (self.get(name), mode) {
            (Some(v), _) => v,
            (None, Mode::Embedded) => dev.to_string(),
            (None, Mode::Supabase) => {
                self.problems.push(format!("{name}: required in supabase mode"));
                dev.to_string()
            }
        }
    }

    fn keys(&mut self, name: &str, dev: &str, mode: Mode) -> Vec<SigningKey> {
        let raw = self.dev_or_required(name, dev, mode);
        SigningKey::parse_list(&raw).unwrap_or_else(|e| {
            self.problems.push(format!("{name}: {e}"));
            Vec::new()
        })
    }

    fn read(mut self) -> Result<Config, ConfigError> {
        let mode = match self.get("OE_INTEGRATION_MODE").as_deref().unwrap_or("embedded") {
            "embedded" => Mode::Embedded,
            "supabase" => Mode::Supabase,
            _ => {
                self.problems.push("OE_INTEGRATION_MODE: must be `embedded` or `supabase`".into());
                Mode::Embedded
            }
        };
        let bind =
            self.parsed("OE_BIND", SocketAddr::from(([127, 0, 0, 1], 8080)), "must be host:port, e.g. 0.0.0.0:8080");
        let data_dir = PathBuf::from(self.get("OE_DATA_DIR").unwrap_or_else(|| "./data".into()));

        let supabase = match (self.get("OE_SUPABASE_URL"), self.get("OE_SUPABASE_KEY")) {
            (Some(url), Some(key)) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    self.problems.push("OE_SUPABASE_URL: must start with http:// or https://".into());
                }
                Some(SupabaseConfig { url: url.trim_end_matches('/').to_string(), key: SecretString::from(key) })
            }
            (url, key) => {
                if mode == Mode::Supabase {
                    for (name, v) in [("OE_SUPABASE_URL", url), ("OE_SUPABASE_KEY", key)] {
                        if v.is_none() {
                            self.problems.push(format!("{name}: required in supabase mode"));
                        }
                    }
                }
                None
            }
        };

        // Unset in Supabase mode: serve every team with an enabled mailbox
        // (`oe_mailboxes`); the system user and sender then come from there.
        let team_id = self.dev_or_optional("OE_TEAM_ID", dev::TEAM_ID, mode).map(|team| {
            team.parse().unwrap_or_else(|_| {
                self.problems.push("OE_TEAM_ID: must be a UUID".into());
                TeamId(Uuid::nil())
            })
        });
        let system_user_id = self.dev_or_optional("OE_SYSTEM_USER_ID", dev::SYSTEM_USER_ID, mode).map(|user| {
            user.parse().unwrap_or_else(|_| {
                self.problems.push("OE_SYSTEM_USER_ID: must be a UUID".into());
                UserId(Uuid::nil())
            })
        });
        let email_account_id = self
            .get("OE_EMAIL_ACCOUNT_ID")
            .and_then(|v| v.parse().map_err(|_| self.problems.push("OE_EMAIL_ACCOUNT_ID: must be a UUID".into())).ok());

        // The database webhooks' secret is required; of the mail providers
        // only the ones a venue uses (at least one), the others stay unset.
        let secrets = WebhookSecrets {
            supabase: self.keys("OE_SUPABASE_WEBHOOK_SECRET", dev::SUPABASE_WEBHOOK_SECRET, mode),
            email: self.optional_keys("OE_EMAIL_WEBHOOK_SECRET", dev::EMAIL_WEBHOOK_SECRET, mode),
            mailgun: self
                .dev_or_optional("OE_MAILGUN_SIGNING_KEY", dev::MAILGUN_SIGNING_KEY, mode)
                .map(SecretString::from),
            resend: self.optional_keys("OE_RESEND_WEBHOOK_SECRET", dev::RESEND_WEBHOOK_SECRET, mode),
            postmark: self.basic(
                ("OE_POSTMARK_INBOUND_USER", dev::POSTMARK_USER),
                ("OE_POSTMARK_INBOUND_PASSWORD", dev::POSTMARK_PASSWORD),
                mode,
            ),
            sendgrid: self.basic(
                ("OE_SENDGRID_INBOUND_USER", dev::SENDGRID_USER),
                ("OE_SENDGRID_INBOUND_PASSWORD", dev::SENDGRID_PASSWORD),
                mode,
            ),
        };
        if mode == Mode::Supabase && secrets.providers().is_empty() {
            self.problems.push(format!(
                "no inbound mail provider is configured: set the credentials of the one the venue uses: {}",
                all_provider_variables()
            ));
        }

        let smtp_url = self.get("OE_SMTP_URL").map(|u| {
            if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                self.problems.push("OE_SMTP_URL: must start with smtp:// or smtps://".into());
            }
            SecretString::from(u)
        });
        let from_email = self.dev_or_optional("OE_FROM_EMAIL", dev::FROM_EMAIL, mode).and_then(|raw| {
            EmailAddress::parse(&raw)
                .map_err(|_| self.problems.push("OE_FROM_EMAIL: not a valid email address".into()))
                .ok()
        });
        let payment = match (self.get("OE_PAYMENT_IBAN"), self.get("OE_PAYMENT_BENEFICIARY")) {
            (None, None) => None,
            (Some(iban), Some(beneficiary)) => crate::tenant::payment(&iban, &beneficiary).or_else(|| {
                self.problems.push("OE_PAYMENT_IBAN: not a valid IBAN".into());
                None
            }),
            _ => {
                self.problems.push("OE_PAYMENT_IBAN and OE_PAYMENT_BENEFICIARY: set both or neither".into());
                None
            }
        };
        let timezone =
            self.parsed("OE_TIMEZONE", chrono_tz::Europe::Zurich, "must be an IANA zone such as Europe/Zurich");
        let tolerance: u64 = self.parsed("OE_SIGNATURE_TOLERANCE_S", 300, "must be a whole number of seconds");
        // SendGrid posts inbound mail up to 30 MB, Mailgun and Postmark similar.
        let max_body_bytes = self.parsed("OE_MAX_BODY_BYTES", 32 * 1024 * 1024, "must be a number of bytes");
        let rate_limit_per_min = self.parsed("OE_RATE_LIMIT_PER_MIN", 60, "must be a whole number (0 disables)");
        let log_format = match self.get("OE_LOG_FORMAT").as_deref() {
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(_) => {
                self.problems.push("OE_LOG_FORMAT: must be `json` or `pretty`".into());
                LogFormat::Pretty
            }
            None if std::io::IsTerminal::is_terminal(&std::io::stdout()) => LogFormat::Pretty,
            None => LogFormat::Json,
        };

        // 256 turns in flight keep both cores busy: with 64, the turns moved
        // through the batches of context reads and plan writes as a convoy
        // and the process used about 1.4 of 2 cores (benches/processing.py:
        // 2,100–3,200 inquiries/s at 64, 2,900–3,500 at 256, 2,500–3,300 at
        // 512, same peak RSS).
        let workers = self.parsed("OE_WORKERS", 256, "must be a whole number (0: accept only, no processing)");
        let defaults = crate::workflow::FollowUpTimings::default();
        let follow_ups = crate::workflow::FollowUpTimings {
            offer_expiry_days: self.parsed(
                "OE_FOLLOWUP_OFFER_EXPIRY_DAYS",
                defaults.offer_expiry_days,
                "must be a whole number of days (0: off)",
            ),
            deposit_days: self.parsed(
                "OE_FOLLOWUP_DEPOSIT_DAYS",
                defaults.deposit_days,
                "must be a whole number of days (0: off)",
            ),
            nudge_days: self.parsed(
                "OE_FOLLOWUP_NUDGE_DAYS",
                defaults.nudge_days,
                "must be a whole number of days (0: off)",
            ),
        };
        let admin_token = self.get("OE_ADMIN_TOKEN");
        if admin_token.as_ref().is_some_and(|t| t.len() < 16) {
            self.problems.push("OE_ADMIN_TOKEN: must be at least 16 characters (e.g. `openssl rand -hex 32`)".into());
        }
        let retention_days: u32 =
            self.parsed("OE_INBOX_RETENTION_DAYS", 7, "must be a whole number of days (0: remove payloads at once)");
        let resend_api_key = self.get("OE_RESEND_API_KEY").map(SecretString::from);
        if mode == Mode::Supabase && !secrets.resend.is_empty() && resend_api_key.is_none() {
            self.problems.push(
                "OE_RESEND_API_KEY: required with OE_RESEND_WEBHOOK_SECRET (Resend's webhook carries no mail text)"
                    .into(),
            );
        }
        let resend_api_base = self
            .get("OE_RESEND_API_BASE")
            .unwrap_or_else(|| "https://api.resend.com".into())
            .trim_end_matches('/')
            .to_string();

        let alerts = self.alerts(from_email.as_ref());

        if !self.problems.is_empty() {
            return Err(ConfigError(self.problems));
        }
        Ok(Config {
            mode,
            bind,
            data_dir,
            supabase,
            team_id,
            system_user_id,
            email_account_id,
            secrets,
            resend_api_key,
            resend_api_base,
            smtp_url,
            from_email,
            payment,
            timezone,
            signature_tolerance: Duration::from_secs(tolerance),
            max_body_bytes,
            rate_limit_per_min,
            log_format,
            workers,
            follow_ups,
            alerts,
            admin_token: admin_token.map(SecretString::from),
            inbox_retention: Duration::from_secs(u64::from(retention_days) * 24 * 3600),
        })
    }

    fn alerts(&mut self, from: Option<&EmailAddress>) -> AlertConfig {
        let webhook = match (self.get("OE_ALERT_WEBHOOK_URL"), self.get("OE_ALERT_WEBHOOK_SECRET")) {
            (None, None) => None,
            (Some(url), Some(secret)) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    self.problems.push("OE_ALERT_WEBHOOK_URL: must start with http:// or https://".into());
                }
                match SigningKey::parse(&secret) {
                    Ok(key) => Some((SecretString::from(url), key)),
                    Err(e) => {
                        self.problems.push(format!("OE_ALERT_WEBHOOK_SECRET: {e}"));
                        None
                    }
                }
            }
            (Some(_), None) => {
                self.problems
                    .push("OE_ALERT_WEBHOOK_SECRET: required with OE_ALERT_WEBHOOK_URL (alerts are signed)".into());
                None
            }
            (None, Some(_)) => {
                self.problems.push("OE_ALERT_WEBHOOK_URL: required with OE_ALERT_WEBHOOK_SECRET".into());
                None
            }
        };
        let email = self.get("OE_ALERT_EMAIL").and_then(|raw| {
            EmailAddress::parse(&raw)
                .map_err(|_| self.problems.push("OE_ALERT_EMAIL: not a valid email address".into()))
                .ok()
        });
        if email.is_some() && from.is_none() {
            self.problems.push("OE_ALERT_EMAIL: needs OE_FROM_EMAIL as the alerts' sender".into());
        }
        let defaults = crate::alerts::AlertSettings::default();
        let check: u64 =
            self.parsed("OE_ALERT_CHECK_SECS", defaults.check_every.as_secs(), "must be a whole number of seconds");
        let pending_age: u64 = self.parsed(
            "OE_ALERT_PENDING_AGE_SECS",
            defaults.pending_age.as_secs(),
            "must be a whole number of seconds",
        );
        let auth_failures_per_min = self.parsed(
            "OE_ALERT_AUTH_FAILURES_PER_MIN",
            defaults.auth_failures_per_min,
            "must be a whole number of failed authentications",
        );
        let settings = crate::alerts::AlertSettings {
            check_every: std::time::Duration::from_secs(check.max(1)),
            pending_age: std::time::Duration::from_secs(pending_age),
            auth_failures_per_min,
        };
        AlertConfig { webhook, email, settings }
    }

    /// Embedded: the configured or the dev value; Supabase: the configured
    /// value, if any.
    fn dev_or_optional(&mut self, name: &str, dev: &str, mode: Mode) -> Option<String> {
        match (self.get(name), mode) {
            (Some(v), _) => Some(v),
            (None, Mode::Embedded) => Some(dev.to_string()),
            (None, Mode::Supabase) => None,
        }
    }

    /// Basic credentials: both parts or neither (Supabase mode; embedded
    /// mode fills in the development value of a part not set).
    fn basic(&mut self, user: (&str, &str), password: (&str, &str), mode: Mode) -> Option<BasicCredentials> {
        let (user_name, password_name) = (user.0, password.0);
        match (self.dev_or_optional(user.0, user.1, mode), self.dev_or_optional(password.0, password.1, mode)) {
            (Some(user), Some(password)) => Some(BasicCredentials { user, password: SecretString::from(password) }),
            (None, None) => None,
            (Some(_), None) => {
                self.problems.push(format!("{password_name}: required with {user_name}"));
                None
            }
            (None, Some(_)) => {
                self.problems.push(format!("{user_name}: required with {password_name}"));
                None
            }
        }
    }

    /// Signing keys of an optional provider: none when unset (Supabase mode).
    fn optional_keys(&mut self, name: &str, dev: &str, mode: Mode) -> Vec<SigningKey> {
        let Some(raw) = self.dev_or_optional(name, dev, mode) else {
            return Vec::new();
        };
        SigningKey::parse_list(&raw).unwrap_or_else(|e| {
            self.problems.push(format!("{name}: {e}"));
            Vec::new()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn no_configuration_means_embedded_with_dev_secrets() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(c.mode, Mode::Embedded);
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.team_id.map(|t| t.to_string()).as_deref(), Some(dev::TEAM_ID));
        assert_eq!(c.secrets.email.len(), 1);
        assert_eq!(c.signature_tolerance, Duration::from_secs(300));
        assert_eq!(c.max_body_bytes, 32 * 1024 * 1024);
        assert_eq!(c.timezone, chrono_tz::Europe::Zurich);
    }

    #[test]
    fn supabase_mode_names_every_missing_value() {
        let err = Config::from_vars(&vars(&[("OE_INTEGRATION_MODE", "supabase")])).unwrap_err();
        let text = err.to_string();
        for name in ["OE_SUPABASE_URL", "OE_SUPABASE_KEY", "OE_SUPABASE_WEBHOOK_SECRET", "OE_MAILGUN_SIGNING_KEY"] {
            assert!(text.contains(name), "{name} missing from: {text}");
        }
        // Per team in `oe_mailboxes` when one deployment serves every team.
        for optional in ["OE_TEAM_ID", "OE_SYSTEM_USER_ID", "OE_FROM_EMAIL"] {
            assert!(!text.contains(optional), "{optional} is optional: {text}");
        }
    }

    #[test]
    fn bank_details_are_validated_and_come_in_pairs() {
        let ok = Config::from_vars(&vars(&[
            ("OE_PAYMENT_IBAN", "CH9300762011623852957"),
            ("OE_PAYMENT_BENEFICIARY", "The Atelier AG"),
        ]))
        .unwrap();
        assert_eq!(ok.payment.map(|p| p.iban).as_deref(), Some("CH93 0076 2011 6238 5295 7"));
        let bad =
            Config::from_vars(&vars(&[("OE_PAYMENT_IBAN", "CH9300762011623852958"), ("OE_PAYMENT_BENEFICIARY", "X")]))
                .unwrap_err()
                .to_string();
        assert!(bad.contains("OE_PAYMENT_IBAN: not a valid IBAN"), "{bad}");
        let half = Config::from_vars(&vars(&[("OE_PAYMENT_IBAN", "CH9300762011623852957")])).unwrap_err().to_string();
        assert!(half.contains("set both or neither"), "{half}");
    }

    #[test]
    fn bad_values_are_reported_without_echoing_secrets() {
        let err = Config::from_vars(&vars(&[
            ("OE_BIND", "nowhere"),
            ("OE_TIMEZONE", "Mars/Olympus"),
            ("OE_EMAIL_WEBHOOK_SECRET", "whsec_%%%secret%%%"),
        ]))
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("OE_BIND") && text.contains("OE_TIMEZONE") && text.contains("OE_EMAIL_WEBHOOK_SECRET"));
        assert!(!text.contains("%%%secret"));
    }

    #[test]
    fn a_complete_supabase_configuration_is_accepted() {
        let c = Config::from_vars(&vars(&[
            ("OE_INTEGRATION_MODE", "supabase"),
            ("OE_SUPABASE_URL", "https://xyz.supabase.co/"),
            ("OE_SUPABASE_KEY", "service-role-key"),
            ("OE_TEAM_ID", "7d0b8a1e-4c1f-4a7e-9a63-0f9b3c2d1e00"),
            ("OE_SYSTEM_USER_ID", "7d0b8a1e-4c1f-4a7e-9a63-0f9b3c2d1e01"),
            ("OE_SUPABASE_WEBHOOK_SECRET", "v1,whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            ("OE_EMAIL_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            ("OE_FROM_EMAIL", "events@atelier-zurich.ch"),
        ]))
        .unwrap();
        assert_eq!(c.supabase.as_ref().unwrap().url, "https://xyz.supabase.co");
        assert_eq!(c.secrets.supabase.len(), 1);
        assert!(c.secrets.resend.is_empty(), "providers without a secret refuse everything");
        assert_eq!(c.secrets.providers(), [Provider::Generic]);
    }

    fn supabase(extra: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut pairs = vec![
            ("OE_INTEGRATION_MODE", "supabase"),
            ("OE_SUPABASE_URL", "https://xyz.supabase.co"),
            ("OE_SUPABASE_KEY", "service-role-key"),
            ("OE_SUPABASE_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        ];
        pairs.extend_from_slice(extra);
        Config::from_vars(&vars(&pairs))
    }

    #[test]
    fn a_mailgun_only_venue_needs_only_the_mailgun_key() {
        let c = supabase(&[("OE_MAILGUN_SIGNING_KEY", "key-3ax6xnjp29jd6fds4gc373sgvjxteol0")]).unwrap();
        assert_eq!(c.secrets.providers(), [Provider::Mailgun]);
        assert!(c.secrets.email.is_empty() && c.secrets.postmark.is_none() && c.secrets.sendgrid.is_none());
    }

    #[test]
    fn each_provider_alone_is_enough_and_basic_credentials_come_in_pairs() {
        let cases: [(&[(&str, &str)], Provider); 4] = [
            (&[("OE_EMAIL_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")], Provider::Generic),
            (&[("OE_POSTMARK_INBOUND_USER", "pm"), ("OE_POSTMARK_INBOUND_PASSWORD", "pw")], Provider::Postmark),
            (&[("OE_SENDGRID_INBOUND_USER", "sg"), ("OE_SENDGRID_INBOUND_PASSWORD", "pw")], Provider::Sendgrid),
            (
                &[
                    ("OE_RESEND_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                    ("OE_RESEND_API_KEY", "re_x"),
                ],
                Provider::Resend,
            ),
        ];
        for (extra, provider) in cases {
            assert_eq!(supabase(extra).unwrap().secrets.providers(), [provider]);
        }
        let half = supabase(&[("OE_POSTMARK_INBOUND_USER", "pm")]).unwrap_err().to_string();
        assert!(half.contains("OE_POSTMARK_INBOUND_PASSWORD: required with OE_POSTMARK_INBOUND_USER"), "{half}");
        let resend = supabase(&[("OE_RESEND_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]).unwrap_err();
        assert!(resend.to_string().contains("OE_RESEND_API_KEY"), "{resend}");
    }

    #[test]
    fn supabase_mode_without_any_mail_provider_names_every_providers_variables() {
        let text = supabase(&[]).unwrap_err().to_string();
        assert!(text.contains("no inbound mail provider is configured"), "{text}");
        for name in [
            "OE_EMAIL_WEBHOOK_SECRET",
            "OE_MAILGUN_SIGNING_KEY",
            "OE_POSTMARK_INBOUND_USER",
            "OE_SENDGRID_INBOUND_PASSWORD",
            "OE_RESEND_WEBHOOK_SECRET",
        ] {
            assert!(text.contains(name), "{name} missing from: {text}");
        }
    }

    #[test]
    fn embedded_mode_configures_every_provider_with_development_secrets() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(c.secrets.providers(), Provider::ALL);
    }
}
