//! `oe-webhooks erase --client <email>`: removes a client's stored mail
//! bodies and inbox payloads (personal data) in the configured store and
//! says what it removed (README, "Retention and erasure").

use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;

use crate::config::{Config, Mode};
use crate::domain::{EmailAddress, TeamId, UserId};
use crate::inbox::Inbox;
use crate::store::Store;

/// The store of each team whose mail is erased.
type TeamStores = Vec<(TeamId, Box<dyn Store>)>;

pub(super) async fn run(config: &Config, client: &str) -> anyhow::Result<ExitCode> {
    let email =
        EmailAddress::parse(client).ok().with_context(|| format!("--client {client:?} is not an email address"))?;
    // Every team's mail of this client: one store per team served.
    let (inbox, stores): (Box<dyn Inbox>, TeamStores) = match config.mode {
        Mode::Embedded => {
            let store = super::embedded::open(config, "erase").await?;
            (Box::new(store.clone()), vec![(store.team(), Box::new(store))])
        }
        Mode::Supabase => {
            let base = super::inbox::open_supabase(config)?;
            let mut teams: Vec<TeamId> = match config.team_id {
                Some(team) => vec![team],
                None => base.mailboxes().await?.into_iter().map(|m| m.team_id).collect(),
            };
            teams.sort();
            teams.dedup();
            let user = config.system_user_id.unwrap_or(UserId(uuid::Uuid::nil()));
            let stores = teams.iter().map(|t| (*t, Box::new(base.for_team(*t, user)) as Box<dyn Store>)).collect();
            (Box::new(base), stores)
        }
    };
    let mut mails = 0;
    for (team, store) in &stores {
        let n = store.erase_client_mail(&email).await?;
        if n > 0 {
            println!("team {team}: emptied the bodies of {n} stored mails from or to {email}");
        }
        mails += n;
    }
    let entries = inbox.erase_client(&email, Utc::now()).await?;
    for id in &entries.erased {
        println!("inbox entry {id}: payload removed");
    }
    for id in &entries.in_flight {
        println!("inbox entry {id}: still pending or in hand, not erased; run `erase` again once it is processed");
    }
    println!(
        "erased {email}: {mails} mail bodies, {} inbox payloads; {} entries still in flight",
        entries.erased.len(),
        entries.in_flight.len()
    );
    Ok(if entries.in_flight.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}
