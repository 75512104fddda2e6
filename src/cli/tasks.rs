use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use chrono::Utc;

use super::replay::wait_processed_for;
use super::TasksCommand;
use crate::config::Config;
use crate::domain::{ChangeKind, DbChange, InboxId, Resolution, Task, TaskId, TaskStatus};
use crate::inbox::{Appended, Inbox, NewEntry};
use crate::store::embedded::EmbeddedStore;
use crate::store::Store;

pub(super) async fn run(config: &Config, command: TasksCommand) -> anyhow::Result<ExitCode> {
    let store = super::embedded::open(config, "tasks").await?;
    match command {
        TasksCommand::List { status } => list(&store, status.as_deref()).await,
        TasksCommand::Show { id } => show(&store, &id).await,
        TasksCommand::Approve { id, edit } => {
            let edited = edit
                .map(|f| std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display())))
                .transpose()?;
            decide(&store, &id, Resolution::Approved, edited).await
        }
        TasksCommand::Reject { id } => decide(&store, &id, Resolution::Rejected, None).await,
    }
}

/// The task whose id is `id` or starts with it (a unique prefix); `newest`
/// is the newest pending task.
async fn find(store: &EmbeddedStore, id: &str) -> anyhow::Result<Task> {
    let prefix = id.trim().to_ascii_lowercase();
    if prefix.is_empty() {
        bail!("give a task id (or the start of one) from `oe-webhooks tasks list`");
    }
    if prefix == "newest" {
        return store.tasks(Some(TaskStatus::Pending)).await?.into_iter().next().context("no task is pending");
    }
    let mut matching: Vec<Task> =
        store.tasks(None).await?.into_iter().filter(|t| t.id.to_string().starts_with(&prefix)).collect();
    match matching.len() {
        0 => bail!("no task {id} (see `oe-webhooks tasks list`)"),
        1 => Ok(matching.remove(0)),
        n => bail!(
            "{n} tasks start with {id}: {}; give more of the id",
            matching.iter().map(|t| t.id.to_string()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// One task as the manager sees it: what the service understood (the
/// payload's context) and the draft awaiting approval.
async fn show(store: &EmbeddedStore, id: &str) -> anyhow::Result<ExitCode> {
    let t = find(store, id).await?;
    let p = &t.payload;
    let text = |v: serde_json::Value| v.as_str().map(str::to_string).unwrap_or_default();
    println!("task     {}", t.id);
    println!("title    {}", t.title);
    println!(
        "status   {}{}",
        text(serde_json::to_value(t.status)?),
        state(p).map(|s| format!(" [{s}]")).unwrap_or_default()
    );
    println!("action   {}", text(serde_json::to_value(p.action)?));
    println!("client   {}", t.client_name.as_deref().unwrap_or("-"));
    if let Some(to) = &p.recipient_email {
        println!("to       {to}");
    }
    if let Some(subject) = &p.draft_subject {
        println!("subject  {subject}");
    }
    let context = p.context.fields();
    if !context.is_empty() {
        println!("\nunderstood:");
        for (k, v) in &context {
            let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            println!("  {k}: {v}");
        }
    }
    match (&p.edited_message, &p.draft_message) {
        (Some(edited), _) => println!("\nsent as edited by the manager:\n\n{edited}"),
        (None, Some(draft)) => println!("\ndraft:\n\n{draft}"),
        (None, None) => println!("\nno draft: the manager answers this one"),
    }
    if t.status != TaskStatus::Completed {
        let short = &t.id.to_string()[..13];
        println!("\nnext: oe-webhooks tasks approve {short}   (or: tasks approve {short} --edit reply.txt, tasks reject {short})");
    }
    Ok(ExitCode::SUCCESS)
}

fn state(p: &crate::domain::TaskPayload) -> Option<&str> {
    p.send_state.map(crate::domain::SendState::as_str).or(p.resolution.map(verb))
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
        let state = state(&t.payload);
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
    let id = find(store, id).await?.id;
    match queue_decision(store, id, resolution, edited).await? {
        Some(inbox_id) => {
            // The service acts on it within a second; say how it went.
            let outcome = wait_processed_for(store, inbox_id, Duration::from_secs(10)).await?;
            println!("task {id} {}; queued as {inbox_id} -> {outcome}", verb(resolution))
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
    // Classified like the webhook it stands for: the same typed decision.
    let (event, order_key) =
        crate::ingest::classify_change(&change, store.team()).context("the recorded change is not a decision")?;
    let entry = NewEntry::new(store.team(), "cli", format!("cli:task:{id}"), order_key, &event, Utc::now());
    Ok(match store.append(&[entry]).await?.first() {
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
