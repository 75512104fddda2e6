//! Inbox operations (README, "Operating"), on both stores: listing,
//! showing with every error, requeueing, discarding, payload retention and
//! a client's erasure.

use std::time::Duration;

use chrono::Utc;
use oe_webhooks::domain::{EmailAddress, InboxId};
use oe_webhooks::inbox::{Appended, EntryFilter, EntryStatus};

use super::{entry, intake_plan, Backend, Db};

/// What the database holds of `email`'s stored mail bodies, one word per
/// mail: `erased`, `kept` (the inquiry's text) or `other`.
async fn mail_bodies(b: &Backend, email: &str) -> Vec<String> {
    let sql = format!(
        "SELECT CASE WHEN body_text = '[erased]' AND body_html IS NULL THEN 'erased' \
         WHEN body_text LIKE '%workshop%' THEN 'kept' ELSE 'other' END AS s \
         FROM emails WHERE from_email = '{email}' OR to_email = '{email}'"
    );
    match &b.db {
        Db::Sqlite(dir) => crate::helpers::query_dir(dir.path(), &sql)
            .into_iter()
            .map(|r| r["s"].as_str().unwrap_or_default().to_string())
            .collect(),
        Db::Postgres(h) => h.psql(&sql).await.unwrap().lines().map(str::to_string).filter(|l| !l.is_empty()).collect(),
    }
}

pub(super) async fn operators_list_show_retry_and_discard_entries(b: Backend) {
    let failing = entry(b.team, "o1", "client:o1");
    let (failing_id, waiting) = (failing.id, entry(b.team, "o2", "client:o2"));
    let waiting_id = waiting.id;
    b.inbox.append(&[failing]).await.unwrap();
    let lease = Duration::from_secs(60);
    let first = b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap();
    b.inbox.retry_at(first[0].lease(), Utc::now(), "smtp down").await.unwrap();
    let second = b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap();
    b.inbox.bury(second[0].lease(), "store refused: bad row").await.unwrap();
    b.inbox.append(&[waiting]).await.unwrap();

    let dead = b.inbox.entries(&EntryFilter { status: Some(EntryStatus::Dead), ..Default::default() }).await.unwrap();
    assert_eq!(dead.iter().map(|e| e.id).collect::<Vec<_>>(), [failing_id]);
    let all = b.inbox.entries(&EntryFilter::default()).await.unwrap();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), [waiting_id, failing_id], "newest first");
    assert!(all.iter().all(|e| e.payload.is_none()), "lists carry no payloads");
    let by_source = EntryFilter { source: Some("elsewhere".into()), ..Default::default() };
    assert!(b.inbox.entries(&by_source).await.unwrap().is_empty());
    let later = EntryFilter { since: Some(Utc::now() + chrono::Duration::minutes(1)), ..Default::default() };
    assert!(b.inbox.entries(&later).await.unwrap().is_empty());
    let one = EntryFilter { limit: 1, ..Default::default() };
    assert_eq!(b.inbox.entries(&one).await.unwrap().len(), 1);

    let shown = b.inbox.entry(failing_id, false).await.unwrap().unwrap();
    assert_eq!((shown.status, shown.attempts, shown.team), (EntryStatus::Dead, 2, b.team));
    let errors: Vec<(u32, &str)> = shown.errors.iter().map(|a| (a.attempt, a.error.as_str())).collect();
    assert_eq!(errors, [(1, "smtp down"), (2, "store refused: bad row")], "every failed attempt");
    assert!(shown.payload.is_none(), "no body unless asked");
    let with_body = b.inbox.entry(failing_id, true).await.unwrap().unwrap();
    assert_eq!(with_body.payload.unwrap()["kind"], "db_change");
    assert!(b.inbox.entry(InboxId::new(), false).await.unwrap().is_none());

    // Only the dead entry is requeued; the pending one is left alone.
    let requeued = b.inbox.requeue(&[failing_id, waiting_id, InboxId::new()], Utc::now()).await.unwrap();
    assert_eq!(requeued, [failing_id]);
    assert_eq!(b.inbox.status(failing_id).await.unwrap(), Some(EntryStatus::Pending));
    let again = b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap();
    let retried = again.iter().find(|e| e.id == failing_id).expect("due at once");
    assert_eq!(retried.attempts, 3, "attempts keep counting (leases stay fenced)");
    b.inbox.complete(&[retried.lease()], Utc::now()).await.unwrap();
    assert_eq!(b.inbox.status(failing_id).await.unwrap(), Some(EntryStatus::Done));

    // Discard: the entry in hand and the done one stay; who and why are kept.
    let held = again.iter().find(|e| e.id == waiting_id).expect("claimed with the other");
    assert!(b.inbox.discard(&[waiting_id, failing_id], "ops", "test", Utc::now()).await.unwrap().is_empty());
    b.inbox.bury(held.lease(), "gave up").await.unwrap();
    let discarded = b.inbox.discard(&[waiting_id], "maria", "sent by mistake", Utc::now()).await.unwrap();
    assert_eq!(discarded, [waiting_id]);
    assert_eq!(b.inbox.stats().await.unwrap().discarded, 1, "counted apart from the dead");
    let d = b.inbox.entry(waiting_id, false).await.unwrap().unwrap();
    assert_eq!(d.status, EntryStatus::Discarded);
    let who = d.discarded.unwrap();
    assert_eq!((who.by.as_str(), who.reason.as_str()), ("maria", "sent by mistake"));
    assert!(b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap().is_empty(), "never processed");
    // A discarded entry can still be retried; that clears the discard.
    assert_eq!(b.inbox.requeue(&[waiting_id], Utc::now()).await.unwrap(), [waiting_id]);
    assert!(b.inbox.entry(waiting_id, false).await.unwrap().unwrap().discarded.is_none());
}

