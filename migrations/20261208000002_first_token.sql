-- When the shopper saw the first words of an answer, for the admin playground's trace (the
-- model's speed as the shopper felt it, beside the whole turn's latency).
ALTER TABLE turns ADD COLUMN first_token_ms integer;
