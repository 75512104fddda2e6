use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use oe_webhooks::config::{dev, Config};
use oe_webhooks::inbox::{Backoff, Inbox, InboxStats};
use oe_webhooks::signature::mailgun;
use oe_webhooks::signature::standard::SigningKey;
use oe_webhooks::startup::{Application, Options, Stopper};
use oe_webhooks::store::embedded::EmbeddedStore;
use serde_json::{json, Value};
use tempfile::TempDir;

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var("TEST_LOG").is_ok() {
        // Kept for the whole run (nothing to flush: no OTLP endpoint in tests).
        std::mem::forget(oe_webhooks::telemetry::init(oe_webhooks::config::LogFormat::Pretty));
    }
});

pub struct TestApp {
    pub address: String,
    pub dir: TempDir,
    pub config: Config,
    pub client: reqwest::Client,
    stopper: Stopper,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Settings for one test app; defaults are the embedded dev configuration.
pub struct Spawn {
    pub vars: Vec<(&'static str, String)>,
    pub run_worker: bool,
    pub dir: Option<TempDir>,
    pub backoff: Option<Backoff>,
}

impl Default for Spawn {
    fn default() -> Self {
        Self { vars: Vec::new(), run_worker: true, dir: None, backoff: None }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn(Spawn::default()).await
}

pub async fn spawn(s: Spawn) -> TestApp {
    LazyLock::force(&TRACING);
    let dir = s.dir.unwrap_or_else(|| TempDir::new().unwrap());
    let mut vars: HashMap<String, String> = HashMap::from([
        ("OE_DATA_DIR".into(), dir.path().display().to_string()),
        ("OE_BIND".into(), "127.0.0.1:0".into()),
        ("OE_LOG_FORMAT".into(), "pretty".into()),
    ]);
    vars.extend(s.vars.into_iter().map(|(k, v)| (k.to_string(), v)));
    let config = Config::from_vars(&vars).expect("test configuration");
    let mut options = Options { run_worker: s.run_worker, http_workers: 1, ..Options::default() };
    options.worker.idle_poll = Duration::from_millis(50);
    options.supervision_grace = Duration::from_millis(500);
    if let Some(b) = s.backoff {
        options.worker.backoff = b;
    }
    // The previous instance's lock on a reused data dir can outlive it by a
    // moment: a child process another test forks at that instant holds a
    // copy of the lock's descriptor until it execs (close-on-exec).
    let mut attempts = 0;
    let app = loop {
        match Application::build_with(config.clone(), options.clone()).await {
            Err(oe_webhooks::startup::StartError::Locked(_)) if attempts < 20 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            started => break started.expect("app starts"),
        }
    };
    let address = format!("http://127.0.0.1:{}", app.port());
    let stopper = app.stopper();
    let server = tokio::spawn(app.run_until_stopped());
    TestApp { address, dir, config, client: reqwest::Client::new(), stopper, server }
}

impl TestApp {
    /// Stops the service and returns its data directory (for a restart).
    pub async fn stop(self) -> TempDir {
        self.stopper.stop().await;
        let _ = self.server.await;
        self.dir
    }

    /// Kills the inbox worker as a crash would.
    pub fn kill_worker(&self) {
        self.stopper.background.kill_worker();
    }

    /// Waits (at most `limit`) for the service to end by itself; its result.
    pub async fn exit(self, limit: Duration) -> std::io::Result<()> {
        tokio::time::timeout(limit, self.server).await.expect("the service exits by itself").unwrap()
    }

    pub async fn store(&self) -> EmbeddedStore {
        {
            let (team, user) = self.config.embedded_tenant();
            EmbeddedStore::open(self.dir.path(), team, user).await.unwrap()
        }
    }

