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
