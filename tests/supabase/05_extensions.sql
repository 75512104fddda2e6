-- What a Supabase project has before any table of its own exists, as far as
-- the service's installer SQL (webhooks/supabase/) can depend on it:
--
-- * schema `extensions` with pgcrypto and uuid-ossp (Supabase installs them
--   there; older projects have pgcrypto in `public`, which tests get with
--   `ALTER EXTENSION pgcrypto SET SCHEMA public`, tests/api/installer.rs);
-- * a stand-in for pg_net: schema `net` with net.http_post / net.http_get
--   and the queue table net.http_request_queue. The real extension is a C
--   background worker that sends queued requests after commit and deletes
--   them; this stand-in only queues, and the Rust harness
--   (tests/support/postgrest.rs, deliver_pg_net_requests) plays the worker.
--   `CREATE EXTENSION pg_net` itself is not available locally: the installer
--   takes an existing net.http_post as pg_net being there.
-- * schema `supabase_functions` with the trigger function
--   supabase_functions.http_request(url, method, headers, params, timeout)
--   that the dashboard's "Database Webhooks" create, and its audit table
--   supabase_functions.hooks.

CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;

-- ---------------------------------------------------------------- pg_net --

CREATE SCHEMA IF NOT EXISTS net;

-- Same columns as pg_net's queue (method is an enum there, text here).
CREATE TABLE IF NOT EXISTS net.http_request_queue (
    id                   bigserial PRIMARY KEY,
    method               text NOT NULL,
    url                  text NOT NULL,
    headers              jsonb NOT NULL,
    body                 bytea,
    timeout_milliseconds integer NOT NULL
);

-- pg_net records each response here; the harness does the same.
CREATE TABLE IF NOT EXISTS net._http_response (
    id           bigint,
    status_code  integer,
    content_type text,
    headers      jsonb,
    content      text,
    timed_out    boolean,
    error_msg    text,
    created      timestamptz NOT NULL DEFAULT now()
);

-- Percent-encodes a string the way pg_net's C helper does (RFC 3986
-- unreserved characters stay, every other UTF-8 byte becomes %XX).
CREATE OR REPLACE FUNCTION net._urlencode_string(string text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT
AS $$
DECLARE
    bytes bytea := convert_to(string, 'UTF8');
    out   text := '';
    b     integer;
BEGIN
    FOR i IN 0 .. length(bytes) - 1 LOOP
        b := get_byte(bytes, i);
        IF chr(b) ~ '^[A-Za-z0-9._~-]$' AND b < 128 THEN
            out := out || chr(b);
        ELSE
            out := out || '%' || upper(lpad(to_hex(b), 2, '0'));
        END IF;
    END LOOP;
    RETURN out;
END
$$;

-- Appends `params` (a flat JSON object) to `url` as a query string.
CREATE OR REPLACE FUNCTION net._url_with_params(url text, params jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE
        WHEN params IS NULL OR params = '{}'::jsonb THEN url
        ELSE url || CASE WHEN strpos(url, '?') > 0 THEN '&' ELSE '?' END || (
            SELECT string_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value), '&')
            FROM jsonb_each_text(params)
        )
    END
$$;

