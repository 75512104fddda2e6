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
