//! Supabase mode under load, on the real PostgREST, with senders that retry
//! as providers do: after a kill -9 of the service or an outage of the REST
//! API, every acknowledged inquiry is processed once, within 30 s of the
//! service (or the API) being back.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use oe_webhooks::config::dev;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{inquiry, standard_headers, WORKSHOP};
use crate::postgrest::SupabaseHarness;
use crate::supabase::{harness, spawn_supabase, Tenant};

/// How long after recovery every acknowledged entry must be processed.
const RECOVERY: Duration = Duration::from_secs(30);

/// Posts inquiry `n` until the service acknowledges it (202 or 200), as a
/// provider retries 5xx and refused connections; gives up after `patience`.
async fn deliver(client: &reqwest::Client, base: &str, n: usize, patience: Duration) -> bool {
    let mail = inquiry(&format!("client{n}@load.ch"), WORKSHOP);
    let body = mail.to_string();
    let id = format!("msg_load_{n}");
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        let ts = chrono::Utc::now().timestamp();
        let mut req = client.post(format!("{base}/webhooks/email/generic")).body(body.clone());
        for (k, v) in standard_headers(dev::EMAIL_WEBHOOK_SECRET, &id, ts, &body) {
            req = req.header(k, v);
        }
        match req.header("content-type", "application/json").send().await {
            Ok(r) if r.status().is_success() => return true,
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    false
}

async fn sql(h: &SupabaseHarness, q: &str) -> String {
    h.psql(q).await.unwrap()
}

/// Waits until the shared inbox has nothing pending or in flight; the time it took.
async fn drained(h: &SupabaseHarness, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let open = sql(h, "select count(*) from oe_inbox where status in ('pending', 'processing')").await;
        if open == "0" {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{open} entries still open after {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Each acknowledged inquiry became exactly one booking, none twice.
async fn each_once(h: &SupabaseHarness, team: Uuid, n: usize) {
    assert_eq!(sql(h, &format!("select count(*) from events where team_id = '{team}'")).await, n.to_string());
    assert_eq!(
        sql(h, &format!("select count(distinct message_id) || '|' || count(*) from emails where team_id = '{team}' and not is_sent")).await,
        format!("{n}|{n}")
    );
    assert_eq!(sql(h, "select count(*) from oe_inbox where status = 'dead'").await, "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_of_the_rest_api_under_load_loses_nothing_and_recovers_within_30_s() {
    let h = harness().await;
    let tenant = Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() };
    let app = spawn_supabase(&h, &tenant, vec![]).await;
    let client = reqwest::Client::new();
    let base = app.address.clone();
    const N: usize = 100;

    let senders = tokio::spawn({
        let (client, base) = (client.clone(), base.clone());
        async move {
            futures_util::stream::iter(0..N)
                .map(|n| {
                    let (client, base) = (client.clone(), base.clone());
                    async move {
                        // Spread over the outage: some before, some during.
                        tokio::time::sleep(Duration::from_millis(n as u64 * 40)).await;
                        deliver(&client, &base, n, Duration::from_secs(90)).await
                    }
                })
                .buffer_unordered(32)
                .collect::<Vec<bool>>()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(800)).await;
    h.set_rest_down(true);
    tokio::time::sleep(Duration::from_secs(20)).await;
    h.set_rest_down(false);
    let back = Instant::now();
    let delivered = senders.await.unwrap();
    assert!(delivered.iter().all(|d| *d), "every inquiry acknowledged once the API was back");
    let took = drained(&h, RECOVERY + Duration::from_secs(5)).await;
    assert!(back.elapsed() <= RECOVERY, "processed {:?} after the API came back (drain {took:?})", back.elapsed());
    each_once(&h, tenant.team, N).await;
}

/// The service as its own process, so it can be killed for real.
struct Service {
    child: Child,
    address: String,
}

impl Service {
    fn start(h: &SupabaseHarness, tenant: &Tenant, port: u16, data: &std::path::Path) -> Service {
        let child = Command::new(env!("CARGO_BIN_EXE_oe-webhooks"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("OE_INTEGRATION_MODE", "supabase")
            .env("OE_SUPABASE_URL", &h.base_url)
            .env("OE_SUPABASE_KEY", &h.service_key)
            .env("OE_TEAM_ID", tenant.team.to_string())
            .env("OE_SYSTEM_USER_ID", tenant.user.to_string())
            .env("OE_FROM_EMAIL", dev::FROM_EMAIL)
            .env("OE_SUPABASE_WEBHOOK_SECRET", dev::SUPABASE_WEBHOOK_SECRET)
            .env("OE_EMAIL_WEBHOOK_SECRET", dev::EMAIL_WEBHOOK_SECRET)
            .env("OE_BIND", format!("127.0.0.1:{port}"))
            .env("OE_DATA_DIR", data)
            .env("OE_LOG_FORMAT", "json")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the service starts");
        Service { child, address: format!("http://127.0.0.1:{port}") }
    }

    async fn ready(&self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}/readyz", self.address)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the service did not become ready");
    }

    fn kill9(&mut self) {
        // SIGKILL: no shutdown, no outcome recorded, leases left behind.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_under_load_loses_nothing_and_every_entry_is_processed_within_30_s_of_the_restart() {
    let h = harness().await;
    let tenant = Tenant { team: Uuid::new_v4(), user: Uuid::new_v4() };
    let data = tempfile::TempDir::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let mut service = Service::start(&h, &tenant, port, data.path());
    service.ready(&client).await;
    const N: usize = 300;

    let senders = tokio::spawn({
        let (client, base) = (client.clone(), service.address.clone());
        async move {
            futures_util::stream::iter(0..N)
                .map(|n| {
                    let (client, base) = (client.clone(), base.clone());
                    async move { deliver(&client, &base, n, Duration::from_secs(60)).await }
                })
                .buffer_unordered(32)
                .collect::<Vec<bool>>()
                .await
        }
    });
    // Kill it mid-load: once some are acknowledged and some in flight.
    let deadline = Instant::now() + Duration::from_secs(20);
    while sql(&h, "select count(*) from oe_inbox").await.parse::<usize>().unwrap() < N / 3 {
        assert!(Instant::now() < deadline, "the load did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    service.kill9();
    let in_flight = sql(&h, "select count(*) from oe_inbox where status = 'processing'").await;
    let restarted = Instant::now();
    let service = Service::start(&h, &tenant, port, data.path());
    service.ready(&client).await;
    let delivered = senders.await.unwrap();
    assert!(delivered.iter().all(|d| *d), "every inquiry acknowledged by one process or the other");
    drained(&h, RECOVERY + Duration::from_secs(5)).await;
    assert!(
        restarted.elapsed() <= RECOVERY,
        "{in_flight} entries were in flight at the kill; all processed only {:?} after the restart",
        restarted.elapsed()
    );
    each_once(&h, tenant.team, N).await;
    let readyz: Value = client.get(format!("{}/readyz", service.address)).send().await.unwrap().json().await.unwrap();
    assert_eq!(readyz["status"], "ready");
}
