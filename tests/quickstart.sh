#!/usr/bin/env bash
# Runs the README's quick start as written: the code block after
# `<!-- quickstart:terminal-1 -->` (its last line, the service, in the
# background) and then the one after `<!-- quickstart:terminal-2 -->`. In a
# scratch directory that links the repository's sources and target/, so
# ./data starts empty, and on a free port (OE_BIND, which `replay` follows),
# so a service already running on 8080 is not disturbed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
for f in Cargo.toml Cargo.lock src benches fixtures target; do ln -s "$root/$f" "$work/$f"; done

# The lines of the code block that follows the marker.
block() {
    awk -v marker="<!-- quickstart:$1 -->" '
        $0 == marker { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' "$root/README.md"
}
terminal1="$(block terminal-1)"
terminal2="$(block terminal-2)"
[ -n "$terminal1" ] && [ -n "$terminal2" ] || { echo "quickstart: README markers not found" >&2; exit 1; }

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export OE_BIND="127.0.0.1:$port"
export OE_LOG_FORMAT=pretty
cd "$work"

echo "== terminal 1"
echo "$terminal1" | head -n -1 | bash -euxo pipefail
service="$(echo "$terminal1" | tail -n 1)"
bash -c "$service" >"$work/service.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do
    ./target/release/oe-webhooks healthcheck >/dev/null 2>&1 && break
    sleep 0.2
done

echo "== terminal 2"
out="$(echo "$terminal2" | bash -euxo pipefail 2>&1)" || { echo "$out"; cat "$work/service.log"; exit 1; }
echo "$out"
# What the section promises: the draft, its approval, the mail in the outbox.
for fact in "awaiting approve_message" "understood:" "draft:" "approved; queued as" "-> done" "Subject: Re:"; do
    grep -qF -- "$fact" <<<"$out" || { echo "quickstart: \"$fact\" missing" >&2; cat "$work/service.log"; exit 1; }
done
echo "quickstart: ok"
