//! The plan is applied twice over: in Rust for SQLite
//! (`src/store/embedded/apply*.rs`) and in PL/pgSQL for Supabase
//! (`src/store/supabase/sql/30_apply.sql`). These tests fail when the two
//! drift apart: fully populated plans applied on both stores give the same
//! rows, and every key the Rust side serialises for a plan is read by the
//! SQL.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use oe_webhooks::config::SupabaseConfig;
use oe_webhooks::domain::{
    ClientId, EmailAddress, EventId, EventStatus, OfferId, OfferStatus, ProductId, RoomId, TaskAction, TaskCategory,
    TaskContext, TaskId, TaskKind, TaskPayload, TaskPriority, TeamId, UserId, WorkflowState,
};
use oe_webhooks::store::embedded::EmbeddedStore;
use oe_webhooks::store::supabase::SupabaseStore;
use oe_webhooks::store::{CatalogFile, Store};
use oe_webhooks::workflow::offer::{Deposit, LineItem, LineUnit};
use oe_webhooks::workflow::{
    Applied, ClientPatch, ClientWrite, EmailWrite, EventPatch, EventWrite, NewClient, NewEvent, NewOffer, OfferPatch,
    OfferWrite, Plan, TaskUpdate, TaskWrite,
};
use serde_json::{json, Value};

use crate::helpers::query_dir;

/// The PL/pgSQL that applies a plan.
const APPLY_SQL: &str = "src/store/supabase/sql/30_apply.sql";

/// The tables a plan writes, each with the column that tells its rows apart
/// (store-made ids differ between the stores and are mapped through it).
const TABLES: &[(&str, &str)] = &[
    ("clients", "email"),
    ("events", "title"),
    ("offers", "offer_number"),
    ("offer_line_items", "name"),
    ("tasks", "title"),
    ("emails", "message_id"),
];

/// Set by the database's clock, not by the plan.
const CLOCK_COLUMNS: &[&str] = &["created_at", "updated_at", "completed_at"];

/// Serialised keys no store writes, on purpose: a line's VAT rate and unit
/// serve the drafts (the frontend's line items have no such columns).
const NOT_STORED: &[&str] = &["vat_rate_bp", "unit"];

/// Values stored whole as jsonb/JSON text: their keys are the payload's,
/// not columns.
const STORED_WHOLE: &[&str] = &["payload", "workflow_state", "unit"];

fn at(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
}

fn instant(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, d, h, 0, 0).unwrap()
}

fn catalogue_product() -> ProductId {
    let catalog = CatalogFile::builtin();
    catalog.products[0]["id"].as_str().unwrap().parse().unwrap()
}

fn catalogue_room() -> RoomId {
    let catalog = CatalogFile::builtin();
    catalog.rooms[0]["id"].as_str().unwrap().parse().unwrap()
}

fn state(turn: u64) -> WorkflowState {
    WorkflowState { turn, date_requested: true, proposed_dates: vec![day(14), day(21)], ..WorkflowState::default() }
}

fn mail(message_id: &str, is_sent: bool, in_reply_to: Option<&str>, hour: u32) -> EmailWrite {
    EmailWrite {
        from_email: if is_sent { "events@atelier-zurich.ch" } else { "anna@keller.ch" }.into(),
        to_email: if is_sent { "anna@keller.ch" } else { "events@atelier-zurich.ch" }.into(),
        subject: format!("Workshop ({message_id})"),
        body_text: "Hello".into(),
        body_html: Some("<p>Hello</p>".into()),
        is_sent,
        received_at: instant(1, hour),
        message_id: message_id.into(),
        in_reply_to: in_reply_to.map(str::to_string),
        thread_id: "first@keller.ch".into(),
    }
}

fn task(title: &str, payload: TaskPayload) -> TaskWrite {
    TaskWrite {
        title: title.into(),
        description: Some(format!("{title}, described")),
        category: TaskCategory::Email,
        priority: TaskPriority::High,
        client_name: Some("Anna Keller".into()),
        payload,
    }
}

