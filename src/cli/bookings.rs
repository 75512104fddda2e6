//! `oe-webhooks bookings edit`: the manager corrects a booking as in the
//! frontend (embedded store only). The rows change, and the same database
//! change a Supabase webhook would carry is queued, so the running service
//! takes the correction over exactly as in Supabase mode.

use std::process::ExitCode;

use anyhow::bail;
use chrono::Utc;

use super::BookingsCommand;
use crate::config::Config;
use crate::domain::{keys, InboxEvent};
use crate::inbox::{Inbox, NewEntry};
use crate::store::embedded::BookingEdit;

pub(super) async fn run(config: &Config, command: BookingsCommand) -> anyhow::Result<ExitCode> {
    let BookingsCommand::Edit { id, attendees, room, remove_line } = command;
    if attendees.is_none() && room.is_none() && remove_line.is_empty() {
        bail!("nothing to change: give --attendees, --room or --remove-line");
    }
    let store = super::embedded::open(config, "bookings").await?;
    let event = match store.find_event(&id).await?.as_slice() {
        [one] => one.clone(),
        [] => bail!("no booking with id {id:?} (an id, a unique start of one, or `newest`)"),
        _ => bail!("{id:?} starts several bookings' ids: give more of it"),
    };
    let order_key = keys::event(event.parse()?);
    let changes = store.edit_booking(event.clone(), BookingEdit { attendees, room, remove_lines: remove_line }).await?;
    let entries: Vec<NewEntry> = changes
        .into_iter()
        .enumerate()
        .filter_map(|(n, c)| {
            // Classified like the webhook it stands for, and ordered with
            // the booking's other events.
            let correction = InboxEvent::from_change(&c.db_change(), store.team())?;
            Some(NewEntry::new(
                store.team(),
                "cli",
                format!("cli:edit:{event}:{}:{n}", Utc::now().timestamp_micros()),
                order_key.clone(),
                &correction,
                Utc::now(),
            ))
        })
        .collect();
    let n = entries.len();
    store.append(&entries).await?;
    println!("booking {event}: {n} change(s) made and queued (the running service takes them over)");
    Ok(ExitCode::SUCCESS)
}
