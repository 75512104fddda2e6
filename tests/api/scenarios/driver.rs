//! Plays a scenario one fixture at a time and reads back where the booking
//! stands, on either store.

use std::path::PathBuf;

use oe_webhooks::cli::fixture::{Fixture, Target};
use oe_webhooks::config::dev;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{run_cli, spawn_app, TestApp};
use crate::postgrest::SupabaseHarness;
use crate::supabase::{harness, minimal_harness, seed_catalogue, spawn_supabase, Tenant};

/// Where the most recently changed booking stands.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub step: i64,
    pub status: String,
    pub date_confirmed: bool,
    pub event_date: String,
    pub attendees: Option<i64>,
    pub room: Option<String>,
    pub client_status: String,
    /// All events of the team.
    pub events: usize,
    /// The offers of this booking, oldest first: (number, status, total CHF).
    pub offers: Vec<(String, String, String)>,
    /// The newest pending task's payload, if any.
    pub pending: Option<Value>,
    /// Pending tasks of the whole team.
    pub pending_count: usize,
    /// Mails sent to clients so far.
    pub sent: usize,
}

impl State {
    pub fn action(&self) -> Option<&str> {
        self.pending.as_ref()?.get("action")?.as_str()
    }

    pub fn draft(&self) -> &str {
        self.pending.as_ref().and_then(|p| p.get("draft_message")?.as_str()).unwrap_or_default()
    }

    pub fn context(&self, key: &str) -> Value {
        self.pending.as_ref().and_then(|p| p.get(key).cloned()).unwrap_or(Value::Null)
    }

    /// The draft states every fact, and none of the forbidden ones.
    #[track_caller]
    pub fn says(&self, facts: &[&str]) {
        for f in facts {
            assert!(self.draft().contains(f), "the draft should say {f:?}:\n{}", self.draft());
        }
    }

    #[track_caller]
    pub fn never_says(&self, facts: &[&str]) {
        for f in facts {
            assert!(!self.draft().contains(f), "the draft must not say {f:?}:\n{}", self.draft());
        }
    }
}

enum Backend {
    Embedded(TestApp),
    Supabase { app: TestApp, db: Box<SupabaseHarness>, team: Uuid },
}

pub struct Scenario {
    backend: Backend,
    files: Vec<PathBuf>,
    next: usize,
}

impl Scenario {
    fn files(name: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(format!("fixtures/scenarios/{name}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            // Fixtures are `<name>.<provider>.<ext>`: not the README.md or expect.json.
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.split('.').count() >= 3))
            .collect();
        files.sort();
        files
    }

    pub async fn embedded(name: &str) -> Self {
        Self { backend: Backend::Embedded(spawn_app().await), files: Self::files(name), next: 0 }
    }

    pub async fn supabase(name: &str) -> Self {
        Self::supabase_on(name, harness().await).await
    }

    /// On a frontend schema with only the columns the frontend contract requires.
    pub async fn supabase_minimal(name: &str) -> Self {
        Self::supabase_on(name, minimal_harness().await).await
    }

    async fn supabase_on(name: &str, db: SupabaseHarness) -> Self {
        let tenant = Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() };
        seed_catalogue(&db, tenant.team, tenant.user).await;
        let basic = vec![
            ("OE_POSTMARK_INBOUND_USER", dev::POSTMARK_USER.to_string()),
            ("OE_POSTMARK_INBOUND_PASSWORD", dev::POSTMARK_PASSWORD.to_string()),
        ];
        let app = spawn_supabase(&db, &tenant, basic).await;
        crate::supabase::route_webhooks_to(&db, app.port()).await;
        Self {
            backend: Backend::Supabase { app, db: Box::new(db), team: tenant.team },
            files: Self::files(name),
            next: 0,
        }
    }

    /// The mails the service wrote to its outbox (embedded, no SMTP), oldest first.
    pub fn outbox(&self) -> Vec<Vec<u8>> {
        let Backend::Embedded(app) = &self.backend else { return Vec::new() };
        let mut files: Vec<_> = std::fs::read_dir(app.dir.path().join("outbox"))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
    }

    /// Plays the next fixture and waits until it is processed; returns the
    /// replay's line (embedded) or the HTTP status (Supabase).
    pub async fn play(&mut self) -> String {
        let file = self.files.get(self.next).cloned().expect("no fixture left");
        self.next += 1;
        match &self.backend {
            Backend::Embedded(app) => {
                let (ok, out) = run_cli(
                    &["replay", file.to_str().unwrap(), "--to", &app.address],
                    &[("OE_DATA_DIR", app.dir.path().display().to_string())],
                );
                assert!(ok, "{out}");
                assert!(out.contains("-> done") || out.contains("duplicate"), "{out}");
                app.wait_idle().await;
                out
            }
            Backend::Supabase { app, db, team } => {
                let fixture = Fixture::load(&file).unwrap();
                let body = String::from_utf8(fixture.body.clone()).unwrap();
                if fixture.target == Target::Supabase {
                    manager_acts(db, *team, &body).await;
                    let deliveries = db.deliver_pg_net_requests().await.unwrap();
                    assert_eq!(deliveries.len(), 1, "{}: one webhook", fixture.name);
                    assert_eq!(deliveries[0].status, Some(202), "{}", deliveries[0].response_body);
                } else {
                    let req = fixture.sign(&app.config).unwrap();
                    let mut post = app.client.post(format!("{}{}", app.address, req.path)).body(req.body);
                    for (k, v) in req.headers {
                        post = post.header(k, v);
                    }
                    let status = post.send().await.unwrap().status();
                    assert!(status.is_success(), "{}: {status}", fixture.name);
                }
                assert_eq!(app.wait_idle().await.dead, 0, "{}", fixture.name);
                fixture.name
            }
        }
    }

    pub async fn state(&self) -> State {
        match &self.backend {
            Backend::Embedded(app) => embedded_state(app),
            Backend::Supabase { db, team, .. } => supabase_state(db, *team).await,
        }
    }

    pub fn embedded_app(&self) -> &TestApp {
        match &self.backend {
            Backend::Embedded(app) => app,
            Backend::Supabase { app, .. } => app,
        }
    }
}

