-- Supabase's API roles and the `auth` helper functions, for a local
-- Supabase-like database that PostgREST serves.
--
-- Roles are cluster-wide while everything else here is per database, and
-- several test processes may create their fresh databases on one shared
-- server at the same moment. Every role statement therefore tolerates the
-- role (or the membership) having been created concurrently by another run:
-- a racing CREATE ROLE waits for the winner and then fails with
-- unique_violation, which is swallowed like duplicate_object.

DO $roles$
BEGIN
    -- The role PostgREST uses for requests without a JWT.
    BEGIN
        CREATE ROLE anon NOLOGIN NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;

    -- The role of a signed-in frontend user (JWT role claim `authenticated`).
    BEGIN
        CREATE ROLE authenticated NOLOGIN NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;

    -- The service-role key: full access, row level security bypassed.
    BEGIN
        CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;

    -- The role PostgREST logs in as; it switches to the JWT's role per
    -- request (SET ROLE), so it must be a member of the three but inherit
    -- none of their privileges itself. The password only matters where the
    -- server does not trust local connections.
    BEGIN
        CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD 'authenticator-local-test';
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;

    BEGIN
        GRANT anon, authenticated, service_role TO authenticator;
    EXCEPTION WHEN unique_violation THEN NULL;
    END;

    -- A role left over from elsewhere with the wrong attributes is repaired
    -- (only when needed, so concurrent runs do not update the same rows).
    IF NOT (SELECT rolbypassrls FROM pg_roles WHERE rolname = 'service_role') THEN
        ALTER ROLE service_role BYPASSRLS;
    END IF;
    IF NOT (SELECT rolcanlogin AND NOT rolinherit FROM pg_roles WHERE rolname = 'authenticator') THEN
        ALTER ROLE authenticator LOGIN NOINHERIT;
    END IF;
END
$roles$;

-- auth.uid(), auth.role(), auth.jwt() as Supabase defines them: PostgREST
-- puts the verified JWT claims into the transaction-local setting
-- `request.jwt.claims` (and older PostgREST versions into one setting per
-- claim, `request.jwt.claim.<name>`, which is still honoured here).
-- nullif(.., '') matters: once set in a session, a custom setting reads as
-- '' rather than NULL after the transaction ends.
CREATE SCHEMA IF NOT EXISTS auth;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
AS $$
    SELECT nullif(coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
    ), '')::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE
AS $$
    SELECT nullif(coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
    ), '')
$$;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid(), auth.role() TO anon, authenticated, service_role;
