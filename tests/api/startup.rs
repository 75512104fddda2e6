//! Starting the service safely: one instance per data directory, and the
//! development secrets only where nobody else can post.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use oe_webhooks::config::{dev, Config};
use oe_webhooks::inbox::Inbox;
use oe_webhooks::startup::{Application, Options, StartError};
use serde_json::Value;

use crate::helpers::{inquiry, run_cli, spawn, spawn_app, Spawn, WORKSHOP};

fn config(pairs: &[(&str, &str)]) -> Config {
    let vars: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::from_vars(&vars).unwrap()
}

fn error_of(result: Result<Application, StartError>) -> String {
    match result {
        Ok(_) => panic!("the service should have refused to start"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_on_the_same_data_directory_is_refused_and_touches_nothing() {
    let first = spawn(Spawn { run_worker: false, ..Spawn::default() }).await;
    assert_eq!(first.post_generic(&inquiry("anna@keller.ch", WORKSHOP)).await.status(), 202);
    // An entry in flight: a second instance's recovery would hand it out again.
    let team = oe_webhooks::config::dev::TEAM_ID.parse().unwrap();
    let claimed = first.store().await.claim(&[team], 10, Utc::now(), Duration::from_secs(300)).await.unwrap();
    assert_eq!(claimed.len(), 1);

    let dir = first.dir.path().display().to_string();
    let second =
        Application::build_with(config(&[("OE_DATA_DIR", &dir), ("OE_BIND", "127.0.0.1:0")]), Options::default());
    let err = error_of(second.await);
    assert!(err.contains(&format!("listening on 127.0.0.1:{}", first.port())), "{err}");
    assert!(err.contains("OE_DATA_DIR"), "{err}");
    let stats = first.inbox_stats().await;
    assert_eq!((stats.pending, stats.processing), (0, 1), "the first instance's entry is still in flight");

    // The same through the binary, as a person sees it.
    let (ok, out) = run_cli(&["serve"], &[("OE_DATA_DIR", dir.clone()), ("OE_BIND", "127.0.0.1:0".into())]);
    assert!(!ok);
    assert!(out.contains("in use by another oe-webhooks instance"), "{out}");

    // Once the first stopped, the directory is free again.
    let dir = first.stop().await;
    let again = spawn(Spawn { dir: Some(dir), ..Spawn::default() }).await;
    assert_eq!(again.wait_idle().await.done, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_in_use_is_reported_once_with_a_hint() {
    let app = spawn_app().await;
    let other = tempfile::TempDir::new().unwrap();
    let (ok, out) = run_cli(
        &["serve"],
        &[("OE_DATA_DIR", other.path().display().to_string()), ("OE_BIND", format!("127.0.0.1:{}", app.port()))],
    );
    assert!(!ok);
    assert_eq!(out.matches("already in use").count(), 1, "{out}");
    assert!(out.contains("OE_BIND"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_secrets_are_refused_on_a_public_address_and_the_message_names_the_variables() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().display().to_string();
    let public = [("OE_DATA_DIR", data.as_str()), ("OE_BIND", "0.0.0.0:0")];
    let err = error_of(Application::build_with(config(&public), Options::default()).await);
    for name in ["OE_SUPABASE_WEBHOOK_SECRET", "OE_EMAIL_WEBHOOK_SECRET", "OE_ALLOW_DEV_SECRETS=1"] {
        assert!(err.contains(name), "{name} missing: {err}");
    }
    assert!(!dir.path().join("inbox.sqlite3").exists(), "refused before the store is opened");

    // A demo may opt in.
    let demo = Options { allow_dev_secrets: true, ..Options::default() };
    let app = Application::build_with(config(&public), demo).await.unwrap();
    drop(app);

    // Through the binary: the same refusal, and the opt-in variable.
    let env = [("OE_DATA_DIR", data.clone()), ("OE_BIND", "0.0.0.0:0".to_string())];
    let (ok, out) = run_cli(&["serve"], &env);
    assert!(!ok && out.contains("OE_SUPABASE_WEBHOOK_SECRET"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_its_secrets_set_a_public_instance_starts_and_providers_without_one_answer_404() {
    let app = spawn(Spawn {
        vars: vec![
            ("OE_BIND", "0.0.0.0:0".into()),
            ("OE_SUPABASE_WEBHOOK_SECRET", "whsec_cHJvZHVjdGlvbi1zdXBhYmFzZS1zZWNyZXQ=".into()),
            ("OE_EMAIL_WEBHOOK_SECRET", "whsec_cHJvZHVjdGlvbi1lbWFpbC1zZWNyZXQ=".into()),
        ],
        ..Spawn::default()
    })
    .await;
    // Signed with the development secrets: refused.
    assert_eq!(app.post_generic(&inquiry("anna@keller.ch", WORKSHOP)).await.status(), 401);
    // Still on their development secrets: switched off, as if unset.
    let mailgun = app.post_mailgun(&[("sender", "anna@keller.ch"), ("body-plain", WORKSHOP)]).await;
    assert_eq!(mailgun.status(), 404, "the development Mailgun key no longer signs");
    let body: Value = mailgun.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].as_str().unwrap().contains("mailgun endpoint is not configured"), "{body}");
    assert!(!body["message"].as_str().unwrap().contains("OE_"), "a caller learns no configuration: {body}");
    let basic = oe_webhooks::signature::basic::header(dev::POSTMARK_USER, dev::POSTMARK_PASSWORD);
    let postmark = app
        .post(
            "/webhooks/email/postmark",
            &[("content-type", "application/json".into()), ("authorization", basic)],
            "{}",
        )
        .await;
    assert_eq!(postmark.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailgun_only_venue_starts_on_a_public_address_and_its_other_endpoints_answer_404() {
    let key = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
    let app = spawn(Spawn {
        vars: vec![
            ("OE_BIND", "0.0.0.0:0".into()),
            ("OE_SUPABASE_WEBHOOK_SECRET", "whsec_cHJvZHVjdGlvbi1zdXBhYmFzZS1zZWNyZXQ=".into()),
            ("OE_MAILGUN_SIGNING_KEY", key.into()),
        ],
        run_worker: false,
        ..Spawn::default()
    })
    .await;
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = oe_webhooks::signature::mailgun::sign(key.as_bytes(), &ts, "tok-1");
    let fields = [
        ("from", "Anna Keller <anna@keller.ch>"),
        ("recipient", "events@atelier-zurich.ch"),
        ("body-plain", WORKSHOP),
        ("Message-Id", "<mg-only@keller.ch>"),
        ("timestamp", ts.as_str()),
        ("token", "tok-1"),
        ("signature", sig.as_str()),
    ];
    assert_eq!(app.post_mailgun(&fields).await.status(), 202);
    let generic = app.post_generic(&inquiry("anna@keller.ch", WORKSHOP)).await;
    assert_eq!(generic.status(), 404);
    let body: Value = generic.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("generic endpoint is not configured") && !message.contains("OE_"), "{body}");
    for provider in ["postmark", "sendgrid", "resend"] {
        let res = app.post(&format!("/webhooks/email/{provider}"), &[], "{}").await;
        assert_eq!(res.status(), 404, "{provider}");
    }
    // Signed with the development key instead of the venue's: refused.
    assert_eq!(app.post_mailgun(&fields[..4]).await.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_instance_with_no_mail_provider_of_its_own_is_refused_naming_each_providers_variables() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().display().to_string();
    let vars = [
        ("OE_DATA_DIR", data.as_str()),
        ("OE_BIND", "0.0.0.0:0"),
        ("OE_SUPABASE_WEBHOOK_SECRET", "whsec_cHJvZHVjdGlvbi1zdXBhYmFzZS1zZWNyZXQ="),
    ];
    let err = error_of(Application::build_with(config(&vars), Options::default()).await);
    for name in
        ["OE_EMAIL_WEBHOOK_SECRET", "OE_MAILGUN_SIGNING_KEY", "OE_POSTMARK_INBOUND_USER", "OE_RESEND_WEBHOOK_SECRET"]
    {
        assert!(err.contains(name), "{name} missing: {err}");
    }
    assert!(!err.contains("OE_SUPABASE_WEBHOOK_SECRET,"), "the Supabase secret is set: {err}");
}
