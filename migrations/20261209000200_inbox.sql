-- The agents' inbox (issue 14): what agents do to a conversation, their private notes, what
-- each has read, who is looking at a conversation now, and the shop's saved replies.

-- Every takeover, hand-back, assignment, close, reopen, reply and note, with the agent and the
-- time: the conversation's export includes them. The agent's name is kept as it was, so the
-- trail still reads after the agent's row is gone.
CREATE TABLE inbox_audit (
    shop_id          bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    conversation_id  uuid NOT NULL,
    agent_id         bigint,
    agent_name       text NOT NULL,
    action           text NOT NULL CHECK (action IN
        ('take', 'hand_back', 'assign', 'close', 'reopen', 'reply', 'note')),
    -- What the action names: the assignee, the message or note id.
    detail           jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    FOREIGN KEY (shop_id, conversation_id) REFERENCES conversations (shop_id, id) ON DELETE CASCADE,
    FOREIGN KEY (shop_id, agent_id) REFERENCES agents (shop_id, id) ON DELETE SET NULL (agent_id)
);

CREATE INDEX inbox_audit_conversation ON inbox_audit (shop_id, conversation_id, id);

-- Internal notes: agents only. Kept apart from `messages` so that nothing that reads a
-- conversation for the shopper or for the model (history, the widget, its stream) can see one.
CREATE TABLE inbox_notes (
    shop_id          bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    conversation_id  uuid NOT NULL,
    agent_id         bigint,
    agent_name       text NOT NULL,
    content          text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    FOREIGN KEY (shop_id, conversation_id) REFERENCES conversations (shop_id, id) ON DELETE CASCADE,
    FOREIGN KEY (shop_id, agent_id) REFERENCES agents (shop_id, id) ON DELETE SET NULL (agent_id)
);

CREATE INDEX inbox_notes_conversation ON inbox_notes (shop_id, conversation_id, id);

-- How far each agent has read each conversation (a message id): unread counts.
CREATE TABLE inbox_reads (
    shop_id          bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    agent_id         bigint NOT NULL,
    conversation_id  uuid NOT NULL,
    read_through     bigint NOT NULL,
    -- When the agent last opened it: they count as viewing it for a minute after.
    viewed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, agent_id, conversation_id),
    FOREIGN KEY (shop_id, conversation_id) REFERENCES conversations (shop_id, id) ON DELETE CASCADE,
    FOREIGN KEY (shop_id, agent_id) REFERENCES agents (shop_id, id) ON DELETE CASCADE
);

CREATE INDEX inbox_reads_viewing ON inbox_reads (shop_id, conversation_id, viewed_at);

-- Replies the shop's agents reuse; `{{first_name}}` and `{{order_number}}` are filled per
-- conversation.
CREATE TABLE saved_replies (
    shop_id     bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    title       text NOT NULL,
    content     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id)
);

-- The inbox lists a shop's conversations by who owns them, newest first.
CREATE INDEX conversations_inbox ON conversations (shop_id, last_message_at DESC, id DESC)
    WHERE NOT playground;

-- A shop's conversations as agent `p_agent` sees them in the inbox (one row each, playground
-- and empty conversations left out): the last message, who owns it, since when the shopper
-- waits for a person, what this agent has not read, and the views it falls in.
--
-- The shopper waits (only while a person owns the conversation) since the first message
-- after the last agent reply; before any agent replied, since the message that led to the
-- handoff (the latest before the assistant's last word) or anything after it.
CREATE FUNCTION inbox_summaries(p_shop bigint, p_agent bigint)
RETURNS TABLE (
    id uuid, owner text, assignee_id bigint, assignee_name text, customer_id text,
    contact_email text, locale text, last_message_at timestamptz, preview text,
    waiting_since timestamptz, unread bigint, needs_person boolean, mine boolean
)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.owner, c.assignee_id, a.name, c.customer_id, c.contact_email, c.locale,
           c.last_message_at, left(last.content, 140), w.since,
           (SELECT count(*) FROM messages m
            WHERE m.shop_id = c.shop_id AND m.conversation_id = c.id AND m.role = 'shopper'
              AND m.id > coalesce(r.read_through, 0)),
           c.owner = 'human' AND (c.assignee_id IS NULL OR w.since IS NOT NULL),
           c.assignee_id IS NOT DISTINCT FROM p_agent AND c.owner <> 'closed'
    FROM conversations c
    JOIN LATERAL (SELECT m.content FROM messages m
                  WHERE m.shop_id = c.shop_id AND m.conversation_id = c.id
                  ORDER BY m.id DESC LIMIT 1) last ON true
    CROSS JOIN LATERAL (
        SELECT max(m.id) FILTER (WHERE m.role = 'agent') AS agent,
               max(m.id) FILTER (WHERE m.role = 'assistant') AS assistant
        FROM messages m WHERE m.shop_id = c.shop_id AND m.conversation_id = c.id) k
    CROSS JOIN LATERAL (
        SELECT CASE WHEN c.owner = 'human' THEN coalesce(
            (SELECT min(m.created_at) FROM messages m
             WHERE m.shop_id = c.shop_id AND m.conversation_id = c.id AND m.role = 'shopper'
               AND m.id > coalesce(k.agent, k.assistant, 0)),
            CASE WHEN k.agent IS NULL THEN
                (SELECT max(m.created_at) FROM messages m
                 WHERE m.shop_id = c.shop_id AND m.conversation_id = c.id AND m.role = 'shopper')
            END)
        END AS since) w
    LEFT JOIN agents a ON a.shop_id = c.shop_id AND a.id = c.assignee_id
    LEFT JOIN inbox_reads r
        ON r.shop_id = c.shop_id AND r.conversation_id = c.id AND r.agent_id = p_agent
    WHERE c.shop_id = p_shop AND NOT c.playground
$$;
