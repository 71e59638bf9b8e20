-- Conversations: a shopper's chat with the assistant (and, after a handoff, with the shop's
-- agents). A shopper's message is stored before the model is called; every turn records its
-- tool calls, tokens, model, latency and cost.

CREATE TABLE conversations (
    shop_id             bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id                  uuid NOT NULL,
    -- Who answers: the assistant, the shop's agents, or nobody (resolved). Only the handoff
    -- tool and agents change it.
    owner               text NOT NULL DEFAULT 'ai' CHECK (owner IN ('ai', 'human', 'closed')),
    -- The anonymous visitor (from the signed visitor token) and, when the storefront said the
    -- shopper is logged in (app proxy, signed by Shopify), their customer id.
    visitor_id          uuid NOT NULL,
    customer_id         text,
    locale              text,
    -- An email the shopper gave for follow-up (handoff outside business hours).
    contact_email       text,
    csat                smallint CHECK (csat BETWEEN 1 AND 5),
    -- Failed order-verification attempts (order number + email) in this conversation.
    verification_failures integer NOT NULL DEFAULT 0,
    last_message_at     timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id)
);

CREATE INDEX conversations_visitor ON conversations (shop_id, visitor_id, last_message_at DESC);
CREATE INDEX conversations_owner ON conversations (shop_id, owner, last_message_at DESC);

CREATE TRIGGER conversations_updated_at BEFORE UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE messages (
    shop_id          bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    conversation_id  uuid NOT NULL,
    role             text NOT NULL CHECK (role IN ('shopper', 'assistant', 'agent', 'system')),
    -- Card numbers and the like are redacted before this is written.
    content          text NOT NULL,
    -- Citations, product cards and actions shown with an assistant message.
    attachments      jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- The widget's id for a shopper message: a retried send is stored once.
    client_id        text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    UNIQUE (shop_id, conversation_id, client_id),
    FOREIGN KEY (shop_id, conversation_id) REFERENCES conversations (shop_id, id) ON DELETE CASCADE
);

CREATE INDEX messages_conversation ON messages (shop_id, conversation_id, id);

-- One assistant turn: the model's work behind one answer.
CREATE TABLE turns (
    shop_id            bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id                 bigint GENERATED ALWAYS AS IDENTITY,
    conversation_id    uuid NOT NULL,
    -- The shopper message answered, and the answer (NULL until it is stored).
    question_id        bigint NOT NULL,
    answer_id          bigint,
    status             text NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'answered', 'failed')),
    responder          text NOT NULL,
    model              text,
    prompt_tokens      integer NOT NULL DEFAULT 0,
    completion_tokens  integer NOT NULL DEFAULT 0,
    cost_usd           numeric(12, 6),
    latency_ms         integer,
    error              text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    FOREIGN KEY (shop_id, conversation_id) REFERENCES conversations (shop_id, id) ON DELETE CASCADE
);

CREATE TRIGGER turns_updated_at BEFORE UPDATE ON turns
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every tool call: the audit trail (arguments as the model sent them, the outcome).
CREATE TABLE tool_calls (
    shop_id      bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    turn_id      bigint NOT NULL,
    tool         text NOT NULL,
    risk         text NOT NULL CHECK (risk IN ('read', 'write')),
    arguments    jsonb NOT NULL,
    outcome      text NOT NULL CHECK (outcome IN ('ok', 'refused', 'invalid', 'error', 'timeout')),
    result       jsonb,
    duration_ms  integer NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, id),
    FOREIGN KEY (shop_id, turn_id) REFERENCES turns (shop_id, id) ON DELETE CASCADE
);

-- Usage per shop per day, for the merchant's analytics and plan limits.
CREATE TABLE usage_daily (
    shop_id            bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    day                date NOT NULL,
    conversations      integer NOT NULL DEFAULT 0,
    turns              integer NOT NULL DEFAULT 0,
    prompt_tokens      bigint NOT NULL DEFAULT 0,
    completion_tokens  bigint NOT NULL DEFAULT 0,
    cost_usd           numeric(14, 6) NOT NULL DEFAULT 0,
    PRIMARY KEY (shop_id, day)
);
