//! One integration-test binary (fast linking, shared helpers).

mod approval;
mod durability;
mod helpers;
mod smtp;
mod webhooks;
