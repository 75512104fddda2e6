//! Proves the local Supabase stand-in (tests/support/postgrest.rs,
//! tests/supabase/*.sql): the gateway, the keys, RLS and the constraints
//! behave as the service will meet them on a real Supabase project.

use crate::postgrest::SupabaseHarness;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

async fn harness() -> SupabaseHarness {
    let harness = SupabaseHarness::start(&[]).await.expect("the Supabase stand-in starts");
    eprintln!("harness started in {:?} (db {})", harness.startup, harness.db_name);
    harness
}

fn client() -> Client {
    Client::builder().no_proxy().build().unwrap()
}

/// A request as the service sends it: service key as apikey and Bearer.
fn as_service(h: &SupabaseHarness, rb: RequestBuilder) -> RequestBuilder {
    rb.header("apikey", &h.service_key).bearer_auth(&h.service_key)
}

/// A request as the frontend sends it for a signed-in user.
fn as_user(h: &SupabaseHarness, team_id: Uuid, rb: RequestBuilder) -> RequestBuilder {
    rb.header("apikey", &h.anon_key).bearer_auth(h.authenticated_jwt(team_id))
}

async fn insert(h: &SupabaseHarness, table: &str, row: Value) -> reqwest::Response {
    as_service(h, client().post(format!("{}/{table}", h.rest_url())))
        .header("Prefer", "return=representation")
        .json(&row)
        .send()
        .await
        .unwrap()
}

async fn insert_ok(h: &SupabaseHarness, table: &str, row: Value) -> Value {
    let response = insert(h, table, row).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "insert into {table}: {body}");
    body[0].clone()
}

fn client_row(team_id: Uuid) -> Value {
    json!({ "team_id": team_id, "user_id": Uuid::new_v4(), "name": "Laura Meier",
            "email": "laura@example.com", "company": "Acme AG", "status": "lead" })
}

fn event_row(team_id: Uuid, status: &str) -> Value {
    json!({ "team_id": team_id, "user_id": Uuid::new_v4(), "title": "Summer party",
            "event_date": "2026-06-12", "start_time": "18:00:00", "end_time": "23:00:00",
            "attendees": 80, "status": status })
}

#[tokio::test]
async fn service_key_inserts_and_reads_a_client_through_the_gateway() {
    let h = harness().await;
    let team = Uuid::new_v4();

    let created = insert_ok(&h, "clients", client_row(team)).await;
    assert_eq!(created["name"], "Laura Meier");
    assert_eq!(created["status"], "lead");
    assert!(Uuid::parse_str(created["id"].as_str().unwrap()).is_ok(), "uuid id by default: {created}");

    let response = as_service(&h, client().get(format!("{}/clients", h.rest_url())))
        .query(&[("select", "id,name,email"), ("email", "eq.laura@example.com")])
        .header("Prefer", "count=exact")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let range = response.headers().get("content-range").expect("Content-Range passes the gateway");
    assert_eq!(range.to_str().unwrap(), "0-0/1");
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let rows: Value = response.json().await.unwrap();
    assert_eq!(rows, json!([{ "id": created["id"], "name": "Laura Meier", "email": "laura@example.com" }]));

    // The same row is in the database, seen by psql.
    let name = h.psql(&format!("SELECT name FROM clients WHERE id = '{}'", created["id"].as_str().unwrap())).await;
    assert_eq!(name.unwrap(), "Laura Meier");
}

#[tokio::test]
async fn a_request_without_apikey_is_rejected_by_the_gateway() {
    let h = harness().await;

    let response = client().get(format!("{}/clients", h.rest_url())).bearer_auth(&h.service_key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "message": "No API key found in request" }));

    // An unknown key is refused too; a known one passes.
    let response = client().get(format!("{}/clients", h.rest_url())).header("apikey", "nope").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = as_service(&h, client().get(format!("{}/clients", h.rest_url()))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_authenticated_user_sees_only_the_rows_of_their_team() {
    let h = harness().await;
    let team_a = Uuid::new_v4();
    let team_b = Uuid::new_v4();
    insert_ok(&h, "clients", client_row(team_a)).await;
    insert_ok(&h, "events", event_row(team_a, "lead")).await;

    for table in ["clients", "events"] {
        let url = format!("{}/{table}", h.rest_url());
        let other: Value = as_user(&h, team_b, client().get(&url)).send().await.unwrap().json().await.unwrap();
        assert_eq!(other, json!([]), "team B must not see team A's {table}");
        let own: Value = as_user(&h, team_a, client().get(&url)).send().await.unwrap().json().await.unwrap();
        assert_eq!(own.as_array().unwrap().len(), 1, "team A sees its {table}: {own}");
    }

    // Writes are held to the team as well.
    let response = as_user(&h, team_b, client().post(format!("{}/clients", h.rest_url())))
        .json(&client_row(team_a))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "RLS WITH CHECK refuses a foreign team_id");
}

