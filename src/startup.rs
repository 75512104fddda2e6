//! Builds the whole service from a `Config`: store, inbox writer, worker,
//! reconciler and HTTP server. `serve` and the tests start it the same way.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};
use secrecy::ExposeSecret;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::alerts::{Channels, EmailChannel, Monitor, WebhookChannel};
use crate::config::{all_provider_variables, dev, Config, Mode};
use crate::data_lock::{DataDirLock, LockError};
use crate::dispatch::{Reconciler, Stores, Tenants};
use crate::domain::{EmailAddress, TeamId, UserId};
use crate::http::{self, AppState, FailureLimiter};
use crate::inbox::{Inbox, InboxWriter, Worker, WorkerSettings};
use crate::ingest::resend::ResendApi;
use crate::ingest::Verifier;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::signature::standard::SigningKey;
use crate::store::embedded::EmbeddedStore;
use crate::store::supabase::SupabaseStore;
use crate::store::{CatalogFile, Store};
use crate::supervision::Background;
use crate::tenant::{Defaults, Directory, Served, VenueMailbox};

/// How long processed inbox entries (their de-duplication keys) are kept at
/// least: redeliveries within this window are answered `duplicate` without
/// touching the store. It outlasts every sender's retries (the longest,
/// SendGrid's, 3 days); payloads may go sooner (`OE_INBOX_RETENTION_DAYS`).
const INBOX_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// A database webhook carries one row before and after the change: far
/// less than a mail with attachments.
const SUPABASE_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Knobs the tests turn; production uses the defaults.
#[derive(Debug, Clone)]
pub struct Options {
    /// Run the inbox worker (tests switch it off to leave entries pending).
    pub run_worker: bool,
    pub worker: WorkerSettings,
    pub reconcile_every: Duration,
    pub http_workers: usize,
    /// Start with development secrets on an address other than loopback
    /// (`OE_ALLOW_DEV_SECRETS=1`, for demos only).
    pub allow_dev_secrets: bool,
    /// How long a service whose worker or reconciler stopped keeps failing
    /// `/readyz` before it exits (so the orchestrator notices either way).
    pub supervision_grace: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            run_worker: true,
            worker: WorkerSettings::default(),
            reconcile_every: Duration::from_secs(60),
            http_workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            allow_dev_secrets: false,
            supervision_grace: Duration::from_secs(10),
        }
    }
}

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    worker: Worker,
    reconciler: Reconciler,
    options: Options,
    cancel: CancellationToken,
    /// Held until the service stopped (embedded mode).
    lock: Option<DataDirLock>,
    background: Background,
    /// Operational alerts, when a channel is configured (`OE_ALERT_*`).
    alerts: Option<Monitor>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("cannot listen on {addr}")]
    Bind { addr: String, source: std::io::Error },
    #[error("{addr} is already in use (another oe-webhooks running?): stop it, or set OE_BIND to a free address, e.g. OE_BIND=127.0.0.1:8081")]
    AddrInUse { addr: String },
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error(
        "refusing to listen on {addr} with the development secrets, which anyone can read in this repository: \
         set {} (or bind to 127.0.0.1, or set OE_ALLOW_DEV_SECRETS=1 for a demo)",
        .vars.join(", ")
    )]
    DevSecrets { addr: String, vars: Vec<String> },
    #[error("{0}")]
    Config(String),
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartError> {
        Self::build_with(config, Options::default()).await
    }

    pub async fn build_with(config: Config, options: Options) -> Result<Self, StartError> {
        let mut config = config;
        guard_dev_secrets(&mut config, options.allow_dev_secrets)?;
        // The port first, then the data directory's lock, then the inbox:
        // a second instance fails before it touches anything.
        let listener = TcpListener::bind(config.bind).map_err(|source| bind_error(&config, source))?;
        let local = listener.local_addr().map_err(|source| bind_error(&config, source))?;
        let port = local.port();
        let lock = match config.mode {
            Mode::Embedded => Some(DataDirLock::acquire(&config.data_dir, &local.to_string())?),
            Mode::Supabase => None,
        };
        let catalog = CatalogFile::builtin();
        let defaults = Defaults {
            system_user: config.system_user_id,
            sender: config.from_email.clone(),
            venue_name: catalog.venue.name.clone(),
            timezone: config.timezone,
            payment: config.payment.clone(),
        };
        let metrics = Arc::new(Metrics::default());
        let (stores, store, inbox, directory): (Stores, Arc<dyn Store>, Arc<dyn Inbox>, Directory) = match config.mode {
            Mode::Embedded => {
                let (team, user) = config.embedded_tenant();
                let s = EmbeddedStore::open(&config.data_dir, team, user).await?;
                let recovered = s.recover_in_flight().await?;
                if recovered > 0 {
                    info!(recovered, "resuming inbox entries that were in flight at the last stop");
                }
                // The embedded venue's own inbox address routes to its team.
                let venue_mailbox = VenueMailbox {
                    address: EmailAddress::parse(&catalog.venue.email)
                        .map_err(|_| StartError::Config("the catalogue's venue email is invalid".into()))?,
                    team_id: team,
                    sender_email: config.from_email.clone(),
                    system_user_id: Some(user),
                    venue_name: Some(catalog.venue.name.clone()),
                    timezone: None,
                    payment_iban: None,
                    payment_beneficiary: None,
                    enabled: true,
                };
                let directory = Directory::new(Served::One(team), vec![venue_mailbox], defaults);
                (Stores::Embedded(s.clone()), Arc::new(s.clone()), Arc::new(s), directory)
            }
            Mode::Supabase => {
                let supabase = config
                    .supabase
                    .as_ref()
                    .ok_or_else(|| StartError::Config("OE_SUPABASE_URL and OE_SUPABASE_KEY are required".into()))?;
                // Team-less until a team's entry picks its own (for_team).
                let base = SupabaseStore::new(
                    supabase,
                    config.team_id.unwrap_or(TeamId(uuid::Uuid::nil())),
                    config.system_user_id.unwrap_or(UserId(uuid::Uuid::nil())),
                )?
                .with_metrics(metrics.clone());
                let served = config.team_id.map_or(Served::All, Served::One);
                let directory = Directory::new(served, base.mailboxes().await?, defaults);
                check_served(&directory)?;
                (Stores::Supabase(base.clone()), Arc::new(base.clone()), Arc::new(base), directory)
            }
        };
        let wake = Arc::new(Notify::new());
        let writer = InboxWriter::spawn(inbox.clone(), wake.clone(), metrics.clone());
        let mailer = Mailer::from_config(config.smtp_url.as_ref(), &config.data_dir)
            .map_err(StartError::Config)?
            .with_metrics(metrics.clone());
        let alerts = alert_monitor(&config, inbox.clone(), metrics.clone(), &mailer)?;
        let resend = ResendApi::new(&config.resend_api_base, config.resend_api_key.clone());
        let tenants = Arc::new(Tenants::new(directory.clone(), stores, mailer, resend, metrics.clone()));
        let mut options = options;
        options.run_worker &= config.workers > 0;
        options.worker.concurrency = config.workers.max(1);
        let worker = Worker::new(
            inbox.clone(),
            directory.clone(),
            tenants.clone(),
            options.worker.clone(),
            wake,
            metrics.clone(),
        );
        let reconciler = Reconciler {
            tenants,
            writer: writer.clone(),
            interval: options.reconcile_every,
            follow_ups: Some(config.follow_ups),
            inbox: Some((inbox.clone(), INBOX_RETENTION.max(config.inbox_retention))),
            payload_retention: config.inbox_retention,
        };

        let background = Background::default();
        let state = web::Data::new(AppState {
            writer,
            verifier: Verifier::from_config(&config, directory),
            metrics,
            inbox,
            store,
            max_body_bytes: config.max_body_bytes,
            supabase_max_body_bytes: config.max_body_bytes.min(SUPABASE_MAX_BODY_BYTES),
            limiter: FailureLimiter::new(config.rate_limit_per_min),
            background: background.clone(),
        });
        // `/admin` exists only with a token; without, its paths are 404.
        let admin = config.admin_token.clone().map(http::admin::AdminToken::new);
        let server = HttpServer::new(move || {
            // Runs once on each worker thread, inside its LocalSet.
            InboxWriter::deliver_in_bulk_on_this_thread();
            let admin = admin.clone();
            App::new()
                .wrap(tracing_actix_web::TracingLogger::<http::RequestSpan>::new())
                .app_data(state.clone())
                .configure(move |cfg| {
                    if let Some(token) = admin {
                        http::admin::routes(cfg, token);
                    }
                })
                .configure(http::routes)
        })
        .workers(options.http_workers.max(1))
        .disable_signals()
        .shutdown_timeout(10)
        .listen(listener)
        .map_err(|source| StartError::Bind { addr: config.bind.to_string(), source })?
        .run();
        Ok(Self {
            port,
            server,
            worker,
            reconciler,
            options,
            cancel: CancellationToken::new(),
            lock,
            background,
            alerts,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server and the background tasks (tests, SIGTERM).
    pub fn stopper(&self) -> Stopper {
        Stopper { server: self.server.handle(), cancel: self.cancel.clone(), background: self.background.clone() }
    }

    /// Serves until stopped, then drains the worker.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _lock = self.lock;
        let cancel = self.cancel.clone();
        let worker = self.options.run_worker.then(|| tokio::spawn(self.worker.run(cancel.clone())));
        let reconciler = self.options.run_worker.then(|| tokio::spawn(self.reconciler.run(cancel.clone())));
        // Not supervised: a service that cannot alert still serves (it logs why).
        if let Some(monitor) = self.alerts {
            tokio::spawn(monitor.run(cancel.clone()));
        }
        if let Some(w) = &worker {
            self.background.set_worker(w.abort_handle());
        }
        let handle = self.server.handle();
        let mut server = self.server;
        let mut worker = worker;
        let mut reconciler = reconciler;
        // Supervision: the worker and the reconciler run until cancelled; one
        // that ends before is a fault the process must not hide.
        let stopped = tokio::select! {
            served = &mut server => {
                if let Err(e) = &served {
                    error!(error = %e, "HTTP server failed");
                }
                cancel.cancel();
                for task in [worker, reconciler].into_iter().flatten() {
                    let _ = task.await;
                }
                return served;
            }
            _ = until_done(&mut worker), if worker.is_some() => "inbox worker",
            _ = until_done(&mut reconciler), if reconciler.is_some() => "reconciler",
        };
        if cancel.is_cancelled() {
            // A requested stop reached the background first.
            let served = server.await;
            for task in [worker, reconciler].into_iter().flatten() {
                let _ = task.await;
            }
            return served;
        }
        self.background.mark_stopped(stopped);
        error!(
            task = stopped,
            grace_s = self.options.supervision_grace.as_secs(),
            "a background task stopped: /readyz fails and webhooks get 503 until the process exits"
        );
        tokio::time::sleep(self.options.supervision_grace).await;
        cancel.cancel();
        // Not graceful: whatever is in flight was not acknowledged, so its
        // sender retries.
        let _ = tokio::join!(handle.stop(false), server);
        Err(std::io::Error::other(format!("the {stopped} stopped unexpectedly")))
    }
}

/// The alert monitor of `config.alerts`, if any channel is set.
fn alert_monitor(
    config: &Config,
    inbox: Arc<dyn Inbox>,
    metrics: Arc<Metrics>,
    mailer: &Mailer,
) -> Result<Option<Monitor>, StartError> {
    let webhook = match &config.alerts.webhook {
        Some((url, key)) => {
            Some(WebhookChannel::new(url.expose_secret().to_string(), key.clone()).map_err(StartError::Config)?)
        }
        None => None,
    };
    let email = match (&config.alerts.email, &config.from_email) {
        (Some(to), Some(from)) => Some(EmailChannel { to: to.clone(), from: from.clone(), mailer: mailer.clone() }),
        _ => None,
    };
    let channels = Channels { webhook, email };
    Ok(channels.any().then(|| Monitor { inbox, metrics, channels, settings: config.alerts.settings.clone() }))
}

/// Waits for an optional task to end (a finished task stays finished).
async fn until_done(task: &mut Option<tokio::task::JoinHandle<()>>) {
    if let Some(t) = task.as_mut() {
        let _ = t.await;
        *task = None;
    }
}

/// Every team served must be answerable: a system user to own its rows and
/// a sender address. Serving all teams needs at least one enabled mailbox.
fn check_served(directory: &Directory) -> Result<(), StartError> {
    let teams = directory.teams();
    if teams.is_empty() {
        return Err(StartError::Config(
            "OE_TEAM_ID is unset and oe_mailboxes has no enabled mailbox: set OE_TEAM_ID for one venue, \
             or add the venues' inbox addresses (webhooks/supabase/README.md)"
                .into(),
        ));
    }
    let unanswerable: Vec<String> =
        teams.iter().filter(|t| directory.settings(**t).is_none()).map(|t| t.to_string()).collect();
    if !unanswerable.is_empty() {
        return Err(StartError::Config(format!(
            "no system user (OE_SYSTEM_USER_ID or oe_mailboxes.system_user_id) and sender (OE_FROM_EMAIL or \
             oe_mailboxes.sender_email) for team(s) {}",
            unanswerable.join(", ")
        )));
    }
    Ok(())
}

#[derive(Clone)]
pub struct Stopper {
    server: ServerHandle,
    cancel: CancellationToken,
    /// The background work's liveness (and a way to kill the worker in drills).
    pub background: Background,
}

impl Stopper {
    pub async fn stop(&self) {
        self.cancel.cancel();
        self.server.stop(true).await;
    }
}

fn bind_error(config: &Config, source: std::io::Error) -> StartError {
    let addr = config.bind.to_string();
    if source.kind() == std::io::ErrorKind::AddrInUse {
        StartError::AddrInUse { addr }
    } else {
        StartError::Bind { addr, source }
    }
}

/// The development secrets are in this repository: fine on loopback, where
/// only this machine can post. On any other address the Supabase secret
/// must be configured, and the mail providers still on their development
/// secret are switched off (their endpoints answer 404, as for a provider
/// without credentials in Supabase mode); at least one must remain. Unless
/// `allow` (a demo).
fn guard_dev_secrets(config: &mut Config, allow: bool) -> Result<(), StartError> {
    if config.bind.ip().is_loopback() || allow {
        return Ok(());
    }
    let is_dev = |keys: &[SigningKey], dev: &str| SigningKey::parse(dev).is_ok_and(|d| keys.contains(&d));
    let secrets = &mut config.secrets;
    let mut off = Vec::new();
    if is_dev(&secrets.email, dev::EMAIL_WEBHOOK_SECRET) {
        secrets.email.clear();
        off.push("generic (OE_EMAIL_WEBHOOK_SECRET)");
    }
    if secrets.mailgun.as_ref().is_some_and(|k| k.expose_secret() == dev::MAILGUN_SIGNING_KEY) {
        secrets.mailgun = None;
        off.push("mailgun (OE_MAILGUN_SIGNING_KEY)");
    }
    if is_dev(&secrets.resend, dev::RESEND_WEBHOOK_SECRET) {
        secrets.resend.clear();
        off.push("resend (OE_RESEND_WEBHOOK_SECRET)");
    }
    if secrets.postmark.as_ref().is_some_and(|c| c.password.expose_secret() == dev::POSTMARK_PASSWORD) {
        secrets.postmark = None;
        off.push("postmark (OE_POSTMARK_INBOUND_PASSWORD)");
    }
    if secrets.sendgrid.as_ref().is_some_and(|c| c.password.expose_secret() == dev::SENDGRID_PASSWORD) {
        secrets.sendgrid = None;
        off.push("sendgrid (OE_SENDGRID_INBOUND_PASSWORD)");
    }
    let mut required = Vec::new();
    if is_dev(&secrets.supabase, dev::SUPABASE_WEBHOOK_SECRET) {
        required.push("OE_SUPABASE_WEBHOOK_SECRET".to_string());
    }
    if secrets.providers().is_empty() {
        required.push(format!("the credentials of the venue's mail provider, one of {}", all_provider_variables()));
    }
    if !required.is_empty() {
        return Err(StartError::DevSecrets { addr: config.bind.to_string(), vars: required });
    }
    if !off.is_empty() {
        warn!(providers = %off.join(", "), "no secret of their own: these endpoints answer 404");
    }
    Ok(())
}
