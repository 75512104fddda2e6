//! Conformance of what workflow steps 2–7 read and write: every event
//! column, billing details, offers with line items, the offer-number race,
//! and the planning reads (catalogue, booked rooms, offer sequence, paid
//! deposits). Run on both stores by the macro in `conformance.rs`.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use oe_webhooks::config::SupabaseConfig;
use oe_webhooks::domain::{
    ClientId, EventId, EventStatus, MailDigest, OfferId, OfferRecord, OfferStatus, ProductChoice, ProductId, RoomId,
    SiteVisit, TeamId, UserId, WorkflowState,
};
use oe_webhooks::store::embedded::EmbeddedStore;
use oe_webhooks::store::supabase::SupabaseStore;
use oe_webhooks::store::{CatalogFile, Store, StoreError};
use oe_webhooks::workflow::extract::Language;
use oe_webhooks::workflow::offer::{Deposit, LineItem, LineUnit};
use oe_webhooks::workflow::{
    ClientPatch, ClientWrite, EventPatch, EventWrite, NewOffer, OfferPatch, OfferWrite, Plan, TaskWrite,
};

use super::{intake_plan, Backend, Db};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

impl Db {
    /// Runs SQL that both dialects understand.
    async fn exec(&self, sql: &str) {
        self.query(sql).await;
    }

    /// One line per row, columns joined by `|`, NULL as empty (psql -At).
    async fn query(&self, sql: &str) -> String {
        match self {
            Db::Postgres(h) => h.psql(sql).await.unwrap(),
            Db::Sqlite(dir) => {
                let c = rusqlite::Connection::open(dir.path().join("openevent.sqlite3")).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
                let mut stmt = c.prepare(sql).unwrap();
                let width = stmt.column_count();
                let mut lines = Vec::new();
                let mut rows = stmt.query([]).unwrap();
                while let Some(row) = rows.next().unwrap() {
                    let cols: Vec<String> = (0..width)
                        .map(|i| match row.get_ref(i).unwrap() {
                            rusqlite::types::ValueRef::Null => String::new(),
                            rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                            rusqlite::types::ValueRef::Real(f) => f.to_string(),
                            rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                            rusqlite::types::ValueRef::Blob(_) => "<blob>".into(),
                        })
                        .collect();
                    lines.push(cols.join("|"));
                }
                lines.join("\n")
            }
        }
    }
}

impl Backend {
    /// The venue's rooms and products for this team. The embedded store
    /// seeds them itself; in Supabase they are the frontend's rows.
    async fn seed_catalogue(&self) {
        if let Db::Postgres(h) = &self.db {
            crate::supabase::seed_catalogue(h, self.team.0, UserId::new().0).await;
        }
    }

    /// The same database seen by another team.
    async fn other_team(&self) -> Arc<dyn Store> {
        match &self.db {
            Db::Sqlite(dir) => Arc::new(EmbeddedStore::open(dir.path(), TeamId::new(), UserId::new()).await.unwrap()),
            Db::Postgres(h) => {
                let config = SupabaseConfig { url: h.base_url.clone(), key: h.service_key.clone().into() };
                Arc::new(SupabaseStore::new(&config, TeamId::new(), UserId::new()).unwrap())
            }
        }
    }
}

/// A new booking (intake of an inquiry): its event and client.
async fn booking_of(store: &dyn Store, from: &str) -> (EventId, ClientId) {
    let (_, plan) = intake_plan(from);
    let applied = store.apply(&plan).await.unwrap();
    (applied.event_id.unwrap(), applied.client_id.unwrap())
}

async fn patch_event(store: &dyn Store, id: EventId, patch: EventPatch) {
    store
        .apply(&Plan { event: Some(EventWrite::Update { id, patch, expected_turn: None }), ..Plan::default() })
        .await
        .unwrap();
}

async fn hold(store: &dyn Store, id: EventId, status: EventStatus, on: NaiveDate, rooms: &[RoomId]) {
    let patch = EventPatch {
        status: Some(status),
        event_date: Some(on),
        room_ids: Some(rooms.to_vec()),
        ..EventPatch::default()
    };
    patch_event(store, id, patch).await;
}

