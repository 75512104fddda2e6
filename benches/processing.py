#!/usr/bin/env python3
"""Embedded processing rate against store size.

For each store size: a fresh data directory, an accept-only service
(OE_WORKERS=0) acknowledges N varied inquiries (../shared/bench/varied_requests.py),
the service stops, SEED past bookings are written straight into
openevent.sqlite3 (clients, events over six years and every room and
status, their mails, tasks and offers), then the service starts with its
workers (OE_WORKERS from the environment, else the service's default) and
the processed count is sampled from /metrics until all N are done. Prints
the rate over the first and the last quarter, overall, the service's CPU
time per inquiry (user + system: how far the rate is from both cores'
worth) and its peak RSS (VmHWM).
    python3 benches/processing.py BINARY REQS.tsv SEED[,SEED...] [PORT]"""
import http.client, json, os, random, signal, sqlite3, subprocess, sys, tempfile, threading, time, uuid
from datetime import date, timedelta

binary, reqs_path, seeds = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3].split(",")]
port = int(sys.argv[4]) if len(sys.argv) > 4 else 18290
lines = open(reqs_path).read().splitlines()
n = len(lines)


def start(data, workers, log):
    env = dict(os.environ, OE_BIND=f"127.0.0.1:{port}", OE_DATA_DIR=data,
               OE_LOG_FORMAT="json", RUST_LOG="warn")
    if workers is not None:  # else the service's default
        env["OE_WORKERS"] = str(workers)
    p = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=log)
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return p
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"service did not start (see {log.name})")


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)


def post_all():
    """Acknowledges every request over 8 keep-alive connections."""
    errors = [0]

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for line in lines[k::8]:
            mid, ts, sig, body = line.split("\t", 3)
            conn.request("POST", "/webhooks/email/generic", body=body, headers={
                "content-type": "application/json", "webhook-id": mid, "webhook-timestamp": ts,
                "webhook-signature": sig})
            r = conn.getresponse()
            r.read()
            if r.status != 202:
                errors[0] += 1
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    if errors[0]:
        raise SystemExit(f"{errors[0]} requests were not accepted")


