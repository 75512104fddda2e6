//! `replay --check`: plays each scenario against a fresh service started
//! in this process (embedded store in a temporary directory, development
//! secrets, 127.0.0.1 on a free port) and compares the final state with
//! the scenario's `expect.json` (see `expect.rs`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::expect::{compare, Actual, BookingActual, Expect, LineActual, Manager, OfferActual};
use super::fixture::expand;
use super::replay::{wait_processed, Player};
use super::tasks::queue_decision;
use crate::config::Config;
use crate::domain::{Resolution, TaskAction, TaskStatus};
use crate::inbox::Inbox;
use crate::startup::{Application, Options};
use crate::store::embedded::EmbeddedStore;
use crate::store::Store;

pub const EXPECT_FILE: &str = "expect.json";

/// Approvals after one played file, at most: a workflow that keeps
/// drafting is a failure, not a hang.
const MAX_APPROVALS_PER_FILE: usize = 10;

pub(super) async fn run(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let scenarios = find_scenarios(paths)?;
    let (mut passed, mut failed) = (0, 0);
    for dir in &scenarios {
        let name =
            dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| dir.display().to_string());
        let problems = match check(dir).await {
            Ok(problems) => problems,
            Err(e) => vec![format!("{e:#}")],
        };
        if problems.is_empty() {
            passed += 1;
            println!("PASS {name}");
        } else {
            failed += 1;
            println!("FAIL {name}");
            for p in problems {
                println!("  {p}");
            }
        }
    }
    println!("scenarios: {passed} passed, {failed} failed");
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A folder with fixtures or an `expect.json` is a scenario; a folder of
/// such folders stands for those of them that have an `expect.json`.
fn find_scenarios(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if !p.exists() {
            bail!("{}: no such folder", p.display());
        }
        if !p.is_dir() {
            bail!("{}: `replay --check` takes scenario folders (a folder with an {EXPECT_FILE})", p.display());
        }
        if is_scenario(p)? {
            out.push(p.clone());
            continue;
        }
        let mut inner: Vec<PathBuf> = std::fs::read_dir(p)
            .with_context(|| format!("cannot read {}", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|d| d.is_dir())
            .collect();
        inner.sort();
        let mut found = false;
        for d in inner {
            if d.join(EXPECT_FILE).is_file() {
                found = true;
                out.push(d);
            } else if is_scenario(&d)? {
                eprintln!("skipped {} (no {EXPECT_FILE})", d.display());
            }
        }
        if !found {
            bail!("{}: no scenario folder with an {EXPECT_FILE} in it", p.display());
        }
    }
    Ok(out)
}

fn is_scenario(dir: &Path) -> anyhow::Result<bool> {
    Ok(dir.join(EXPECT_FILE).is_file() || !expand(&[dir.to_path_buf()])?.is_empty())
}

/// Removes the temporary data directory, also on an early return.
struct TempDataDir(PathBuf);

