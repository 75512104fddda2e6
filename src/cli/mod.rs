//! The `oe-webhooks` command line (README, "Running locally").

mod bookings;
mod check;
mod check_scenario;
mod embedded;
mod erase;
pub mod expect;
pub mod fixture;
mod inbox;
mod replay;
mod serve;
mod sign;
mod tasks;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(name = "oe-webhooks", version, about = "Webhook bridge between the OpenEvent booking workflow and Supabase")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service (the default).
    Serve,
    /// Sign fixtures with the configured secrets and post them, in name
    /// order for a directory; waits for each to be processed when the
    /// service's data directory is local.
    Replay {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Base URL of the service [default: the address in OE_BIND,
        /// http://127.0.0.1:8080].
        #[arg(long)]
        to: Option<String>,
        /// Do not wait for the service to process each fixture.
        #[arg(long)]
        no_wait: bool,
        /// Play each scenario folder on a fresh service started in this
        /// process and compare the end state with its expect.json; a folder
        /// of scenarios checks each of them that has one.
        #[arg(long, conflicts_with = "no_wait")]
        check: bool,
    },
    /// Print the headers (and a curl line) that make a fixture valid.
    Sign { file: PathBuf },
    /// Act as the manager would in the frontend (embedded store only).
    Tasks {
        #[command(subcommand)]
        action: TasksCommand,
    },
    /// Correct a booking as the manager would in the frontend (embedded
    /// store only); the service takes the correction over.
    Bookings {
        #[command(subcommand)]
        action: BookingsCommand,
    },
    /// Connection test for Supabase mode: configuration, key, tables and
    /// columns, RPC functions, team, webhook secret.
    Check,
    /// Probe a running service's /healthz (for container health checks);
    /// without --url, the address in OE_BIND (0.0.0.0 probed as 127.0.0.1).
    Healthcheck {
        #[arg(long)]
        url: Option<String>,
    },
    /// Inspect and redrive inbox entries, on either store.
    Inbox {
        #[command(subcommand)]
        action: InboxCommand,
    },
    /// Remove a client's stored mail bodies and inbox payloads (personal
    /// data), saying what was removed.
    Erase {
        /// The client's email address.
        #[arg(long)]
        client: String,
    },
}

#[derive(Debug, Subcommand)]
enum InboxCommand {
    /// List entries, newest first.
    List {
        /// pending, processing, done, dead or discarded.
        #[arg(long)]
        status: Option<String>,
        /// e.g. email:mailgun, supabase, reconcile, cli.
        #[arg(long)]
        source: Option<String>,
        /// Received since: an RFC 3339 time, a date, or a span (30m, 6h, 2d).
        #[arg(long)]
        since: Option<String>,
        /// At most this many (0: all).
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Show an entry: source, keys, attempts, every error, timestamps.
    Show {
        id: String,
        /// Print the payload too (it holds personal data).
        #[arg(long)]
        body: bool,
    },
    /// Queue dead (or discarded) entries again: by id, or every one of a
    /// status with --status dead [--since T]; --plan only says what would be.
    Retry {
        ids: Vec<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        since: Option<String>,
        /// Dry run: list what would be retried, change nothing.
        #[arg(long)]
        plan: bool,
    },
    /// Put pending or dead entries aside (kept as discarded, with who and why).
    Discard {
        #[arg(required = true)]
        ids: Vec<String>,
        /// Why (required, kept with the entry).
        #[arg(long)]
        reason: String,
        /// Who [default: the OS user].
        #[arg(long)]
        by: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TasksCommand {
    /// List tasks, newest first.
    List {
        /// Only tasks with this status (pending, in_progress, completed).
        #[arg(long)]
        status: Option<String>,
    },
    /// Show a task: what the service understood and its draft.
    Show {
        /// The task's id, a unique start of it, or `newest` (the newest
        /// pending task, the default).
        #[arg(default_value = "newest")]
        id: String,
    },
    /// Approve a task; with --edit, send the file's text instead of the draft.
    Approve {
        /// The task's id, a unique start of it, or `newest` (pending).
        id: String,
        #[arg(long)]
        edit: Option<PathBuf>,
    },
    /// Reject a task: nothing is sent.
    Reject {
        /// The task's id, a unique start of it, or `newest` (pending).
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum BookingsCommand {
    /// Change the head count or the room, or take product lines off the
    /// current offer.
    Edit {
        /// The booking's (event's) id, a unique start of it, or `newest`.
        id: String,
        #[arg(long)]
        attendees: Option<i64>,
        /// The room's name, e.g. "Room E".
        #[arg(long)]
        room: Option<String>,
        /// A product line to remove, by its name (repeatable).
        #[arg(long)]
        remove_line: Vec<String>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if matches!(cli.command, None | Some(Command::Serve)) {
        // This runtime processes the inbox; acknowledging webhooks happens
        // on the HTTP workers' and the inbox writer's own threads, which
        // keep their priority (see `Worker::lower_thread_priority`). Store
        // calls queue on one connection anyway: a few blocking threads do.
        builder.on_thread_start(crate::inbox::Worker::lower_thread_priority).max_blocking_threads(8);
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The self-probe runs before configuration loads: a container health
    // check must not depend on the service's secrets.
    if let Some(Command::Healthcheck { url }) = &cli.command {
        let url = url.clone().unwrap_or_else(|| serve::health_url(std::env::var("OE_BIND").ok().as_deref()));
        return runtime.block_on(serve::healthcheck(&url));
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve::run(config).await,
            Command::Replay { paths, check: true, .. } => check_scenario::run(&paths).await,
            Command::Replay { paths, to, no_wait, .. } => {
                let to = to.unwrap_or_else(|| serve::local_url(config.bind));
                replay::run(&config, &paths, &to, !no_wait).await
            }
            Command::Sign { file } => sign::run(&config, &file),
            Command::Tasks { action } => tasks::run(&config, action).await,
            Command::Bookings { action } => bookings::run(&config, action).await,
            Command::Check => check::run(&config).await,
            Command::Inbox { action } => inbox::run(&config, action).await,
            Command::Erase { client } => erase::run(&config, &client).await,
            Command::Healthcheck { .. } => unreachable!("handled above"),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
