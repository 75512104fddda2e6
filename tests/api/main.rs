//! One integration-test binary (fast linking, shared helpers).

mod admin;
mod admin_page;
mod alerts;
mod approval;
mod check;
mod conformance;
mod corrections;
mod drift;
mod durability;
mod followups;
mod fuzz;
mod harness;
mod helpers;
mod installer;
mod metrics;
mod operations;
mod otel;
#[path = "../support/postgrest.rs"]
mod postgrest;
mod providers;
mod recovery;
mod replay;
mod scenarios;
mod smtp;
mod startup;
mod supabase;
mod tenancy;
mod webhooks;
