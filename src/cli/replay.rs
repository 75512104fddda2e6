use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use super::fixture::{expand, Fixture, Target};
use crate::config::Config;
use crate::domain::InboxId;
use crate::inbox::{EntryStatus, Inbox};
use crate::store::embedded::EmbeddedStore;

/// Placeholder in Supabase task fixtures: `{{task}}` or `{{task:<action>}}`
/// stands for the newest pending task (with that `payload.action`).
const TASK_PLACEHOLDER: &str = "{{task";
/// Placeholder in Supabase offer fixtures: the newest offer not cancelled.
const OFFER_PLACEHOLDER: &str = "{{offer}}";

pub(super) async fn run(config: &Config, paths: &[PathBuf], to: &str, wait: bool) -> anyhow::Result<ExitCode> {
    for p in paths.iter().filter(|p| p.is_dir()) {
        refuse_folder_of_scenarios(p)?;
    }
    let files = expand(paths)?;
    if files.is_empty() {
        bail!("no fixtures found (files named <name>.<provider>.<ext>, e.g. 01-inquiry.mailgun.form)");
    }
    // The service's own data directory, when it runs on this machine: used
    // to resolve task placeholders and to wait until each step is processed.
    let local = if config.data_dir.join("openevent.sqlite3").is_file() {
        let (team, user) = config.embedded_tenant();
        Some(EmbeddedStore::open(&config.data_dir, team, user).await?)
    } else {
        if wait {
            eprintln!(
                "note: no service data in {} (OE_DATA_DIR): posting without waiting for each message to be processed",
                config.data_dir.display()
            );
        }
        None
    };
    let player = Player::new(config, to, local, wait)?;
    player.reachable().await?;
    let mut failures = 0;
    for file in files {
        let played = player.play(&file).await?;
        if !played.ok {
            failures += 1;
        }
        println!("{}", played.line);
    }
    Ok(if failures == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `replay fixtures/scenarios` plays no scenario: say which there are.
fn refuse_folder_of_scenarios(dir: &Path) -> anyhow::Result<()> {
    if !expand(&[dir.to_path_buf()])?.is_empty() {
        return Ok(());
    }
    let mut scenarios: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|d| d.is_dir() && expand(std::slice::from_ref(d)).is_ok_and(|f| !f.is_empty()))
        .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    if scenarios.is_empty() {
        return Ok(());
    }
    scenarios.sort();
    let first = dir.join(&scenarios[0]);
    bail!(
        "{} holds scenarios, not fixtures: replay one of them, e.g. `oe-webhooks replay {}`, \
         or check them all on fresh services with `oe-webhooks replay --check {}`\nscenarios: {}",
        dir.display(),
        first.display(),
        dir.display(),
        scenarios.join(", ")
    )
}

/// Signs and posts fixtures to one service, and (with its data directory)
/// waits until each is processed.
pub(super) struct Player<'a> {
    config: &'a Config,
    http: reqwest::Client,
    base: String,
    local: Option<EmbeddedStore>,
    wait: bool,
}

/// What one fixture did: the status line, and whether it went as it should.
pub(super) struct Played {
    pub line: String,
    pub ok: bool,
}

impl<'a> Player<'a> {
    pub fn new(config: &'a Config, to: &str, local: Option<EmbeddedStore>, wait: bool) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        Ok(Self { config, http, base: to.trim_end_matches('/').to_string(), local, wait })
    }

