//! Supabase-mode throughput: N signed inquiries (distinct senders) posted
//! to the service, timed until the last is processed through PostgREST 12
//! (batched RPCs: contexts, then `oe_apply_plans`), on top of a history of
//! BENCH_HISTORY (2,000) processed inquiries. Needs Postgres and PostgREST
//! like the tests (`bash .ci/install-postgrest.sh`). BENCH_PGSTATS=1 prints
//! where the database's time went.
//!   cargo bench --bench supabase_inquiries [-- N]

#[path = "../tests/support/postgrest.rs"]
mod postgrest;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use oe_webhooks::config::{dev, Config};
use oe_webhooks::signature::standard::SigningKey;
use oe_webhooks::startup::{Application, Options};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(4000);
    // A pool like a small Supabase project's, and no per-request log lines.
    for (k, v) in [("OE_TEST_PGRST_POOL", "20"), ("OE_TEST_PGRST_LOG_LEVEL", "error")] {
        if std::env::var_os(k).is_none() {
            std::env::set_var(k, v);
        }
    }
    let h = postgrest::SupabaseHarness::start(&[Path::new("webhooks/supabase/install.sql")]).await?;
    if std::env::var("BENCH_PGSTATS").is_ok() {
        h.psql(&format!("alter database \"{}\" set track_functions = 'all'", h.db_name)).await?;
    }
    let dir = tempfile::TempDir::new()?;
    let vars: HashMap<String, String> = [
        ("OE_INTEGRATION_MODE", "supabase".to_string()),
        ("OE_SUPABASE_URL", h.base_url.clone()),
        ("OE_SUPABASE_KEY", h.service_key.clone()),
        ("OE_TEAM_ID", uuid::Uuid::new_v4().to_string()),
        ("OE_SYSTEM_USER_ID", uuid::Uuid::new_v4().to_string()),
        ("OE_FROM_EMAIL", dev::FROM_EMAIL.to_string()),
        ("OE_SUPABASE_WEBHOOK_SECRET", dev::SUPABASE_WEBHOOK_SECRET.to_string()),
        ("OE_EMAIL_WEBHOOK_SECRET", dev::EMAIL_WEBHOOK_SECRET.to_string()),
        ("OE_DATA_DIR", dir.path().display().to_string()),
        ("OE_BIND", "127.0.0.1:0".to_string()),
        ("OE_LOG_FORMAT", "json".to_string()),
    ]
    .into_iter()
    // OE_WORKERS from the environment, else the service's default.
    .chain(std::env::var("OE_WORKERS").ok().map(|w| ("OE_WORKERS", w)))
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let config = Config::from_vars(&vars).map_err(|e| anyhow::anyhow!("{e}"))?;
    let app = Application::build_with(config, Options::default()).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let stopper = app.stopper();
    tokio::spawn(app.run_until_stopped());

    let key = SigningKey::parse(dev::EMAIL_WEBHOOK_SECRET)?;
    let http = reqwest::Client::new();
    for (label, url) in [
        ("gateway", format!("{}/rest/v1/rpc/oe_inbox_stats", h.base_url)),
        ("postgrest", format!("{}/rpc/oe_inbox_stats", h.postgrest_url)),
    ] {
        let t = Instant::now();
        for _ in 0..200 {
            http.post(&url)
                .header("apikey", &h.service_key)
                .bearer_auth(&h.service_key)
                .json(&json!({}))
                .send()
                .await?
                .bytes()
                .await?;
        }
        println!("{label}: {:.2} ms per RPC (sequential)", t.elapsed().as_secs_f64() * 1000.0 / 200.0);
    }
    let client = Client { http, base, key };
    // History first, then the statistics autovacuum keeps in a running
    // project: PL/pgSQL keeps a statement's plan for the connection's life,
    // and plans made on near-empty tables (where every index costs the
    // same) are what a brand-new project runs until autovacuum's first
    // ANALYZE, about a minute in. The burst is timed on top of that history.
    let history: usize = std::env::var("BENCH_HISTORY").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let mut finished_before = 0;
    if history > 0 {
        let (accepted, _) = client.burst(0..history).await;
        client.wait_done(accepted, Instant::now()).await?;
        h.psql("analyze").await?;
        println!("history: {accepted} inquiries processed, tables analyzed");
        finished_before = accepted;
    }
    if std::env::var("BENCH_PGSTATS").is_ok() {
        h.psql("select pg_stat_reset()").await?;
    }
    let started = Instant::now();
    let (accepted, acked) = client.burst(history..history + n).await;
    let (secs, dead) = client.wait_done(finished_before + accepted, started).await?;
    // The service runs in this process (Postgres and PostgREST in their
    // own): its peak RSS is this process's.
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()))
        .map_or_else(|| "?".to_string(), |kb| (kb / 1024).to_string());
    println!(
        "supabase mode: {accepted} inquiries acknowledged in {:.2}s, processed in {secs:.2}s: {:.0} inquiries/s (dead: {dead}), peak RSS {hwm} MB",
        acked.as_secs_f64(),
        accepted as f64 / secs,
    );
    if std::env::var("BENCH_PGSTATS").is_ok() {
        // Where the database's time went (track_functions is on for this
        // database): wall time per function, so contention counts too.
        for sql in [
            "select funcname, calls, round(self_time) as self_ms from pg_stat_user_functions order by self_time desc limit 12",
            "select relname, seq_scan, seq_tup_read, idx_scan from pg_stat_user_tables order by seq_tup_read desc limit 8",
        ] {
            println!("{}", h.psql(sql).await?);
        }
    }
    let rows = h.psql("select count(*) from events").await?;
    println!("events written: {rows}");
    stopper.stop().await;
    Ok(())
}

