use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
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
    let files = expand(paths)?;
    if files.is_empty() {
        bail!("no fixtures found (files named <name>.<provider>.json or .form)");
    }
    // The service's own data directory, when it runs on this machine: used
    // to resolve task placeholders and to wait until each step is processed.
    let local = if config.data_dir.join("openevent.sqlite3").exists() {
        {
            let (team, user) = config.embedded_tenant();
            Some(EmbeddedStore::open(&config.data_dir, team, user).await?)
        }
    } else {
        None
    };
    let player = Player::new(config, to, local, wait)?;
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

    pub async fn play(&self, file: &Path) -> anyhow::Result<Played> {
        let base = &self.base;
        let mut fixture = Fixture::load(file)?;
        let mentions = |p: &str| fixture.body.windows(p.len()).any(|w| w == p.as_bytes());
        if fixture.target == Target::Supabase && (mentions(TASK_PLACEHOLDER) || mentions(OFFER_PLACEHOLDER)) {
            let store = self
                .local
                .as_ref()
                .context("approval fixtures need the running service's data directory (set OE_DATA_DIR)")?;
            fixture.body = resolve_row(store, &fixture).await?;
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
            if let Some(progress) = store.progress().await? {
                line.push_str(&format!("  · {progress}"));
            }
        }
        Ok(Played { line, ok })
    }
}

pub(super) async fn wait_processed(store: &EmbeddedStore, id: InboxId) -> anyhow::Result<&'static str> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match store.status(id).await? {
            Some(s @ (EntryStatus::Done | EntryStatus::Dead)) => return Ok(s.as_str()),
            _ if Instant::now() > deadline => return Ok("still pending (is the service's worker running?)"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Turns a task or offer fixture into the payload Supabase would send:
/// `old_record` is the row as stored, `record` the same row with the
/// fixture's changes.
async fn resolve_row(store: &EmbeddedStore, fixture: &Fixture) -> anyhow::Result<Vec<u8>> {
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
    change["old_record"] = row;
    Ok(serde_json::to_vec(&change)?)
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
