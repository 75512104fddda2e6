//! `oe-webhooks check`: can this configuration work against this Supabase
//! project? Prints one line per check and exits non-zero on any failure.

use std::process::ExitCode;

use reqwest::Method;
use serde_json::Value;

use crate::config::{Config, Mode};
use crate::store::supabase::Rest;

/// A table the service reads or writes, and its columns: `required` ones the
/// frontend's schema must have (the contract in webhooks/supabase/README.md; install.sql does not add them) and
/// `optional` ones it may lack, which `webhooks/supabase/install.sql` adds
/// where missing (the service's workflow columns, and the columns it writes
/// beyond the spec as nullable columns).
struct Table {
    name: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
}

const NEEDED: &[Table] = &[
    Table {
        name: "clients",
        required: &["id", "team_id", "user_id", "name", "email", "company", "status"],
        optional: &["billing_address", "billing_postal_code", "billing_city", "billing_country"],
    },
    Table {
        name: "events",
        required: &[
            "id",
            "team_id",
            "user_id",
            "client_id",
            "title",
            "event_date",
            "start_time",
            "end_time",
            "attendees",
            "room_ids",
            "status",
        ],
        optional: &[
            "current_step",
            "date_confirmed",
            "caller_step",
            "seating_layout",
            "preferred_room",
            "requirements_hash",
            "room_eval_hash",
            "offer_hash",
            "workflow_state",
            "description",
        ],
    },
    Table {
        name: "emails",
        required: &[
            "id",
            "team_id",
            "user_id",
            "from_email",
            "to_email",
            "subject",
            "body_text",
            "body_html",
            "event_id",
            "client_id",
            "is_sent",
            "received_at",
            "thread_id",
        ],
        optional: &["message_id", "in_reply_to"],
    },
    Table {
        name: "tasks",
        required: &[
            "id",
            "team_id",
            "user_id",
            "title",
            "category",
            "status",
            "priority",
            "event_id",
            "client_name",
            "payload",
            "completed_at",
            "created_at",
        ],
        optional: &["description"],
    },
    Table {
        name: "offers",
        required: &[
            "id",
            "team_id",
            "user_id",
            "event_id",
            "offer_number",
            "subject",
            "offer_date",
            "valid_until",
            "subtotal",
            "vat_amount",
            "total_amount",
            "deposit_enabled",
            "deposit_type",
            "deposit_percentage",
            "deposit_amount",
            "deposit_deadline_days",
            "payment_status",
            "deposit_paid_at",
            "confirmed_at",
            "status",
        ],
        optional: &[],
    },
    Table {
        name: "offer_line_items",
        required: &["id", "offer_id", "name", "quantity", "unit_price", "total"],
        optional: &["team_id", "user_id", "product_id", "description"],
    },
    Table {
        name: "rooms",
        required: &[
            "id",
            "team_id",
            "name",
            "capacity",
            "theater_capacity",
            "cocktail_capacity",
            "seated_dinner_capacity",
            "standing_capacity",
            "amenities",
            "hourly_rate",
            "half_day_rate",
            "full_day_rate",
            "vat_rate",
        ],
        optional: &["deposit_required", "deposit_percent"],
    },
    Table {
        name: "products",
        required: &["id", "team_id", "name", "base_price", "price_type", "vat_rate", "category_id", "available"],
        optional: &[],
    },
    Table { name: "product_categories", required: &["id", "name"], optional: &[] },
    Table { name: "oe_inbox", required: &[], optional: &["id", "status", "dedupe_key", "order_key", "payload"] },
];

const INSTALL_HINT: &str = "run webhooks/supabase/install.sql in the project";

