-- Outgoing mail (issue 12's one-time codes, issue 14's handoff notices and agents' replies).
-- A row is written in the transaction of the change that causes the mail, with the
-- `send_mail` job that sends it; `sent_at` is set in the same transaction that holds the row
-- while it is handed to the SMTP server, so a job run again after a crash does not send a
-- mail marked sent. The text is cleared once sent (the outbox is a queue, not an archive: it
-- held a one-time code or a shopper's words); `customers/redact` deletes the rows addressed
-- to the customer.
CREATE TABLE mail_outbox (
    shop_id     bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    recipient   text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    -- Why the SMTP server refused it for good (a 5xx), if it did.
    failed      text,
    PRIMARY KEY (shop_id, id)
);

CREATE INDEX mail_outbox_unsent ON mail_outbox (created_at) WHERE sent_at IS NULL;

-- The one-time code an anonymous order look-up must give back after its order number and
-- email matched (issue 12): one pending code per conversation, for one order. Only a keyed
-- hash of the code is kept (HMAC-SHA256 under the app's secret, bound to the shop and the
-- conversation); it expires and allows a few attempts.
CREATE TABLE order_codes (
    shop_id          bigint NOT NULL,
    conversation_id  uuid NOT NULL,
    order_number     text NOT NULL,
    code_hash        bytea NOT NULL,
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    expires_at       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, conversation_id),
    FOREIGN KEY (shop_id, conversation_id) REFERENCES conversations (shop_id, id) ON DELETE CASCADE
);
