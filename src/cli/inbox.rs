//! `oe-webhooks inbox …`: inspect and redrive inbox entries on either store
//! (README, "Inbox operations").

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, Utc};

use crate::config::{Config, Mode};
use crate::domain::{InboxId, TeamId, UserId};
use crate::inbox::{EntryFilter, EntryStatus, EntryView, Inbox};
use crate::store::supabase::SupabaseStore;

use super::InboxCommand;

/// The inbox of the configured store: the embedded data directory's, or
/// the shared `oe_inbox` of the Supabase project (every team's).
pub(super) async fn open(config: &Config, verb: &str) -> anyhow::Result<Arc<dyn Inbox>> {
    Ok(match config.mode {
        Mode::Embedded => Arc::new(super::embedded::open(config, verb).await?),
        Mode::Supabase => Arc::new(open_supabase(config)?),
    })
}

/// The project's store; team-less unless `OE_TEAM_ID` is set (the inbox
/// is shared by every team).
pub(super) fn open_supabase(config: &Config) -> anyhow::Result<SupabaseStore> {
    let supabase = config.supabase.as_ref().context("OE_SUPABASE_URL and OE_SUPABASE_KEY are required")?;
    Ok(SupabaseStore::new(
        supabase,
        config.team_id.unwrap_or(TeamId(uuid::Uuid::nil())),
        config.system_user_id.unwrap_or(UserId(uuid::Uuid::nil())),
    )?)
}

pub(super) async fn run(config: &Config, command: InboxCommand) -> anyhow::Result<ExitCode> {
    let inbox = open(config, "inbox").await?;
    match command {
        InboxCommand::List { status, source, since, limit } => {
            let filter =
                EntryFilter { status: status_arg(status.as_deref())?, source, since: since_arg(since)?, limit };
            let entries = inbox.entries(&filter).await?;
            if entries.is_empty() {
                println!("no entries");
            }
            for e in &entries {
                println!("{}", line(e));
            }
            Ok(ExitCode::SUCCESS)
        }
        InboxCommand::Show { id, body } => {
            let id = id_arg(&id)?;
            let e = inbox.entry(id, body).await?.with_context(|| format!("no inbox entry {id}"))?;
            show(&e, body)?;
            Ok(ExitCode::SUCCESS)
        }
        InboxCommand::Retry { ids, status, since, plan } => retry(&*inbox, ids, status, since, plan).await,
        InboxCommand::Discard { ids, reason, by } => {
            let ids = ids.iter().map(|s| id_arg(s)).collect::<anyhow::Result<Vec<_>>>()?;
            let reason = reason.trim();
            if reason.is_empty() {
                bail!("--reason must say why the entries are discarded");
            }
            let by = by.unwrap_or_else(os_user);
            let done = inbox.discard(&ids, &by, reason, Utc::now()).await?;
            report(&*inbox, &ids, &done, "discarded", "only pending or dead entries can be discarded").await
        }
    }
}

async fn retry(
    inbox: &dyn Inbox,
    ids: Vec<String>,
    status: Option<String>,
    since: Option<String>,
    plan: bool,
) -> anyhow::Result<ExitCode> {
    let ids: Vec<InboxId> = match (ids.is_empty(), status) {
        (false, None) => {
            if since.is_some() {
                bail!("--since selects entries with --status; give ids or --status, not both");
            }
            ids.iter().map(|s| id_arg(s)).collect::<anyhow::Result<_>>()?
        }
        (true, Some(status)) => {
            let status = status_arg(Some(&status))?.expect("given");
            if !matches!(status, EntryStatus::Dead | EntryStatus::Discarded) {
                bail!("only dead or discarded entries can be retried (--status dead)");
            }
            let filter = EntryFilter { status: Some(status), source: None, since: since_arg(since)?, limit: 0 };
            let entries = inbox.entries(&filter).await?;
            let (retriable, pruned): (Vec<_>, Vec<_>) =
                entries.into_iter().partition(|e| e.payload_pruned_at.is_none());
            if plan {
                println!("plan: {} entries would be retried", retriable.len());
                for e in &retriable {
                    println!("  {}", line(e));
                }
                if !pruned.is_empty() {
                    println!("{} more cannot be retried: their payload was removed", pruned.len());
                }
                return Ok(ExitCode::SUCCESS);
            }
            retriable.iter().map(|e| e.id).collect()
        }
        (false, Some(_)) => bail!("give entry ids or --status, not both"),
        (true, None) => bail!("give the ids of the entries to retry, or --status dead [--since T] [--plan]"),
    };
    if plan {
        let mut n = 0;
        for id in &ids {
            match inbox.entry(*id, false).await? {
                Some(e)
                    if matches!(e.status, EntryStatus::Dead | EntryStatus::Discarded)
                        && e.payload_pruned_at.is_none() =>
                {
                    n += 1;
                    println!("  would retry {}", line(&e));
                }
                Some(e) => println!("  would skip {} ({})", e.id, e.status.as_str()),
                None => println!("  would skip {id} (no such entry)"),
            }
        }
        println!("plan: {n} entries would be retried");
        return Ok(ExitCode::SUCCESS);
    }
    let done = inbox.requeue(&ids, Utc::now()).await?;
    report(inbox, &ids, &done, "queued again", "only dead or discarded entries with their payload can be retried").await
}

