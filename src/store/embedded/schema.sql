-- The embedded store mirrors the Supabase tables and column names
-- (the frontend contract, webhooks/supabase/README.md) so that both stores speak the same rows. Timestamps are
-- RFC 3339 text, dates YYYY-MM-DD, times HH:MM:SS, arrays and jsonb JSON.
-- Columns added after a first release must also be listed in migrate.rs:
-- CREATE TABLE IF NOT EXISTS leaves the tables of an older data dir as
-- they were.

CREATE TABLE IF NOT EXISTS product_categories (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    name TEXT NOT NULL
);

-- products.synonyms: a JSON array of other names the client may use
-- ("finger food"); the embedded store's own column, Supabase's products
-- have none.
CREATE TABLE IF NOT EXISTS products (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    base_price REAL NOT NULL,
    price_type TEXT NOT NULL,
    vat_rate REAL,
    category_id TEXT REFERENCES product_categories(id),
    available INTEGER NOT NULL DEFAULT 1,
    synonyms TEXT
);

CREATE TABLE IF NOT EXISTS rooms (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    capacity INTEGER NOT NULL,
    theater_capacity INTEGER,
    cocktail_capacity INTEGER,
    seated_dinner_capacity INTEGER,
    standing_capacity INTEGER,
    -- Seats per further layout, JSON: {"u_shape": 22, "workshop": 28}.
    layout_capacities TEXT,
    amenities TEXT NOT NULL DEFAULT '[]',
    hourly_rate REAL,
    half_day_rate REAL,
    full_day_rate REAL,
    vat_rate REAL,
    deposit_required INTEGER NOT NULL DEFAULT 0,
    deposit_percent REAL
);

CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    company TEXT,
    phone TEXT,
    billing_address TEXT,
    billing_postal_code TEXT,
    billing_city TEXT,
    billing_country TEXT,
    status TEXT NOT NULL DEFAULT 'lead' CHECK (status IN ('lead', 'active', 'confirmed', 'inactive')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One client per address and team, even under concurrent inquiries.
CREATE UNIQUE INDEX IF NOT EXISTS clients_team_email ON clients (team_id, email);

CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    client_id TEXT REFERENCES clients(id),
    title TEXT NOT NULL,
    description TEXT,
    event_date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    attendees INTEGER,
    room_ids TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'lead' CHECK (status IN ('lead', 'option', 'confirmed', 'cancelled')),
    current_step INTEGER NOT NULL DEFAULT 1,
    date_confirmed INTEGER NOT NULL DEFAULT 0,
    caller_step INTEGER,
    seating_layout TEXT,
    preferred_room TEXT,
    requirements_hash TEXT,
    room_eval_hash TEXT,
    offer_hash TEXT,
    workflow_state TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_client ON events (team_id, client_id, created_at);
CREATE INDEX IF NOT EXISTS events_date ON events (team_id, event_date);
-- The rooms other bookings hold (booked_rooms): only held events, so a read
-- of a date window touches at most one row per room and day, whatever the
-- history of leads and cancellations.
CREATE INDEX IF NOT EXISTS events_held ON events (team_id, event_date) WHERE status IN ('option', 'confirmed');

CREATE TABLE IF NOT EXISTS offers (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id),
    offer_number TEXT NOT NULL UNIQUE,
    subject TEXT,
    offer_date TEXT NOT NULL,
    valid_until TEXT,
    subtotal REAL NOT NULL DEFAULT 0,
    vat_amount REAL NOT NULL DEFAULT 0,
    total_amount REAL NOT NULL DEFAULT 0,
    deposit_enabled INTEGER NOT NULL DEFAULT 0,
    deposit_type TEXT CHECK (deposit_type IN ('percentage', 'fixed')),
    deposit_percentage REAL,
    deposit_amount REAL,
    deposit_deadline_days INTEGER,
    payment_status TEXT,
    deposit_paid_at TEXT,
    confirmed_at TEXT,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'confirmed', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS offers_event ON offers (event_id, created_at);
-- The reconciler's paid deposits start here: a venue's paid offers, not
-- every open booking it ever had.
CREATE INDEX IF NOT EXISTS offers_paid ON offers (team_id, event_id) WHERE deposit_paid_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS offer_line_items (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    offer_id TEXT NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
    product_id TEXT REFERENCES products(id),
    name TEXT NOT NULL,
    description TEXT,
    quantity REAL NOT NULL,
    unit_price REAL NOT NULL,
    total REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS offer_line_items_offer ON offer_line_items (offer_id);

CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    category TEXT NOT NULL CHECK (category IN ('Email Tasks', 'Event Tasks')),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_progress', 'completed')),
    priority TEXT NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
    event_id TEXT REFERENCES events(id),
    client_name TEXT,
    payload TEXT NOT NULL DEFAULT '{}',
    due_date TEXT,
    completed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks (team_id, status, created_at);
-- /metrics counts pending tasks by action from this index alone: no
-- payload parsed, no temporary b-tree for the grouping.
CREATE INDEX IF NOT EXISTS tasks_pending_action ON tasks (team_id, json_extract(payload, '$.action'))
    WHERE status = 'pending';
-- A booking's pending drafts (superseded by a newer one on every turn).
CREATE INDEX IF NOT EXISTS tasks_event ON tasks (event_id, status);
-- Decisions not acted on yet (reconciliation): a handful, not the history.
CREATE INDEX IF NOT EXISTS tasks_unacted ON tasks (team_id)
    WHERE status = 'completed' AND json_extract(payload, '$.send_state') IS NULL;

CREATE TABLE IF NOT EXISTS emails (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    email_account_id TEXT,
    from_email TEXT NOT NULL,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    event_id TEXT REFERENCES events(id),
    client_id TEXT REFERENCES clients(id),
    is_sent INTEGER NOT NULL DEFAULT 0,
    received_at TEXT NOT NULL,
    thread_id TEXT,
    message_id TEXT,
    in_reply_to TEXT,
    created_at TEXT NOT NULL
);
-- The Message-ID is the idempotency key of inbound processing.
CREATE UNIQUE INDEX IF NOT EXISTS emails_team_message ON emails (team_id, message_id);
CREATE INDEX IF NOT EXISTS emails_event ON emails (event_id, received_at);

-- The manager's corrections (`bookings edit`), journaled in the edit's
-- transaction: reconciliation finds those whose queued change was lost.
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id TEXT NOT NULL,
    change TEXT NOT NULL,
    created_at TEXT NOT NULL,
    handled_at TEXT
);
CREATE INDEX IF NOT EXISTS corrections_unhandled ON corrections (team_id, id) WHERE handled_at IS NULL;
