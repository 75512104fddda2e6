//! The manager's word is final: what the manager corrects in the frontend
//! (a row UPDATE or DELETE, whose database webhook reaches the service) is
//! what every later turn and offer builds on. Embedded store: the test edits
//! the rows as the frontend would and posts the webhook Supabase would send.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

const LAUNCH: &str = "Hello,\n\nwe are planning a product launch on 12.03.2027 from 18:00 to 23:00 for 70 guests, \
standing reception, with the Classic Apéro and a DJ.\n\nBest regards,\nSara Brunner\n";

fn mail(n: u32, text: &str) -> Value {
    json!({
        "message_id": format!("<sara-{n}@brunner-events.ch>"),
        "from": {"email": "sara@brunner-events.ch", "name": "Sara Brunner"},
        "to": [{"email": "events@atelier-zurich.ch"}],
        "subject": "Product launch",
        "text": text,
        "received_at": "2026-11-25T10:00:00Z",
    })
}

/// The current offer's product lines: (name, quantity).
fn lines(app: &TestApp) -> Vec<(String, i64)> {
    app.query(
        "SELECT li.name, li.quantity FROM offer_line_items li JOIN offers o ON o.id = li.offer_id
         WHERE o.status <> 'cancelled' AND li.product_id IS NOT NULL ORDER BY li.name",
    )
    .into_iter()
    .map(|r| (r["name"].as_str().unwrap().to_string(), r["quantity"].as_f64().unwrap() as i64))
    .collect()
}

fn offers(app: &TestApp) -> usize {
    app.query("SELECT id FROM offers").len()
}

