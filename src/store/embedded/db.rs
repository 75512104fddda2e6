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
        // WAL lets readers (the CLI, `replay`) run beside the service;
        // synchronous=FULL makes every commit survive power loss, which is
        // what "acknowledged only after it is durable" promises.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(sql_error)?;
        conn.execute_batch(schema).map_err(sql_error)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
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
