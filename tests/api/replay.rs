//! The CLI as a developer uses it: `replay` a scenario against a running
//! embedded service, `tasks` to act as the manager.

use crate::helpers::{run_cli, spawn_app, RefusedPort, TestApp};

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
async fn a_windows_1252_body_mime_is_replayed_byte_for_byte() {
    let app = spawn_app().await;
    let (ok, out) = cli(&app, &["replay", "fixtures/mailgun/inquiry-cp1252.mailgun.form", "--to", &app.address]);
    assert!(ok && out.contains("202 accepted"), "{out}");
    app.wait_idle().await;
    let mail = &app.query("SELECT from_email, subject, body_text FROM emails WHERE is_sent = 0")[0];
    let text = mail["body_text"].as_str().unwrap();
    assert!(text.contains("Freundliche Grüsse\nRené Brünner") && text.contains("Apéro und Abendessen – "), "{text}");
    assert!(!text.contains('\u{fffd}'), "{text}");
    assert_eq!(mail["subject"], "Anfrage Praxisjubiläum – Mai 2027");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailgun_store_notification_is_refused_with_a_clear_reason() {
    let app = spawn_app().await;
    let (ok, out) = cli(&app, &["replay", "fixtures/mailgun/refused/store-notify.mailgun.form", "--to", &app.address]);
    assert!(!ok);
    assert!(out.contains("406 unprocessable") && out.contains("forward()"), "Mailgun stops retrying on 406: {out}");
}

/// The conversations of `fixtures/scenarios/` as `replay --check` plays them.
const ORIGINAL_SCENARIOS: [&str; 14] = [
    "attendee-change",
    "counter-offer",
    "date-change-after-offer",
    "date-taken",
    "decline",
    "deposit-paid",
    "duplicate-mail",
    "happy-path-de",
    "happy-path-en",
    "intake-approve",
    "site-visit",
    "too-many-attendees",
    "unclear-mail",
    "vague-date",
];

#[test]
fn replay_check_passes_the_original_scenarios_and_no_fewer_than_the_ratchet() {
    let (_, out) = run_cli(&["replay", "--check", "fixtures/scenarios"], &[]);
    let passed: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("PASS ")).collect();
    if out.contains("FAIL ") {
        eprintln!("failing scenarios:\n{out}");
    }
    for name in ORIGINAL_SCENARIOS {
        assert!(passed.contains(&name), "{name} must pass:\n{out}");
    }
    let ratchet: usize = std::fs::read_to_string("fixtures/scenarios/PASSING").unwrap().trim().parse().unwrap();
    assert!(
        passed.len() >= ratchet,
        "{} scenarios pass, fixtures/scenarios/PASSING says {ratchet}:\n{out}",
        passed.len()
    );
    assert!(out.contains(&format!("scenarios: {} passed", passed.len())), "{out}");
}

#[test]
fn replay_check_fails_a_scenario_whose_expectation_differs_and_names_each_fact() {
    let dir = tempfile::TempDir::new().unwrap();
    let scenario = dir.path().join("intake-wrong");
    std::fs::create_dir(&scenario).unwrap();
    for f in std::fs::read_dir("fixtures/scenarios/intake-approve").unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, scenario.join(f.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        scenario.join("expect.json"),
        r#"{"booking": {"step": 3, "attendees": 49, "room": "Room B"}, "pending": "approve_room", "events": 1}"#,
    )
    .unwrap();
    let (ok, out) = run_cli(&["replay", "--check", scenario.to_str().unwrap()], &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("FAIL intake-wrong"), "{out}");
    assert!(out.contains("  booking.attendees: expected 49, got 22"), "{out}");
    assert!(out.contains("  booking.room: expected \"Room B\", got null"), "{out}");
    assert!(!out.contains("booking.step") && !out.contains("pending:"), "facts that hold are not listed: {out}");
    assert!(out.contains("scenarios: 0 passed, 1 failed"), "{out}");
}

#[test]
fn tasks_on_a_missing_data_directory_says_how_to_start_and_creates_nothing() {
    let dir = tempfile::TempDir::new().unwrap();
    let missing = dir.path().join("data");
    let (ok, out) = run_cli(&["tasks", "list"], &[("OE_DATA_DIR", missing.display().to_string())]);
    assert!(!ok);
    assert!(out.contains("no service data in") && out.contains("OE_DATA_DIR"), "{out}");
    assert!(!missing.exists(), "the data directory must not be created");
}

#[test]
fn replay_guides_on_a_missing_path_a_folder_of_scenarios_and_a_service_that_is_down() {
    let (ok, out) = run_cli(&["replay", "fixtures/scenarios/no-such-scenario"], &[]);
    assert!(!ok && out.contains("no-such-scenario: no such file or folder"), "{out}");

    let (ok, out) = run_cli(&["replay", "fixtures/scenarios"], &[]);
    assert!(!ok && out.contains("holds scenarios, not fixtures"), "{out}");
    assert!(out.contains("happy-path-en") && out.contains("replay --check"), "{out}");

    let down = RefusedPort::bind();
    let to = format!("http://127.0.0.1:{}", down.port());
    let (ok, out) = run_cli(&["replay", "fixtures/generic/inquiry-en.generic.json", "--to", &to], &[]);
    assert!(!ok && out.contains(&format!("no service answers at {to}")), "{out}");
    assert!(out.contains("start it in another terminal"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_show_prints_what_was_understood_and_the_draft_and_takes_an_id_prefix() {
    let app = spawn_app().await;
    let (ok, out) =
        cli(&app, &["replay", "fixtures/scenarios/intake-approve/01-inquiry.mailgun.form", "--to", &app.address]);
    assert!(ok, "{out}");
    assert!(out.contains("\"Team workshop in March\": step 2"), "the line names the replayed booking: {out}");
    let (_, list) = cli(&app, &["tasks", "list"]);
    let prefix = &list[..13];
    let (ok, shown) = cli(&app, &["tasks", "show", prefix]);
    assert!(ok, "{shown}");
    for fact in ["action   approve_message", "understood:", "event_date", "draft:", "Dear Anna Keller", "tasks approve"]
    {
        assert!(shown.contains(fact), "{fact} missing:\n{shown}");
    }
    let (ok, out) = cli(&app, &["tasks", "approve", "ffffffff"]);
    assert!(!ok && out.contains("no task ffffffff"), "{out}");
    let (ok, out) = cli(&app, &["tasks", "approve", prefix]);
    assert!(ok, "{out}");
}