fn offer_plan(event: EventId, offers: Vec<OfferWrite>) -> Plan {
    Plan {
        event: Some(EventWrite::Update { id: event, patch: EventPatch::default(), expected_turn: None }),
        offers,
        ..Plan::default()
    }
}

/// An offer of CHF 1234.55: a room line and one product line, 30 % deposit.
fn new_offer(number: &str, product: Option<ProductId>) -> NewOffer {
    let offer_date = date(2027, 3, 1);
    NewOffer {
        id: OfferId::new(),
        offer_number: number.into(),
        subject: format!("Offer {number}"),
        offer_date,
        valid_until: date(2027, 3, 31),
        subtotal_rappen: 114_205,
        vat_rappen: 9_250,
        total_rappen: 123_455,
        deposit: Some(Deposit { percentage_bp: 3000, amount_rappen: 37_035, deadline_days: 14 }),
        items: vec![
            LineItem {
                unit: LineUnit::Piece,
                name: "Room C".into(),
                description: Some("full day".into()),
                quantity: 1,
                unit_price_rappen: 80_000,
                total_rappen: 80_000,
                vat_rate_bp: 810,
                product_id: None,
            },
            LineItem {
                unit: LineUnit::Piece,
                name: "Classic Apéro".into(),
                description: Some("5 x CHF 68.41 per person".into()),
                quantity: 5,
                unit_price_rappen: 6_841,
                total_rappen: 34_205,
                vat_rate_bp: 810,
                product_id: product,
            },
        ],
    }
}

fn status_patch(status: OfferStatus) -> OfferPatch {
    OfferPatch { status: Some(status), ..OfferPatch::default() }
}

async fn set_offer(store: &dyn Store, event: EventId, id: OfferId, patch: OfferPatch) {
    store.apply(&offer_plan(event, vec![OfferWrite::Update { id, patch }])).await.unwrap();
}

async fn current_offer(store: &dyn Store, event: EventId) -> Option<OfferRecord> {
    store.booking(event).await.unwrap().unwrap().offer
}

