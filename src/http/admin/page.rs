//! The operator page, `/admin/`: pending and dead inbox entries, open tasks
//! with what the service understood, retry and discard buttons. Plain
//! server-rendered HTML (maud) with POST forms; no script.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;

use super::auth::{signed_in, AdminToken, COOKIE};
use super::{parse_id, store_error};
use crate::domain::{TaskStatus, Understood};
use crate::http::{ApiError, AppState};
use crate::inbox::{EntryFilter, EntryStatus, EntryView};

/// How many entries of each status the page shows.
const SHOWN: usize = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Notice {
    /// A line to show above the lists (after an action).
    notice: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct SignInForm {
    token: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct DiscardForm {
    reason: String,
}

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) " · oe-webhooks" }
                style { (STYLE) }
            }
            body { h1 { (title) } (body) }
        }
    }
}

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:2em}\
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}.notice{background:#eef6ee;padding:8px}\
.error{color:#a00}form.inline{display:inline}code{font-size:12px}";

fn sign_in_page(error: Option<&str>) -> Markup {
    layout(
        "Sign in",
        html! {
            @if let Some(e) = error { p.error { (e) } }
            form method="post" action="/admin/sign-in" {
                label { "Admin token " input type="password" name="token" autofocus; }
                " " button type="submit" { "Sign in" }
            }
        },
    )
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish()
}

fn with_notice(text: &str) -> String {
    format!("/admin/?notice={}", serde_urlencoded::to_string([("", text)]).unwrap_or_default().trim_start_matches('='))
}

/// The page: the sign-in form, or the lists once signed in.
#[utoipa::path(tag = "page", params(Notice), responses((status = 200, description = "HTML", content_type = "text/html")))]
#[get("/admin/")]
pub(super) async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<Notice>,
) -> Result<HttpResponse, ApiError> {
    if !signed_in(&req) {
        return Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(sign_in_page(None).into_string()));
    }
    let of = |status| EntryFilter { status: Some(status), limit: SHOWN, ..EntryFilter::default() };
    let dead = state.inbox.entries(&of(EntryStatus::Dead)).await.map_err(store_error)?;
    let pending = state.inbox.entries(&of(EntryStatus::Pending)).await.map_err(store_error)?;
    let tasks = state.store.tasks(Some(TaskStatus::Pending)).await.map_err(store_error)?;
    let markup = layout(
        "Operations",
        html! {
            form.inline method="post" action="/admin/sign-out" { button type="submit" { "Sign out" } }
            @if let Some(n) = &q.notice { p.notice #notice { (n) } }
            h2 { "Dead entries (" (dead.len()) ")" }
            (entries_table("dead", &dead, true))
            h2 { "Pending entries (" (pending.len()) ")" }
            (entries_table("pending", &pending, false))
            h2 { "Open tasks (" (tasks.len()) ")" }
            table #tasks {
                tr { th { "task" } th { "action" } th { "client" } th { "what was understood" } }
                @for t in &tasks {
                    tr {
                        td { (t.title) br; code { (t.id) } }
                        td { (serde_json::to_value(t.payload.action).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()) }
                        td { (t.client_name.as_deref().unwrap_or("-")) }
                        td {
                            @if let Some(u) = &t.payload.context.understood {
                                div { (understood(u)) }
                            }
                            @for (k, v) in t.payload.context.fields().iter().filter(|(k, _)| *k != "understood") {
                                div { b { (k) } ": " (v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())) }
                            }
                        }
                    }
                }
            }
        },
    );
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(markup.into_string()))
}

/// What the booking holds, in one line: "2027-03-14 (not confirmed),
/// 09:00–17:00, 24 guests, workshop, Room A; 24 × Lunch Package".
fn understood(u: &Understood) -> String {
    let mut parts = Vec::new();
    if let Some(d) = u.event_date {
        parts.push(if u.date_confirmed { d.to_string() } else { format!("{d} (not confirmed)") });
    }
    let time = |t: Option<chrono::NaiveTime>| t.map_or("?".to_string(), |t| t.format("%H:%M").to_string());
    if u.start_time.is_some() || u.end_time.is_some() {
        let assumed = if u.times_assumed { " (assumed)" } else { "" };
        parts.push(format!("{}–{}{assumed}", time(u.start_time), time(u.end_time)));
    }
    if let Some(n) = u.attendees {
        parts.push(format!("{n} guests"));
    }
    parts.extend(u.seating_layout.clone());
    parts.extend(u.room.clone());
    let mut line = parts.join(", ");
    let products: Vec<String> = u
        .products
        .iter()
        .map(|p| match (p.quantity, p.times) {
            (Some(q), _) => format!("{q} × {}", p.name),
            (None, Some(t)) => format!("{t}× per guest {}", p.name),
            (None, None) => p.name.clone(),
        })
        .collect();
    if !products.is_empty() {
        line.push_str("; ");
        line.push_str(&products.join(", "));
    }
    line
}