-- Signatures and defaults as in pg_net. SECURITY DEFINER like pg_net's own
-- functions, so a trigger fired by any API role can queue a request.
CREATE OR REPLACE FUNCTION net.http_get(
    url text,
    params jsonb DEFAULT '{}'::jsonb,
    headers jsonb DEFAULT '{}'::jsonb,
    timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = net, pg_catalog
AS $$
DECLARE
    request_id bigint;
BEGIN
    INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    VALUES ('GET', net._url_with_params(url, params), headers, NULL, timeout_milliseconds)
    RETURNING id INTO request_id;
    RETURN request_id;
END
$$;

CREATE OR REPLACE FUNCTION net.http_post(
    url text,
    body jsonb DEFAULT '{}'::jsonb,
    params jsonb DEFAULT '{}'::jsonb,
    headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds integer DEFAULT 5000
) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = net, pg_catalog
AS $$
DECLARE
    request_id   bigint;
    content_type text;
BEGIN
    -- pg_net serialises the jsonb body and insists on a JSON content type.
    SELECT value INTO content_type
    FROM jsonb_each_text(coalesce(headers, '{}'::jsonb))
    WHERE lower(key) = 'content-type'
    LIMIT 1;
    IF content_type IS NULL THEN
        headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
    ELSIF content_type <> 'application/json' THEN
        RAISE EXCEPTION 'Content-Type header must be "application/json"';
    END IF;

    INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    VALUES ('POST', net._url_with_params(url, params), headers,
            convert_to(body::text, 'UTF8'), timeout_milliseconds)
    RETURNING id INTO request_id;
    RETURN request_id;
END
$$;

GRANT USAGE ON SCHEMA net TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION net.http_get(text, jsonb, jsonb, integer),
                          net.http_post(text, jsonb, jsonb, jsonb, integer)
    TO anon, authenticated, service_role;

-- ---------------------------------------------------- supabase_functions --

CREATE SCHEMA IF NOT EXISTS supabase_functions;
GRANT USAGE ON SCHEMA supabase_functions TO anon, authenticated, service_role;

CREATE TABLE IF NOT EXISTS supabase_functions.hooks (
    id            bigserial PRIMARY KEY,
    hook_table_id integer NOT NULL,
    hook_name     text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    request_id    bigint
);
GRANT ALL ON ALL TABLES IN SCHEMA supabase_functions TO anon, authenticated, service_role;
GRANT ALL ON ALL SEQUENCES IN SCHEMA supabase_functions TO anon, authenticated, service_role;

-- The dashboard's database-webhook trigger function, behaving as Supabase's:
-- TG_ARGV = url, method, headers (json text), params (json text), timeout ms;
-- a POST carries {type, table, schema, record, old_record}.
CREATE OR REPLACE FUNCTION supabase_functions.http_request() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    request_id bigint;
    payload    jsonb;
    url        text := TG_ARGV[0]::text;
    method     text := TG_ARGV[1]::text;
    headers    jsonb DEFAULT '{}'::jsonb;
    params     jsonb DEFAULT '{}'::jsonb;
    timeout_ms integer DEFAULT 1000;
BEGIN
    IF url IS NULL OR url = 'null' THEN
        RAISE EXCEPTION 'url argument is missing';
    END IF;
    IF method IS NULL OR method = 'null' THEN
        RAISE EXCEPTION 'method argument is missing';
    END IF;

    IF TG_ARGV[2] IS NULL OR TG_ARGV[2] = 'null' THEN
        headers := '{"Content-Type": "application/json"}'::jsonb;
    ELSE
        headers := TG_ARGV[2]::jsonb;
    END IF;
    IF TG_ARGV[3] IS NULL OR TG_ARGV[3] = 'null' THEN
        params := '{}'::jsonb;
    ELSE
        params := TG_ARGV[3]::jsonb;
    END IF;
    IF TG_ARGV[4] IS NULL OR TG_ARGV[4] = 'null' THEN
        timeout_ms := 1000;
    ELSE
        timeout_ms := TG_ARGV[4]::integer;
    END IF;

    CASE
        WHEN method = 'GET' THEN
            SELECT net.http_get(url, params, headers, timeout_ms) INTO request_id;
        WHEN method = 'POST' THEN
            payload := jsonb_build_object(
                'old_record', OLD,
                'record', NEW,
                'type', TG_OP,
                'table', TG_TABLE_NAME,
                'schema', TG_TABLE_SCHEMA
            );
            SELECT net.http_post(url, payload, params, headers, timeout_ms) INTO request_id;
        ELSE
            RAISE EXCEPTION 'method argument % is invalid', method;
    END CASE;

    INSERT INTO supabase_functions.hooks (hook_table_id, hook_name, request_id)
    VALUES (TG_RELID, TG_NAME, request_id);

    RETURN NEW;
END
$$;
GRANT EXECUTE ON FUNCTION supabase_functions.http_request() TO anon, authenticated, service_role;
