#!/usr/bin/env python3
"""Paced load: RATE signed requests per second (from signed_requests.py's
TSV) for SECONDS, over a few keep-alive connections; prints the latency
percentiles of the acks. wrk cannot pace, this can.
    python3 benches/paced.py REQS.tsv [RATE] [SECONDS] [URL]"""
import http.client, sys, threading, time, urllib.parse

reqs_path = sys.argv[1]
rate = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
url = urllib.parse.urlparse(sys.argv[4] if len(sys.argv) > 4 else "http://127.0.0.1:8080")
lines = open(reqs_path).read().splitlines()
threads = 8
per_thread = rate / threads
latencies, errors, lock = [], [0], threading.Lock()


def worker(k):
    conn = http.client.HTTPConnection(url.hostname, url.port)
    start = time.perf_counter()
    n = 0
    mine = []
    while True:
        due = start + n / per_thread
        now = time.perf_counter()
        if due - start > seconds:
            break
        if due > now:
            time.sleep(due - now)
        mid, ts, sig, body = lines[(n * threads + k) % len(lines)].split("\t", 3)
        t0 = time.perf_counter()
        conn.request("POST", "/webhooks/email/generic", body=body, headers={
            "content-type": "application/json", "webhook-id": mid, "webhook-timestamp": ts, "webhook-signature": sig})
        res = conn.getresponse()
        res.read()
        mine.append(time.perf_counter() - t0)
        if res.status >= 300:
            with lock:
                errors[0] += 1
        n += 1
    with lock:
        latencies.extend(mine)


ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
t = time.perf_counter()
[x.start() for x in ts]
[x.join() for x in ts]
elapsed = time.perf_counter() - t
latencies.sort()
pct = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000
print(f"paced rate={rate}/s achieved={len(latencies) / elapsed:.0f}/s p50_ms={pct(0.5):.2f} p99_ms={pct(0.99):.2f} max_ms={latencies[-1] * 1000:.2f} errors={errors[0]}")
