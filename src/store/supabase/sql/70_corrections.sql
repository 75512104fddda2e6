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