    /// Waits briefly for the service to answer, then explains how to
    /// start it.
    pub async fn reachable(&self) -> anyhow::Result<()> {
        let url = format!("{}/healthz", self.base);
        for _ in 0..10 {
            if self.http.get(&url).timeout(Duration::from_secs(2)).send().await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        bail!(
            "no service answers at {}: start it in another terminal (`./target/release/oe-webhooks` or \
             `cargo run --release`), or give its address with --to",
            self.base
        )
    }

    pub async fn play(&self, file: &Path) -> anyhow::Result<Played> {
        let base = &self.base;
        let mut fixture = Fixture::load(file)?;
        let mut booking = None;
        let mentions = |p: &str| fixture.body.windows(p.len()).any(|w| w == p.as_bytes());
        if fixture.target == Target::Supabase && (mentions(TASK_PLACEHOLDER) || mentions(OFFER_PLACEHOLDER)) {
            let store = self
                .local
                .as_ref()
                .context("approval fixtures need the running service's data directory (set OE_DATA_DIR)")?;
            let (body, event) = resolve_row(store, &fixture).await?;
            fixture.body = body;
            booking = event;
        }
        let req = fixture.sign(self.config)?;
        let mut builder = self.http.post(format!("{base}{}", req.path)).body(req.body);
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        let res = builder.send().await.with_context(|| format!("cannot reach {base}"))?;
        let status = res.status();
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        let mut line = format!(
            "{} {:<10} {}",
            status.as_u16(),
            answer["status"].as_str().or(answer["error"].as_str()).unwrap_or("-"),
            fixture.name
        );
        let mut ok = status.is_success();
        if !ok {
            line.push_str(&format!("  ({})", answer["message"].as_str().unwrap_or_default()));
        } else if let (true, Some(store), Some(id)) =
            (self.wait, &self.local, answer["id"].as_str().and_then(|s| s.parse::<InboxId>().ok()))
        {
            let outcome = wait_processed(store, id).await?;
            line.push_str(&format!("  -> {outcome}"));
            ok = outcome != "dead";
            if fixture.target != Target::Supabase {
                booking = newest_mail_booking(&self.config.data_dir);
            }
            let progress = match booking.and_then(|id| booking_progress(&self.config.data_dir, &id)) {
                Some(p) => Some(p),
                None => store.progress().await?,
            };
            if let Some(progress) = progress {
                line.push_str(&format!("  · {progress}"));
            }
        }
        Ok(Played { line, ok })
    }
}

pub(super) async fn wait_processed(store: &EmbeddedStore, id: InboxId) -> anyhow::Result<&'static str> {
    wait_processed_for(store, id, Duration::from_secs(20)).await
}

/// Waits until the entry is done or dead, at most `patience`.
pub(super) async fn wait_processed_for(
    store: &EmbeddedStore,
    id: InboxId,
    patience: Duration,
) -> anyhow::Result<&'static str> {
    let deadline = Instant::now() + patience;
    loop {
        match store.status(id).await? {
            Some(s @ (EntryStatus::Done | EntryStatus::Dead)) => return Ok(s.as_str()),
            _ if Instant::now() > deadline => return Ok("still pending (is the service's worker running?)"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// The booking of the newest client mail: the one just replayed.
fn newest_mail_booking(dir: &Path) -> Option<String> {
    let c = Connection::open_with_flags(dir.join("openevent.sqlite3"), OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    c.query_row(
        "SELECT event_id FROM emails WHERE is_sent = 0 AND event_id IS NOT NULL ORDER BY created_at DESC, rowid DESC LIMIT 1",
        [],
        |r| r.get(0),
    )
    .ok()
}

/// Where one booking stands, in one line: how `replay` shows the
/// conversation of the message it played advancing.
fn booking_progress(dir: &Path, event_id: &str) -> Option<String> {
    let c = Connection::open_with_flags(dir.join("openevent.sqlite3"), OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    c.query_row(
        "SELECT e.title, e.current_step, e.status,
                (SELECT json_extract(t.payload, '$.action') FROM tasks t
                  WHERE t.event_id = e.id AND t.status = 'pending' ORDER BY t.created_at DESC, t.rowid DESC LIMIT 1)
           FROM events e WHERE e.id = ?1",
        [event_id],
        |r| {
            let (title, step, status, task): (String, i64, String, Option<String>) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let task = task.map(|t| format!(", awaiting {t}")).unwrap_or_default();
            Ok(format!("\"{title}\": step {step}, {status}{task}"))
        },
    )
    .ok()
}

/// Turns a task or offer fixture into the payload Supabase would send:
/// `old_record` is the row as stored, `record` the same row with the
/// fixture's changes. Also returns the row's booking.
async fn resolve_row(store: &EmbeddedStore, fixture: &Fixture) -> anyhow::Result<(Vec<u8>, Option<String>)> {
    let mut change: Value =
        serde_json::from_slice(&fixture.body).with_context(|| format!("{}: invalid JSON", fixture.name))?;
    let placeholder = change["record"]["id"].as_str().unwrap_or_default().to_string();
    let row = if placeholder == OFFER_PLACEHOLDER {
        store.latest_offer_row().await?.with_context(|| format!("{}: no offer to update", fixture.name))?
    } else {
        let action = placeholder.trim_start_matches("{{task").trim_end_matches("}}").trim_start_matches(':');
        store.latest_pending_task_row((!action.is_empty()).then_some(action)).await?.with_context(|| {
            format!(
                "{}: no pending task{} to decide on",
                fixture.name,
                if action.is_empty() { String::new() } else { format!(" with action {action}") }
            )
        })?
    };
    let mut record = row.clone();
    merge(&mut record, &change["record"]);
    record["id"] = row["id"].clone();
    change["record"] = record;
    let event = row["event_id"].as_str().map(str::to_string);
    change["old_record"] = row;
    Ok((serde_json::to_vec(&change)?, event))
}

/// Deep merge of JSON objects; `patch` wins.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p.clone(),
    }
}