/// One line per id: what happened, or why not; fails when none changed.
async fn report(
    inbox: &dyn Inbox,
    ids: &[InboxId],
    done: &[InboxId],
    what: &str,
    rule: &str,
) -> anyhow::Result<ExitCode> {
    for id in ids {
        if done.contains(id) {
            println!("{id} {what}");
        } else {
            match inbox.entry(*id, false).await? {
                Some(e) => println!("{id} left alone: it is {} ({rule})", e.status.as_str()),
                None => println!("{id} left alone: no such entry"),
            }
        }
    }
    println!("{} of {} entries {what}", done.len(), ids.len());
    Ok(if done.is_empty() && !ids.is_empty() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn line(e: &EntryView) -> String {
    let error = e.errors.last().map(|a| a.error.as_str()).unwrap_or("");
    let error: String = error.chars().take(80).collect();
    format!(
        "{}  {:<10} {:>2}x  {:<16} {}  {}",
        e.id,
        e.status.as_str(),
        e.attempts,
        e.source,
        crate::store::timestamp(e.received_at),
        error
    )
}

fn show(e: &EntryView, body: bool) -> anyhow::Result<()> {
    let t = |v: Option<DateTime<Utc>>| v.map(crate::store::timestamp).unwrap_or_else(|| "-".into());
    println!("entry     {}", e.id);
    println!("team      {}", e.team);
    println!("source    {}", e.source);
    println!("status    {}", e.status.as_str());
    println!("dedupe    {}", e.dedupe_key);
    println!("order     {}", e.order_key);
    println!("attempts  {}", e.attempts);
    println!("received  {}", t(Some(e.received_at)));
    println!("due       {}", t(e.due_at));
    println!("finished  {}", t(e.finished_at));
    if let Some(d) = &e.discarded {
        println!("discarded by {} at {}: {}", d.by, crate::store::timestamp(d.at), d.reason);
    }
    if let Some(at) = e.payload_pruned_at {
        println!("payload   removed at {}", crate::store::timestamp(at));
    }
    if e.errors.is_empty() {
        println!("errors    none");
    } else {
        println!("errors:");
        for a in &e.errors {
            println!("  attempt {} at {}: {}", a.attempt, crate::store::timestamp(a.at), a.error);
        }
    }
    match (&e.payload, body) {
        (Some(p), true) => println!("\npayload:\n{}", serde_json::to_string_pretty(p)?),
        (None, true) => println!("\nno payload (removed)"),
        (_, false) => println!("\n(the payload holds personal data: add --body to print it)"),
    }
    Ok(())
}

fn id_arg(s: &str) -> anyhow::Result<InboxId> {
    s.trim().parse().map_err(|_| anyhow::anyhow!("{s:?} is not an inbox entry id (a UUID from `inbox list`)"))
}

fn status_arg(s: Option<&str>) -> anyhow::Result<Option<EntryStatus>> {
    s.map(|s| {
        EntryStatus::parse(s.trim())
            .with_context(|| format!("--status {s:?}: one of pending, processing, done, dead, discarded"))
    })
    .transpose()
}

/// `--since`: an RFC 3339 time, a date (midnight UTC), or a span back from
/// now (`30m`, `6h`, `2d`).
pub(super) fn since_arg(s: Option<String>) -> anyhow::Result<Option<DateTime<Utc>>> {
    let Some(s) = s else { return Ok(None) };
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Some(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()));
    }
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = n.parse().ok().filter(|n| *n >= 0).with_context(|| since_help(s))?;
    let span = match unit {
        "m" => chrono::Duration::minutes(n),
        "h" => chrono::Duration::hours(n),
        "d" => chrono::Duration::days(n),
        _ => bail!(since_help(s)),
    };
    Ok(Some(Utc::now() - span))
}

fn since_help(s: &str) -> String {
    format!("--since {s:?}: an RFC 3339 time (2026-11-29T08:00:00Z), a date (2026-11-29) or a span (30m, 6h, 2d)")
}

/// Who runs the command, for `discard --by`'s default.
fn os_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_times_dates_and_spans() {
        let t = since_arg(Some("2026-11-29T08:00:00Z".into())).unwrap().unwrap();
        assert_eq!(crate::store::timestamp(t), "2026-11-29T08:00:00.000Z");
        let d = since_arg(Some("2026-11-29".into())).unwrap().unwrap();
        assert_eq!(crate::store::timestamp(d), "2026-11-29T00:00:00.000Z");
        let h = since_arg(Some("6h".into())).unwrap().unwrap();
        assert!((Utc::now() - h - chrono::Duration::hours(6)).num_seconds().abs() < 5);
        for bad in ["yesterday", "6w", "-1d", "h"] {
            assert!(since_arg(Some(bad.into())).is_err(), "{bad}");
        }
    }
}
