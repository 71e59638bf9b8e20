-- Live delivery across web nodes (issue 14): every event pushed to a conversation's live
-- channel (`chat::hub`) is a row here, and its node NOTIFYs `live_events` with the ids only
-- (shop, conversation, last sequence number); each node LISTENs and its followers read the
-- rows. Rows are the live view of the last few minutes, not the record (the messages are):
-- they are pruned by age.

-- One row per channel (a conversation, or `00000000-0000-0000-0000-000000000000` for the
-- shop's agents): the last sequence number given, and the last one pruned (a follower resuming
-- from before it is told to reload). Updating `last_seq` in the statement that inserts the
-- events takes the row's lock, so one channel's events commit in sequence order on every node.
-- A channel's numbers start from the microseconds since 1970 when its row is made, so ids
-- from before its row was lost (PostgreSQL crashed) are all older than it: they reload.
--
-- Both tables are unlogged: no WAL, so writing an event costs no disk flush (an answer's
-- streamed deltas are many small events); a crash of PostgreSQL empties them, and the
-- streams following them reload.
CREATE UNLOGGED TABLE live_streams (
    shop_id          bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL,
    last_seq         bigint NOT NULL,
    pruned_through   bigint NOT NULL,
    PRIMARY KEY (shop_id, conversation_id)
);

CREATE UNLOGGED TABLE live_events (
    shop_id          bigint NOT NULL,
    conversation_id  uuid NOT NULL,
    seq              bigint NOT NULL,
    event            jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (shop_id, conversation_id, seq),
    FOREIGN KEY (shop_id, conversation_id) REFERENCES live_streams (shop_id, conversation_id)
        ON DELETE CASCADE
);

CREATE INDEX live_events_age ON live_events (created_at);

-- Shoppers' message budgets, shared by every node (`chat::rate`): GCRA, one row per key, the
-- theoretical arrival time of the next message. A row whose time has passed is the same as no
-- row, and is pruned. Unlogged: after a crash of PostgreSQL every budget starts full.
CREATE UNLOGGED TABLE rate_limits (
    shop_id  bigint NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    bucket   text NOT NULL,
    key      text NOT NULL,
    tat      timestamptz NOT NULL,
    PRIMARY KEY (shop_id, bucket, key)
);

CREATE INDEX rate_limits_tat ON rate_limits (tat);