struct Client {
    http: reqwest::Client,
    base: String,
    key: SigningKey,
}

impl Client {
    /// Posts one signed inquiry per index (each from its own sender);
    /// returns how many were accepted and how long acknowledging took.
    async fn burst(&self, range: std::ops::Range<usize>) -> (usize, Duration) {
        use futures_util::StreamExt;
        let text = "Hello,\n\nwe would like to book a room for a team workshop on 14.03.2027 from 09:00 to 17:00 for 24 people.\n\nBest regards\nAnna";
        let started = Instant::now();
        let posts = range.map(|i| {
            let body = json!({
                "message_id": format!("<bench-{i}-{}@example.ch>", uuid::Uuid::new_v4()),
                "from": {"email": format!("guest{i}@example.ch"), "name": "Guest"},
                "to": [{"email": "events@atelier-zurich.ch"}],
                "subject": "Workshop", "text": text, "received_at": "2026-11-25T10:00:00Z",
            })
            .to_string();
            let id = format!("msg_{i}");
            let ts = chrono::Utc::now().timestamp();
            let sig = self.key.sign(&id, ts, body.as_bytes());
            let req = self
                .http
                .post(format!("{}/webhooks/email/generic", self.base))
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", ts.to_string())
                .header("webhook-signature", sig)
                .body(body);
            async move { req.send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
        });
        // At most 256 requests in flight: a provider does not open thousands
        // of connections at once, and neither may the file-descriptor limit.
        let statuses: Vec<u16> = futures_util::stream::iter(posts).buffer_unordered(256).collect().await;
        (statuses.iter().filter(|s| **s == 202).count(), started.elapsed())
    }

    /// Waits until `total` entries are done or dead; returns the seconds
    /// since `started` and the dead count.
    async fn wait_done(&self, total: usize, started: Instant) -> anyhow::Result<(f64, u64)> {
        loop {
            let ready: Value = self.http.get(format!("{}/readyz", self.base)).send().await?.json().await?;
            let dead = ready["inbox"]["dead"].as_u64().unwrap_or(0);
            if (ready["inbox"]["done"].as_u64().unwrap_or(0) + dead) as usize >= total {
                return Ok((started.elapsed().as_secs_f64(), dead));
            }
            if std::env::var("BENCH_TRACE").is_ok() {
                eprintln!("{:.2}s inbox {}", started.elapsed().as_secs_f64(), ready["inbox"]);
            }
            // Not more often: each poll counts the inbox in the database.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
