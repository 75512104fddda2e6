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