/// Runs SQL on the data file as the frontend would write it.
fn frontend(app: &TestApp, sql: &str) {
    let conn = rusqlite::Connection::open(app.dir.path().join("openevent.sqlite3")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    conn.execute_batch(sql).unwrap();
}

async fn client_writes(app: &TestApp, n: u32, text: &str) {
    assert_eq!(app.post_generic(&mail(n, text)).await.status(), 202);
    app.wait_idle().await;
    app.approve_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_the_manager_removed_stays_off_and_a_room_the_manager_set_is_held() {
    let app = spawn_app().await;
    client_writes(&app, 1, LAUNCH).await;
    let first = lines(&app);
    assert!(first.iter().any(|(n, _)| n == "DJ Service"), "the offer has the DJ: {first:?}");

    // The manager deletes the DJ line in the frontend.
    let dj = app
        .query(
            "SELECT li.* FROM offer_line_items li JOIN offers o ON o.id = li.offer_id
             WHERE o.status <> 'cancelled' AND li.name = 'DJ Service'",
        )
        .remove(0);
    frontend(&app, &format!("DELETE FROM offer_line_items WHERE id = '{}'", dj["id"].as_str().unwrap()));
    let deleted =
        json!({"type": "DELETE", "table": "offer_line_items", "schema": "public", "record": null, "old_record": dj});
    assert_eq!(app.post_supabase(&deleted).await.status(), 202);
    app.wait_idle().await;
    assert_eq!(app.query("SELECT id FROM tasks WHERE status = 'pending'").len(), 0, "a correction drafts nothing");
    let before = offers(&app);

    // Two later revisions: the DJ never comes back.
    client_writes(&app, 2, "Hello, we will be 60 guests instead of 70. Best, Sara").await;
    assert!(offers(&app) > before, "a revised offer was made");
    let second = lines(&app);
    assert!(second.iter().all(|(n, _)| n != "DJ Service"), "{second:?}");
    assert!(second.contains(&("Classic Apéro".to_string(), 60)), "{second:?}");
    client_writes(&app, 3, "Could you also add a photo booth? And yes, we'd love a DJ. Best, Sara").await;
    let third = lines(&app);
    assert!(third.iter().any(|(n, _)| n == "Photo Booth"), "{third:?}");
    assert!(third.iter().all(|(n, _)| n != "DJ Service"), "the manager's removal is final: {third:?}");

    // The manager moves the event to Room E in the frontend.
    let event = app.query("SELECT * FROM events").remove(0);
    let room_e = app.query("SELECT id FROM rooms WHERE name = 'Room E'").remove(0)["id"].as_str().unwrap().to_string();
    frontend(
        &app,
        &format!("UPDATE events SET room_ids = '[\"{room_e}\"]' WHERE id = '{}'", event["id"].as_str().unwrap()),
    );
    let mut moved = event.clone();
    moved["room_ids"] = json!([room_e]);
    let update = json!({"type": "UPDATE", "table": "events", "schema": "public", "record": moved, "old_record": event});
    assert_eq!(app.post_supabase(&update).await.status(), 202);
    app.wait_idle().await;

    // A later head count that Room C would fit as well keeps the manager's room.
    client_writes(&app, 4, "One more change: we are now 50 guests. Thanks, Sara").await;
    let after = app.query("SELECT room_ids, attendees FROM events").remove(0);
    assert_eq!((after["room_ids"].clone(), after["attendees"].clone()), (json!([room_e]), json!(50)));
    let room_line = app.query(
        "SELECT li.name FROM offer_line_items li JOIN offers o ON o.id = li.offer_id
         WHERE o.status <> 'cancelled' AND li.product_id IS NULL",
    );
    assert_eq!(room_line[0]["name"], "Room E", "the next offer is for the manager's room");
}

/// The same through the CLI, as a developer acts as the manager locally.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_edit_takes_a_line_off_through_the_same_path_as_the_webhook() {
    let app = spawn_app().await;
    client_writes(&app, 1, LAUNCH).await;
    let env = [("OE_DATA_DIR", app.dir.path().display().to_string())];
    let (ok, out) = crate::helpers::run_cli(&["bookings", "edit", "newest", "--remove-line", "DJ Service"], &env);
    assert!(ok, "{out}");
    app.wait_idle().await;
    client_writes(&app, 2, "Hello, we will be 60 guests instead of 70. Best, Sara").await;
    let now = lines(&app);
    assert!(now.iter().all(|(n, _)| n != "DJ Service") && !now.is_empty(), "{now:?}");
    let (ok, out) = crate::helpers::run_cli(&["bookings", "edit", "newest", "--remove-line", "Live Band"], &env);
    assert!(!ok && out.contains("no line \"Live Band\""), "{out}");
}

/// On the real PostgREST: the manager's frontend-style DELETE of a line and
/// UPDATE of the head count reach the service through the installed
/// triggers (the service's own writes do not), and the next offer keeps both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frontend_corrections_reach_the_service_through_the_triggers_and_change_the_next_offer() {
    use crate::supabase::{approve_pending, current_offer_lines, venue_on_postgrest};
    let (h, tenant, app) = venue_on_postgrest().await;
    let sql = |q: String| {
        let h = &h;
        async move { h.psql(&q).await.unwrap() }
    };
    let current_lines = || current_offer_lines(&h);

    assert_eq!(app.post_generic(&mail(1, LAUNCH)).await.status(), 202);
    app.wait_idle().await;
    approve_pending(&h, &app).await;
    assert_eq!(current_lines().await, "Classic Apéro x70\nDJ Service x1");
    assert!(h.deliver_pg_net_requests().await.unwrap().is_empty(), "the service's own writes post nothing");

    // The manager takes the DJ off and sets 60 guests, in the frontend.
    sql("delete from offer_line_items where name = 'DJ Service'".into()).await;
    sql(format!("update events set attendees = 60 where team_id = '{}'", tenant.team)).await;
    let deliveries = h.deliver_pg_net_requests().await.unwrap();
    assert_eq!(deliveries.iter().map(|d| d.status).collect::<Vec<_>>(), [Some(202), Some(202)], "both corrections");
    app.wait_idle().await;

    // The client asks for more: the revised offer keeps both corrections.
    assert_eq!(app.post_generic(&mail(2, "Could you add a photo booth? Thanks, Sara")).await.status(), 202);
    app.wait_idle().await;
    approve_pending(&h, &app).await;
    assert_eq!(current_lines().await, "Classic Apéro x60\nPhoto Booth x1");
}
