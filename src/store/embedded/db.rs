//! A SQLite connection shared by async callers: each call runs on the
//! blocking pool, one at a time per database file.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, ErrorCode};

use crate::store::StoreError;

#[derive(Clone)]
pub(super) struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    pub fn open(path: &Path, schema: &str) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(sql_error)?;
        // WAL lets readers (the CLI, `replay`) run beside the service.
        // synchronous=NORMAL: a commit is in the OS before we answer, so it
        // survives any crash of the process; only a power loss could take
        // the last commits (FULL would fsync each one, at a fifth of the
        // throughput). The README states the trade-off.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 5000;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(sql_error)?;
        conn.execute_batch(schema).map_err(sql_error)?;
        // Room for every statement a turn runs (see `cached`).
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Moves most WAL checkpointing off the committing thread: a background
    /// thread with its own connection copies pages back into the database
    /// (PASSIVE, never blocking writers), so a commit (the webhook's ack)
    /// rarely pays for it. The writer keeps a high autocheckpoint as a
    /// backstop: it finds little left to copy and lets the WAL restart, so
    /// the WAL file stays bounded under any load.
    pub fn checkpoint_in_background(&self, path: &Path) -> Result<(), StoreError> {
        // A larger page cache keeps the hot index pages of the inbox in memory.
        self.run_here(|c| {
            c.execute_batch("PRAGMA wal_autocheckpoint = 4000; PRAGMA cache_size = -8000;").map_err(sql_error)
        })?;
        let checkpointer = Connection::open(path).map_err(sql_error)?;
        checkpointer.execute_batch("PRAGMA busy_timeout = 5000;").map_err(sql_error)?;
        let spawned = std::thread::Builder::new().name("inbox-checkpoint".into()).spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if let Err(e) = checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "inbox checkpoint failed; will try again");
            }
        });
        spawned.map(drop).map_err(StoreError::unavailable)
    }

    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| StoreError::Invalid("a previous database call panicked".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(StoreError::unavailable)?
    }
}

impl Db {
    /// Runs `f` on the calling thread, for callers that own a thread.
    pub fn run_here<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut guard =
            self.conn.lock().map_err(|_| StoreError::Invalid("a previous database call panicked".into()))?;
        f(&mut guard)
    }
}

/// Busy, locked, I/O and full-disk errors may pass; anything else is a
/// schema or data problem.
pub(super) fn sql_error(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull
            | ErrorCode::CannotOpen,
        ) => StoreError::unavailable(e),
        _ => StoreError::Invalid(e.to_string()),
    }
}

/// `Connection::execute` through the connection's statement cache: the
/// workflow's statements are few and run for every mail, and preparing
/// them again each time costs more than running them.
pub(super) fn cached(c: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    c.prepare_cached(sql)?.execute(params)
}

/// `Connection::query_row` through the statement cache (see [`cached`]).
pub(super) fn cached_row<T>(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    c.prepare_cached(sql)?.query_row(params, f)
}
