#!/usr/bin/env bash
# Ingest load test: signed generic webhooks at the embedded service, with
# wrk on the same machine (../shared/bench/ has the request generator and
# the wrk script). Prints p50/p99 latency, requests/s and the RSS, for an
# accept-only instance (OE_WORKERS=0) and for one that also processes.
#   bash benches/ingest.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${1:-10}
conns=${2:-32}
tools=../shared/bench
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18090

run() {
    local label=$1 workers=$2
    rm -rf "$work/data"
    python3 "$tools/signed_requests.py" $((secs * 50000)) "$work/reqs.tsv" >/dev/null
    OE_WORKERS=$workers OE_BIND=127.0.0.1:$port OE_DATA_DIR="$work/data" OE_LOG_FORMAT=json RUST_LOG=warn \
        target/release/oe-webhooks serve >"$work/serve.log" 2>&1 &
    local pid=$!
    for _ in $(seq 50); do curl -fs "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    local figures
    figures=$(REQS="$work/reqs.tsv" NTHREADS=1 wrk -t1 -c"$conns" -d"${secs}s" -s "$tools/signed.lua" "http://127.0.0.1:$port" | tail -1)
    local rss
    rss=$(ps -o rss= -p $pid)
    echo "$label: $figures rss_mb=$((rss / 1024))"
    kill $pid; wait $pid 2>/dev/null || true
    port=$((port + 1))
}

run "accept-only (OE_WORKERS=0)" 0
run "accept+process (OE_WORKERS=256, the default)" 256

# Latency at a steady 1,000 requests/s (the service also processing).
rm -rf "$work/data"
python3 "$tools/signed_requests.py" 12000 "$work/paced.tsv" >/dev/null
OE_BIND=127.0.0.1:$port OE_DATA_DIR="$work/data" OE_LOG_FORMAT=json RUST_LOG=warn target/release/oe-webhooks serve >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -fs "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
python3 benches/paced.py "$work/paced.tsv" 1000 10 "http://127.0.0.1:$port"
kill $pid; wait $pid 2>/dev/null || true