pub(super) async fn payloads_are_pruned_keys_kept_and_a_client_erased(b: Backend) {
    let lease = Duration::from_secs(60);
    // A processed entry: past the retention its payload goes, its key stays.
    let old = entry(b.team, "p1", "client:p1");
    let old_id = old.id;
    b.inbox.append(&[old]).await.unwrap();
    let claimed = b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap();
    b.inbox.complete(&[claimed[0].lease()], Utc::now()).await.unwrap();
    assert_eq!(b.inbox.prune_payloads(Utc::now() - chrono::Duration::hours(1), Utc::now()).await.unwrap(), 0);
    assert_eq!(b.inbox.prune_payloads(Utc::now() + chrono::Duration::seconds(1), Utc::now()).await.unwrap(), 1);
    let pruned = b.inbox.entry(old_id, true).await.unwrap().unwrap();
    assert!(pruned.payload.is_none() && pruned.payload_pruned_at.is_some(), "{pruned:?}");
    assert_eq!(
        b.inbox.append(&[entry(b.team, "p1", "client:p1")]).await.unwrap(),
        [Appended::Duplicate(old_id)],
        "a redelivery is still recognised"
    );
    assert_eq!(b.inbox.prune_payloads(Utc::now() + chrono::Duration::seconds(1), Utc::now()).await.unwrap(), 0);

    // Erasure of one client: its mails' bodies and its entries' payloads.
    let (_, plan) = intake_plan("bob@erase.ch");
    b.store.apply(&plan).await.unwrap();
    let (_, other) = intake_plan("carla@keep.ch");
    b.store.apply(&other).await.unwrap();
    let bob = EmailAddress::parse("Bob@Erase.ch").unwrap();
    assert_eq!(mail_bodies(&b, "bob@erase.ch").await, ["kept"]);
    let (done, dead, pending, theirs) = (
        entry(b.team, "e1", "client:bob@erase.ch"),
        entry(b.team, "e2", "client:bob@erase.ch"),
        entry(b.team, "e3", "client:bob@erase.ch"),
        entry(b.team, "e4", "client:carla@keep.ch"),
    );
    let ids = [done.id, dead.id, pending.id, theirs.id];
    b.inbox.append(&[done, theirs]).await.unwrap();
    let c = b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap();
    b.inbox.complete(&c.iter().map(|e| e.lease()).collect::<Vec<_>>(), Utc::now()).await.unwrap();
    b.inbox.append(&[dead]).await.unwrap();
    let c = b.inbox.claim(&[b.team], 5, Utc::now(), lease).await.unwrap();
    b.inbox.bury(c[0].lease(), "refused").await.unwrap();
    b.inbox.append(&[pending]).await.unwrap();

    assert_eq!(b.store.erase_client_mail(&bob).await.unwrap(), 1);
    assert_eq!(mail_bodies(&b, "bob@erase.ch").await, ["erased"]);
    assert_eq!(mail_bodies(&b, "carla@keep.ch").await, ["kept"], "another client's mail stays");
    assert_eq!(b.store.erase_client_mail(&bob).await.unwrap(), 0, "nothing left to erase");

    let erased = b.inbox.erase_client(&bob, Utc::now()).await.unwrap();
    let mut got = erased.erased.clone();
    got.sort();
    let mut expected = vec![ids[0], ids[1]];
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(erased.in_flight, [ids[2]], "the pending entry is left to be processed");
    let was_dead = b.inbox.entry(ids[1], true).await.unwrap().unwrap();
    assert_eq!(was_dead.status, EntryStatus::Discarded);
    assert!(was_dead.payload.is_none());
    assert!(b.inbox.entry(ids[3], true).await.unwrap().unwrap().payload.is_some(), "another client's entry stays");
    assert!(b.inbox.requeue(&[ids[1]], Utc::now()).await.unwrap().is_empty(), "an erased entry cannot be retried");
}
