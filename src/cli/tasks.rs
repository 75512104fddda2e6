use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::Utc;

use super::TasksCommand;
use crate::config::{Config, Mode};
use crate::domain::{ChangeKind, DbChange, InboxId, Resolution, TaskId, TaskStatus};
use crate::inbox::{Appended, Inbox, InboxEvent, NewEntry};
use crate::store::embedded::EmbeddedStore;
use crate::store::Store;

pub(super) async fn run(config: &Config, command: TasksCommand) -> anyhow::Result<ExitCode> {
    if config.mode != Mode::Embedded {
        bail!("`tasks` acts on the embedded store; in supabase mode the manager decides in the OpenEvent frontend");
    }
    let store = {
        let (team, user) = config.embedded_tenant();
        EmbeddedStore::open(&config.data_dir, team, user)
    }
    .await?;
    match command {
        TasksCommand::List { status } => list(&store, status.as_deref()).await,
        TasksCommand::Approve { id, edit } => {
            let edited = edit
                .map(|f| std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display())))
                .transpose()?;
            decide(&store, &id, Resolution::Approved, edited).await
        }
        TasksCommand::Reject { id } => decide(&store, &id, Resolution::Rejected, None).await,
    }
}

async fn list(store: &EmbeddedStore, status: Option<&str>) -> anyhow::Result<ExitCode> {
    let status: Option<TaskStatus> = status
        .map(|s| serde_json::from_value(s.into()).context("status is one of pending, in_progress, completed"))
        .transpose()?;
    let tasks = store.tasks(status).await?;
    if tasks.is_empty() {
        println!("no tasks");
    }
    for t in tasks {
        let action = serde_json::to_value(t.payload.action)?;
        let state = t.payload.send_state.as_deref().or(t.payload.resolution.map(|r| {
            if r == Resolution::Approved {
                "approved"
            } else {
                "rejected"
            }
        }));
        println!(
            "{}  {:<10} {:<16} {:<24} {}{}",
            t.id,
            serde_json::to_value(t.status)?.as_str().unwrap_or_default(),
            action.as_str().unwrap_or_default(),
            t.client_name.as_deref().unwrap_or("-"),
            t.title,
            state.map(|s| format!("  [{s}]")).unwrap_or_default(),
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn decide(
    store: &EmbeddedStore,
    id: &str,
    resolution: Resolution,
    edited: Option<String>,
) -> anyhow::Result<ExitCode> {
    let id: TaskId = id.parse().context("task id must be a UUID")?;
    match queue_decision(store, id, resolution, edited).await? {
        Some(inbox_id) => {
            println!("task {id} {}; queued as {inbox_id} (the running service acts on it)", verb(resolution))
        }
        None => println!("task {id} was already decided"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Records the decision on the row as the frontend would, then queues the
/// `tasks` UPDATE that Supabase's database webhook would deliver: the
/// service handles it exactly like a real webhook. Returns the inbox entry,
/// or `None` when the same decision was queued before.
pub(super) async fn queue_decision(
    store: &EmbeddedStore,
    id: TaskId,
    resolution: Resolution,
    edited: Option<String>,
) -> anyhow::Result<Option<InboxId>> {
    let (old_record, record) = store.record_manager_decision(id, resolution, edited).await?.context("no such task")?;
    if old_record["status"] == "completed" {
        bail!("task {id} is already completed");
    }
    let change = DbChange {
        kind: ChangeKind::Update,
        table: "tasks".into(),
        schema: "public".into(),
        record: Some(record),
        old_record: Some(old_record),
    };
    let order_key = crate::ingest::change_order_key(&change);
    let entry = NewEntry::new(
        store.team(),
        "cli",
        format!("cli:task:{id}"),
        order_key,
        &InboxEvent::DbChange { change },
        Utc::now(),
    );
    Ok(match store.append(vec![entry]).await?.first() {
        Some(Appended::Accepted(inbox_id)) => Some(*inbox_id),
        _ => None,
    })
}

fn verb(r: Resolution) -> &'static str {
    match r {
        Resolution::Approved => "approved",
        Resolution::Rejected => "rejected",
    }
}