pub(super) async fn every_event_column_is_written_and_read_back(b: Backend) {
    let (mail, plan) = intake_plan("anna@keller.ch");
    let Some(EventWrite::Create(new)) = &plan.event else { panic!("intake creates the event") };
    assert_eq!(new.workflow_state.language, Some(Language::En), "intake remembers the language");
    let event = b.store.apply(&plan).await.unwrap().event_id.unwrap();
    let before = b.store.booking(event).await.unwrap().unwrap().event;
    assert_eq!(before.workflow_state, new.workflow_state, "NewEvent.workflow_state is stored");

    let (room_b, room_c) = (RoomId::new(), RoomId::new());
    let mut expected = before.clone();
    expected.status = EventStatus::Option;
    expected.current_step = 4;
    expected.date_confirmed = true;
    expected.caller_step = Some(3);
    expected.event_date = date(2027, 4, 2);
    expected.start_time = NaiveTime::from_hms_opt(18, 30, 0).unwrap();
    expected.end_time = NaiveTime::from_hms_opt(23, 0, 0).unwrap();
    expected.attendees = Some(80);
    expected.seating_layout = Some("theatre".into());
    expected.preferred_room = Some("Room C".into());
    expected.room_ids = vec![room_c, room_b];
    expected.requirements_hash = Some("req-1".into());
    expected.room_eval_hash = Some("eval-1".into());
    expected.offer_hash = Some("offer-1".into());
    expected.workflow_state = WorkflowState {
        turn: 3,
        language: Some(Language::De),
        date_requested: true,
        times_assumed: true,
        end_assumed: true,
        vague_date: None,
        date_options: vec![date(2027, 4, 2)],
        proposed_dates: vec![date(2027, 4, 2), date(2027, 4, 9)],
        proposed_rooms: vec![room_c, room_b],
        rooms_proposed_for: Some("req-1@2027-04-02".into()),
        wanted_amenities: vec!["Beamer".into(), "Bühne".into()],
        products: vec![ProductChoice { id: ProductId::new(), quantity: Some(3), times: None }],
        discount_percent: Some(10),
        site_visit: Some(SiteVisit {
            proposed: vec![date(2027, 3, 20).and_hms_opt(10, 0, 0).unwrap()],
            booked: Some(date(2027, 3, 20).and_hms_opt(10, 0, 0).unwrap()),
        }),
        last_mail: Some(MailDigest { digest: "abc123".into(), at: Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap() }),
        confirmation_drafted: true,
        deposit_handled: Some(OfferId::new()),
        room_set_by_manager: true,
        removed_products: vec![ProductId::new()],
        last_sent_at: Some(Utc.with_ymd_and_hms(2027, 3, 2, 8, 30, 0).unwrap()),
        follow_ups: vec![oe_webhooks::domain::FollowUpDrafted {
            kind: oe_webhooks::domain::FollowUpKind::OfferExpiry,
            due: date(2027, 3, 28),
            at: Utc.with_ymd_and_hms(2027, 3, 28, 7, 0, 0).unwrap(),
        }],
    };
    let patch = EventPatch::between(&before, &expected);
    assert!(
        serde_json::to_value(&patch).unwrap().as_object().unwrap().len() == 15,
        "the patch sets every column: {patch:?}"
    );
    patch_event(&*b.store, event, patch).await;
    let after = b.store.booking(event).await.unwrap().unwrap();
    assert_eq!(after.event, expected);
    let by_mail = b.store.booking_for_mail(&mail).await.unwrap().unwrap();
    assert_eq!(by_mail.event, expected, "the mail's booking reads the same columns");

    // Clearing caller_step and the rooms: `Some(None)` and `Some(vec![])`
    // write null and []; a patch without them leaves them.
    let mut cleared = expected.clone();
    cleared.caller_step = None;
    cleared.room_ids = Vec::new();
    let patch = EventPatch::between(&expected, &cleared);
    assert_eq!((patch.caller_step, patch.room_ids.as_deref()), (Some(None), Some(&[][..])));
    patch_event(&*b.store, event, patch).await;
    assert_eq!(b.store.booking(event).await.unwrap().unwrap().event, cleared);
    patch_event(&*b.store, event, EventPatch { current_step: Some(5), ..EventPatch::default() }).await;
    let last = b.store.booking(event).await.unwrap().unwrap().event;
    assert_eq!(last, oe_webhooks::domain::Event { current_step: 5, ..cleared });
}

pub(super) async fn billing_details_are_written_on_the_plans_client(b: Backend) {
    let (event, client) = booking_of(&*b.store, "anna@keller.ch").await;
    let email = oe_webhooks::domain::EmailAddress::parse("anna@keller.ch").unwrap();
    assert!(!b.store.client_by_email(&email).await.unwrap().unwrap().has_billing_address());

    let billing = ClientPatch {
        company: Some("Keller Consulting AG".into()),
        billing_address: Some("Bahnhofstrasse 1".into()),
        billing_postal_code: Some("8001".into()),
        billing_city: Some("Zürich".into()),
        billing_country: Some("CH".into()),
        ..ClientPatch::default()
    };
    let plan = Plan { client: Some(ClientWrite::Existing { id: client }), client_update: billing, ..Plan::default() };
    b.store.apply(&plan).await.unwrap();
    let c = b.store.client_by_email(&email).await.unwrap().unwrap();
    assert_eq!(
        (c.company.as_deref(), c.billing_address.as_deref(), c.billing_postal_code.as_deref()),
        (Some("Keller Consulting AG"), Some("Bahnhofstrasse 1"), Some("8001"))
    );
    assert_eq!((c.billing_city.as_deref(), c.billing_country.as_deref()), (Some("Zürich"), Some("CH")));
    assert!(c.has_billing_address());

    // A plan on the event alone changes the event's client; unset fields stay.
    let plan = Plan {
        event: Some(EventWrite::Update { id: event, patch: EventPatch::default(), expected_turn: None }),
        client_update: ClientPatch { status: Some("confirmed".into()), ..ClientPatch::default() },
        ..Plan::default()
    };
    b.store.apply(&plan).await.unwrap();
    let booked = b.store.booking(event).await.unwrap().unwrap().client;
    assert_eq!(booked, oe_webhooks::domain::Client { status: "confirmed".into(), ..c });
}

