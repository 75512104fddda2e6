//! The embedded store: SQLite files in `OE_DATA_DIR`, no Supabase needed.
//! `openevent.sqlite3` holds the frontend's tables, `inbox.sqlite3` the
//! inbox, `intake/` the log of entries acknowledged but not yet moved into
//! the inbox; separate files keep webhook commits off the workflow's and the
//! inbox's write locks.

mod apply;
mod apply_offer;
mod db;
mod followups;
mod inbox;
mod intake;
mod manager;
mod migrate;
mod offers;
mod rows;
mod seed;
mod store;
mod venue;

use std::path::Path;

use crate::domain::{TeamId, UserId};
use crate::store::StoreError;

use db::Db;
pub use manager::{BookingEdit, RowChange};

#[derive(Clone)]
pub struct EmbeddedStore {
    data: Db,
    /// A second connection to the data file for the reads of a turn (a
    /// mail's context, the rooms held), of `/metrics` (pending tasks) and
    /// of the reconciler's sweeps: WAL lets them run beside the batch that
    /// `data` is writing, instead of queueing behind it.
    reads: Db,
    inbox: Db,
    /// Accepted entries not yet moved into the inbox (see `intake/`).
    intake: intake::Intake,
    team: TeamId,
    user: UserId,
}

impl EmbeddedStore {
    /// Opens (creating if needed) the store in `dir` and seeds the venue's
    /// catalogue on first use.
    pub async fn open(dir: &Path, team: TeamId, user: UserId) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(StoreError::unavailable)?;
        // The writer's page cache (3 MB, SQLite's default 2 MB) holds the
        // index pages a plan's inserts touch (a client, an event, its mails
        // and tasks): with 100k past bookings the default missed most of
        // them, and each miss was a read from the OS (benches/processing.py:
        // 3,350-3,550 vs 4,580 inquiries/s on an empty store; with 3 MB,
        // 3,860 vs 4,210 and peak RSS 48-49 MB; 4 MB took it to 50-51 MB).
        let data_path = dir.join("openevent.sqlite3");
        let data = Db::open(&data_path, concat!("PRAGMA cache_size = -3072;\n", include_str!("schema.sql")))?;
        let added = data.run_here(migrate::upgrade)?;
        // The writer's own checkpoints (every 1,000 pages by default) ended
        // in an fsync of the data file that stalled every batch behind it;
        // with 100k past bookings each plan dirties more pages, so they came
        // more often (benches/processing.py at 100k: 5,455-6,162 -> 6,111-6,207
        // inquiries/s, alternating runs).
        data.checkpoint_in_background(&data_path, "data-checkpoint")?;
        // A small page cache: SQLite drops a connection's cache whenever
        // another one commits, which the writer does with every batch.
        let reads = Db::open(&data_path, "PRAGMA cache_size = -256;")?;
        let inbox_path = dir.join("inbox.sqlite3");
        let inbox = Db::open(&inbox_path, include_str!("inbox.sql"))?.with_own_thread("inbox-db")?;
        let team_text = team.to_string();
        inbox.run_here(move |c| migrate::upgrade_inbox(c, &team_text))?;
        inbox.checkpoint_in_background(&inbox_path, "inbox-checkpoint")?;
        inbox.run_here(|c| migrate::move_intake_file(c, dir))?;
        let intake = intake::Intake::open(dir, &inbox_path)?;
        // Records a previous run accepted but did not move: their keys are
        // not in this run's memory, so they move now, before any append.
        inbox.run_here(|c| intake.settle_all(c))?;
        intake.spawn_settler(inbox.clone())?;
        let store = Self { data, reads, inbox, intake, team, user };
        store.seed_catalog().await?;
        if added.iter().any(|c| c == "products.synonyms") {
            store.backfill(seed::Backfill::Synonyms).await?;
        }
        if added.iter().any(|c| c == "rooms.layout_capacities") {
            store.backfill(seed::Backfill::Layouts).await?;
        }
        Ok(store)
    }

    /// The one team this store holds.
    pub fn team(&self) -> TeamId {
        self.team
    }
}
