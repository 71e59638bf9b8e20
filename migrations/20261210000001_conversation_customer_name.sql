-- The verified customer's name as the inbox's list shows it: read from the Admin API once (by
-- the list, or fresher by the sidebar) and kept on the conversation, so a list of fifty rows
-- does not ask Shopify fifty times. Kept on the conversation row, so a customer's redaction,
-- which deletes her conversations, takes it too. `customer_named_at` set with a NULL name: the
-- shop has no such customer (not asked again by the list).
ALTER TABLE conversations
    ADD COLUMN customer_name     text,
    ADD COLUMN customer_named_at timestamptz;