def seed(db_path, count):
    """`count` past and future bookings, as a venue accumulates them."""
    if count == 0:
        return
    rnd = random.Random(7)
    db = sqlite3.connect(db_path)
    team = db.execute("SELECT team_id FROM rooms LIMIT 1").fetchone()[0]
    user = "00000000-0000-4000-8000-000000000002"  # the embedded store's system user (config.rs, dev)
    rooms = [r[0] for r in db.execute("SELECT id FROM rooms")]
    statuses = ["lead"] * 2 + ["option"] * 2 + ["confirmed"] * 4 + ["cancelled"] * 2
    first = date(2023, 1, 1)
    clients, events, emails, tasks, offers = [], [], [], [], []
    per_month = {}
    for i in range(count):
        cid, eid = str(uuid.uuid4()), str(uuid.uuid4())
        day = first + timedelta(days=rnd.randrange(6 * 365))
        created = f"{day - timedelta(days=rnd.randrange(30, 200))}T10:00:00.000Z"
        status = rnd.choice(statuses)
        room = json.dumps([rnd.choice(rooms)]) if status != "lead" else "[]"
        addr = f"past{i}@client{i % 997}.example"
        clients.append((cid, team, user, f"Past Client {i}", addr, "confirmed" if status == "confirmed" else "lead",
                        created, created))
        events.append((eid, team, user, cid, f"Event of Past Client {i}", str(day), "09:00:00", "17:00:00",
                       10 + i % 90, room, status, 7 if status == "confirmed" else 3, 1, "theater", created, created))
        emails.append((str(uuid.uuid4()), team, user, addr, "events@atelier-zurich.ch", "Booking request",
                       "Hello, we would like to book a room.", eid, cid, 0, created, f"<past-{i}@example>", created))
        emails.append((str(uuid.uuid4()), team, user, "events@atelier-zurich.ch", addr, "Re: Booking request",
                       "Thank you for your inquiry.", eid, cid, 1, created, f"<past-{i}-re@atelier>", created))
        done = status != "lead" or rnd.random() < 0.9
        tasks.append((str(uuid.uuid4()), team, user, "Review draft", "Email Tasks",
                      "completed" if done else "pending", eid, f"Past Client {i}",
                      json.dumps({"action": "approve_message", "draft_message": "Dear client",
                                  **({"send_state": "sent", "resolution": "approved"} if done else {})}),
                      created, created))
        if status in ("option", "confirmed", "cancelled"):
            month = f"OE-{day.year:04d}-{day.month:02d}-"
            seq = per_month.get(month, 0) + 1
            per_month[month] = seq
            offers.append((str(uuid.uuid4()), team, user, eid, f"{month}{seq:04d}", str(day), 1500.0,
                           "cancelled" if status == "cancelled" else ("confirmed" if status == "confirmed" else "sent"),
                           created, created))
    with db:
        db.executemany("INSERT INTO clients (id, team_id, user_id, name, email, status, created_at, updated_at)"
                       " VALUES (?,?,?,?,?,?,?,?)", clients)
        db.executemany("INSERT INTO events (id, team_id, user_id, client_id, title, event_date, start_time, end_time,"
                       " attendees, room_ids, status, current_step, date_confirmed, seating_layout, created_at,"
                       " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", events)
        db.executemany("INSERT INTO emails (id, team_id, user_id, from_email, to_email, subject, body_text, event_id,"
                       " client_id, is_sent, received_at, message_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       emails)
        db.executemany("INSERT INTO tasks (id, team_id, user_id, title, category, status, event_id, client_name,"
                       " payload, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", tasks)
        db.executemany("INSERT INTO offers (id, team_id, user_id, event_id, offer_number, offer_date, total_amount,"
                       " status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)", offers)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def processed():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/metrics")
    for line in c.getresponse().read().decode().splitlines():
        if line.startswith('oe_inbox_processed_total{outcome="done"}'):
            return int(line.split()[-1])
    return 0


def cpu_seconds(pid):
    """User + system CPU time of the process so far (/proc/PID/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(count):
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "data")
        log = open(os.path.join(work, "serve.log"), "w")
        p = start(data, 0, log)
        post_all()
        stop(p)
        seed(os.path.join(data, "openevent.sqlite3"), count)
        # The seed's writes (100+ MB at 100k bookings) reach the disk before
        # the timed run: the kernel's writeback of the setup would otherwise
        # share the two cores with the service being measured.
        os.sync()
        p = start(data, os.environ.get("OE_WORKERS"), log)
        t0, cpu0 = time.perf_counter(), cpu_seconds(p.pid)
        marks, quarter = {}, n // 4
        # Sampled 5 times a second (a scrape counts the inbox and the pending
        # tasks: at 20/s the scrapes themselves took a share of the CPU that
        # grew with the run); when a mark was crossed is interpolated between
        # the two samples around it.
        last = (0.0, 0)
        while True:
            done = processed()
            now = time.perf_counter() - t0
            for k in (quarter, n - quarter, n):
                if done >= k and k not in marks:
                    marks[k] = last[0] + (now - last[0]) * (k - last[1]) / max(done - last[1], 1)
            last = (now, done)
            if done >= n:
                break
            if now > 600:
                raise SystemExit(f"only {done} of {n} processed in 600 s")
            time.sleep(0.2)
        cpu = cpu_seconds(p.pid) - cpu0
        hwm = next(int(l.split()[1]) // 1024 for l in open(f"/proc/{p.pid}/status") if l.startswith("VmHWM"))
        stop(p)
        first = quarter / marks[quarter]
        last = quarter / (marks[n] - marks[n - quarter])
        return first, last, n / marks[n], hwm, cpu * 1e6 / n


results = []
for count in seeds:
    first, last, overall, hwm, cpu_us = measure(count)
    results.append(overall)
    print(f"embedded processing, {count} past bookings: {overall:.0f} inquiries/s over {n}"
          f" (first quarter {first:.0f}/s, last quarter {last:.0f}/s, flatness {last / first:.2f}),"
          f" {cpu_us:.0f} us CPU per inquiry, peak RSS {hwm} MB", flush=True)
if len(results) > 1:
    print(f"store-size flatness (slowest/fastest overall rate): {min(results) / max(results):.2f}")
