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