    pub async fn post(
        &self,
        path: &str,
        headers: &[(&str, String)],
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut req = self.client.post(format!("{}{path}", self.address)).body(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        req.send().await.expect("request sent")
    }

    /// Posts `body` to a Standard Webhooks endpoint, signed with `secret`.
    pub async fn post_standard(&self, path: &str, secret: &str, id: &str, body: &str) -> reqwest::Response {
        let headers = standard_headers(secret, id, chrono::Utc::now().timestamp(), body);
        self.post(path, &headers, body.to_string()).await
    }

    pub async fn post_generic(&self, mail: &Value) -> reqwest::Response {
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        self.post_standard("/webhooks/email/generic", dev::EMAIL_WEBHOOK_SECRET, &id, &mail.to_string()).await
    }

    pub async fn post_supabase(&self, change: &Value) -> reqwest::Response {
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        self.post_standard("/webhooks/supabase", dev::SUPABASE_WEBHOOK_SECRET, &id, &change.to_string()).await
    }

    /// Posts a Mailgun form, signing it with the dev key unless the fields
    /// already carry a signature.
    pub async fn post_mailgun(&self, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut fields: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if !fields.iter().any(|(k, _)| k == "signature") {
            let ts = chrono::Utc::now().timestamp().to_string();
            let token = uuid::Uuid::new_v4().simple().to_string();
            let sig = mailgun::sign(dev::MAILGUN_SIGNING_KEY.as_bytes(), &ts, &token);
            fields.extend([("timestamp".into(), ts), ("token".into(), token), ("signature".into(), sig)]);
        }
        let body = serde_urlencoded::to_string(&fields).unwrap();
        self.post("/webhooks/email/mailgun", &[("content-type", "application/x-www-form-urlencoded".into())], body)
            .await
    }

    pub async fn inbox_stats(&self) -> InboxStats {
        self.store().await.stats().await.unwrap()
    }

    pub fn port(&self) -> u16 {
        self.address.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Waits until nothing is pending or in flight in the inbox (read from
    /// `/readyz`, so it works for both stores).
    pub async fn wait_idle(&self) -> InboxStats {
        self.wait_idle_for(Duration::from_secs(15)).await
    }

    pub async fn wait_idle_for(&self, limit: Duration) -> InboxStats {
        let deadline = Instant::now() + limit;
        loop {
            let ready: Value =
                self.client.get(format!("{}/readyz", self.address)).send().await.unwrap().json().await.unwrap();
            let n = |k: &str| ready["inbox"][k].as_u64().unwrap_or(u64::MAX);
            let stats = InboxStats {
                pending: n("pending"),
                processing: n("processing"),
                done: n("done"),
                dead: n("dead"),
                discarded: n("discarded"),
            };
            if stats.pending == 0 && stats.processing == 0 {
                return stats;
            }
            assert!(Instant::now() < deadline, "inbox did not drain: {ready}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Runs a read-only SQL query on the embedded data file, one JSON object per row.
    pub fn query(&self, sql: &str) -> Vec<Value> {
        query_dir(self.dir.path(), sql)
    }
}

pub fn query_dir(dir: &Path, sql: &str) -> Vec<Value> {
    let conn = rusqlite_conn(dir);
    let mut stmt = conn.prepare(sql).unwrap();
    let names: Vec<String> = stmt.column_names().into_iter().map(str::to_string).collect();
    stmt.query_map([], |row| {
        let mut obj = serde_json::Map::new();
        for (i, n) in names.iter().enumerate() {
            let v: rusqlite::types::Value = row.get(i)?;
            obj.insert(
                n.clone(),
                match v {
                    rusqlite::types::Value::Null => Value::Null,
                    rusqlite::types::Value::Integer(i) => json!(i),
                    rusqlite::types::Value::Real(f) => json!(f),
                    rusqlite::types::Value::Text(t) => serde_json::from_str::<Value>(&t)
                        .ok()
                        .filter(|v| v.is_object() || v.is_array())
                        .unwrap_or(Value::String(t)),
                    rusqlite::types::Value::Blob(_) => Value::Null,
                },
            );
        }
        Ok(Value::Object(obj))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn rusqlite_conn(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(dir.join("openevent.sqlite3"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap()
}

pub fn standard_headers(secret: &str, id: &str, ts: i64, body: &str) -> Vec<(&'static str, String)> {
    let key = SigningKey::parse(secret).unwrap();
    vec![
        ("content-type", "application/json".into()),
        ("webhook-id", id.into()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", key.sign(id, ts, body.as_bytes())),
    ]
}

/// A realistic generic inbound mail with a fresh Message-ID.
pub fn inquiry(from: &str, text: &str) -> Value {
    json!({
        "message_id": format!("<{}@mail.example.ch>", uuid::Uuid::new_v4()),
        "from": {"email": from, "name": "Anna Keller"},
        "to": [{"email": "events@atelier-zurich.ch"}],
        "subject": "Workshop booking request",
        "text": text,
        "received_at": "2026-11-25T10:00:00Z",
    })
}

pub const WORKSHOP: &str =
    "Hello,\n\nwe would like to book a room for a team workshop on 14.03.2027 from 09:00 to 17:00 \
for 24 people, workshop seating (tables in groups).\n\nBest regards,\nAnna Keller\n";

/// Runs the `oe-webhooks` binary with only `env` for configuration (no
/// inherited `OE_*`); returns success and stdout followed by stderr.
pub fn run_cli(args: &[&str], env: &[(&str, String)]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oe-webhooks"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("the binary runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// The `tasks` UPDATE Supabase sends when the manager approves `task` (a
/// row as `TestApp::query` returns it) in the frontend.
pub fn approval(task: &Value) -> Value {
    let mut record = task.clone();
    record["status"] = json!("completed");
    record["payload"]["resolution"] = json!("approved");
    json!({"type": "UPDATE", "table": "tasks", "schema": "public", "record": record, "old_record": task})
}

impl TestApp {
    /// The manager approves whatever drafts wait (not manual reviews),
    /// newest first, as the frontend's UPDATE of each task (at most six).
    pub async fn approve_all(&self) {
        for _ in 0..6 {
            let pending = self.query(
                "SELECT * FROM tasks WHERE status = 'pending' AND json_extract(payload, '$.action') <> 'manual_review'
                 ORDER BY created_at DESC LIMIT 1",
            );
            let Some(task) = pending.into_iter().next() else { return };
            assert_eq!(self.post_supabase(&approval(&task)).await.status(), 202);
            self.wait_idle().await;
        }
    }
}

/// A port nobody answers on, for as long as this value lives: bound but
/// not listening, so connections to it are refused and no other test's
/// server is given it (a port merely freed can be, and would answer).
pub struct RefusedPort(tokio::net::TcpSocket);

impl RefusedPort {
    pub fn bind() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket.bind("127.0.0.1:0".parse().unwrap()).expect("bind 127.0.0.1:0");
        Self(socket)
    }

    pub fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }
}
