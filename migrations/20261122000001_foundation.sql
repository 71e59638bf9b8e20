-- Foundation: the extensions every later part relies on, the shared updated_at trigger,
-- and the tenant root, `shops`. Every tenant table that follows leads with `shop_id`
-- referencing shops(id), so the schema can be distributed by shop_id (Citus) later.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TABLE shops (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The permanent *.myshopify.com domain: Shopify's identity for the shop.
    domain                    text NOT NULL UNIQUE
        CHECK (domain ~ '^[a-zA-Z0-9][a-zA-Z0-9_-]*\.myshopify\.com$'),
    install_state             text NOT NULL DEFAULT 'installing'
        CHECK (install_state IN ('installing', 'installed', 'uninstalled')),
    -- Access scopes Shopify granted, as reported at install or token exchange.
    scopes                    text[] NOT NULL DEFAULT '{}',
    -- Credentials are stored only encrypted (AES-256-GCM: nonce || ciphertext || tag);
    -- `credentials_key_id` names the key that sealed them, so keys can rotate.
    access_token_ciphertext   bytea,
    access_token_expires_at   timestamptz,
    refresh_token_ciphertext  bytea,
    refresh_token_expires_at  timestamptz,
    credentials_key_id        text,
    -- Merchant settings (assistant name, tone, languages, tools, hours, ...).
    settings                  jsonb NOT NULL DEFAULT '{}'::jsonb
        CHECK (jsonb_typeof(settings) = 'object'),
    installed_at              timestamptz,
    uninstalled_at            timestamptz,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER shops_updated_at BEFORE UPDATE ON shops
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Probes: a job that proves the queue end to end (`concierge jobs probe`). Each run records
-- its start and its completion, so a probe that ran twice, or never finished, shows.
CREATE TABLE job_probes (
    id            uuid PRIMARY KEY,
    hold_ms       integer NOT NULL DEFAULT 0 CHECK (hold_ms BETWEEN 0 AND 600000),
    starts        integer NOT NULL DEFAULT 0,
    completions   integer NOT NULL DEFAULT 0,
    completed_by  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER job_probes_updated_at BEFORE UPDATE ON job_probes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