pub(super) async fn an_offer_is_written_with_its_items_and_replaced(b: Backend) {
    b.seed_catalogue().await;
    let product = b.store.catalogue().await.unwrap().products[0].pricing.id;
    let (mail, _) = intake_plan("anna@keller.ch");
    let (event, _) = booking_of(&*b.store, "anna@keller.ch").await;
    assert_eq!(current_offer(&*b.store, event).await, None);

    let first = new_offer("OE-2027-03-0001", Some(product));
    b.store.apply(&offer_plan(event, vec![OfferWrite::Create(first.clone())])).await.unwrap();
    let mut expected = OfferRecord {
        id: first.id,
        offer_number: "OE-2027-03-0001".into(),
        status: OfferStatus::Draft,
        offer_date: date(2027, 3, 1),
        valid_until: Some(date(2027, 3, 31)),
        total_rappen: 123_455,
        deposit_enabled: true,
        deposit_rappen: Some(37_035),
        deposit_deadline_days: Some(14),
        deposit_paid_at: None,
        confirmed_at: None,
    };
    assert_eq!(current_offer(&*b.store, event).await, Some(expected.clone()));
    let by_mail = b.store.booking_for_mail(&mail).await.unwrap().unwrap();
    assert_eq!(by_mail.offer, Some(expected.clone()), "the mail's booking carries the offer too");

    // The columns the record does not carry, as the frontend reads them.
    let row =
        b.db.query(&format!(
            "select cast(round(subtotal * 100) as integer), cast(round(vat_amount * 100) as integer),
                    cast(round(deposit_percentage * 100) as integer), deposit_type, payment_status, subject,
                    case when event_id = '{event}' then 'event' else 'other' end
             from offers where offer_number = 'OE-2027-03-0001'"
        ))
        .await;
    assert_eq!(row, "114205|9250|3000|percentage|pending|Offer OE-2027-03-0001|event");
    let items =
        b.db.query(&format!(
            "select name, coalesce(description, ''), cast(round(quantity) as integer),
                    cast(round(unit_price * 100) as integer), cast(round(total * 100) as integer)
             from offer_line_items where offer_id = '{}' order by name desc",
            first.id
        ))
        .await;
    assert_eq!(items, "Room C|full day|1|80000|80000\nClassic Apéro|5 x CHF 68.41 per person|5|6841|34205");

    set_offer(&*b.store, event, first.id, status_patch(OfferStatus::Sent)).await;
    expected.status = OfferStatus::Sent;
    assert_eq!(current_offer(&*b.store, event).await, Some(expected.clone()));
    let accepted: DateTime<Utc> = Utc.with_ymd_and_hms(2027, 3, 5, 14, 30, 0).unwrap();
    let confirm = OfferPatch {
        status: Some(OfferStatus::Confirmed),
        confirmed_at: Some(accepted),
        payment_status: Some("awaiting_deposit".into()),
        ..OfferPatch::default()
    };
    set_offer(&*b.store, event, first.id, confirm).await;
    expected.status = OfferStatus::Confirmed;
    expected.confirmed_at = Some(accepted);
    assert_eq!(current_offer(&*b.store, event).await, Some(expected.clone()));
    assert_eq!(
        b.db.query("select payment_status from offers where offer_number = 'OE-2027-03-0001'").await,
        "awaiting_deposit"
    );
    // The deposit is recorded once; a later report does not move it.
    let paid: DateTime<Utc> = Utc.with_ymd_and_hms(2027, 3, 8, 9, 0, 0).unwrap();
    for at in [paid, paid + chrono::Duration::days(1)] {
        let patch =
            OfferPatch { deposit_paid_at: Some(at), payment_status: Some("paid".into()), ..OfferPatch::default() };
        set_offer(&*b.store, event, first.id, patch).await;
    }
    expected.deposit_paid_at = Some(paid);
    assert_eq!(current_offer(&*b.store, event).await, Some(expected.clone()));

    // A revised offer replaces it; cancelling the revision brings back the
    // first; with both cancelled the booking has no offer.
    let mut revised = new_offer("OE-2027-03-0002", None);
    revised.deposit = None;
    revised.items.truncate(1);
    b.store.apply(&offer_plan(event, vec![OfferWrite::Create(revised.clone())])).await.unwrap();
    let now = current_offer(&*b.store, event).await.unwrap();
    assert_eq!((now.id, now.deposit_enabled, now.deposit_rappen), (revised.id, false, None));
    assert_eq!(
        b.db.query(&format!("select count(*) from offer_line_items where offer_id = '{}'", revised.id)).await,
        "1"
    );
    assert_eq!(
        b.db.query("select coalesce(payment_status, 'none') from offers where offer_number = 'OE-2027-03-0002'").await,
        "none"
    );
    set_offer(&*b.store, event, revised.id, status_patch(OfferStatus::Cancelled)).await;
    assert_eq!(current_offer(&*b.store, event).await, Some(expected));
    set_offer(&*b.store, event, first.id, status_patch(OfferStatus::Cancelled)).await;
    assert_eq!(current_offer(&*b.store, event).await, None);

    // Another team cannot change the offer.
    let other = b.other_team().await;
    let (their_event, _) = booking_of(&*other, "someone@else.ch").await;
    let stolen = other
        .apply(&offer_plan(
            their_event,
            vec![OfferWrite::Update { id: first.id, patch: status_patch(OfferStatus::Sent) }],
        ))
        .await;
    assert!(matches!(stolen, Err(StoreError::Invalid(_))), "{stolen:?}");
}