impl Drop for TempDataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Plays one scenario on a fresh service; returns every problem (a fixture
/// refused, a differing fact), none when it passes.
async fn check(dir: &Path) -> anyhow::Result<Vec<String>> {
    let path = dir.join(EXPECT_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| format!("no {EXPECT_FILE} in {}", dir.display()))?;
    let expect: Expect = serde_json::from_str(&text).with_context(|| format!("{}: invalid", path.display()))?;
    let files = expand(&[dir.to_path_buf()])?;
    if files.is_empty() {
        bail!("{}: no fixtures to play", dir.display());
    }

    let data = TempDataDir(std::env::temp_dir().join(format!("oe-webhooks-check-{}", uuid::Uuid::new_v4().simple())));
    let vars = HashMap::from([
        ("OE_DATA_DIR".to_string(), data.0.display().to_string()),
        ("OE_BIND".to_string(), "127.0.0.1:0".to_string()),
        ("OE_LOG_FORMAT".to_string(), "json".to_string()),
    ]);
    let config = Config::from_vars(&vars)?;
    let mut options = Options { http_workers: 1, ..Options::default() };
    options.worker.idle_poll = Duration::from_millis(20);
    let app = Application::build_with(config.clone(), options).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let stopper = app.stopper();
    let server = tokio::spawn(app.run_until_stopped());

    let played = play(&config, &base, &files, expect.manager).await;
    let actual = played.and_then(|problems| Ok((problems, read_actual(&data.0, &config)?)));
    stopper.stop().await;
    let _ = server.await;
    let (mut problems, actual) = actual?;
    problems.extend(compare(&expect, &actual).iter().map(ToString::to_string));
    Ok(problems)
}

async fn play(config: &Config, base: &str, files: &[PathBuf], manager: Option<Manager>) -> anyhow::Result<Vec<String>> {
    let (team, user) = config.embedded_tenant();
    let store = EmbeddedStore::open(&config.data_dir, team, user).await?;
    let player = Player::new(config, base, Some(store.clone()), true)?;
    let mut problems = Vec::new();
    for file in files {
        let played = player.play(file).await?;
        if !played.ok {
            problems.push(played.line);
        }
        wait_idle(&store).await?;
        if manager == Some(Manager::ApproveAll) {
            approve_all(&store).await?;
        }
    }
    Ok(problems)
}

/// The manager approves the newest pending draft, as `tasks approve` does,
/// until none is left (bounded).
async fn approve_all(store: &EmbeddedStore) -> anyhow::Result<()> {
    for _ in 0..MAX_APPROVALS_PER_FILE {
        let pending = store.tasks(Some(TaskStatus::Pending)).await?;
        let Some(task) = pending.into_iter().find(|t| t.payload.action != TaskAction::ManualReview) else {
            return Ok(());
        };
        if let Some(entry) = queue_decision(store, task.id, Resolution::Approved, None).await? {
            wait_processed(store, entry).await?;
        }
        wait_idle(store).await?;
    }
    Ok(())
}

/// Waits until nothing is pending or in flight in the inbox.
async fn wait_idle(store: &EmbeddedStore) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stats = store.stats().await?;
        if stats.pending == 0 && stats.processing == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the inbox did not drain within 20 s ({} pending)", stats.pending + stats.processing);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The final state, read from the store's tables. The booking is the
/// newest event of the client who wrote the scenario's first mail (the
/// newest event of the team when no mail names a client).
fn read_actual(dir: &Path, config: &Config) -> anyhow::Result<Actual> {
    let c = Connection::open_with_flags(dir.join("openevent.sqlite3"), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let team = config.embedded_tenant().0.to_string();
    let first_client: Option<String> = c
        .query_row(
            "SELECT client_id FROM emails WHERE team_id = ?1 AND is_sent = 0 AND client_id IS NOT NULL
              ORDER BY created_at, rowid LIMIT 1",
            [&team],
            |r| r.get(0),
        )
        .optional()?;
    let event = c
        .query_row(
            "SELECT e.id, e.status, e.current_step, e.event_date, e.date_confirmed, e.start_time, e.end_time,
                    e.attendees, e.seating_layout,
                    (SELECT name FROM rooms r WHERE r.id = json_extract(e.room_ids, '$[0]'))
               FROM events e WHERE e.team_id = ?1 AND (?2 IS NULL OR e.client_id = ?2)
              ORDER BY e.created_at DESC, e.rowid DESC LIMIT 1",
            rusqlite::params![team, first_client],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    BookingActual {
                        status: r.get(1)?,
                        step: r.get(2)?,
                        event_date: r.get(3)?,
                        date_confirmed: r.get(4)?,
                        start_time: r.get(5)?,
                        end_time: r.get(6)?,
                        attendees: r.get(7)?,
                        seating_layout: r.get(8)?,
                        room: r.get(9)?,
                    },
                ))
            },
        )
        .optional()?;
    let offer = match &event {
        None => None,
        Some((event_id, _)) => read_offer(&c, event_id)?,
    };
    let pending: Option<String> = c
        .query_row(
            "SELECT json_extract(payload, '$.action') FROM tasks WHERE team_id = ?1 AND status = 'pending'
              ORDER BY created_at DESC, rowid DESC LIMIT 1",
            [&team],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let mut stmt = c.prepare(
        "SELECT json_extract(payload, '$.draft_message') FROM tasks WHERE team_id = ?1
          AND json_extract(payload, '$.draft_message') IS NOT NULL ORDER BY created_at, rowid",
    )?;
    let drafts = stmt.query_map([&team], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    let count = |table: &str| -> anyhow::Result<u64> {
        Ok(c.query_row(&format!("SELECT count(*) FROM {table} WHERE team_id = ?1"), [&team], |r| r.get(0))?)
    };
    Ok(Actual {
        booking: event.map(|(_, b)| b),
        offer,
        pending,
        drafts,
        clients: count("clients")?,
        events: count("events")?,
    })
}

fn read_offer(c: &Connection, event_id: &str) -> anyhow::Result<Option<OfferActual>> {
    let Some((id, status, total)) = c
        .query_row(
            "SELECT id, status, total_amount FROM offers WHERE event_id = ?1 AND status <> 'cancelled'
              ORDER BY created_at DESC, rowid DESC LIMIT 1",
            [event_id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, f64>(2)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt =
        c.prepare("SELECT name, quantity, total FROM offer_line_items WHERE offer_id = ?1 ORDER BY rowid")?;
    let lines = stmt
        .query_map([&id], |r| Ok(LineActual { name: r.get(0)?, quantity: r.get(1)?, total: r.get(2)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(OfferActual { status, total, lines }))
}