#[tokio::test]
async fn anon_sees_nothing() {
    let h = harness().await;
    insert_ok(&h, "clients", client_row(Uuid::new_v4())).await;

    let response = client()
        .get(format!("{}/clients", h.rest_url()))
        .header("apikey", &h.anon_key)
        .bearer_auth(&h.anon_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
    // Without any Authorization PostgREST uses the anon role as well.
    let response =
        client().get(format!("{}/clients", h.rest_url())).header("apikey", &h.anon_key).send().await.unwrap();
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
}

#[tokio::test]
async fn a_capitalised_event_status_violates_the_check_constraint() {
    let h = harness().await;

    let response = insert(&h, "events", event_row(Uuid::new_v4(), "Lead")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "23514", "{body}");
}

#[tokio::test]
async fn a_duplicate_offer_number_conflicts() {
    let h = harness().await;
    let team = Uuid::new_v4();
    let offer = json!({ "team_id": team, "user_id": Uuid::new_v4(), "offer_number": "OE-2026-06-0001",
                        "subject": "Offer", "status": "draft" });

    insert_ok(&h, "offers", offer.clone()).await;
    let response = insert(&h, "offers", offer).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "23505", "{body}");
}

#[tokio::test]
async fn workflow_columns_are_left_to_the_installer_sql() {
    let extra = tempfile::Builder::new().suffix(".sql").tempfile().unwrap();
    std::fs::write(extra.path(), "ALTER TABLE public.events ADD COLUMN current_step integer NOT NULL DEFAULT 1;")
        .unwrap();

    // Without the installer the column does not exist...
    let plain = harness().await;
    let count = plain
        .psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'current_step'")
        .await
        .unwrap();
    assert_eq!(count, "0");
    drop(plain);

    // ...and extra SQL runs after tests/supabase/*.sql, before PostgREST
    // loads its schema cache, so the new column is usable over REST.
    let h = SupabaseHarness::start(&[extra.path()]).await.unwrap();
    let row = insert_ok(&h, "events", event_row(Uuid::new_v4(), "lead")).await;
    assert_eq!(row["current_step"], 1);
}

#[tokio::test]
async fn pg_net_requests_queued_by_a_database_webhook_are_delivered() {
    // A receiver that answers every request 202 and reports what it got.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://127.0.0.1:{}/webhooks/supabase", listener.local_addr().unwrap().port());
    let received = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        // Read until the JSON body is complete (the body ends with '}').
        while !(buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.ends_with(b"}")) {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "receiver: connection closed early");
            buf.extend_from_slice(&chunk[..n]);
        }
        stream.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}").await.unwrap();
        String::from_utf8(buf).unwrap()
    });

    let h = harness().await;
    h.psql(&format!(
        "CREATE TRIGGER tasks_webhook AFTER UPDATE ON public.tasks FOR EACH ROW \
         EXECUTE FUNCTION supabase_functions.http_request('{receiver}', 'POST', \
         '{{\"Content-Type\":\"application/json\",\"x-test\":\"1\"}}', '{{}}', '1000')"
    ))
    .await
    .unwrap();
    let team = Uuid::new_v4();
    let task = insert_ok(
        &h,
        "tasks",
        json!({ "team_id": team, "user_id": Uuid::new_v4(), "title": "Approve",
                                              "category": "Email Tasks", "payload": { "action": "approve_message" } }),
    )
    .await;

    // The manager completes the task in the frontend.
    let response = as_user(&h, team, client().patch(format!("{}/tasks", h.rest_url())))
        .query(&[("id", format!("eq.{}", task["id"].as_str().unwrap()))])
        .json(&json!({ "status": "completed", "payload": { "action": "approve_message", "resolution": "approved" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let delivered = h.deliver_pg_net_requests().await.unwrap();
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0].status, Some(202), "{delivered:?}");
    let request = received.await.unwrap();
    assert!(request.starts_with("POST /webhooks/supabase HTTP/1.1"), "{request}");
    assert!(request.to_ascii_lowercase().contains("x-test: 1"), "{request}");
    let body: Value = serde_json::from_str(&request[request.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(body["type"], "UPDATE");
    assert_eq!(body["table"], "tasks");
    assert_eq!(body["schema"], "public");
    assert_eq!(body["record"]["status"], "completed");
    assert_eq!(body["old_record"]["status"], "pending");
    assert_eq!(body["record"]["payload"]["resolution"], "approved");

    // Recorded like pg_net does, and the queue is empty again.
    assert_eq!(h.psql("SELECT status_code FROM net._http_response").await.unwrap(), "202");
    assert!(h.deliver_pg_net_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_harness_brings_its_own_cluster_when_no_server_is_running() {
    let h = SupabaseHarness::start_with_own_cluster(&[]).await.expect("own cluster starts");
    eprintln!("own-cluster harness started in {:?}", h.startup);
    assert!(!h.db_url.contains(":5432/"), "a private port: {}", h.db_url);
    let created = insert_ok(&h, "clients", client_row(Uuid::new_v4())).await;
    assert_eq!(created["status"], "lead");
}
