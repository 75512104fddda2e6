-- Privileges and row level security as a Supabase project has them.
--
-- Privileges: like Supabase, the three API roles get every table privilege
-- in schema public (also on tables created later, e.g. by the service's
-- installer SQL, through default privileges); row level security is what
-- actually limits them. Tables without RLS are therefore open to `anon`,
-- exactly as on Supabase, so installer tables must enable RLS themselves.
--
-- Policies: `authenticated` reads and writes only rows of the team named
-- by the JWT's `team_id` claim; `anon` has no policy and sees nothing;
-- `service_role` has BYPASSRLS (00_roles.sql) and sees everything.

GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;

GRANT ALL ON ALL TABLES IN SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL FUNCTIONS IN SCHEMA public TO anon, authenticated, service_role;

ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;

-- The claim is read once per statement: `(SELECT ...)` makes the planner
-- evaluate it as an init plan instead of once per row (Supabase's advice).
ALTER TABLE public.teams ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_members_only ON public.teams
    FOR ALL TO authenticated
    USING (id = (SELECT (auth.jwt() ->> 'team_id')::uuid))
    WITH CHECK (id = (SELECT (auth.jwt() ->> 'team_id')::uuid));

DO $policies$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['clients', 'events', 'offers', 'offer_line_items', 'tasks',
                             'emails', 'rooms', 'products', 'product_categories'] LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        -- A frontend whose line items have no team_id (minimal/10_schema.sql)
        -- scopes them by their offer's team.
        IF t = 'offer_line_items' AND NOT EXISTS (
            SELECT 1 FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = t AND column_name = 'team_id') THEN
            CREATE POLICY team_members_only ON public.offer_line_items FOR ALL TO authenticated
                USING (EXISTS (SELECT 1 FROM public.offers o WHERE o.id = offer_id
                               AND o.team_id = (SELECT (auth.jwt() ->> 'team_id')::uuid)))
                WITH CHECK (EXISTS (SELECT 1 FROM public.offers o WHERE o.id = offer_id
                                    AND o.team_id = (SELECT (auth.jwt() ->> 'team_id')::uuid)));
            CONTINUE;
        END IF;
        EXECUTE format(
            'CREATE POLICY team_members_only ON public.%I FOR ALL TO authenticated '
            'USING (team_id = (SELECT (auth.jwt() ->> %L)::uuid)) '
            'WITH CHECK (team_id = (SELECT (auth.jwt() ->> %L)::uuid))',
            t, 'team_id', 'team_id');
    END LOOP;
END
$policies$;
