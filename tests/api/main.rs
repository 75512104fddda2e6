//! One integration-test binary (fast linking, shared helpers).

mod admin;
mod admin_page;
mod approval;
mod check;
mod conformance;
mod corrections;
mod drift;
mod durability;
mod fuzz;
mod harness;
mod helpers;
mod installer;
mod operations;
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