pub(super) async fn a_taken_offer_number_is_transient_and_writes_nothing(b: Backend) {
    let (event, client) = booking_of(&*b.store, "anna@keller.ch").await;
    let first = new_offer("OE-2027-03-0007", None);
    b.store.apply(&offer_plan(event, vec![OfferWrite::Create(first.clone())])).await.unwrap();
    let tasks_before = b.store.tasks(None).await.unwrap().len();
    let booking_before = b.store.booking(event).await.unwrap().unwrap();

    // Another booking's plan read the same sequence: everything it would
    // have written goes with the refused offer.
    let (_, intake) = intake_plan("anna@keller.ch");
    let racing = Plan {
        client: Some(ClientWrite::Existing { id: client }),
        client_update: ClientPatch { billing_city: Some("Bern".into()), ..ClientPatch::default() },
        event: Some(EventWrite::Update {
            id: event,
            patch: EventPatch { current_step: Some(5), offer_hash: Some("h2".into()), ..EventPatch::default() },
            expected_turn: None,
        }),
        offers: vec![OfferWrite::Create(new_offer("OE-2027-03-0007", None))],
        emails: intake.emails.clone(),
        tasks: intake.tasks.clone(),
        ..Plan::default()
    };
    // Refused for the number (not, say, a timeout), as a retryable error.
    let taken = |r: &Result<_, StoreError>| matches!(r, Err(e @ StoreError::Unavailable(_)) if format!("{e:?}").contains("OE-2027-03-0007 is taken"));
    let refused = b.store.apply(&racing).await;
    assert!(taken(&refused), "retry, do not park: {refused:?}");
    let (_, other) = intake_plan("jonas@meier.ch");
    let batch = b.store.apply_many(vec![racing.clone(), other]).await.unwrap();
    assert!(taken(&batch[0]), "the same in a batch: {:?}", batch[0]);
    assert!(batch[1].as_ref().is_ok_and(|a| !a.duplicate), "the neighbour is applied: {:?}", batch[1]);

    assert_eq!(b.store.booking(event).await.unwrap().unwrap(), booking_before, "event, client, offer unchanged");
    assert_eq!(b.store.tasks(None).await.unwrap().len(), tasks_before + 1, "only the neighbour's task");
    assert_eq!(b.db.query("select count(*) from offers").await, "1");
    let stored = intake.emails[0].message_id.clone();
    assert_eq!(b.db.query(&format!("select count(*) from emails where message_id = '{stored}'")).await, "0");

    // Planned again with the next number, the same plan goes through.
    let mut again = racing;
    again.offers = vec![OfferWrite::Create(new_offer("OE-2027-03-0008", None))];
    assert!(!b.store.apply(&again).await.unwrap().duplicate);
    let after = b.store.booking(event).await.unwrap().unwrap();
    assert_eq!(
        (after.event.current_step, after.client.billing_city.as_deref(), after.offer.map(|o| o.offer_number)),
        (5, Some("Bern"), Some("OE-2027-03-0008".to_string()))
    );
}

