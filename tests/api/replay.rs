//! The CLI as a developer uses it: `replay` a scenario against a running
//! embedded service, `tasks` to act as the manager.

use crate::helpers::{run_cli, spawn_app, TestApp};

fn cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    run_cli(args, &[("OE_DATA_DIR", app.dir.path().display().to_string())])
}

fn outbox(app: &TestApp) -> Vec<String> {
    let dir = app.dir.path().join("outbox");
    let mut mails: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect())
        .unwrap_or_default();
    mails.sort();
    mails
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_the_intake_approve_scenario_leaves_one_approved_mail_in_the_outbox() {
    let app = spawn_app().await;
    let (ok, out) = cli(&app, &["replay", "fixtures/scenarios/intake-approve", "--to", &app.address]);
    assert!(ok, "{out}");
    assert_eq!(out.matches("-> done").count(), 2, "{out}");
    let mails = outbox(&app);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: \"Anna Keller\" <anna.keller@keller-consulting.ch>"), "{}", mails[0]);
    assert!(mails[0].contains("Sunday, 14.03.2027"), "{}", mails[0]);

    // Played again: the inquiry is a duplicate, and no pending task is left.
    let (ok, out) = cli(&app, &["replay", "fixtures/scenarios/intake-approve", "--to", &app.address]);
    assert!(!ok);
    assert!(out.contains("200 duplicate"), "{out}");
    assert_eq!(outbox(&app).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_approve_with_an_edit_sends_the_edit_through_the_webhook_path() {
    let app = spawn_app().await;
    let (ok, out) = cli(&app, &["replay", "fixtures/mailgun/inquiry-de.mailgun.form", "--to", &app.address]);
    assert!(ok, "{out}");
    let (_, list) = cli(&app, &["tasks", "list", "--status", "pending"]);
    let id = list.split_whitespace().next().unwrap().to_string();
    assert!(list.contains("approve_message") && list.contains("Jonas Meier"), "{list}");

    let edit = app.dir.path().join("reply.txt");
    std::fs::write(&edit, "Guten Tag Herr Meier\n\nDer 12. Juni 2027 ist frei.\n\nFreundliche Grüsse").unwrap();
    let (ok, out) = cli(&app, &["tasks", "approve", &id, "--edit", edit.to_str().unwrap()]);
    assert!(ok, "{out}");
    app.wait_idle().await;
    let mails = outbox(&app);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Der 12. Juni 2027 ist frei."), "{}", mails[0]);
    let (ok, _) = cli(&app, &["tasks", "approve", &id]);
    assert!(!ok, "a completed task cannot be approved twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_provider_fixture_replays_into_a_booking_and_only_once() {
    let app = spawn_app().await;
    let dirs = ["fixtures/mailgun", "fixtures/postmark", "fixtures/sendgrid", "fixtures/generic"];
    let mut args = vec!["replay"];
    args.extend(dirs);
    args.extend(["--to", &app.address]);
    let (ok, out) = cli(&app, &args);
    assert!(ok, "{out}");
    let lines: Vec<&str> =
        out.lines().filter(|l| l.contains(".json") || l.contains(".form") || l.contains(".multipart")).collect();
    assert!(lines.len() >= 9, "{out}");
    assert!(out.contains("200 ignored    check-button.postmark.json"), "Postmark's Check button gets a 2xx: {out}");
    let inquiries = lines.iter().filter(|l| l.starts_with("202")).count();
    let events = app.query("SELECT id FROM events").len();
    assert!(events >= 1 && events <= inquiries, "{events} events for {inquiries} inquiries:\n{out}");
    assert_eq!(app.wait_idle().await.dead, 0);

    // Played again: every mail is a duplicate of itself, nothing new.
    let (_, again) = cli(&app, &args);
    assert!(!again.contains("202 accepted"), "{again}");
    assert_eq!(app.query("SELECT id FROM events").len(), events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailgun_store_notification_is_refused_with_a_clear_reason() {
    let app = spawn_app().await;
    let (ok, out) = cli(&app, &["replay", "fixtures/mailgun/refused/store-notify.mailgun.form", "--to", &app.address]);
    assert!(!ok);
    assert!(out.contains("422 unprocessable") && out.contains("forward()"), "{out}");
}
