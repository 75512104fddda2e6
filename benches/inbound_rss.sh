#!/usr/bin/env bash
# Peak memory while receiving large inbound mail: 8 SendGrid posts of 25 MB
# each (one PDF attachment) at once, against the embedded service. Prints
# the service's peak RSS (VmHWM) before and after; the target is < 64 MB.
# Nothing is asserted: this prints its figure.
#   bash benches/inbound_rss.sh [mails] [megabytes]
#   PROFILE=debug bash benches/inbound_rss.sh     # the debug build, no release build
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mails=${1:-8}
mb=${2:-25}
profile=${PROFILE:-release}
if [ "$profile" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
bin=target/$profile/oe-webhooks
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18190

# One parsed-mode post per mail, each with its own Message-ID.
python3 - "$work" "$mails" "$mb" <<'PY'
import os, sys
work, mails, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pdf = bytes(i % 251 for i in range(1 << 20)) * mb
def part(name, value, extra=b""):
    return b'--xYzZY\r\nContent-Disposition: form-data; name="' + name + b'"' + extra + b"\r\n\r\n" + value + b"\r\n"
for i in range(mails):
    headers = ("From: Anna Keller <anna%d@keller.ch>\nTo: events@atelier-zurich.ch\nSubject: Workshop\n"
               "Message-ID: <rss-%d-%s@keller.ch>\n" % (i, i, os.urandom(4).hex())).encode()
    text = b"Hello,\n\nwe would like to book a room for a workshop on 14.03.2027 for 24 people.\n\nAnna Keller\n"
    body = (part(b"headers", headers) + part(b"text", text)
            + part(b"attachment-info", b'{"attachment1":{"filename":"plan.pdf","type":"application/pdf"}}')
            + part(b"attachment1", pdf, b'; filename="plan.pdf"\r\nContent-Type: application/pdf')
            + b"--xYzZY--\r\n")
    open(os.path.join(work, "mail%d.multipart" % i), "wb").write(body)
PY

OE_BIND=127.0.0.1:$port OE_DATA_DIR="$work/data" OE_LOG_FORMAT=json RUST_LOG=warn "$bin" serve >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
hwm() { awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status"; }
before=$(hwm)

auth=$(printf 'sendgrid:dev-sendgrid-password' | base64)
start=$(date +%s.%N)
for i in $(seq 0 $((mails - 1))); do
    curl -s -o /dev/null -w "%{http_code}\n" -X POST "http://127.0.0.1:$port/webhooks/email/sendgrid" \
        -H "authorization: Basic $auth" -H "content-type: multipart/form-data; boundary=xYzZY" \
        --data-binary @"$work/mail$i.multipart" >"$work/status$i" &
done
wait $(jobs -p | grep -v "^$pid$")
secs=$(echo "$(date +%s.%N) - $start" | bc)
statuses=$(cat "$work"/status* | sort | uniq -c | tr -s ' ' | tr '\n' ',')
for _ in $(seq 100); do
    curl -fs "127.0.0.1:$port/readyz" | grep -q '"pending":0,"processing":0' && break; sleep 0.1
done
echo "$mails mails of $mb MB at once ($profile build): answers${statuses%,}, ${secs}s"
echo "peak RSS: $(hwm) MB (before: $before MB; target < 64 MB)"