pub(super) async fn the_next_offer_sequence_counts_the_month_numerically(b: Backend) {
    let march = date(2027, 3, 15);
    assert_eq!(b.store.next_offer_sequence(march).await.unwrap(), 1, "none yet");
    let (event, _) = booking_of(&*b.store, "anna@keller.ch").await;
    let offers = ["OE-2027-03-0009", "OE-2027-03-0010", "OE-2027-04-0042", "OE-2026-03-0077"]
        .into_iter()
        .map(|n| OfferWrite::Create(new_offer(n, None)))
        .collect();
    b.store.apply(&offer_plan(event, offers)).await.unwrap();
    assert_eq!(b.store.next_offer_sequence(march).await.unwrap(), 11, "0010 > 0009 > others");
    assert_eq!(b.store.next_offer_sequence(date(2027, 3, 31)).await.unwrap(), 11);
    assert_eq!(b.store.next_offer_sequence(date(2027, 4, 1)).await.unwrap(), 43);
    assert_eq!(b.store.next_offer_sequence(date(2027, 5, 1)).await.unwrap(), 1);
    // Offer numbers are unique across the project: another team's numbers
    // count too, so two venues never pick the same one.
    let other = b.other_team().await;
    let (their_event, _) = booking_of(&*other, "someone@else.ch").await;
    other.apply(&offer_plan(their_event, vec![OfferWrite::Create(new_offer("OE-2027-03-0050", None))])).await.unwrap();
    assert_eq!(b.store.next_offer_sequence(march).await.unwrap(), 51);
    assert_eq!(other.next_offer_sequence(march).await.unwrap(), 51);

    // Past 9999 the number grows a digit and still counts as the highest.
    let big = vec![OfferWrite::Create(new_offer("OE-2027-03-10000", None))];
    b.store.apply(&offer_plan(event, big)).await.unwrap();
    assert_eq!(b.store.next_offer_sequence(march).await.unwrap(), 10_001);
}

pub(super) async fn rooms_are_booked_by_options_and_confirmed_events_only(b: Backend) {
    let rooms: Vec<RoomId> = (0..9).map(|_| RoomId::new()).collect();
    let mut events = Vec::new();
    for i in 0..7 {
        events.push(booking_of(&*b.store, &format!("client{i}@example.ch")).await.0);
    }
    let s = &*b.store;
    hold(s, events[0], EventStatus::Option, date(2027, 3, 10), &rooms[0..2]).await;
    hold(s, events[1], EventStatus::Confirmed, date(2027, 3, 12), &rooms[2..3]).await;
    hold(s, events[2], EventStatus::Lead, date(2027, 3, 11), &rooms[3..4]).await;
    hold(s, events[3], EventStatus::Cancelled, date(2027, 3, 11), &rooms[4..5]).await;
    hold(s, events[4], EventStatus::Option, date(2027, 3, 11), &rooms[5..6]).await;
    hold(s, events[5], EventStatus::Confirmed, date(2027, 3, 13), &rooms[6..7]).await;
    hold(s, events[6], EventStatus::Option, date(2027, 3, 9), &rooms[7..9]).await;
    // Another team's booking that day is not this venue's.
    let other = b.other_team().await;
    let (theirs, _) = booking_of(&*other, "someone@else.ch").await;
    hold(&*other, theirs, EventStatus::Confirmed, date(2027, 3, 11), &[RoomId::new()]).await;

    let booked: BTreeSet<(NaiveDate, RoomId)> =
        s.booked_rooms(date(2027, 3, 10), date(2027, 3, 12), events[4]).await.unwrap().into_iter().collect();
    let expected: BTreeSet<_> =
        [(date(2027, 3, 10), rooms[0]), (date(2027, 3, 10), rooms[1]), (date(2027, 3, 12), rooms[2])].into();
    assert_eq!(booked, expected, "both ends inclusive; lead, cancelled, the asking event and other days left out");

    let one_day = s.booked_rooms(date(2027, 3, 11), date(2027, 3, 11), events[0]).await.unwrap();
    assert_eq!(one_day, [(date(2027, 3, 11), rooms[5])], "the option of another booking holds its room");
    assert!(s.booked_rooms(date(2027, 3, 14), date(2027, 3, 20), events[0]).await.unwrap().is_empty());
}

