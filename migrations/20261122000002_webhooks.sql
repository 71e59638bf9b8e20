-- Webhooks as received: verified, stored and enqueued in one transaction before the 200.
-- Shopify retries a delivery with the same X-Shopify-Event-Id, so (shop_id, event_id) is
-- the dedupe key: a retry is acknowledged and stored once.
CREATE TABLE webhook_events (
    shop_id       bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    event_id      text NOT NULL,
    webhook_id    text,
    topic         text NOT NULL,
    api_version   text,
    triggered_at  timestamptz,
    payload       jsonb NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz,
    outcome       text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    UNIQUE (shop_id, event_id)
);

CREATE TRIGGER webhook_events_updated_at BEFORE UPDATE ON webhook_events
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Answers to customers/data_request: what we hold about one customer, for the merchant.
CREATE TABLE compliance_exports (
    shop_id          bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    data_request_id  text,
    customer_id      text,
    customer_email   text,
    export           jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id)
);

CREATE TRIGGER compliance_exports_updated_at BEFORE UPDATE ON compliance_exports
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
