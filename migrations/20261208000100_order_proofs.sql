-- Failed order proofs counted across conversations (issue 12): a new conversation, a new
-- visitor id or a new address must not start a guesser again at zero. Each key (the visitor,
-- the network address the conversation was started from, the order number, the email) counts
-- the failed proofs of its window (a day, `chat::host::conversation`); the conversation's own
-- count stays on `conversations.verification_failures`. Emails are kept only as a keyed hash.

ALTER TABLE conversations ADD COLUMN client_address text;

CREATE TABLE order_proof_failures (
    shop_id       bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    key           text NOT NULL,
    failures      integer NOT NULL CHECK (failures >= 0),
    window_start  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, key)
);

-- The key an email's failures are counted under: a hash, so that the table holds no address
-- (and `customers/redact` can find the row of the email it is given).
CREATE FUNCTION order_proof_email_key(shop bigint, email text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN 'email:' || encode(sha256(convert_to(shop::text || ':' || lower(btrim(email)), 'UTF8')), 'hex');
