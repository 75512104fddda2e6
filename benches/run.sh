#!/usr/bin/env bash
# Every performance figure of the README in one run, as ratios against the
# bare actix-web + HMAC ceiling measured here and now:
#   1. the ceiling: examples/bare_ack.rs (verify the signature, answer 202);
#   2. the service accepting only (OE_WORKERS=0), then accepting while it
#      processes (the default), with wrk; peak RSS of each;
#   3. ack latency at a steady 1,000 req/s while processing (benches/paced.py);
#   4. embedded processing of 12,000 varied inquiries with 0, 10k and 100k
#      past bookings seeded into the store (benches/processing.py);
#   5. Supabase mode on PostgREST 12 (benches/supabase_inquiries.rs; needs
#      Postgres and `bash .ci/install-postgrest.sh`, SKIP_SUPABASE=1 leaves it out).
# Nothing is asserted: it prints figures. Wall-clock figures need a quiet
# machine (the load average is printed at the start and the end).
#   bash benches/run.sh [seconds per wrk run] [connections]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${1:-10}
conns=${2:-32}
tools=../shared/bench
seeds=${SEEDS:-0,10000,100000}
inquiries=${INQUIRIES:-12000}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
cargo build --release --quiet --bin oe-webhooks --example bare_ack
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18390

up() { for _ in $(seq 100); do curl -fs "127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.1; done; echo "no answer on $1" >&2; exit 1; }
hwm() { awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$1/status"; }
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# wrk against whatever listens on $port, with fresh signed requests.
load() {
    python3 "$tools/signed_requests.py" $((secs * 70000)) "$work/reqs.tsv" >/dev/null
    REQS="$work/reqs.tsv" NTHREADS=1 wrk -t1 -c"$conns" -d"${secs}s" -s "$tools/signed.lua" "http://127.0.0.1:$port" | tail -1
}

serve() { # [workers]: the service's default (OE_WORKERS unset) unless given
    rm -rf "$work/data"
    env ${1:+OE_WORKERS=$1} OE_BIND=127.0.0.1:$port OE_DATA_DIR="$work/data" OE_LOG_FORMAT=json RUST_LOG=warn \
        target/release/oe-webhooks serve >"$work/serve.log" 2>&1 &
    pid=$!
    up $port
}

stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; port=$((port + 1)); }

target/release/examples/bare_ack "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
up $port
bare=$(load)
stop
echo "bare actix-web + HMAC: $bare"

serve 0
accept=$(load)
accept_rss=$(hwm $pid)
stop
echo "accept only (OE_WORKERS=0): $accept peak_rss_mb=$accept_rss"

serve
both=$(load)
both_rss=$(hwm $pid)
backlog=$(curl -fs "127.0.0.1:$port/readyz" | python3 -c 'import json,sys; i=json.load(sys.stdin)["inbox"]; print(i["pending"] + i["processing"])')
stop
echo "accept while processing (default workers): $both peak_rss_mb=$both_rss backlog_at_end=$backlog"

serve
python3 "$tools/signed_requests.py" 12000 "$work/paced.tsv" >/dev/null
paced=$(python3 benches/paced.py "$work/paced.tsv" 1000 10 "http://127.0.0.1:$port")
paced_rss=$(hwm $pid)
stop
echo "$paced peak_rss_mb=$paced_rss"

python3 "$tools/varied_requests.py" "$inquiries" "$work/varied.tsv" >/dev/null
processing=$(python3 benches/processing.py target/release/oe-webhooks "$work/varied.tsv" "$seeds" "$port" | tee -a /dev/stderr)
port=$((port + 1))

supabase="(skipped: SKIP_SUPABASE=1)"
if [ -z "${SKIP_SUPABASE:-}" ]; then
    supabase=$(cargo bench --quiet --bench supabase_inquiries -- 4000 2>/dev/null | grep '^supabase mode' || echo "(failed: run cargo bench --bench supabase_inquiries)")
fi
echo "$supabase"

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
b=$(field "$bare" rps)
echo
echo "== summary (load after: $(cut -d' ' -f1-3 /proc/loadavg)) =="
printf '%-44s %s\n' "bare actix-web + HMAC ceiling" "$b req/s, p99 $(field "$bare" p99_ms) ms"
printf '%-44s %s\n' "accept only" "$(field "$accept" rps) req/s = $(ratio "$(field "$accept" rps)" "$b") x ceiling, p99 $(field "$accept" p99_ms) ms, peak RSS $accept_rss MB"
printf '%-44s %s\n' "accept while processing" "$(field "$both" rps) req/s = $(ratio "$(field "$both" rps)" "$b") x ceiling (goal >= 0.5), p99 $(field "$both" p99_ms) ms, peak RSS $both_rss MB"
printf '%-44s %s\n' "ack at 1,000 req/s while processing" "p99 $(field "$paced" p99_ms) ms (goal < 10), peak RSS $paced_rss MB"
while read -r line; do
    case $line in
        "embedded processing, "*)
            count=$(sed 's/embedded processing, \([0-9]*\) past.*/\1/' <<<"$line")
            rate=$(sed 's/.*: \([0-9]*\) inquiries\/s.*/\1/' <<<"$line")
            rss=$(sed 's/.*peak RSS \([0-9]*\) MB.*/\1/' <<<"$line")
            printf '%-44s %s\n' "embedded processing, $count past bookings" "$rate inquiries/s = $(ratio "$rate" "$b") x ceiling (goal >= 3000/s), peak RSS $rss MB" ;;
        "store-size flatness"*) printf '%-44s %s\n' "store-size flatness (0 -> 100k bookings)" "${line##*: } (goal >= 0.8)" ;;
    esac
done <<<"$processing"
printf '%-44s %s\n' "Supabase mode (PostgREST 12)" "$supabase"