/// What the manager does in the frontend, as real UPDATEs: decide the newest
/// pending task of the fixture's action, or mark the deposit paid.
async fn manager_acts(db: &SupabaseHarness, team: Uuid, fixture: &str) {
    let change: Value = serde_json::from_str(fixture).unwrap();
    let record = &change["record"];
    let sql = if change["table"] == "offers" {
        format!(
            "update offers set deposit_paid_at = '{}', payment_status = 'paid' where id = (select id from offers
             where team_id = '{team}' and status <> 'cancelled' order by created_at desc limit 1)",
            record["deposit_paid_at"].as_str().unwrap()
        )
    } else {
        let action = record["id"].as_str().unwrap().trim_start_matches("{{task:").trim_end_matches("}}").to_string();
        format!(
            "update tasks set status = 'completed', payload = payload || '{}'::jsonb where id = (select id from tasks
             where team_id = '{team}' and status = 'pending' and payload->>'action' = '{action}'
             order by created_at desc limit 1)",
            record["payload"].to_string().replace('\'', "''")
        )
    };
    db.psql(&sql).await.unwrap();
}

fn embedded_state(app: &TestApp) -> State {
    let one = |sql: &str| app.query(sql).into_iter().next().unwrap_or(Value::Null);
    let event = one(
        "SELECT e.id, e.current_step, e.status, e.date_confirmed, e.event_date, e.attendees, c.status AS client_status,
                (SELECT name FROM rooms r WHERE r.id = json_extract(e.room_ids, '$[0]')) AS room
           FROM events e JOIN clients c ON c.id = e.client_id ORDER BY e.updated_at DESC, e.rowid DESC LIMIT 1",
    );
    let id = event["id"].as_str().unwrap_or_default();
    let offers = app
        .query(&format!(
            "SELECT offer_number, status, printf('%.2f', total_amount) AS total FROM offers WHERE event_id = '{id}'
             ORDER BY created_at, rowid"
        ))
        .into_iter()
        .map(|o| (text(&o["offer_number"]), text(&o["status"]), text(&o["total"])))
        .collect();
    let pending =
        one("SELECT payload FROM tasks WHERE status = 'pending' ORDER BY created_at DESC, rowid DESC LIMIT 1");
    State {
        step: event["current_step"].as_i64().unwrap_or(0),
        status: text(&event["status"]),
        date_confirmed: event["date_confirmed"].as_i64() == Some(1),
        event_date: text(&event["event_date"]),
        attendees: event["attendees"].as_i64(),
        room: event["room"].as_str().map(str::to_string),
        client_status: text(&event["client_status"]),
        events: app.query("SELECT id FROM events").len(),
        offers,
        pending: pending.get("payload").cloned(),
        pending_count: app.query("SELECT id FROM tasks WHERE status = 'pending'").len(),
        sent: app.query("SELECT id FROM emails WHERE is_sent = 1").len(),
    }
}

async fn supabase_state(db: &SupabaseHarness, team: Uuid) -> State {
    let json = |sql: String| async move {
        let out = db.psql(&format!("select coalesce(({sql})::text, 'null')")).await.unwrap();
        serde_json::from_str::<Value>(&out).unwrap_or(Value::Null)
    };
    let event = json(format!(
        "select to_jsonb(x) from (select e.id, e.current_step, e.status, e.date_confirmed, e.event_date::text,
                e.attendees, c.status as client_status, (select name from rooms r where r.id = e.room_ids[1]) as room
           from events e join clients c on c.id = e.client_id where e.team_id = '{team}'
          order by e.updated_at desc limit 1) x"
    ))
    .await;
    let id = event["id"].as_str().unwrap_or_default().to_string();
    let offers = json(format!(
        "select coalesce(jsonb_agg(jsonb_build_array(offer_number, status, to_char(total_amount, 'FM999999990.00'))
                 order by created_at), '[]') from offers where event_id = '{id}'"
    ))
    .await;
    let pending = json(format!(
        "select payload from tasks where team_id = '{team}' and status = 'pending' order by created_at desc limit 1"
    ))
    .await;
    let count = |sql: String| async move { db.psql(&sql).await.unwrap().trim().parse::<usize>().unwrap() };
    State {
        step: event["current_step"].as_i64().unwrap_or(0),
        status: text(&event["status"]),
        date_confirmed: event["date_confirmed"].as_bool() == Some(true),
        event_date: text(&event["event_date"]),
        attendees: event["attendees"].as_i64(),
        room: event["room"].as_str().map(str::to_string),
        client_status: text(&event["client_status"]),
        events: count(format!("select count(*) from events where team_id = '{team}'")).await,
        offers: offers
            .as_array()
            .map(|a| a.iter().map(|o| (text(&o[0]), text(&o[1]), text(&o[2]))).collect())
            .unwrap_or_default(),
        pending: Some(pending).filter(|p| !p.is_null()),
        pending_count: count(format!("select count(*) from tasks where team_id = '{team}' and status = 'pending'"))
            .await,
        sent: count(format!("select count(*) from emails where team_id = '{team}' and is_sent")).await,
    }
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}
