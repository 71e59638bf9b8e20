-- What the storefront widget brings with a message: the page the shopper wrote from, photos,
-- and an email left for follow-up.

-- The page a shopper message was written from (template, URL, product and variant ids), as the
-- widget reported it: what "this" meant, and what agents see of where the shopper was.
ALTER TABLE messages ADD COLUMN page jsonb;

-- Photos a shopper attached (a damaged item): images only, known by their bytes, with their
-- metadata (EXIF, XMP, comments) removed before they are stored. Bound to the message they were
-- sent with; gone with the conversation (and so with a customer's redaction).
CREATE TABLE attachments (
    shop_id          bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id               uuid NOT NULL,
    conversation_id  uuid NOT NULL,
    -- The message it was sent with; NULL until then.
    message_id       bigint,
    content_type     text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes            bytea NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    FOREIGN KEY (shop_id, conversation_id) REFERENCES conversations (shop_id, id) ON DELETE CASCADE
);

CREATE INDEX attachments_conversation ON attachments (shop_id, conversation_id);
