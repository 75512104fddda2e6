-- GENERATED from src/store/supabase/sql/*.sql by scripts/supabase-install-sql.sh:
-- edit the parts there and run the script again. Run this file whole.

-- ==== src/store/supabase/sql/00_prerequisites.sql ====

-- oe-webhooks: what to run once in the Supabase project (SQL editor or psql),
-- on top of the OpenEvent frontend's tables. Idempotent: safe to run again
-- after an upgrade.
--
--   0. the extensions it needs, pgcrypto (in whichever schema) and pg_net;
--      without them it stops before changing anything and says so,
--   1. the workflow columns on events, rooms, clients and emails, and the
--      optional columns the service writes where the frontend lacks them,
--   2. the uniqueness the service relies on (one client per address, one
--      row per Message-ID),
--   3. the inbox shared by all replicas, and its RPC functions,
--   4. the RPC that applies one workflow step atomically,
--   5. the reads of a booking in one round trip,
--   6. the database webhooks on tasks and offers, signed per Standard
--      Webhooks with pgcrypto and posted with pg_net.
--
-- Afterwards set where to post and the secret (the same value as
-- OE_SUPABASE_WEBHOOK_SECRET in the service):
--   select oe_private.configure_webhook('https://oe.example.ch/webhooks/supabase', 'whsec_...');

-- 0. Prerequisites -----------------------------------------------------------

-- pgcrypto signs the database webhooks and pg_net posts them. Both ship with
-- Supabase: one that is not enabled yet is enabled here (pgcrypto in schema
-- `extensions`, where Supabase puts it; one already in `public`, as on older
-- projects, stays there). One that cannot be had stops the install here,
-- before anything is changed.
do $$
declare
  has_pgcrypto boolean := exists (select 1 from pg_extension where extname = 'pgcrypto');
  has_pg_net boolean := exists (
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'net' and p.proname = 'http_post');
  missing text[] := '{}';
begin
  if not has_pgcrypto and not exists (select 1 from pg_available_extensions where name = 'pgcrypto') then
    missing := missing || 'pgcrypto'::text;
  end if;
  if not has_pg_net and not exists (select 1 from pg_available_extensions where name = 'pg_net') then
    missing := missing || 'pg_net'::text;
  end if;
  if cardinality(missing) > 0 then
    raise exception 'oe-webhooks needs the extension(s) % and this database has none to enable; nothing was changed',
      array_to_string(missing, ' and ')
      using hint = 'Enable them under Database > Extensions in the Supabase dashboard, then run install.sql again.';
  end if;
  if not has_pgcrypto then
    if exists (select 1 from pg_namespace where nspname = 'extensions') then
      create extension pgcrypto with schema extensions;
    else
      create extension pgcrypto;
    end if;
  end if;
  if not has_pg_net then
    create extension pg_net;
  end if;
end
$$;

-- ==== src/store/supabase/sql/10_columns.sql ====

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

-- ==== src/store/supabase/sql/20_inbox.sql ====

-- 3. The inbox ---------------------------------------------------------------

create table if not exists public.oe_inbox (
  seq bigserial primary key,
  id uuid not null unique,
  source text not null,
  dedupe_key text not null unique,
  order_key text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'processing', 'done', 'dead')),
  attempts integer not null default 0,
  due_at timestamptz not null default now(),
  lease_until timestamptz,
  last_error text,
  received_at timestamptz not null default now(),
  finished_at timestamptz
);
-- The team an entry belongs to, decided by the service at the edge (the
-- recipient mailbox, the changed row's team_id). Entries of an older
-- version have none and are claimed by nobody: drain the inbox before
-- upgrading (`oe-webhooks check` counts them).
alter table public.oe_inbox add column if not exists team_id uuid;
-- The W3C traceparent of the request that accepted the entry (tracing on),
-- so the worker's processing continues that trace.
alter table public.oe_inbox add column if not exists trace_context text;
drop index if exists public.oe_inbox_open;
drop index if exists public.oe_inbox_order;
create index if not exists oe_inbox_open_team on public.oe_inbox (team_id, seq) where status in ('pending', 'processing');
create index if not exists oe_inbox_order_team on public.oe_inbox (team_id, order_key, seq)
  where status in ('pending', 'processing');
-- Only the service (service_role, which bypasses RLS) may touch the inbox.
alter table public.oe_inbox enable row level security;
revoke all on public.oe_inbox from anon, authenticated;

-- `enable_seqscan = off` on the functions a webhook or a turn runs (here,
-- 30_apply.sql, 40_reads.sql): each reads and writes a handful of rows by
-- key, and PL/pgSQL keeps a statement's plan for the connection's life. A
-- plan made while a table was small (a new project, the first minutes of a
-- burst) scanned the whole table, and kept doing so as it grew until
-- autovacuum's next ANALYZE: 0.3 ms a plan at 200 rows, 4.6 ms at 6,000.
-- With sequential scans priced out, every plan takes an index whatever the
-- statistics say (which one still needs them: see 40_reads.sql).

-- Stores a batch of entries; a known dedupe_key returns the stored id.
create or replace function public.oe_inbox_append(p_entries jsonb)
returns table (id uuid, duplicate boolean)
language plpgsql
set search_path = public, pg_temp
set enable_seqscan = off
as $$
declare
  e jsonb;
  v_id uuid;
begin
  for e in select * from jsonb_array_elements(p_entries) loop
    insert into public.oe_inbox as i (id, team_id, source, dedupe_key, order_key, payload, received_at, trace_context)
    values ((e->>'id')::uuid, (e->>'team_id')::uuid, e->>'source', e->>'dedupe_key', e->>'order_key', e->'payload',
            coalesce((e->>'received_at')::timestamptz, now()), e->>'trace_context')
    on conflict (dedupe_key) do nothing
    returning i.id into v_id;
    if v_id is not null then
      id := v_id; duplicate := false;
    else
      select i.id into id from public.oe_inbox i where i.dedupe_key = e->>'dedupe_key';
      duplicate := true;
    end if;
    return next;
  end loop;
end
$$;

-- Claims due entries of the given teams for one worker; never an entry of
-- another team. SKIP LOCKED lets replicas claim side by side; an entry
-- whose order key has an older unfinished entry of its team waits, so one
-- booking's events are handled one at a time and in order. Fair across
-- teams: each team's oldest entries are taken round-robin (its first, then
-- every team's second, ...), so one team's flood cannot starve the others.
drop function if exists public.oe_inbox_claim(integer, bigint);
-- Dropped first: its result gained trace_context, and a function's result
-- type cannot be replaced in place.
drop function if exists public.oe_inbox_claim(integer, bigint, uuid[]);
create or replace function public.oe_inbox_claim(p_limit integer, p_lease_ms bigint, p_teams uuid[])
returns table (id uuid, team_id uuid, source text, order_key text, payload jsonb, attempts integer, trace_context text)
language plpgsql
set search_path = public, pg_temp
set enable_seqscan = off
as $$
-- PL/pgSQL for a plan kept across calls (a SQL function's is made anew on
-- each); its result columns share the table's names, hence use_column.
#variable_conflict use_column
begin
  return query
  with candidates as (
    select c.seq, row_number() over (partition by t.team order by c.seq) as turn
    from unnest(p_teams) as t(team)
    cross join lateral (
      select i.seq
      from public.oe_inbox i
      where i.team_id = t.team
        and i.status in ('pending', 'processing')
        and (case i.status when 'pending' then i.due_at else i.lease_until end) <= now()
        -- The oldest open entry of its order key. A scalar subquery, not
        -- NOT EXISTS: the planner may turn an anti-join into a scan of the
        -- team's whole backlog per candidate (it did while the table's
        -- statistics lagged a burst: 43 ms per claim at 4,000 pending),
        -- while this is always one index probe on (team_id, order_key).
        and i.seq = (
          select min(j.seq) from public.oe_inbox j
          where j.team_id = i.team_id and j.order_key = i.order_key
            and j.status in ('pending', 'processing'))
      order by i.seq
      limit p_limit
      for update skip locked
    ) c
  ),
  due as (
    select seq from candidates order by turn, seq limit p_limit
  )
  update public.oe_inbox i
  set status = 'processing', attempts = i.attempts + 1, lease_until = now() + p_lease_ms * interval '1 millisecond'
  from due
  where i.seq = due.seq
  returning i.id, i.team_id, i.source, i.order_key, i.payload, i.attempts, i.trace_context;
end
$$;

-- A heartbeat: extends the leases of entries a worker is still processing
-- (matched by the attempt they were claimed for), on the database's clock.
create or replace function public.oe_inbox_renew(p_ids uuid[], p_attempts integer, p_lease_ms bigint)
returns integer
language sql
set search_path = public, pg_temp
set enable_seqscan = off
as $$
  with renewed as (
    update public.oe_inbox
       set lease_until = now() + p_lease_ms * interval '1 millisecond'
     where id = any(p_ids) and attempts = p_attempts and status = 'processing'
    returning 1)
  select count(*)::integer from renewed;
$$;

create or replace function public.oe_inbox_stats()
returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  select jsonb_build_object(
    'pending', count(*) filter (where status = 'pending'),
    'processing', count(*) filter (where status = 'processing'),
    'done', count(*) filter (where status = 'done'),
    'dead', count(*) filter (where status = 'dead'),
    'discarded', count(*) filter (where status = 'discarded'))
  from public.oe_inbox;
$$;

-- 3a. Operating the inbox (README, "Inbox operations") ----------------------

-- An operator may put an entry aside as `discarded` (with who and why); every
-- failed attempt is kept (`errors`); payloads are removed after the retention
-- or on erasure while the row, and so its de-duplication key, stays.
alter table public.oe_inbox drop constraint if exists oe_inbox_status_check;
alter table public.oe_inbox add constraint oe_inbox_status_check
  check (status in ('pending', 'processing', 'done', 'dead', 'discarded'));
alter table public.oe_inbox
  add column if not exists errors jsonb not null default '[]',
  add column if not exists discarded_by text,
  add column if not exists discard_reason text,
  add column if not exists payload_pruned_at timestamptz;

-- Records each failed attempt when the worker gives an entry back or parks
-- it (leaving `processing` with an error), so the outcome writes stay plain
-- PATCHes.
create or replace function public.oe_inbox_record_error()
returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
begin
  new.errors := coalesce(old.errors, '[]'::jsonb)
    || jsonb_build_object('at', now(), 'attempt', new.attempts, 'error', new.last_error);
  return new;
end
$$;
drop trigger if exists oe_inbox_attempt_error on public.oe_inbox;
create trigger oe_inbox_attempt_error before update of status on public.oe_inbox
  for each row
  when (old.status = 'processing' and new.status in ('pending', 'dead') and new.last_error is not null)
  execute function public.oe_inbox_record_error();

-- Erasure of one client (GDPR): removes the payloads of the client's finished
-- entries (its own, by ordering key, and any other that names its address);
-- a dead one is discarded as `erased`. Entries still pending or in hand are
-- reported, not touched.
create or replace function public.oe_inbox_erase(p_email text)
returns table (id uuid, erased boolean)
language sql
set search_path = public, pg_temp
as $$
  with matching as (
    select i.seq, i.id, i.status from public.oe_inbox i
    where i.payload_pruned_at is null
      and (i.order_key = 'client:' || lower(p_email) or strpos(lower(i.payload::text), lower(p_email)) > 0)
  ),
  done as (
    update public.oe_inbox i
       set payload = '{}'::jsonb, payload_pruned_at = now(),
           discarded_by = case i.status when 'dead' then 'erase' else i.discarded_by end,
           discard_reason = case i.status when 'dead' then 'erased' else i.discard_reason end,
           finished_at = coalesce(i.finished_at, now()),
           status = case i.status when 'dead' then 'discarded' else i.status end
      from matching m
     where i.seq = m.seq and m.status in ('done', 'dead', 'discarded')
    returning i.id)
  select d.id, true from done d
  union all
  select m.id, false from matching m where m.status in ('pending', 'processing');
$$;

-- Erasure of one client's stored mail bodies in one team; returns how many
-- mails it emptied.
create or replace function public.oe_erase_client_mail(p_team uuid, p_email text)
returns integer
language sql
set search_path = public, pg_temp
as $$
  with erased as (
    update public.emails e
       set body_text = '[erased]', body_html = null
     where e.team_id = p_team
       and (lower(e.from_email) = lower(p_email) or lower(e.to_email) = lower(p_email))
       and (e.body_text is distinct from '[erased]' or e.body_html is not null)
    returning 1)
  select count(*)::integer from erased;
$$;

revoke all on function public.oe_inbox_erase(text), public.oe_erase_client_mail(uuid, text)
  from public, anon, authenticated;
grant execute on function public.oe_inbox_erase(text), public.oe_erase_client_mail(uuid, text) to service_role;

-- 3b. Venues' mailboxes -------------------------------------------------------

-- Which team an inbound mail belongs to: the address it was sent to. One row
-- per venue inbox address; the service refuses mail to an address not here
-- (unless it serves exactly one team that has no row, the one-venue setup).
create table if not exists public.oe_mailboxes (
  address text primary key check (address = lower(address)),
  team_id uuid not null,
  sender_email text,
  system_user_id uuid,
  venue_name text,
  timezone text,
  enabled boolean not null default true,
  created_at timestamptz not null default now()
);
-- Bank details a deposit request states, per venue (optional).
alter table public.oe_mailboxes
  add column if not exists payment_iban text,
  add column if not exists payment_beneficiary text;
create index if not exists oe_mailboxes_team on public.oe_mailboxes (team_id);
-- Only the service (service_role) reads it; managers never need to.
alter table public.oe_mailboxes enable row level security;
revoke all on public.oe_mailboxes from anon, authenticated;

-- The inbox's functions are the service's (service_role) only.
revoke all on function public.oe_inbox_append(jsonb), public.oe_inbox_claim(integer, bigint, uuid[]),
  public.oe_inbox_renew(uuid[], integer, bigint), public.oe_inbox_stats() from public, anon, authenticated;
grant execute on function public.oe_inbox_append(jsonb), public.oe_inbox_claim(integer, bigint, uuid[]),
  public.oe_inbox_renew(uuid[], integer, bigint), public.oe_inbox_stats() to service_role;

-- ==== src/store/supabase/sql/30_apply.sql ====

-- 4. One workflow step, atomically ---------------------------------------

-- One entry of a plan's `offers`: {op: create, id, offer_number, subject,
-- offer_date, valid_until, subtotal_rappen, vat_rappen, total_rappen,
-- deposit: null | {percentage_bp, amount_rappen, deadline_days}, items:
-- [{name, description, quantity, unit_price_rappen, total_rappen,
-- product_id}]} or {op: update, id, patch: {status, confirmed_at,
-- payment_status, deposit_paid_at}}. A recorded payment is never
-- overwritten. Part of oe_apply_plan's transaction.
create or replace function public.oe_write_offer(p_team uuid, p_user uuid, p_event uuid, o jsonb)
returns void
language plpgsql
set search_path = public, pg_temp
set enable_seqscan = off
as $$
declare
  d jsonb := o->'deposit';
  has_deposit boolean := coalesce(jsonb_typeof(o->'deposit') = 'object', false);
  v_constraint text;
begin
  if o->>'op' = 'update' then
    update public.offers set
      status = coalesce(o->'patch'->>'status', status),
      confirmed_at = coalesce((o->'patch'->>'confirmed_at')::timestamptz, confirmed_at),
      payment_status = coalesce(o->'patch'->>'payment_status', payment_status),
      deposit_paid_at = coalesce(deposit_paid_at, (o->'patch'->>'deposit_paid_at')::timestamptz)
    where id = (o->>'id')::uuid and team_id = p_team;
    if not found then
      raise exception 'offer % not found', o->>'id' using errcode = 'P0002';
    end if;
    return;
  end if;

  if p_event is null then
    raise exception 'an offer needs the plan''s event' using errcode = '22023';
  end if;
  begin
    insert into public.offers (id, team_id, user_id, event_id, offer_number, subject, offer_date, valid_until, status,
                               subtotal, vat_amount, total_amount, deposit_enabled, deposit_type, deposit_percentage,
                               deposit_amount, deposit_deadline_days, payment_status)
    values ((o->>'id')::uuid, p_team, p_user, p_event, o->>'offer_number', o->>'subject', (o->>'offer_date')::date,
            (o->>'valid_until')::date, 'draft',
            (o->>'subtotal_rappen')::numeric / 100, (o->>'vat_rappen')::numeric / 100,
            (o->>'total_rappen')::numeric / 100,
            has_deposit, case when has_deposit then 'percentage' end, (d->>'percentage_bp')::numeric / 100,
            (d->>'amount_rappen')::numeric / 100, (d->>'deadline_days')::integer,
            case when has_deposit and (d->>'amount_rappen')::bigint > 0 then 'pending' end);
  exception when unique_violation then
    -- Two bookings read the same next sequence at once: the unique offer
    -- number refuses the second. A race, not bad data: SQLSTATE OE001 tells
    -- the service to retry, and the retry plans again with a fresh number.
    -- Not 40001: PostgREST retries a serialization failure itself, forever
    -- (PostgREST issue 3673). Any other conflict stays 23505.
    get stacked diagnostics v_constraint = constraint_name;
    if exists (
      select 1 from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_attribute a on a.attrelid = x.indrelid and a.attnum = any (x.indkey)
       where x.indrelid = 'public.offers'::regclass and i.relname = v_constraint and a.attname = 'offer_number'
    ) then
      raise exception 'offer number % is taken', o->>'offer_number'
        using errcode = 'OE001', hint = 'plan again with the next sequence';
    end if;
    raise;
  end;
  -- created_at one microsecond apart keeps the items in the plan's order
  -- (the room line first) for readers that sort by it.
  insert into public.offer_line_items (team_id, user_id, offer_id, product_id, name, description, quantity, unit_price,
                                       total, created_at)
  select p_team, p_user, (o->>'id')::uuid, (i->>'product_id')::uuid, i->>'name', i->>'description',
         (i->>'quantity')::numeric, (i->>'unit_price_rappen')::numeric / 100, (i->>'total_rappen')::numeric / 100,
         now() + (n - 1) * interval '1 microsecond'
    from jsonb_array_elements(coalesce(o->'items', '[]'::jsonb)) with ordinality as x(i, n);
end
$$;

-- Applies a plan (the JSON of the service's workflow::Plan) for one team:
-- client, event, client changes, offers, mails, tasks and task marks in one
-- transaction. A plan whose mail (by Message-ID) is stored already writes
-- nothing. Amounts arrive as integer Rappen and are written as exact CHF.
create or replace function public.oe_apply_plan(p_team uuid, p_user uuid, p_plan jsonb)
returns jsonb
language plpgsql
set search_path = public, pg_temp
set enable_seqscan = off
as $$
declare
  c jsonb := p_plan->'client';
  ev jsonb := p_plan->'event';
  pa jsonb := ev->'patch';
  cu jsonb := p_plan->'client_update';
  o jsonb;
  m jsonb;
  t jsonb;
  u jsonb;
  v_client uuid;
  v_event uuid;
  v_task uuid;
  v_draft uuid;
  v_tasks jsonb := '[]'::jsonb;
begin
  -- The service's own writes: the correction triggers (50_webhooks.sql)
  -- skip them, so a manager's edit is never confused with an echo.
  perform set_config('oe.actor', 'service', true);
  -- The plan names the team of the input it answers (the inbox entry's);
  -- writing it under any other team would hand one venue's client to another.
  if p_plan ? 'team_id' and (p_plan->>'team_id')::uuid is distinct from p_team then
    raise exception 'the plan belongs to team %, not to %', p_plan->>'team_id', p_team using errcode = 'OE002';
  end if;
  -- One probe of the unique (team_id, message_id) index per mail: IN or
  -- = ANY over the plan's ids was planned as a scan of the team's mails.
  for m in select * from jsonb_array_elements(coalesce(p_plan->'emails', '[]')) loop
    if exists (select 1 from public.emails e where e.team_id = p_team and e.message_id = m->>'message_id') then
      return jsonb_build_object('duplicate', true, 'task_ids', '[]'::jsonb);
    end if;
  end loop;

  if c is not null and c <> 'null'::jsonb then
    if c->>'op' = 'existing' then
      v_client := (c->>'id')::uuid;
    else
      insert into public.clients (team_id, user_id, name, email, company, status)
      values (p_team, p_user, c->>'name', lower(c->>'email'), c->>'company', 'lead')
      on conflict (team_id, lower(email)) do nothing
      returning id into v_client;
      if v_client is null then
        select id into v_client from public.clients where team_id = p_team and lower(email) = lower(c->>'email');
      end if;
    end if;
  end if;

  if ev is not null and ev <> 'null'::jsonb then
    if ev->>'op' = 'create' then
      insert into public.events (team_id, user_id, client_id, title, description, event_date, start_time, end_time,
                                 attendees, status, current_step, date_confirmed, seating_layout, workflow_state,
                                 preferred_room)
      values (p_team, p_user, v_client, ev->>'title', ev->>'description', (ev->>'event_date')::date,
              (ev->>'start_time')::time, (ev->>'end_time')::time, (ev->>'attendees')::integer, ev->>'status',
              (ev->>'current_step')::integer, (ev->>'date_confirmed')::boolean, ev->>'seating_layout',
              coalesce(ev->'workflow_state', '{}'::jsonb), ev->>'preferred_room')
      returning id into v_event;
    else
      -- An absent key leaves the column; caller_step and room_ids may be
      -- set to null / [] on purpose, so for them the key's presence decides.
      update public.events set
        status = coalesce(pa->>'status', status),
        current_step = coalesce((pa->>'current_step')::integer, current_step),
        date_confirmed = coalesce((pa->>'date_confirmed')::boolean, date_confirmed),
        caller_step = case when pa ? 'caller_step' then (pa->>'caller_step')::integer else caller_step end,
        event_date = coalesce((pa->>'event_date')::date, event_date),
        start_time = coalesce((pa->>'start_time')::time, start_time),
        end_time = coalesce((pa->>'end_time')::time, end_time),
        attendees = coalesce((pa->>'attendees')::integer, attendees),
        seating_layout = coalesce(pa->>'seating_layout', seating_layout),
        preferred_room = coalesce(pa->>'preferred_room', preferred_room),
        room_ids = case when pa ? 'room_ids'
                        then array(select r::uuid from jsonb_array_elements_text(pa->'room_ids') r)
                        else room_ids end,
        requirements_hash = coalesce(pa->>'requirements_hash', requirements_hash),
        room_eval_hash = coalesce(pa->>'room_eval_hash', room_eval_hash),
        offer_hash = coalesce(pa->>'offer_hash', offer_hash),
        workflow_state = coalesce(pa->'workflow_state', workflow_state)
      where id = (ev->>'id')::uuid and team_id = p_team
        -- Optimistic concurrency: only if no other turn wrote the booking
        -- since the plan's turn read it.
        and (coalesce(ev->'expected_turn', 'null'::jsonb) = 'null'::jsonb
             or coalesce((workflow_state->>'turn')::bigint, 0) = (ev->>'expected_turn')::bigint)
      returning id, coalesce(v_client, client_id) into v_event, v_client;
      if v_event is null then
        if exists (select 1 from public.events where id = (ev->>'id')::uuid and team_id = p_team) then
          -- Transient for the service (like a taken offer number): plan again.
          raise exception 'event % changed since it was read', ev->>'id' using errcode = 'OE001';
        end if;
        raise exception 'event % not found', ev->>'id' using errcode = 'P0002';
      end if;
    end if;
  end if;

  if cu is not null and jsonb_typeof(cu) = 'object' and cu <> '{}'::jsonb then
    if v_client is null then
      raise exception 'a client update needs the plan''s client' using errcode = '22023';
    end if;
    update public.clients set
      status = coalesce(cu->>'status', status),
      company = coalesce(cu->>'company', company),
      billing_address = coalesce(cu->>'billing_address', billing_address),
      billing_postal_code = coalesce(cu->>'billing_postal_code', billing_postal_code),
      billing_city = coalesce(cu->>'billing_city', billing_city),
      billing_country = coalesce(cu->>'billing_country', billing_country)
    where id = v_client and team_id = p_team;
    if not found then
      raise exception 'client % not found', v_client using errcode = 'P0002';
    end if;
  end if;

  for o in select * from jsonb_array_elements(coalesce(p_plan->'offers', '[]')) loop
    perform public.oe_write_offer(p_team, p_user, v_event, o);
  end loop;

  for m in select * from jsonb_array_elements(coalesce(p_plan->'emails', '[]')) loop
    insert into public.emails (team_id, user_id, from_email, to_email, subject, body_text, body_html, event_id,
                               client_id, is_sent, received_at, thread_id, message_id, in_reply_to)
    values (p_team, p_user, m->>'from_email', m->>'to_email', m->>'subject', m->>'body_text', m->>'body_html',
            v_event, v_client, (m->>'is_sent')::boolean, (m->>'received_at')::timestamptz, m->>'thread_id',
            m->>'message_id', m->>'in_reply_to');
  end loop;

  for t in select * from jsonb_array_elements(coalesce(p_plan->'tasks', '[]')) loop
    insert into public.tasks (team_id, user_id, title, description, category, status, priority, event_id,
                              client_name, payload)
    values (p_team, p_user, t->>'title', t->>'description', t->>'category', 'pending', t->>'priority', v_event,
            t->>'client_name', coalesce(t->'payload', '{}'))
    returning id into v_task;
    v_tasks := v_tasks || to_jsonb(v_task);
    if coalesce(t->'payload'->>'draft_message', '') <> '' and coalesce((t->'payload'->>'aside')::boolean, false) = false then
      v_draft := v_task;
    end if;
  end loop;

  -- One pending draft per booking: this plan's newest draft closes the
  -- event's older pending drafts (never sent; `superseded_by` points at it).
  -- Tasks without a draft (manual_review) and asides (a site visit's
  -- answers) stay open.
  if v_event is not null and v_draft is not null then
    update public.tasks
       set status = 'completed', completed_at = now(),
           payload = payload || jsonb_build_object('send_state', 'superseded', 'superseded_by', v_draft)
     where team_id = p_team and event_id = v_event and status = 'pending'
       and not (to_jsonb(id) <@ v_tasks)
       and coalesce(payload->>'draft_message', '') <> ''
       and coalesce((payload->>'aside')::boolean, false) = false;
  end if;

  for u in select * from jsonb_array_elements(coalesce(p_plan->'task_updates', '[]')) loop
    update public.tasks set payload = payload || jsonb_build_object('send_state', u->>'send_state')
    where id = (u->>'id')::uuid and team_id = p_team;
  end loop;

  return jsonb_build_object('duplicate', false, 'client_id', v_client, 'event_id', v_event, 'task_ids', v_tasks);
end
$$;

-- Several plans in one round trip, each in its own subtransaction: one
-- plan failing (or meeting a concurrent duplicate) leaves the others.
create or replace function public.oe_apply_plans(p_team uuid, p_user uuid, p_plans jsonb)
returns jsonb
language plpgsql
set search_path = public, pg_temp
set enable_seqscan = off
as $$
declare
  p jsonb;
  r jsonb;
  v_constraint text;
  results jsonb := '[]'::jsonb;
begin
  for p in select * from jsonb_array_elements(p_plans) loop
    begin
      r := public.oe_apply_plan(p_team, p_user, p);
    exception
      when unique_violation then
        get stacked diagnostics v_constraint = constraint_name;
        if v_constraint = 'oe_emails_team_message' then
          -- Another replica stored this mail first: done.
          r := jsonb_build_object('duplicate', true, 'task_ids', '[]'::jsonb);
        else
          r := jsonb_build_object('error', sqlerrm, 'code', sqlstate);
        end if;
      when others then
        -- The caller retries class 40 (deadlock, serialization) and OE001
        -- (a race another turn won: a taken offer number, a booking written
        -- since it was read) and parks the rest; the code says which.
        r := jsonb_build_object('error', sqlerrm, 'code', sqlstate);
    end;
    results := results || jsonb_build_array(r);
  end loop;
  return results;
end
$$;

revoke all on function public.oe_write_offer(uuid, uuid, uuid, jsonb), public.oe_apply_plan(uuid, uuid, jsonb),
  public.oe_apply_plans(uuid, uuid, jsonb) from public, anon, authenticated;
grant execute on function public.oe_write_offer(uuid, uuid, uuid, jsonb), public.oe_apply_plan(uuid, uuid, jsonb),
  public.oe_apply_plans(uuid, uuid, jsonb) to service_role;

-- ==== src/store/supabase/sql/40_reads.sql ====

-- 5. Reading a booking in one round trip --------------------------------

-- The booking a mail belongs to: by In-Reply-To and References against
-- stored Message-IDs, else the sender's latest open one. Written as steps
-- so each is an index lookup (client by address, then its events), never a
-- scan of the team's events.
create or replace function public.oe_booking_for_mail(p_team uuid, p_refs text[], p_sender text)
returns uuid
language plpgsql stable
set search_path = public, pg_temp
set enable_seqscan = off
as $$
declare
  v_event uuid;
  v_client uuid;
begin
  if coalesce(array_length(p_refs, 1), 0) > 0 then
    select e.id into v_event
      from unnest(p_refs) with ordinality r(ref, n)
      join public.emails m on m.team_id = p_team and m.message_id = r.ref and m.event_id is not null
      join public.events e on e.id = m.event_id and e.status in ('lead', 'option', 'confirmed')
     order by r.n
     limit 1;
    if v_event is not null then
      return v_event;
    end if;
  end if;
  select c.id into v_client from public.clients c where c.team_id = p_team and lower(c.email) = lower(p_sender);
  if v_client is null then
    return null;
  end if;
  select e.id into v_event
    from public.events e
   where e.client_id = v_client and e.team_id = p_team
     and (e.status in ('lead', 'option') or (e.status = 'confirmed' and e.event_date >= current_date))
   order by e.created_at desc
   limit 1;
  return v_event;
end
$$;

-- One booking in one round trip: the event, its client, the client's
-- latest inbound mail and the current offer (the latest not cancelled).
-- Null when the event is not the team's. This and the functions below are
-- PL/pgSQL, not SQL, for their plans: a SQL function that cannot be inlined
-- is parsed and planned again on every call (PostgreSQL before 18), which
-- cost more than the reads themselves; PL/pgSQL keeps each plan for the
-- connection's life.
create or replace function public.oe_booking(p_team uuid, p_event uuid)
returns jsonb
language plpgsql stable
set search_path = public, pg_temp
set enable_seqscan = off
as $$
begin
  if p_event is null then
    return null;
  end if;
  return (
    select jsonb_build_object(
      'event', to_jsonb(e),
      'client', (select to_jsonb(c) from public.clients c where c.id = e.client_id and c.team_id = p_team),
      'last_inbound', (
        select to_jsonb(m) from public.emails m
        where m.event_id = e.id and m.team_id = p_team and not m.is_sent
        order by m.received_at desc nulls last, m.created_at desc limit 1),
      'offer', (
        select to_jsonb(o)
        from public.offers o
        where o.event_id = e.id and o.team_id = p_team and o.status <> 'cancelled'
        order by o.created_at desc, o.id desc limit 1))
    from public.events e
    where e.id = p_event and e.team_id = p_team);
end
$$;

-- A mail's context in one round trip: its booking (as oe_booking), else the
-- known client of the sender.
create or replace function public.oe_mail_context(p_team uuid, p_refs text[], p_sender text)
returns jsonb
language plpgsql stable
set search_path = public, pg_temp
set enable_seqscan = off
as $$
declare
  b jsonb := public.oe_booking(p_team, public.oe_booking_for_mail(p_team, p_refs, p_sender));
begin
  return coalesce(b, '{}'::jsonb) || jsonb_build_object('client', coalesce(
      nullif(b->'client', 'null'::jsonb),
      (select to_jsonb(c) from public.clients c where c.team_id = p_team and lower(c.email) = lower(p_sender) limit 1)));
end
$$;

-- oe_mail_context for several mails: [{refs: [...], sender: "..."}].
create or replace function public.oe_mail_contexts(p_team uuid, p_mails jsonb)
returns jsonb
language plpgsql stable
set search_path = public, pg_temp
set enable_seqscan = off
as $$
begin
  return (
    select coalesce(jsonb_agg(
             public.oe_mail_context(p_team, array(select jsonb_array_elements_text(t.m->'refs')), t.m->>'sender')
             order by t.n), '[]'::jsonb)
    from jsonb_array_elements(p_mails) with ordinality as t(m, n));
end
$$;

revoke all on function public.oe_booking_for_mail(uuid, text[], text), public.oe_booking(uuid, uuid),
  public.oe_mail_context(uuid, text[], text), public.oe_mail_contexts(uuid, jsonb) from public, anon, authenticated;
grant execute on function public.oe_booking_for_mail(uuid, text[], text), public.oe_booking(uuid, uuid),
  public.oe_mail_context(uuid, text[], text), public.oe_mail_contexts(uuid, jsonb) to service_role;

-- 6. Indexes that keep every read of a turn bounded ---------------------

-- What a turn reads is bounded by what its booking needs, never by the
-- team's history: the client's events newest first, the booking's mails,
-- offers and pending drafts (superseded by each new draft), the rooms
-- held in a date window (held events only: at most a row per room and
-- day), and the month's offer numbers (a LIKE on the prefix needs
-- text_pattern_ops under a non-C collation). Every such read also names
-- the team, so each index leads with team_id and holds all of a read's
-- keys: with a table's statistics the planner then prefers it to the
-- frontend's team-wide indexes (tasks by team and status), which made
-- superseding a draft read every pending task of the team (1.5 ms a plan
-- at 2,000). Before autovacuum first analyzes a new project's tables, all
-- of them cost the same to the planner and it may still pick a team-wide
-- one, for about a minute (README, Performance).
drop index if exists public.oe_events_client_created;
drop index if exists public.oe_emails_event_received;
drop index if exists public.oe_offers_event_created;
drop index if exists public.oe_tasks_event_pending;
create index if not exists oe_events_team_client_created on public.events (team_id, client_id, created_at desc);
create index if not exists oe_events_held on public.events (team_id, event_date)
  where status in ('option', 'confirmed');
create index if not exists oe_emails_team_event_received on public.emails (team_id, event_id, received_at desc);
create index if not exists oe_offers_team_event_created on public.offers (team_id, event_id, created_at desc);
create index if not exists oe_offers_number_prefix on public.offers (offer_number text_pattern_ops);
create index if not exists oe_tasks_team_event_pending on public.tasks (team_id, event_id) where status = 'pending';
-- Decisions not acted on yet (reconciliation): not the team's history. The
-- pending tasks counted by action (/metrics) use the index above by its
-- leading column; one on (team_id) alone was picked over it for a booking's
-- drafts (the same estimated cost before the first ANALYZE).
create index if not exists oe_tasks_unacted on public.tasks (team_id)
  where status = 'completed' and (payload ->> 'send_state') is null;
drop index if exists public.oe_tasks_team_pending;

create or replace function public.oe_pending_task_counts(p_team uuid)
returns table (action text, n bigint)
language sql stable
set search_path = public, pg_temp
as $$
  select t.payload ->> 'action', count(*) from public.tasks t
   where t.team_id = p_team and t.status = 'pending'
   group by 1
$$;
revoke all on function public.oe_pending_task_counts(uuid) from public, anon, authenticated;
grant execute on function public.oe_pending_task_counts(uuid) to service_role;

-- ==== src/store/supabase/sql/50_webhooks.sql ====

-- 6. Database webhooks, signed -------------------------------------------

create schema if not exists oe_private;
revoke all on schema oe_private from public, anon, authenticated;

create table if not exists oe_private.webhook_config (
  id boolean primary key default true check (id),
  url text not null,
  secret text not null
);

create or replace function oe_private.configure_webhook(p_url text, p_secret text)
returns void
language sql
as $$
  insert into oe_private.webhook_config (id, url, secret) values (true, p_url, p_secret)
  on conflict (id) do update set url = excluded.url, secret = excluded.secret;
$$;

-- Where one team's changes go when each venue runs its own deployment
-- (otherwise every team's go to webhook_config's URL, and a deployment
-- serving all teams routes them by team_id).
create table if not exists oe_private.webhook_routes (
  team_id uuid primary key,
  url text not null,
  secret text
);

create or replace function oe_private.configure_team_webhook(p_team uuid, p_url text, p_secret text default null)
returns void
language sql
as $$
  insert into oe_private.webhook_routes (team_id, url, secret) values (p_team, p_url, p_secret)
  on conflict (team_id) do update set url = excluded.url, secret = excluded.secret;
$$;

-- The Standard Webhooks signature of a body: v1,base64(HMAC-SHA256(key,
-- "{id}.{timestamp}.{body}")) with the key from a whsec_ secret (Supabase's
-- "v1,whsec_..." display form accepted). pgcrypto's hmac is called in the
-- schema pgcrypto is in (`extensions` on current Supabase projects, `public`
-- on older ones), looked up now: run install.sql again after moving it.
do $do$
declare
  v_schema text := (select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
                     where e.extname = 'pgcrypto');
begin
  execute format($f$
    create or replace function oe_private.sign(p_secret text, p_id text, p_ts bigint, p_body text)
    returns text
    language sql immutable
    set search_path = pg_catalog, pg_temp
    as $b$
      select 'v1,' || encode(
        %I.hmac(convert_to(p_id || '.' || p_ts || '.' || p_body, 'UTF8'),
                decode(regexp_replace(regexp_replace(p_secret, '^v1,', ''), '^whsec_', ''), 'base64'),
                'sha256'),
        'base64');
    $b$
  $f$, v_schema);
end
$do$;

-- Posts a change, {type, table, schema, record, old_record} like Supabase's
-- own database webhooks, with the Standard Webhooks headers, to the URL of
-- `p_team` (or the default one). pg_net sends the jsonb's text form, which
-- is exactly what is signed here.
create or replace function oe_private.post_change(p_team uuid, p_body jsonb)
returns void
language plpgsql
security definer
set search_path = oe_private, public, pg_temp
as $$
declare
  cfg oe_private.webhook_config;
  route oe_private.webhook_routes;
  msg_id text := 'msg_' || replace(gen_random_uuid()::text, '-', '');
  ts bigint := extract(epoch from now())::bigint;
begin
  select * into cfg from oe_private.webhook_config where id;
  select * into route from oe_private.webhook_routes r where r.team_id = p_team;
  if route.team_id is not null then
    cfg.url := route.url;
    cfg.secret := coalesce(route.secret, cfg.secret);
  end if;
  if cfg.url is null then
    return;
  end if;
  perform net.http_post(
    url := cfg.url,
    body := p_body,
    headers := jsonb_build_object(
      'Content-Type', 'application/json',
      'webhook-id', msg_id,
      'webhook-timestamp', ts::text,
      'webhook-signature', oe_private.sign(cfg.secret, msg_id, ts, p_body::text)),
    timeout_milliseconds := 5000);
end
$$;

-- A changed row as its webhook carries it. A trigger passes its new and
-- old rows as they are: the one its operation has none of is null (new on
-- DELETE, old on INSERT).
create or replace function oe_private.change_body(p_op text, p_table text, p_schema text, p_new jsonb, p_old jsonb)
returns jsonb
language sql immutable
as $$
  select jsonb_build_object(
    'type', p_op, 'table', p_table, 'schema', p_schema, 'record', p_new, 'old_record', p_old);
$$;

create or replace function oe_private.notify_service()
returns trigger
language plpgsql
security definer
set search_path = oe_private, public, pg_temp
as $$
begin
  perform oe_private.post_change(
    case when tg_op = 'DELETE' then old.team_id else new.team_id end,
    oe_private.change_body(tg_op, tg_table_name, tg_table_schema, to_jsonb(new), to_jsonb(old)));
  return null;
end
$$;

-- Only the changes the service acts on: a task entering `completed` (the
-- manager's decision; the service's own later writes do not fire) and a
-- deposit becoming paid.
drop trigger if exists oe_task_decided on public.tasks;
create trigger oe_task_decided
  after update on public.tasks
  for each row
  when (new.status = 'completed' and old.status is distinct from 'completed'
        and new.payload->>'send_state' is distinct from 'superseded')
  execute function oe_private.notify_service();

drop trigger if exists oe_deposit_paid on public.offers;
create trigger oe_deposit_paid
  after update on public.offers
  for each row
  when (new.deposit_paid_at is not null and old.deposit_paid_at is null)
  execute function oe_private.notify_service();

-- The manager's corrections (events, offer lines) are posted and journaled
-- together: see 70_corrections.sql.

-- ==== src/store/supabase/sql/60_followups.sql ====

-- 7. Follow-ups ------------------------------------------------------------

-- The open bookings on or after a date, nearest first: where the service's
-- sweep looks for follow-ups due (reminders, lapsed options). The rules
-- themselves live in the service; this only bounds what it reads.
create index if not exists oe_events_open_by_date on public.events (team_id, event_date)
  where status in ('lead', 'option');

create or replace function public.oe_follow_up_candidates(p_team uuid, p_from date, p_limit integer)
returns jsonb
language sql stable
set search_path = public, pg_temp
as $$
  select coalesce(jsonb_agg(public.oe_booking(p_team, e.id) order by e.event_date, e.id), '[]'::jsonb)
  from (select id, event_date from public.events
         where team_id = p_team and status in ('lead', 'option') and event_date >= p_from
         order by event_date, id
         limit greatest(p_limit, 0)) e;
$$;

revoke all on function public.oe_follow_up_candidates(uuid, date, integer) from public, anon, authenticated;
grant execute on function public.oe_follow_up_candidates(uuid, date, integer) to service_role;

-- ==== src/store/supabase/sql/70_corrections.sql ====

-- 8. A journal of the manager's corrections --------------------------------

-- pg_net posts each correction once: a post lost to an outage or a
-- stopped service would leave the workflow state behind the rows. The same
-- trigger also writes the change here, in the manager's transaction,
-- exactly as the webhook carries it; the service's reconciliation feeds
-- rows not handled after a grace period through the webhook's path, which
-- marks them handled.
create table if not exists public.oe_corrections (
  id bigint generated always as identity primary key,
  team_id uuid not null,
  change jsonb not null,
  created_at timestamptz not null default now(),
  handled_at timestamptz
);
create index if not exists oe_corrections_unhandled on public.oe_corrections (team_id, id) where handled_at is null;
alter table public.oe_corrections enable row level security;
revoke all on public.oe_corrections from public, anon, authenticated;
grant select, update on public.oe_corrections to service_role;

-- A manager's correction in the frontend: the event's date, times, head
-- count, room or seating, or a product line of an offer changed or removed.
-- Journaled and posted in one go, the same body for both, routed by the
-- same team (a line the frontend wrote without team_id belongs to its
-- offer's team). The service's own writes (oe_apply_plan sets oe.actor) do
-- not fire.
create or replace function oe_private.correction_made()
returns trigger
language plpgsql
security definer
set search_path = oe_private, public, pg_temp
as $$
declare
  v_body jsonb := oe_private.change_body(tg_op, tg_table_name, tg_table_schema, to_jsonb(new), to_jsonb(old));
  v_row jsonb := coalesce(to_jsonb(new), to_jsonb(old));
  v_team uuid := (v_row->>'team_id')::uuid;
begin
  if v_team is null and v_row ? 'offer_id' then
    select o.team_id into v_team from public.offers o where o.id = (v_row->>'offer_id')::uuid;
  end if;
  -- Never fail the manager's own write: a row without a team has no
  -- booking of the service anyway.
  if v_team is not null then
    insert into public.oe_corrections (team_id, change) values (v_team, v_body);
    perform oe_private.post_change(v_team, v_body);
  end if;
  return null;
end
$$;

-- Installs before this one had a journal trigger beside each webhook trigger.
drop trigger if exists oe_event_correction_journal on public.events;
drop trigger if exists oe_line_correction_journal on public.offer_line_items;
drop function if exists oe_private.journal_correction();

drop trigger if exists oe_event_corrected on public.events;
create trigger oe_event_corrected
  after update on public.events
  for each row
  when (current_setting('oe.actor', true) is distinct from 'service'
        and (new.event_date, new.start_time, new.end_time, new.attendees, new.room_ids, new.seating_layout)
            is distinct from (old.event_date, old.start_time, old.end_time, old.attendees, old.room_ids, old.seating_layout))
  execute function oe_private.correction_made();

drop trigger if exists oe_line_corrected on public.offer_line_items;
create trigger oe_line_corrected
  after update or delete on public.offer_line_items
  for each row
  when (current_setting('oe.actor', true) is distinct from 'service')
  execute function oe_private.correction_made();
