//! oe-webhooks: signed webhooks in, durable inbox, pure booking workflow,
//! writes to the OpenEvent Supabase tables (or an embedded store), mail out
//! only after a manager approved it. See README.md for the architecture.

#![forbid(unsafe_code)]

pub mod alerts;
pub mod cli;
pub mod config;
pub mod data_lock;
pub mod dispatch;
pub mod domain;
pub mod http;
pub mod inbox;
pub mod ingest;
pub mod mail;
pub mod metrics;
pub mod signature;
pub mod startup;
pub mod store;
pub mod supervision;
pub mod telemetry;
pub mod tenant;
pub mod workflow;
