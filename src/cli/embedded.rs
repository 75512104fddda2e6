//! Opening the running service's embedded store from the CLI.

use anyhow::bail;

use crate::config::{Config, Mode};
use crate::store::embedded::EmbeddedStore;

/// The running service's embedded store, for the commands that act on it
/// (tasks, bookings, inbox, erase); `verb` names the command in errors.
pub(super) async fn open(config: &Config, verb: &str) -> anyhow::Result<EmbeddedStore> {
    if config.mode != Mode::Embedded {
        bail!("`{verb}` acts on the embedded store; in supabase mode the manager works in the OpenEvent frontend");
    }
    // Never create a data directory here: an empty store would only say
    // "no tasks" about a service that keeps its data elsewhere.
    if !config.data_dir.join("openevent.sqlite3").is_file() {
        bail!(
            "no service data in {} (OE_DATA_DIR): start the service once (`cargo run --release`), \
             or set OE_DATA_DIR to the data directory of the running one",
            config.data_dir.display()
        );
    }
    let (team, user) = config.embedded_tenant();
    Ok(EmbeddedStore::open(&config.data_dir, team, user).await?)
}
