-- Accepted entries before they move into the inbox file's `inbox` (see
-- intake.rs): rows in arrival order and no index, so an acknowledgement's
-- commit appends a page or two whatever the size of the inbox.
-- AUTOINCREMENT: a rowid is never given twice, even once the table has
-- emptied, so a move's delete of the rows up to the last it moved (a
-- transaction of its own, see intake.rs) can never take a newer row that
-- another process appended meanwhile.
CREATE TABLE IF NOT EXISTS intake (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    source TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    order_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    trace_context TEXT
);
