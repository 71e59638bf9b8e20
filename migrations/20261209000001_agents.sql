-- The store's support agents (issue 14): the staff members who work conversations in the
-- embedded admin's inbox. A row is made on a staff member's first visit, keyed by the verified
-- session token's `sub` (Shopify's user id), never by anything the browser says; name and email
-- come from Shopify's online access token for that staff member (token exchange).
--
-- An agent counts as "online" while `availability = 'online'` and their inbox was seen in the
-- last 90 seconds (`last_seen_at`, stamped by the inbox's live stream): the handoff asks for the
-- shopper's email and notifies the team by mail when nobody is.

CREATE TABLE agents (
    shop_id       bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    staff_id      text NOT NULL,
    name          text NOT NULL DEFAULT '',
    email         text,
    role          text NOT NULL DEFAULT 'agent' CHECK (role IN ('owner', 'agent')),
    availability  text NOT NULL DEFAULT 'online' CHECK (availability IN ('online', 'away')),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    UNIQUE (shop_id, staff_id)
);

-- The agent a conversation is assigned to (set by a takeover or an assignment); cleared when
-- the conversation is handed back to the assistant.
ALTER TABLE conversations
    ADD COLUMN assignee_id bigint,
    ADD FOREIGN KEY (shop_id, assignee_id) REFERENCES agents (shop_id, id)
        ON DELETE SET NULL (assignee_id);