pub(super) async fn paid_deposits_of_open_bookings_are_found(b: Backend) {
    assert!(b.store.paid_unconfirmed().await.unwrap().is_empty());
    let s = &*b.store;
    let mut events = Vec::new();
    for i in 0..6 {
        events.push(booking_of(s, &format!("client{i}@example.ch")).await.0);
    }
    let create = |event: EventId, number: &str| {
        let offer = new_offer(number, None);
        let id = offer.id;
        async move {
            s.apply(&offer_plan(event, vec![OfferWrite::Create(offer)])).await.unwrap();
            id
        }
    };
    let pay = |number: &str| {
        format!("update offers set deposit_paid_at = '2027-03-02T10:00:00.000Z' where offer_number = '{number}'")
    };
    // 0: option, current offer paid -> found.
    patch_event(s, events[0], EventPatch { status: Some(EventStatus::Option), ..EventPatch::default() }).await;
    create(events[0], "OE-2027-03-0101").await;
    b.db.exec(&pay("OE-2027-03-0101")).await;
    // 1: confirmed already -> not.
    patch_event(s, events[1], EventPatch { status: Some(EventStatus::Confirmed), ..EventPatch::default() }).await;
    create(events[1], "OE-2027-03-0102").await;
    b.db.exec(&pay("OE-2027-03-0102")).await;
    // 2: paid, then a revised offer not paid yet -> not.
    create(events[2], "OE-2027-03-0103").await;
    b.db.exec(&pay("OE-2027-03-0103")).await;
    create(events[2], "OE-2027-03-0104").await;
    // 3: the paid offer was cancelled -> not.
    let cancelled = create(events[3], "OE-2027-03-0105").await;
    b.db.exec(&pay("OE-2027-03-0105")).await;
    set_offer(s, events[3], cancelled, status_patch(OfferStatus::Cancelled)).await;
    // 4: lead with an unpaid offer -> not.
    create(events[4], "OE-2027-03-0106").await;
    // 5: lead, paid; a newer revision was cancelled -> the paid one is current: found.
    create(events[5], "OE-2027-03-0107").await;
    b.db.exec(&pay("OE-2027-03-0107")).await;
    let revision = create(events[5], "OE-2027-03-0108").await;
    set_offer(s, events[5], revision, status_patch(OfferStatus::Cancelled)).await;

    let found: BTreeSet<EventId> = s.paid_unconfirmed().await.unwrap().into_iter().collect();
    assert_eq!(found, [events[0], events[5]].into());
    let paid = s.booking(events[0]).await.unwrap().unwrap().offer.unwrap();
    assert_eq!(paid.deposit_paid_at, Some(Utc.with_ymd_and_hms(2027, 3, 2, 10, 0, 0).unwrap()));
    assert!(!paid.deposit_due());
    assert!(b.other_team().await.paid_unconfirmed().await.unwrap().is_empty(), "team-scoped");
}

