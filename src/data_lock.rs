//! One instance per data directory: two services on one embedded store
//! would both resume the other's in-flight inbox entries and send mail
//! twice. The first takes an exclusive lock on `<data dir>/oe-webhooks.lock`
//! and writes its address in it; a second start is refused, naming it. The
//! lock is the operating system's (`flock`), so it goes away with the
//! process, also after a crash.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use fs4::{FileExt, TryLockError};

pub const LOCK_FILE: &str = "oe-webhooks.lock";

/// Held while the service runs; dropping it releases the directory.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "the data directory {dir} is in use by another oe-webhooks instance ({owner}); \
         stop that one, or give this one its own OE_DATA_DIR"
    )]
    Held { dir: PathBuf, owner: String },
    #[error("cannot lock the data directory {dir}")]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl DataDirLock {
    /// Takes the lock (creating `dir` if needed) and records `owner` (the
    /// address this instance listens on) in it.
    pub fn acquire(dir: &Path, owner: &str) -> Result<Self, LockError> {
        let io = |source| LockError::Io { dir: dir.to_path_buf(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        let path = dir.join(LOCK_FILE);
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        // fs4's lock, not std's (stable only since Rust 1.89).
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let owner = std::fs::read_to_string(&path).unwrap_or_default().trim().to_string();
                let owner = if owner.is_empty() { "address unknown".to_string() } else { owner };
                return Err(LockError::Held { dir: dir.to_path_buf(), owner });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        writeln!(file, "listening on {owner}, pid {}", std::process::id()).map_err(io)?;
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_first_owner_and_free_again_after_drop() {
        let dir = std::env::temp_dir().join(format!("oe-lock-{}", uuid::Uuid::new_v4().simple()));
        let first = DataDirLock::acquire(&dir, "127.0.0.1:8080").unwrap();
        let err = DataDirLock::acquire(&dir, "127.0.0.1:8081").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("listening on 127.0.0.1:8080") && text.contains("OE_DATA_DIR"), "{text}");
        drop(first);
        let again = DataDirLock::acquire(&dir, "127.0.0.1:8081").unwrap();
        assert!(std::fs::read_to_string(dir.join(LOCK_FILE)).unwrap().starts_with("listening on 127.0.0.1:8081,"));
        drop(again);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
