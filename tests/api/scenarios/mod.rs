//! The conversations under `fixtures/scenarios/`, played message by message
//! (inbound mails in their providers' formats, the manager's decisions, the
//! deposit webhook), with the booking's state, its tasks and the facts in
//! each draft checked after every message. Every scenario runs on the
//! embedded store through `oe-webhooks replay`, the way a developer plays
//! it; the happy paths also run on real PostgREST, where the manager's
//! decisions are real UPDATEs whose webhooks Postgres signs.

mod conversations;
mod driver;
