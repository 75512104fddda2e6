//! Supabase-mode throughput: N signed inquiries (distinct senders) posted
//! to the service, timed until the last is processed through PostgREST 12
//! (one `oe_apply_plan` RPC per inquiry). Needs Postgres and PostgREST like
//! the tests (`bash .ci/install-postgrest.sh`).
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
        ("OE_WORKERS", std::env::var("OE_WORKERS").unwrap_or_else(|_| "64".into())),
    ]
    .into_iter()
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
    let text = "Hello,\n\nwe would like to book a room for a team workshop on 14.03.2027 from 09:00 to 17:00 for 24 people.\n\nBest regards\nAnna";
    let started = Instant::now();
    let posts = (0..n).map(|i| {
        let body = json!({
            "message_id": format!("<bench-{i}-{}@example.ch>", uuid::Uuid::new_v4()),
            "from": {"email": format!("guest{i}@example.ch"), "name": "Guest"},
            "to": [{"email": "events@atelier-zurich.ch"}],
            "subject": "Workshop", "text": text, "received_at": "2026-11-25T10:00:00Z",
        })
        .to_string();
        let id = format!("msg_{i}");
        let ts = chrono::Utc::now().timestamp();
        let sig = key.sign(&id, ts, body.as_bytes());
        let req = http
            .post(format!("{base}/webhooks/email/generic"))
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sig)
            .body(body);
        async move { req.send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
    });
    // At most 256 requests in flight: a provider does not open thousands
    // of connections at once, and neither may the file-descriptor limit.
    use futures_util::StreamExt;
    let statuses: Vec<u16> = futures_util::stream::iter(posts).buffer_unordered(256).collect().await;
    let accepted = statuses.iter().filter(|s| **s == 202).count();
    let acked = started.elapsed();
    loop {
        let ready: Value = http.get(format!("{base}/readyz")).send().await?.json().await?;
        let done = ready["inbox"]["done"].as_u64().unwrap_or(0) + ready["inbox"]["dead"].as_u64().unwrap_or(0);
        if done as usize >= accepted {
            let secs = started.elapsed().as_secs_f64();
            // The service runs in this process (Postgres and PostgREST in
            // their own): its peak RSS is this process's.
            let hwm = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM")).map(|l| l.to_string()))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()))
                .map_or_else(|| "?".to_string(), |kb| (kb / 1024).to_string());
            println!(
                "supabase mode: {accepted} inquiries acknowledged in {:.2}s, processed in {secs:.2}s: {:.0} inquiries/s (dead: {}), peak RSS {hwm} MB",
                acked.as_secs_f64(),
                accepted as f64 / secs,
                ready["inbox"]["dead"]
            );
            break;
        }
        if std::env::var("BENCH_TRACE").is_ok() {
            eprintln!("{:.2}s inbox {}", started.elapsed().as_secs_f64(), ready["inbox"]);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows = h.psql("select count(*) from events").await?;
    println!("events written: {rows}");
    stopper.stop().await;
    Ok(())
}
