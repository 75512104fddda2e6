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