fn draft(text: &str) -> TaskPayload {
    TaskPayload::draft(
        TaskAction::ApproveMessage,
        text.into(),
        "Your request".into(),
        "anna@keller.ch".into(),
        TaskContext::of(TaskKind::Intake { missing: vec!["attendees".into()], attachments: Vec::new() }),
    )
}

/// A new client with billing details, a new event with every column, an
/// inbound mail, and three tasks: a draft, a manual review and an aside.
fn first_plan(team: TeamId) -> Plan {
    let aside = TaskPayload { aside: true, ..draft("Site visit slots") };
    Plan {
        team: Some(team),
        client: Some(ClientWrite::Ensure(NewClient {
            email: EmailAddress::parse("Anna@Keller.ch").unwrap(),
            name: "Anna Keller".into(),
            company: Some("Keller Consulting".into()),
        })),
        client_update: ClientPatch {
            status: None,
            company: None,
            billing_address: Some("Bahnhofstrasse 1".into()),
            billing_postal_code: Some("8001".into()),
            billing_city: Some("Zürich".into()),
            billing_country: Some("CH".into()),
        },
        event: Some(EventWrite::Create(NewEvent {
            title: "Workshop".into(),
            event_date: day(14),
            start_time: at(9, 0),
            end_time: at(17, 0),
            attendees: Some(24),
            status: EventStatus::Lead,
            current_step: 2,
            date_confirmed: false,
            seating_layout: Some("u_shape".into()),
            preferred_room: Some("Room B".into()),
            description: Some("A team workshop".into()),
            workflow_state: state(1),
        })),
        offers: vec![],
        emails: vec![mail("first@keller.ch", false, None, 8)],
        tasks: vec![
            task("Draft one", draft("First draft")),
            task(
                "Manual review",
                TaskPayload::manual_review(Some("anna@keller.ch".into()), TaskContext::review("unclear")),
            ),
            task("Aside", aside),
        ],
        task_updates: vec![],
    }
}

/// Every event patch field, a client status change, an offer with its
/// lines and a deposit, an outbound mail, a newer draft (which supersedes
/// the first) and a task mark.
fn second_plan(team: TeamId, first: &Applied, offer: OfferId) -> Plan {
    Plan {
        team: Some(team),
        client: None,
        client_update: ClientPatch {
            status: Some("active".into()),
            company: Some("Keller Consulting AG".into()),
            ..ClientPatch::default()
        },
        event: Some(EventWrite::Update {
            id: first.event_id.unwrap(),
            patch: EventPatch {
                status: Some(EventStatus::Option),
                current_step: Some(4),
                date_confirmed: Some(true),
                caller_step: Some(Some(3)),
                event_date: Some(day(21)),
                start_time: Some(at(10, 0)),
                end_time: Some(at(18, 30)),
                attendees: Some(30),
                seating_layout: Some("boardroom".into()),
                preferred_room: Some("Room C".into()),
                room_ids: Some(vec![catalogue_room()]),
                requirements_hash: Some("req-1".into()),
                room_eval_hash: Some("room-1".into()),
                offer_hash: Some("offer-1".into()),
                workflow_state: Some(state(2)),
            },
            expected_turn: Some(1),
        }),
        offers: vec![OfferWrite::Create(NewOffer {
            id: offer,
            offer_number: "OE-2027-03-0001".into(),
            subject: "Offer for your workshop".into(),
            offer_date: day(2),
            valid_until: day(16),
            subtotal_rappen: 250_050,
            vat_rappen: 20_254,
            total_rappen: 270_304,
            deposit: Some(Deposit { percentage_bp: 3000, amount_rappen: 81_091, deadline_days: 10 }),
            items: vec![
                LineItem {
                    name: "Room C".into(),
                    description: Some("Full day".into()),
                    quantity: 1,
                    unit_price_rappen: 180_000,
                    total_rappen: 180_000,
                    vat_rate_bp: 810,
                    product_id: None,
                    unit: LineUnit::FullDay,
                },
                LineItem {
                    name: "Coffee break".into(),
                    description: None,
                    quantity: 30,
                    unit_price_rappen: 2_335,
                    total_rappen: 70_050,
                    vat_rate_bp: 810,
                    product_id: Some(catalogue_product()),
                    unit: LineUnit::Person,
                },
            ],
        })],
        emails: vec![mail("second@atelier-zurich.ch", true, Some("first@keller.ch"), 9)],
        tasks: vec![task("Draft two", draft("Second draft"))],
        task_updates: vec![TaskUpdate { id: first.task_ids[1], send_state: oe_webhooks::domain::SendState::Handled }],
    }
}

