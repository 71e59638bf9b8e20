-- The merchant's admin (App Home): settings written through the API and audited, a shop's own
-- chat model key sealed apart from the settings, the widget's last session (the onboarding
-- checklist), playground conversations kept out of the numbers, and the FAQ's order.

-- When the merchant last saved the settings: shown in the admin, and the key under which the
-- engine caches the shop's model chain (`shops.updated_at` also moves on every token refresh).
ALTER TABLE shops ADD COLUMN settings_updated_at timestamptz;

-- The last `/proxy/session` from the shop's storefront: the app embed is switched on.
ALTER TABLE shops ADD COLUMN widget_seen_at timestamptz;

-- Who changed which settings, when, and from what to what. The model key never appears here:
-- the settings JSON does not hold it, and a key change is recorded as `model.api_key` with
-- only whether one is set.
CREATE TABLE settings_audit (
    shop_id     bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    -- The staff member: the session token's `sub`.
    actor       text NOT NULL,
    fields      text[] NOT NULL,
    before      jsonb NOT NULL,
    after       jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id)
);

CREATE INDEX settings_audit_recent ON settings_audit (shop_id, created_at DESC);

-- A shop's own chat endpoint key, sealed by the keyring (bound to the shop and this field,
-- like the shop's access token); never in `shops.settings`, never sent back.
CREATE TABLE shop_model_keys (
    shop_id     bigint PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    ciphertext  bytea NOT NULL,
    key_id      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER shop_model_keys_updated_at BEFORE UPDATE ON shop_model_keys
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Conversations the merchant held in the admin's playground: real turns through the same
-- engine, left out of the shop's statistics.
ALTER TABLE conversations ADD COLUMN playground boolean NOT NULL DEFAULT false;

-- The order of FAQ entries as the merchant arranged them (other documents have none).
ALTER TABLE documents ADD COLUMN position integer;
