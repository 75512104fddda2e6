use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use tracing::info;

use crate::config::{Config, Mode};
use crate::startup::{Application, Options};
use crate::telemetry;

pub(super) async fn run(config: Config) -> anyhow::Result<ExitCode> {
    // Held to the end: dropping it flushes the last trace spans.
    let telemetry_guard = telemetry::init(config.log_format);
    let allow_dev_secrets = std::env::var("OE_ALLOW_DEV_SECRETS").is_ok_and(|v| matches!(v.trim(), "1" | "true"));
    let options = Options { allow_dev_secrets, ..Options::default() };
    let app = Application::build_with(config.clone(), options).await?;
    let address = SocketAddr::new(config.bind.ip(), app.port());
    for line in startup_lines(&config, address) {
        info!("{line}");
    }
    if telemetry_guard.exporting() {
        info!("traces: exported over OTLP/HTTP as OTEL_EXPORTER_OTLP_ENDPOINT and the other OTEL_* variables say");
    }
    let stopper = app.stopper();
    tokio::spawn(async move {
        shutdown_signal().await;
        info!("shutdown requested; finishing in-flight work");
        stopper.stop().await;
    });
    app.run_until_stopped().await?;
    info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// What a person starting the service needs to know, one fact a line:
/// version, mode and address; where data and mail go; what to do next.
fn startup_lines(config: &Config, address: SocketAddr) -> Vec<String> {
    let version = env!("CARGO_PKG_VERSION");
    let mut lines = Vec::new();
    match config.mode {
        Mode::Embedded => {
            lines.push(format!("oe-webhooks {version} listening on http://{address} (embedded mode)"));
            lines.push(format!("data: {}", config.data_dir.display()));
        }
        Mode::Supabase => {
            let project = config.supabase.as_ref().map(|s| s.url.as_str()).unwrap_or("-");
            lines.push(format!("oe-webhooks {version} listening on http://{address} (supabase mode, {project})"));
        }
    }
    lines.push(match config.smtp_url {
        Some(_) => "outbox: approved mail is sent through OE_SMTP_URL".to_string(),
        None => {
            format!("outbox: approved mail is written to {}", config.data_dir.join("outbox").join("*.eml").display())
        }
    });
    lines.push(match (config.mode, address.ip().is_loopback()) {
        (Mode::Embedded, true) => "next: in another terminal, `./target/release/oe-webhooks replay \
             fixtures/scenarios/intake-approve`, then `./target/release/oe-webhooks tasks list` \
             (development secrets apply where none are configured: loopback only)"
            .to_string(),
        (Mode::Embedded, false) => {
            "next: point the senders' webhooks at this address; `oe-webhooks tasks list` shows the drafts".to_string()
        }
        (Mode::Supabase, _) => {
            "next: `oe-webhooks check` verifies the project's tables, functions and webhook secret".to_string()
        }
    });
    lines
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// The `/healthz` URL of a service bound to `bind` (`OE_BIND`), reachable
/// from the same host: a wildcard address is probed on loopback.
pub(super) fn health_url(bind: Option<&str>) -> String {
    let addr: SocketAddr = bind.and_then(|b| b.trim().parse().ok()).unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)));
    format!("{}/healthz", local_url(addr))
}

/// The base URL of a service bound to `addr`, seen from the same host.
pub(super) fn local_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

pub(super) async fn healthcheck(url: &str) -> ExitCode {
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build();
    match client {
        Ok(c) => match c.get(url).send().await {
            Ok(r) if r.status().is_success() => ExitCode::SUCCESS,
            Ok(r) => {
                eprintln!("unhealthy: {}", r.status());
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("unreachable: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{health_url, startup_lines};
    use crate::config::Config;

    #[test]
    fn the_startup_lines_say_version_address_data_outbox_and_what_to_do_next() {
        let config = Config::embedded_dev("/srv/oe-data".into());
        let lines = startup_lines(&config, "127.0.0.1:8080".parse().unwrap()).join("\n");
        for fact in [
            env!("CARGO_PKG_VERSION"),
            "http://127.0.0.1:8080 (embedded mode)",
            "data: /srv/oe-data",
            "/srv/oe-data/outbox/*.eml",
            "next: in another terminal",
        ] {
            assert!(lines.contains(fact), "{fact} missing:\n{lines}");
        }
    }

    #[test]
    fn the_health_probe_follows_oe_bind_and_probes_a_wildcard_on_loopback() {
        assert_eq!(health_url(None), "http://127.0.0.1:8080/healthz");
        assert_eq!(health_url(Some("0.0.0.0:9000")), "http://127.0.0.1:9000/healthz");
        assert_eq!(health_url(Some("[::]:9000")), "http://[::1]:9000/healthz");
        assert_eq!(health_url(Some("10.0.0.5:8081")), "http://10.0.0.5:8081/healthz");
        assert_eq!(health_url(Some("nonsense")), "http://127.0.0.1:8080/healthz");
    }
}