pub(super) async fn the_catalogue_has_the_rooms_with_prices_and_the_products(b: Backend) {
    b.seed_catalogue().await;
    let c = b.store.catalogue().await.unwrap();
    assert_eq!(c.rooms.len(), 6);
    let names: Vec<&str> = c.rooms.iter().map(|r| r.pricing.name.as_str()).collect();
    assert_eq!(names, ["Room A", "Room B", "Room C", "Room D", "Room E", "Room F"]);
    let room_c = c.rooms.iter().find(|r| r.pricing.name == "Room C").unwrap();
    assert_eq!(
        (room_c.pricing.hourly_rappen, room_c.pricing.half_day_rappen, room_c.pricing.full_day_rappen),
        (Some(18_000), Some(65_000), Some(110_000))
    );
    assert_eq!(
        (room_c.pricing.vat_rate_bp, room_c.pricing.deposit_required, room_c.pricing.deposit_percent_bp),
        (Some(810), true, Some(3000))
    );
    assert_eq!((room_c.option.capacity, room_c.option.theater_capacity), (Some(80), Some(80)));
    assert!(room_c.option.amenities.iter().any(|a| a == "stage"));
    assert!(!c.rooms[0].pricing.deposit_required);
    // The seats per further layout survive the store (Room D has boardroom
    // and workshop figures only, so it is no dinner room).
    let room_d = c.rooms.iter().find(|r| r.pricing.name == "Room D").unwrap();
    assert_eq!(
        room_d.option.layout_capacities.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(),
        [("boardroom", 16), ("workshop", 22)]
    );

    assert_eq!(c.products.len(), CatalogFile::builtin().products.len());
    let apero = c.products.iter().find(|p| p.pricing.name == "Classic Apéro").unwrap();
    assert_eq!((apero.pricing.base_price_rappen, apero.pricing.vat_rate_bp), (1_800, Some(810)));
    if matches!(b.db, Db::Sqlite(_)) {
        assert!(apero.synonyms.iter().any(|s| s == "finger food"), "the embedded store keeps synonyms");
    }

    // An unavailable product is not offered.
    b.db.exec(&format!("update products set available = false where id = '{}'", apero.pricing.id)).await;
    let c = b.store.catalogue().await.unwrap();
    assert!(c.product(apero.pricing.id).is_none());
    assert_eq!(c.products.len(), CatalogFile::builtin().products.len() - 1);
    if matches!(b.db, Db::Postgres(_)) {
        // Another team of the project has its own venue (the embedded
        // store holds one venue per data dir).
        assert!(b.other_team().await.catalogue().await.unwrap().rooms.is_empty());
    }
}

/// Two turns read the booking at once: the first write wins, the second is
/// refused whole as transient (planned again on fresh state), nothing of it
/// written.
pub(super) async fn a_turn_that_read_an_older_booking_is_refused_whole(b: Backend) {
    let (event, _) = booking_of(&*b.store, "anna@keller.ch").await;
    let turn = |n: u64, step: i32, title: &str| {
        let (_, intake) = intake_plan("anna@keller.ch");
        Plan {
            event: Some(EventWrite::Update {
                id: event,
                patch: EventPatch {
                    current_step: Some(step),
                    workflow_state: Some(WorkflowState { turn: n + 1, ..WorkflowState::default() }),
                    ..EventPatch::default()
                },
                expected_turn: Some(n),
            }),
            tasks: vec![TaskWrite { title: title.into(), ..intake.tasks[0].clone() }],
            ..Plan::default()
        }
    };
    b.store.apply(&turn(0, 3, "first")).await.unwrap();
    let late = b.store.apply(&turn(0, 5, "late")).await.unwrap_err();
    assert!(late.is_transient(), "{late:?}");
    let booking = b.store.booking(event).await.unwrap().unwrap();
    assert_eq!((booking.event.current_step, booking.event.workflow_state.turn), (3, 1));
    let titles: Vec<String> = b.store.tasks(None).await.unwrap().into_iter().map(|t| t.title).collect();
    assert!(titles.contains(&"first".to_string()) && !titles.contains(&"late".to_string()), "{titles:?}");
    // Planned again on what the first wrote, it applies.
    b.store.apply(&turn(1, 5, "again")).await.unwrap();
    assert_eq!(b.store.booking(event).await.unwrap().unwrap().event.current_step, 5);
}
