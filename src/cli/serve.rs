use std::process::ExitCode;

use tracing::info;

use crate::config::{Config, Mode};
use crate::startup::{Application, Options};
use crate::telemetry;

pub(super) async fn run(config: Config) -> anyhow::Result<ExitCode> {
    telemetry::init(config.log_format);
    if config.mode == Mode::Embedded {
        info!(data_dir = %config.data_dir.display(), "embedded mode: development secrets apply where none are configured");
    }
    let allow_dev_secrets = std::env::var("OE_ALLOW_DEV_SECRETS").is_ok_and(|v| matches!(v.trim(), "1" | "true"));
    let options = Options { allow_dev_secrets, ..Options::default() };
    let app = Application::build_with(config.clone(), options).await?;
    info!(bind = %config.bind, port = app.port(), mode = ?config.mode, "oe-webhooks listening");
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
