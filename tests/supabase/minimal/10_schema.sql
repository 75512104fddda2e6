-- A frontend with exactly what the frontend contract requires of the tables the service
-- writes, as a variant of ../10_schema.sql (the harness uses it instead of
-- that file when asked; tests/api/installer.rs): what the spec names for
-- clients, events, offers, offer_line_items, tasks and emails, plus the
-- conventions of every table (uuid `id`, `created_at`, `updated_at`; and
-- `team_id`/`user_id` where the spec scopes rows by team). Absent, unlike
-- the full stand-in: offer_line_items.team_id/user_id/description/product_id,
-- events.description, tasks.description, emails.message_id/in_reply_to,
-- the clients' billing columns, and notes, phone, due_date,
-- email_account_id. The tables the service only reads (rooms, products,
-- product_categories) are the full stand-in's.

-- Keeps updated_at current on every UPDATE.
CREATE OR REPLACE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TABLE public.teams (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Billing address: one column per part (billing_address is the street
-- line(s)), all optional; step 6 of the workflow asks for what is missing.
CREATE TABLE public.clients (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id             uuid NOT NULL,
    user_id             uuid NOT NULL,
    name                text NOT NULL,
    email               text,
    company             text,
    status              text NOT NULL DEFAULT 'lead'
                        CHECK (status IN ('lead', 'active', 'confirmed', 'inactive')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clients_team_email_idx ON public.clients (team_id, lower(email));

CREATE TABLE public.events (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id     uuid NOT NULL,
    user_id     uuid NOT NULL,
    client_id   uuid REFERENCES public.clients (id) ON DELETE SET NULL,
    title       text NOT NULL,
    event_date  date NOT NULL,
    start_time  time NOT NULL,
    end_time    time NOT NULL,
    attendees   integer,
    room_ids    uuid[] NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'lead'
                CHECK (status IN ('lead', 'option', 'confirmed', 'cancelled')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_team_date_idx ON public.events (team_id, event_date);
CREATE INDEX events_client_idx ON public.events (client_id);

CREATE TABLE public.product_categories (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id     uuid NOT NULL,
    user_id     uuid NOT NULL,
    name        text NOT NULL,
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- price_type is free text in the frontend (e.g. per_person, per_event,
-- per_unit, per_hour); vat_rate is a percentage (8.1 = 8.1 %).
CREATE TABLE public.products (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id     uuid NOT NULL,
    user_id     uuid NOT NULL,
    category_id uuid REFERENCES public.product_categories (id) ON DELETE SET NULL,
    name        text NOT NULL,
    description text,
    base_price  numeric(12, 2) NOT NULL DEFAULT 0,
    price_type  text,
    vat_rate    numeric(5, 2),
    available   boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.rooms (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id                uuid NOT NULL,
    user_id                uuid NOT NULL,
    name                   text NOT NULL,
    description            text,
    capacity               integer,
    theater_capacity       integer,
    cocktail_capacity      integer,
    seated_dinner_capacity integer,
    standing_capacity      integer,
    amenities              text[] NOT NULL DEFAULT '{}',
    hourly_rate            numeric(12, 2),
    half_day_rate          numeric(12, 2),
    full_day_rate          numeric(12, 2),
    vat_rate               numeric(5, 2),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- payment_status is free text (the service writes its deposit status there);
-- amounts are CHF with two decimals.
CREATE TABLE public.offers (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id               uuid NOT NULL,
    user_id               uuid NOT NULL,
    event_id              uuid REFERENCES public.events (id),
    offer_number          text NOT NULL UNIQUE,
    subject               text,
    offer_date            date NOT NULL DEFAULT current_date,
    valid_until           date,
    status                text NOT NULL DEFAULT 'draft'
                          CHECK (status IN ('draft', 'sent', 'confirmed', 'cancelled')),
    subtotal              numeric(12, 2) NOT NULL DEFAULT 0,
    vat_amount            numeric(12, 2) NOT NULL DEFAULT 0,
    total_amount          numeric(12, 2) NOT NULL DEFAULT 0,
    deposit_enabled       boolean NOT NULL DEFAULT false,
    deposit_type          text CHECK (deposit_type IN ('percentage', 'fixed')),
    deposit_percentage    numeric(5, 2),
    deposit_amount        numeric(12, 2),
    deposit_deadline_days integer,
    payment_status        text,
    deposit_paid_at       timestamptz,
    confirmed_at          timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offers_event_idx ON public.offers (event_id);

-- quantity is an unscaled numeric so that 2 reads back as 2 (and 1.5 hours
-- is possible); total = quantity x unit_price is written by the service.
CREATE TABLE public.offer_line_items (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    offer_id    uuid NOT NULL REFERENCES public.offers (id) ON DELETE CASCADE,
    name        text NOT NULL,
    quantity    numeric NOT NULL DEFAULT 1,
    unit_price  numeric(12, 2) NOT NULL DEFAULT 0,
    total       numeric(12, 2) NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offer_line_items_offer_idx ON public.offer_line_items (offer_id);

CREATE TABLE public.tasks (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id      uuid NOT NULL,
    user_id      uuid NOT NULL,
    event_id     uuid REFERENCES public.events (id) ON DELETE SET NULL,
    title        text NOT NULL,
    category     text NOT NULL CHECK (category IN ('Email Tasks', 'Event Tasks')),
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'in_progress', 'completed')),
    priority     text NOT NULL DEFAULT 'medium'
                 CHECK (priority IN ('low', 'medium', 'high')),
    client_name  text,
    payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
    completed_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_team_status_idx ON public.tasks (team_id, status);

-- message_id / in_reply_to / thread_id carry RFC 5322 threading;
-- email_account_id is the optional OE_EMAIL_ACCOUNT_ID.
CREATE TABLE public.emails (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id          uuid NOT NULL,
    user_id          uuid NOT NULL,
    event_id         uuid REFERENCES public.events (id) ON DELETE SET NULL,
    client_id        uuid REFERENCES public.clients (id) ON DELETE SET NULL,
    from_email       text NOT NULL,
    to_email         text NOT NULL,
    subject          text NOT NULL,
    body_text        text NOT NULL,
    body_html        text,
    is_sent          boolean NOT NULL DEFAULT false,
    received_at      timestamptz,
    thread_id        text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX emails_event_idx ON public.emails (event_id);

DO $triggers$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['teams', 'clients', 'events', 'product_categories', 'products',
                             'rooms', 'offers', 'offer_line_items', 'tasks', 'emails'] LOOP
        EXECUTE format(
            'CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.%I '
            'FOR EACH ROW EXECUTE FUNCTION public.set_updated_at()', t);
    END LOOP;
END
$triggers$;
