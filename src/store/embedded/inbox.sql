-- The durable inbox (its own database file, so webhook commits never wait
-- for workflow writes). Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    -- The team the entry belongs to (decided at the edge); claims are scoped by it.
    team_id TEXT NOT NULL,
    source TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    order_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'done', 'dead', 'discarded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    received_at INTEGER NOT NULL,
    finished_at INTEGER
);
-- Unfinished entries only, in arrival order: a claim walks the head of
-- this index and stops after LIMIT rows, however long the backlog.
CREATE INDEX IF NOT EXISTS inbox_open ON inbox (seq) WHERE status IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS inbox_order ON inbox (order_key, seq) WHERE status IN ('pending', 'processing');
-- /metrics and /readyz count entries by status from this index alone:
-- without it each scrape read every row, payloads and all, while holding
-- the connection the acknowledgements append on (130–245 ms per scrape at
-- 285k entries; 18–19 ms with it).
CREATE INDEX IF NOT EXISTS inbox_status ON inbox (status);
-- Columns added since this table's first release (trace_context: the W3C
-- traceparent of the accepting request) are added by migrate.rs
-- (INBOX_ADDED) to every inbox file at open, new or old alike.