/// The offer's every patch field, the booking confirmed (no turn
/// expected), the client named by id, another inbound mail, the newer
/// draft marked sent.
fn third_plan(team: TeamId, first: &Applied, second: &Applied, offer: OfferId) -> Plan {
    Plan {
        team: Some(team),
        client: Some(ClientWrite::Existing { id: first.client_id.unwrap() }),
        client_update: ClientPatch { status: Some("confirmed".into()), ..ClientPatch::default() },
        event: Some(EventWrite::Update {
            id: first.event_id.unwrap(),
            patch: EventPatch {
                status: Some(EventStatus::Confirmed),
                caller_step: Some(None),
                room_ids: Some(vec![]),
                ..EventPatch::default()
            },
            expected_turn: None,
        }),
        offers: vec![OfferWrite::Update {
            id: offer,
            patch: OfferPatch {
                status: Some(OfferStatus::Confirmed),
                confirmed_at: Some(instant(5, 12)),
                payment_status: Some("paid".into()),
                deposit_paid_at: Some(instant(4, 15)),
            },
        }],
        emails: vec![mail("third@keller.ch", false, Some("second@atelier-zurich.ch"), 10)],
        tasks: vec![],
        task_updates: vec![TaskUpdate { id: second.task_ids[0], send_state: oe_webhooks::domain::SendState::Sent }],
    }
}

/// Applies the three plans in order on one store.
async fn apply_all(store: &dyn Store, team: TeamId) -> Vec<Plan> {
    let offer = OfferId(uuid::Uuid::from_u128(0x0e0e));
    let first_p = first_plan(team);
    let first = store.apply(&first_p).await.expect("the first plan applies");
    let second_p = second_plan(team, &first, offer);
    let second = store.apply(&second_p).await.expect("the second plan applies");
    let third_p = third_plan(team, &first, &second, offer);
    store.apply(&third_p).await.expect("the third plan applies");
    vec![first_p, second_p, third_p]
}

type Rows = BTreeMap<String, BTreeMap<String, Value>>;

