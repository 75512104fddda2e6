//! A SQLite connection shared by async callers: each call runs on the
//! blocking pool, one at a time per database file.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, ErrorCode};

use crate::store::StoreError;

#[derive(Clone)]
pub(super) struct Db {
    conn: Arc<Mutex<Connection>>,
    /// Where [`Db::run`] sends its calls when the database has a thread of
    /// its own (see [`Db::with_own_thread`]); otherwise the blocking pool.
    own_thread: Option<std::sync::mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

impl Db {
    /// Opens `path` in WAL mode and runs `setup` on the new connection
    /// (a file's schema, or a second connection's own pragmas).
    pub fn open(path: &Path, setup: &str) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(sql_error)?;
        // WAL lets readers (the CLI, `replay`) run beside the service.
        // synchronous=NORMAL: a commit is in the OS before we answer, so it
        // survives any crash of the process; only a power loss could take
        // the last commits (FULL would fsync each one, at a fifth of the
        // throughput). The README states the trade-off.
        // temp_store=MEMORY: the journal of each savepoint (a plan in a
        // batch, see `apply_many`) and each sort stay in memory; on disk
        // they were a temporary file per statement and most of the
        // processing's write calls.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA temp_store = MEMORY;
             PRAGMA busy_timeout = 5000;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(sql_error)?;
        conn.execute_batch(setup).map_err(sql_error)?;
        // Room for every statement a turn runs (see `cached`).
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Self { conn: Arc::new(Mutex::new(conn)), own_thread: None })
    }

    /// Runs every [`Db::run`] call on one thread of its own, at the
    /// priority of the thread that opens it, instead of the blocking pool.
    /// For the inbox: the pool's threads run at lowered priority while
    /// `serve` processes, and one of them preempted while holding the
    /// connection (a claim, a completion) would stall the inbox writer, and
    /// with it every acknowledgement, until the scheduler came back to it.
    pub fn with_own_thread(mut self, name: &str) -> Result<Self, StoreError> {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                for job in rx {
                    job();
                }
            })
            .map_err(StoreError::unavailable)?;
        self.own_thread = Some(tx);
        Ok(self)
    }

    /// Moves most WAL checkpointing off the committing thread: a background
    /// thread with its own connection copies pages back into the database
    /// (PASSIVE, never blocking writers) and syncs the file, so a commit (a
    /// webhook's ack, a batch of plans) rarely waits for a sync. The writer
    /// keeps a high autocheckpoint as a backstop: it finds little left to
    /// copy and lets the WAL restart, so the WAL file stays bounded under
    /// any load. `thread` names the checkpointing thread.
    pub fn checkpoint_in_background(&self, path: &Path, thread: &str) -> Result<(), StoreError> {
        self.run_here(|c| c.execute_batch("PRAGMA wal_autocheckpoint = 4000;").map_err(sql_error))?;
        let checkpointer = Connection::open(path).map_err(sql_error)?;
        checkpointer.execute_batch("PRAGMA busy_timeout = 5000;").map_err(sql_error)?;
        // It stops once the store is dropped (the last clone of `conn`).
        let open = Arc::downgrade(&self.conn);
        let spawned = std::thread::Builder::new().name(thread.into()).spawn(move || loop {
            // Often and small: a checkpoint's syncs stall the writer's next
            // commit for as long as they take, which grows with the pages
            // copied (p99 ack at 1,000 req/s: 13 ms every 100 ms, 47 ms
            // every second, 9 ms every 20 ms).
            std::thread::sleep(std::time::Duration::from_millis(20));
            if open.strong_count() == 0 {
                return;
            }
            if let Err(e) = checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "WAL checkpoint failed; will try again");
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
        let call = move || {
            let mut guard = conn.lock().map_err(|_| StoreError::Invalid("a previous database call panicked".into()))?;
            f(&mut guard)
        };
        match &self.own_thread {
            Some(thread) => {
                let (reply, answer) = tokio::sync::oneshot::channel();
                thread
                    .send(Box::new(move || {
                        let _ = reply.send(call());
                    }))
                    .map_err(|_| StoreError::unavailable("the database thread stopped"))?;
                answer.await.map_err(|_| StoreError::unavailable("the database thread stopped"))?
            }
            None => tokio::task::spawn_blocking(call).await.map_err(StoreError::unavailable)?,
        }
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

/// Ids as a JSON array of strings, for `IN (SELECT value FROM json_each(?))`.
pub(super) fn json_list<T: std::fmt::Display>(ids: &[T]) -> String {
    serde_json::to_string(&ids.iter().map(T::to_string).collect::<Vec<_>>()).expect("strings serialize")
}
