-- 1. Workflow state on the frontend's tables --------------------------------

alter table public.events
  add column if not exists current_step integer not null default 1,
  add column if not exists date_confirmed boolean not null default false,
  add column if not exists caller_step integer,
  add column if not exists seating_layout text,
  add column if not exists preferred_room text,
  add column if not exists requirements_hash text,
  add column if not exists room_eval_hash text,
  add column if not exists offer_hash text,
  -- What the conversation remembers beyond the columns (proposed dates and
  -- rooms, wished products, ...), written by the service only.
  add column if not exists workflow_state jsonb not null default '{}'::jsonb;

-- The billing address step 6 asks for (kept if the frontend has them).
alter table public.clients
  add column if not exists billing_address text,
  add column if not exists billing_postal_code text,
  add column if not exists billing_city text,
  add column if not exists billing_country text;

-- Seats per layout beyond the frontend's four columns, e.g.
-- {"u_shape": 22, "boardroom": 16, "classroom": 36, "workshop": 28}: a room
-- is offered for a seating only with a figure for it.
alter table public.rooms
  add column if not exists deposit_required boolean not null default false,
  add column if not exists deposit_percent numeric(5, 2),
  add column if not exists layout_capacities jsonb;

-- Threading and idempotency keys on emails (kept if the frontend has them).
alter table public.emails
  add column if not exists message_id text,
  add column if not exists in_reply_to text,
  add column if not exists thread_id text;

-- Optional columns: the service writes them, the frontend contract does not require the
-- frontend to have them (a line item needs only offer_id, name, quantity,
-- unit_price and total). Added as nullable columns where missing, kept as
-- they are where the frontend has them (with its own types, defaults and
-- constraints), so every write of the service lands on any frontend.
alter table public.events
  add column if not exists description text;
alter table public.tasks
  add column if not exists description text;
alter table public.offer_line_items
  add column if not exists team_id uuid,
  add column if not exists user_id uuid,
  add column if not exists description text,
  add column if not exists product_id uuid;

-- 2. Uniqueness ------------------------------------------------------------

-- One client per lower-cased address and team, even when two inquiries of a
-- new sender are processed at once on two replicas.
create unique index if not exists oe_clients_team_email on public.clients (team_id, lower(email));
-- The Message-ID makes processing a mail idempotent.
create unique index if not exists oe_emails_team_message on public.emails (team_id, message_id);