fn entries_table(id: &str, entries: &[EntryView], retriable: bool) -> Markup {
    html! {
        table id=(id) {
            tr { th { "entry" } th { "source" } th { "received" } th { "attempts" } th { "last error" } th { "" } }
            @for e in entries {
                tr data-entry=(e.id) {
                    td { code { (e.id) } }
                    td { (e.source) }
                    td { (crate::store::timestamp(e.received_at)) }
                    td { (e.attempts) }
                    td { (e.errors.last().map(|a| a.error.as_str()).unwrap_or("")) }
                    td {
                        @if retriable && e.payload_pruned_at.is_none() {
                            form.inline method="post" action={ "/admin/page/inbox/" (e.id) "/retry" } {
                                button type="submit" name="retry" { "Retry" }
                            }
                        }
                        form.inline method="post" action={ "/admin/page/inbox/" (e.id) "/discard" } {
                            input type="text" name="reason" placeholder="why discard" required;
                            button type="submit" name="discard" { "Discard" }
                        }
                    }
                }
            }
        }
    }
}

/// Checks the token and sets the session cookie.
#[utoipa::path(tag = "page", request_body(content = SignInForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "signed in, back to the page"), (status = 401, description = "HTML: wrong token")))]
#[post("/admin/sign-in")]
pub(super) async fn sign_in(
    req: HttpRequest,
    token: web::Data<AdminToken>,
    form: web::Form<SignInForm>,
) -> HttpResponse {
    if !token.is_token(form.token.trim()) {
        tracing::warn!("admin: refused a sign-in with a wrong token");
        return HttpResponse::Unauthorized()
            .content_type("text/html; charset=utf-8")
            .body(sign_in_page(Some("That is not the admin token.")).into_string());
    }
    let cookie = Cookie::build(COOKIE, token.session().to_string())
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(req.connection_info().scheme() == "https")
        .finish();
    let mut res = see_other("/admin/");
    let _ = res.add_cookie(&cookie);
    res
}

/// Clears the session cookie.
#[utoipa::path(tag = "page", responses((status = 303, description = "signed out")))]
#[post("/admin/sign-out")]
pub(super) async fn sign_out() -> HttpResponse {
    let mut res = see_other("/admin/");
    let mut cookie = Cookie::build(COOKIE, "").path("/admin").http_only(true).same_site(SameSite::Strict).finish();
    cookie.make_removal();
    let _ = res.add_cookie(&cookie);
    res
}

/// The page's retry button.
#[utoipa::path(tag = "page", params(("id" = String, Path, description = "the entry's id")),
    responses((status = 303, description = "back to the page with a notice"), (status = 401)))]
#[post("/admin/page/inbox/{id}/retry")]
pub(super) async fn retry_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !signed_in(&req) {
        return Err(ApiError::AdminUnauthorized);
    }
    let id = parse_id(&id)?;
    let done = state.inbox.requeue(&[id], Utc::now()).await.map_err(store_error)?;
    let text = if done.is_empty() { format!("{id} was not retried (not dead)") } else { format!("{id} queued again") };
    Ok(see_other(&with_notice(&text)))
}

/// The page's discard button.
#[utoipa::path(tag = "page", params(("id" = String, Path, description = "the entry's id")),
    request_body(content = DiscardForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "back to the page with a notice"), (status = 401)))]
#[post("/admin/page/inbox/{id}/discard")]
pub(super) async fn discard_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    // Read after the session check: a stranger learns nothing from a 400.
    form: Result<web::Form<DiscardForm>, actix_web::Error>,
) -> Result<HttpResponse, ApiError> {
    if !signed_in(&req) {
        return Err(ApiError::AdminUnauthorized);
    }
    let id = parse_id(&id)?;
    let form = form.map_err(|_| ApiError::BadRequest("the form needs a reason".into()))?;
    let reason = form.reason.trim();
    if reason.is_empty() {
        return Ok(see_other(&with_notice("say why the entry is discarded")));
    }
    let done = state.inbox.discard(&[id], "admin-page", reason, Utc::now()).await.map_err(store_error)?;
    let text = if done.is_empty() { format!("{id} was not discarded") } else { format!("{id} discarded") };
    Ok(see_other(&with_notice(&text)))
}
