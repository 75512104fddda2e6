//! The admin API (`/admin`): off without `OE_ADMIN_TOKEN`, bearer token
//! only, its OpenAPI description checked against the routes, bulk retry
//! with a plan, and no share in the webhooks' rate limit.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn, spawn_app, Spawn, TestApp};
use crate::operations::{dead_inquiry, refuse_mail_writes};

pub const TOKEN: &str = "test-admin-token-0123456789";

pub async fn with_admin(vars: Vec<(&'static str, String)>) -> TestApp {
    let mut vars = vars;
    vars.push(("OE_ADMIN_TOKEN", TOKEN.into()));
    spawn(Spawn { vars, ..Spawn::default() }).await
}

fn admin(app: &TestApp, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    app.client.request(method, format!("{}{path}", app.address)).bearer_auth(TOKEN)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_is_off_without_a_token() {
    let app = spawn_app().await;
    for path in ["/admin/", "/admin/inbox", "/admin/openapi.json"] {
        let res = app.client.get(format!("{}{path}", app.address)).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_refuses_requests_without_or_with_a_wrong_token() {
    let app = with_admin(vec![]).await;
    let url = format!("{}/admin/inbox", app.address);
    let none = app.client.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    assert_eq!(none.json::<Value>().await.unwrap()["error"], "unauthorized");
    for wrong in ["nope", &TOKEN[..TOKEN.len() - 1], &format!("{TOKEN}x")] {
        assert_eq!(app.client.get(&url).bearer_auth(wrong).send().await.unwrap().status(), 401, "{wrong}");
    }
    let basic = app.client.get(&url).basic_auth("admin", Some(TOKEN)).send().await.unwrap();
    assert_eq!(basic.status(), 401, "bearer only");
    let ok = app.client.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap(), json!([]));
    let bad = admin(&app, reqwest::Method::GET, "/admin/inbox?status=lost").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let missing = admin(&app, reqwest::Method::GET, &format!("/admin/inbox/{}", uuid::Uuid::new_v4())).send();
    assert_eq!(missing.await.unwrap().status(), 404);
}

/// Routes and description come from one list of handlers; this checks the
/// result from outside: every documented operation is served (it asks for
/// the token: 401, where an unrouted path is 404), and no other method on a
/// documented path is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_is_served_and_nothing_else_under_it() {
    let app = with_admin(vec![]).await;
    let doc: Value =
        admin(&app, reqwest::Method::GET, "/admin/openapi.json").send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = Vec::new();
    for (path, item) in paths {
        let concrete = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
        for method in ["get", "post", "put", "patch", "delete"] {
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            if item.get(method).is_some() {
                operations.push(format!("{} {path}", method.to_uppercase()));
                let page = path == "/admin/" || path.starts_with("/admin/sign-");
                let res = app.client.request(m, format!("{}{concrete}", app.address)).send().await.unwrap();
                if page {
                    // The page's sign-in form is open to all, by design.
                    assert_ne!(res.status(), 404, "{method} {path} is documented but not served");
                } else {
                    assert_eq!(res.status(), 401, "{method} {path} is documented but not served behind the token");
                }
            } else if !served_elsewhere(paths, method, &concrete) {
                let res = app.client.request(m, format!("{}{concrete}", app.address)).bearer_auth(TOKEN).send().await;
                let status = res.unwrap().status();
                assert!(status == 404 || status == 405, "{method} {path} answers {status} but is not documented");
            }
        }
    }
    operations.sort();
    assert_eq!(
        operations,
        [
            "GET /admin/",
            "GET /admin/inbox",
            "GET /admin/inbox/{id}",
            "GET /admin/openapi.json",
            "POST /admin/inbox/retry",
            "POST /admin/inbox/{id}/discard",
            "POST /admin/inbox/{id}/retry",
            "POST /admin/page/inbox/{id}/discard",
            "POST /admin/page/inbox/{id}/retry",
            "POST /admin/sign-in",
            "POST /admin/sign-out",
        ]
    );
    for path in ["/admin/inbox/x/y", "/admin/tasks", "/admin/openapi.yaml"] {
        let res = admin(&app, reqwest::Method::GET, path).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path} is not an admin route");
    }
}

/// Whether `method concrete` is another documented operation (e.g. `GET
/// /admin/inbox/retry` is `GET /admin/inbox/{id}` with the id "retry").
fn served_elsewhere(paths: &serde_json::Map<String, Value>, method: &str, concrete: &str) -> bool {
    let segments: Vec<&str> = concrete.split('/').collect();
    paths.iter().any(|(template, item)| {
        let t: Vec<&str> = template.split('/').collect();
        item.get(method).is_some()
            && t.len() == segments.len()
            && t.iter().zip(&segments).all(|(t, s)| t.starts_with('{') || t == s)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_retry_is_planned_then_performed_over_the_api() {
    let app = with_admin(vec![]).await;
    let id = dead_inquiry(&app, "anna@keller.ch").await.to_string();
    let listed: Value =
        admin(&app, reqwest::Method::GET, "/admin/inbox?status=dead").send().await.unwrap().json().await.unwrap();
    assert_eq!(listed[0]["id"], id.as_str());
    assert!(listed[0]["payload"].is_null(), "no bodies in lists");

    let plan = admin(&app, reqwest::Method::POST, "/admin/inbox/retry")
        .json(&json!({"status": "dead", "plan": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(plan.json::<Value>().await.unwrap(), json!({"plan": true, "entries": [id]}));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.inbox_stats().await.dead, 1, "a plan changes nothing");

    let done = admin(&app, reqwest::Method::POST, "/admin/inbox/retry").json(&json!({"status": "dead"})).send().await;
    assert_eq!(done.unwrap().json::<Value>().await.unwrap(), json!({"plan": false, "entries": [id]}));
    app.wait_idle().await;
    let shown: Value =
        admin(&app, reqwest::Method::GET, &format!("/admin/inbox/{id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown["status"], "done");
    assert_eq!(shown["errors"].as_array().unwrap().len(), 1, "{shown}");
    assert!(shown["payload"].is_null());
    let body: Value = admin(&app, reqwest::Method::GET, &format!("/admin/inbox/{id}?body=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["payload"]["kind"], "mail");
    assert_eq!(app.query("SELECT * FROM tasks").len(), 1, "processed once");

    // A done entry can be neither retried nor discarded.
    let again = admin(&app, reqwest::Method::POST, &format!("/admin/inbox/{id}/retry")).send().await.unwrap();
    assert_eq!(again.status(), 409);
    let discard = admin(&app, reqwest::Method::POST, &format!("/admin/inbox/{id}/discard"))
        .json(&json!({"reason": "late"}))
        .send()
        .await
        .unwrap();
    assert_eq!(discard.status(), 409);

    // A dead one is discarded with who and why.
    refuse_mail_writes(&app, true);
    assert_eq!(app.post_generic(&crate::helpers::inquiry("x@y.ch", "Hello")).await.status(), 202);
    app.wait_idle().await;
    refuse_mail_writes(&app, false);
    let dead: Value =
        admin(&app, reqwest::Method::GET, "/admin/inbox?status=dead").send().await.unwrap().json().await.unwrap();
    let dead_id = dead[0]["id"].as_str().unwrap();
    let empty = admin(&app, reqwest::Method::POST, &format!("/admin/inbox/{dead_id}/discard"))
        .json(&json!({"reason": " "}))
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 400, "a reason is required");
    let discarded = admin(&app, reqwest::Method::POST, &format!("/admin/inbox/{dead_id}/discard"))
        .json(&json!({"reason": "spam", "by": "maria"}))
        .send()
        .await
        .unwrap();
    assert_eq!(discarded.status(), 200);
    let shown: Value = admin(&app, reqwest::Method::GET, &format!("/admin/inbox/{dead_id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((shown["status"].as_str(), shown["discarded"]["by"].as_str()), (Some("discarded"), Some("maria")));
}

/// Failed admin requests neither get 429 nor use up the webhooks' limit of
/// failed authentications.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_refusals_stay_off_the_webhook_rate_limit() {
    let app = with_admin(vec![("OE_RATE_LIMIT_PER_MIN", "2".into())]).await;
    for _ in 0..6 {
        let res = app.client.get(format!("{}/admin/inbox", app.address)).bearer_auth("wrong").send().await.unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = app.post_generic(&crate::helpers::inquiry("anna@keller.ch", "Hello")).await;
    assert_eq!(res.status(), 202, "webhooks are not limited by the admin's failures");
}
