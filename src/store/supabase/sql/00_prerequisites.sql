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
