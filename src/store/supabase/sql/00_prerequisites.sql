-- oe-webhooks: what to run once in the Supabase project (SQL editor or psql),
-- on top of the OpenEvent frontend's tables. Idempotent: safe to run again
-- after an upgrade.
--
--   1. the workflow columns on events, rooms and clients,
--   2. the uniqueness the service relies on (one client per address, one
--      row per Message-ID),
--   3. the inbox shared by all replicas, and its RPC functions,
--   4. the RPC that applies one workflow step atomically, and the reads
--      of a booking in one round trip,
--   5. the database webhooks on tasks and offers, signed per Standard
--      Webhooks with pgcrypto and posted with pg_net.
--
-- Afterwards set where to post and the secret (the same value as
-- OE_SUPABASE_WEBHOOK_SECRET in the service):
--   select oe_private.configure_webhook('https://oe.example.ch/webhooks/supabase', 'whsec_...');

create extension if not exists pgcrypto with schema extensions;
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_net;
  end if;
end
$$;