/// Every table's rows by their telling column, with store-made ids
/// replaced by `table:key` and values normalised (numbers as floats,
/// booleans as 0/1, timestamps in UTC), clock columns left out.
fn normalise(tables: Vec<(&str, &str, Vec<Value>)>) -> BTreeMap<String, Rows> {
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (table, key, rows) in &tables {
        for row in rows {
            if let (Some(id), Some(k)) = (row["id"].as_str(), row[*key].as_str()) {
                ids.insert(id.to_string(), format!("{table}:{k}"));
            }
        }
    }
    fn value(v: &Value, ids: &BTreeMap<String, String>) -> Value {
        match v {
            Value::Bool(b) => json!(u8::from(*b) as f64),
            Value::Number(n) => json!(n.as_f64()),
            Value::String(s) => match (ids.get(s), DateTime::parse_from_rfc3339(s)) {
                (Some(label), _) => json!(label),
                (None, Ok(t)) => json!(t.with_timezone(&Utc).to_rfc3339()),
                _ => v.clone(),
            },
            Value::Array(a) => Value::Array(a.iter().map(|x| value(x, ids)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), value(x, ids))).collect()),
            Value::Null => Value::Null,
        }
    }
    tables
        .into_iter()
        .map(|(table, key, rows)| {
            let rows = rows
                .iter()
                .map(|row| {
                    let columns = row
                        .as_object()
                        .unwrap()
                        .iter()
                        .filter(|(c, _)| !CLOCK_COLUMNS.contains(&c.as_str()))
                        .map(|(c, v)| (c.clone(), value(v, &ids)))
                        .collect();
                    (row[key].as_str().unwrap_or_default().to_string(), columns)
                })
                .collect();
            (table.to_string(), rows)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fully_populated_plan_gives_the_same_rows_on_both_stores() {
    let (team, user) = (TeamId::new(), UserId::new());

    let dir = tempfile::TempDir::new().unwrap();
    let sqlite = EmbeddedStore::open(dir.path(), team, user).await.unwrap();
    apply_all(&sqlite, team).await;
    let sqlite_rows =
        normalise(TABLES.iter().map(|(t, k)| (*t, *k, query_dir(dir.path(), &format!("SELECT * FROM {t}")))).collect());

    let h = crate::supabase::harness().await;
    crate::supabase::seed_catalogue(&h, team.0, user.0).await;
    let config = SupabaseConfig { url: h.base_url.clone(), key: h.service_key.clone().into() };
    let postgres = SupabaseStore::new(&config, team, user).unwrap();
    apply_all(&postgres, team).await;
    let mut pg_tables = Vec::new();
    for (t, k) in TABLES {
        let out = h.psql(&format!("select coalesce(json_agg(t), '[]') from public.{t} t")).await.unwrap();
        pg_tables.push((*t, *k, serde_json::from_str::<Vec<Value>>(&out).unwrap()));
    }
    let pg_rows = normalise(pg_tables);

    let mut drift = Vec::new();
    for (table, _) in TABLES {
        let (lite, pg) = (&sqlite_rows[*table], &pg_rows[*table]);
        let keys: BTreeSet<&String> = lite.keys().chain(pg.keys()).collect();
        for key in keys {
            let (Some(a), Some(b)) = (lite.get(key), pg.get(key)) else {
                drift.push(format!(
                    "{table} {key}: in SQLite {}, in Postgres {}",
                    lite.contains_key(key),
                    pg.contains_key(key)
                ));
                continue;
            };
            for (column, x) in a {
                if let Some(y) = b.get(column) {
                    if x != y {
                        drift.push(format!("{table} {key} .{column}: SQLite {x} | Postgres {y}"));
                    }
                }
            }
        }
        assert!(!lite.is_empty(), "{table}: the plans wrote rows");
    }
    assert!(drift.is_empty(), "the stores applied the plans differently:\n{}", drift.join("\n"));
    // The comparison saw what matters: the patched event, the superseded draft.
    let event = &pg_rows["events"]["Workshop"];
    assert_eq!((event["status"].as_str(), event["caller_step"].is_null()), (Some("confirmed"), true));
    assert_eq!(pg_rows["tasks"]["Draft one"]["payload"]["send_state"], "superseded");
}

/// Every key of `v`, at any depth, except inside values stored whole.
fn keys(v: &Value, into: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                into.insert(k.clone());
                if !STORED_WHOLE.contains(&k.as_str()) {
                    keys(x, into);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, into)),
        _ => {}
    }
}

#[test]
fn every_key_a_plan_serialises_is_read_by_the_sql() {
    let team = TeamId::new();
    let first = Applied {
        client_id: Some(ClientId::new()),
        event_id: Some(EventId::new()),
        task_ids: vec![TaskId::new(), TaskId::new(), TaskId::new()],
        duplicate: false,
    };
    let second = Applied { task_ids: vec![TaskId::new()], ..first.clone() };
    let offer = OfferId(uuid::Uuid::new_v4());
    let plans = [first_plan(team), second_plan(team, &first, offer), third_plan(team, &first, &second, offer)];
    let mut serialised = BTreeSet::new();
    for plan in &plans {
        keys(&serde_json::to_value(plan).unwrap(), &mut serialised);
    }
    assert!(serialised.len() > 60, "the plans are fully populated: {serialised:?}");

    let sql = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(APPLY_SQL)).unwrap();
    let unread: Vec<&String> =
        serialised.iter().filter(|k| !NOT_STORED.contains(&k.as_str()) && !sql.contains(&format!("'{k}'"))).collect();
    assert!(unread.is_empty(), "keys of a serialised Plan that {APPLY_SQL} never reads: {unread:?}");
}
