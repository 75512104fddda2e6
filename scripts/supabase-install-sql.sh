#!/usr/bin/env bash
# Builds webhooks/supabase/install.sql, the one file an operator runs in
# Supabase's SQL editor (which has no \i), from its parts in
# src/store/supabase/sql/*.sql, concatenated in name order.
#
#   bash scripts/supabase-install-sql.sh          # writes install.sql
#   bash scripts/supabase-install-sql.sh --stdout # prints it
#
# A test (tests/api/installer.rs) fails when install.sql is not exactly
# this script's output: edit the parts, then run the script.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C

build() {
  echo "-- GENERATED from src/store/supabase/sql/*.sql by scripts/supabase-install-sql.sh:"
  echo "-- edit the parts there and run the script again. Run this file whole."
  for part in src/store/supabase/sql/*.sql; do
    printf '\n-- ==== %s ====\n\n' "$part"
    cat "$part"
  done
}

case "${1:-}" in
  --stdout) build ;;
  "") build > webhooks/supabase/install.sql ;;
  *) echo "usage: $0 [--stdout]" >&2; exit 2 ;;
esac