pub(super) async fn run(config: &Config) -> anyhow::Result<ExitCode> {
    if config.mode != Mode::Supabase {
        println!("ok    {}", providers_line(config));
        println!("ok    embedded mode: nothing to check against Supabase (set OE_INTEGRATION_MODE=supabase)");
        return Ok(ExitCode::SUCCESS);
    }
    let supabase =
        config.supabase.as_ref().ok_or_else(|| anyhow::anyhow!("OE_SUPABASE_URL and OE_SUPABASE_KEY are required"))?;
    let rest = Rest::new(supabase)?;
    let mut report = Report::default();
    match config.team_id {
        Some(team) => report.ok(format!("configuration complete (serves team {team})")),
        None => report.ok("configuration complete (serves every team with an enabled mailbox)"),
    }
    report.ok(providers_line(config));

    match probe(&rest, "").await {
        Probe::Ok => report.ok(format!("REST API reachable at {}/rest/v1 with the key", supabase.url)),
        Probe::Refused(why) => {
            report.fail(format!("the key was refused ({why}): OE_SUPABASE_KEY must be the project's service_role key"));
            return Ok(report.finish());
        }
        Probe::Missing(why) | Probe::Unreachable(why) => {
            report.fail(format!("REST API not usable at {}/rest/v1: {why}", supabase.url));
            return Ok(report.finish());
        }
    }

    for table in NEEDED {
        columns(&rest, table, &mut report).await;
    }

    // Each RPC the service calls, with arguments that change nothing: an
    // installer from an older version shows up here.
    let team = config.team_id.unwrap_or(crate::domain::TeamId(uuid::Uuid::nil()));
    let user = config.system_user_id.unwrap_or(crate::domain::UserId(uuid::Uuid::nil()));
    let calls = [
        ("oe_inbox_stats", serde_json::json!({})),
        ("oe_inbox_claim", serde_json::json!({"p_limit": 0, "p_lease_ms": 0, "p_teams": []})),
        ("oe_inbox_append", serde_json::json!({"p_entries": []})),
        ("oe_apply_plans", serde_json::json!({"p_team": team, "p_user": user, "p_plans": []})),
        ("oe_mail_contexts", serde_json::json!({"p_team": team, "p_mails": []})),
        ("oe_booking_for_mail", serde_json::json!({"p_team": team, "p_refs": [], "p_sender": "check@example.invalid"})),
        ("oe_booking", serde_json::json!({"p_team": team, "p_event": uuid::Uuid::nil()})),
    ];
    let mut missing = Vec::new();
    for (function, args) in &calls {
        if let Err(e) = rest.send::<Value>(rest.request(Method::POST, &format!("rpc/{function}")).json(args)).await {
            missing.push(format!("{function} ({e})"));
        }
    }
    if missing.is_empty() {
        report.ok(format!("{} RPC functions callable", calls.len()));
    } else {
        report.fail(format!("RPC functions not callable: {} ({INSTALL_HINT})", missing.join(", ")));
    }

    if let Some(team) = config.team_id {
        match rest.get::<Value>(&format!("teams?id=eq.{team}&select=id")).await {
            Ok(rows) if !rows.is_empty() => report.ok(format!("team {team} present")),
            Ok(_) => report.fail(format!("team {team} not found in teams: check OE_TEAM_ID")),
            Err(e) => report.fail(format!("teams not readable ({e}): cannot confirm OE_TEAM_ID")),
        }
    }
    mailboxes(&rest, config, &mut report).await;

    let keys = config.secrets.supabase.len();
    if keys > 0 {
        report.ok(format!(
            "webhook secret set (OE_SUPABASE_WEBHOOK_SECRET, {keys} key{})",
            if keys == 1 { "" } else { "s" }
        ));
    } else {
        report.fail("OE_SUPABASE_WEBHOOK_SECRET is not set: database webhooks would be refused");
    }
    Ok(report.finish())
}

/// Which mail providers' endpoints are served; the others answer 404.
fn providers_line(config: &Config) -> String {
    use crate::ingest::Provider;
    let (on, off): (Vec<Provider>, Vec<Provider>) =
        Provider::ALL.into_iter().partition(|p| config.secrets.configured(*p));
    let names = |ps: &[Provider]| ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ");
    match (on.is_empty(), off.is_empty()) {
        (true, _) => "no mail provider configured".to_string(),
        (false, true) => format!("mail providers configured: {}", names(&on)),
        (false, false) => {
            format!("mail providers configured: {} (not configured, answer 404: {})", names(&on), names(&off))
        }
    }
}

/// One line per table when all is well; otherwise which columns are
/// missing, the frontend's required ones apart from the optional ones
/// install.sql adds.
async fn columns(rest: &Rest, table: &Table, report: &mut Report) {
    let name = table.name;
    let all: Vec<&str> = table.required.iter().chain(table.optional).copied().collect();
    match probe(rest, &format!("{name}?select={}&limit=1", all.join(","))).await {
        Probe::Ok => report.ok(format!(
            "{name}: {} columns readable ({} required, {} optional)",
            all.len(),
            table.required.len(),
            table.optional.len()
        )),
        Probe::Refused(why) => report.fail(format!("{name}: not readable with the key ({why})")),
        Probe::Unreachable(why) => report.fail(format!("{name}: {why}")),
        Probe::Missing(_) => {
            // Find out which columns exactly, or that the table is missing.
            if !matches!(probe(rest, &format!("{name}?select=*&limit=1")).await, Probe::Ok) {
                report.fail(format!("{name}: table missing ({INSTALL_HINT} after the frontend's migrations)"));
                return;
            }
            let mut missing_required = Vec::new();
            let mut missing_optional = Vec::new();
            for column in &all {
                if !matches!(probe(rest, &format!("{name}?select={column}&limit=1")).await, Probe::Ok) {
                    if table.required.contains(column) {
                        missing_required.push(*column);
                    } else {
                        missing_optional.push(*column);
                    }
                }
            }
            if !missing_required.is_empty() {
                report.fail(format!(
                    "{name}: missing required columns {}: the frontend's schema must have them (webhooks/supabase/README.md; \
                     install.sql does not add them)",
                    missing_required.join(", ")
                ));
            }
            if !missing_optional.is_empty() {
                report.fail(format!(
                    "{name}: missing columns {} (optional for the frontend: {INSTALL_HINT}, which adds them)",
                    missing_optional.join(", ")
                ));
            }
        }
    }
}

enum Probe {
    Ok,
    /// 401/403: the key.
    Refused(String),
    /// 400/404: a table, column or function that is not there.
    Missing(String),
    Unreachable(String),
}

async fn probe(rest: &Rest, path: &str) -> Probe {
    match rest.request(Method::GET, path).send().await {
        Ok(res) if res.status().is_success() => Probe::Ok,
        Ok(res) => {
            let status = res.status();
            let body: Value = res.json().await.unwrap_or_default();
            let why = format!("{status}: {}", body["message"].as_str().unwrap_or_default());
            match status.as_u16() {
                401 | 403 => Probe::Refused(why),
                400 | 404 => Probe::Missing(why),
                _ => Probe::Unreachable(why),
            }
        }
        Err(e) => Probe::Unreachable(format!("cannot connect: {e}")),
    }
}

#[derive(Default)]
struct Report {
    failures: usize,
}

impl Report {
    fn ok(&mut self, line: impl Into<String>) {
        let line: String = line.into();
        println!("ok    {line}");
    }

    fn fail(&mut self, line: impl Into<String>) {
        let line: String = line.into();
        self.failures += 1;
        println!("FAIL  {line}");
    }

    fn finish(self) -> ExitCode {
        if self.failures == 0 {
            println!("all checks passed");
            ExitCode::SUCCESS
        } else {
            println!("{} problem{} found", self.failures, if self.failures == 1 { "" } else { "s" });
            ExitCode::FAILURE
        }
    }
}

/// Every configured venue mailbox and what it lacks; with `OE_TEAM_ID`
/// unset, at least one must be enabled.
async fn mailboxes(rest: &Rest, config: &Config, report: &mut Report) {
    let rows: Vec<crate::tenant::VenueMailbox> = match rest.get("oe_mailboxes?select=*&order=address").await {
        Ok(rows) => rows,
        Err(e) => {
            report.fail(format!("oe_mailboxes not readable ({e}): {INSTALL_HINT}"));
            return;
        }
    };
    if rows.is_empty() {
        match config.team_id {
            Some(team) => report.ok(format!("no venue mailboxes: every mail goes to team {team}")),
            None => report.fail("OE_TEAM_ID is unset and oe_mailboxes is empty: no team would be served"),
        }
    }
    for m in &rows {
        let mut lacks = Vec::new();
        if m.system_user_id.is_none() && config.system_user_id.is_none() {
            lacks.push("system_user_id (or OE_SYSTEM_USER_ID)");
        }
        if !m.enabled {
            lacks.push("enabled = false");
        }
        let line = format!("mailbox {} -> team {}", m.address, m.team_id);
        match (lacks.is_empty(), config.team_id.map_or(true, |t| t == m.team_id)) {
            (true, true) => report.ok(line),
            (true, false) => report.ok(format!("{line} (another deployment's venue)")),
            (false, _) => report.fail(format!("{line}: missing {}", lacks.join(", "))),
        }
    }
    if let Ok(rows) = rest.get::<Value>("oe_inbox?team_id=is.null&status=in.(pending,processing)&select=id").await {
        if !rows.is_empty() {
            report.fail(format!(
                "{} inbox entries from before team routing have no team and are never processed: process them with \
                 the previous version first",
                rows.len()
            ));
        }
    }
}
