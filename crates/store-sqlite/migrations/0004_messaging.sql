-- The messaging pipeline: the durable inbox of provider events, and the send state of the
-- outbox (one provider request per `outbound` row).
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    provider_id  TEXT NOT NULL,
    conversation TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    occurred_at  INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER,
    UNIQUE (channel, provider_id)
);
CREATE INDEX inbox_pending ON inbox (id) WHERE processed_at IS NULL;
CREATE INDEX inbox_last_inbound ON inbox (channel, conversation, occurred_at)
    WHERE kind <> 'status';

ALTER TABLE outbound ADD COLUMN request TEXT;
ALTER TABLE outbound ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbound ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbound ADD COLUMN lease_until INTEGER;
ALTER TABLE outbound ADD COLUMN provider_message_id TEXT;
ALTER TABLE outbound ADD COLUMN error_code TEXT;
ALTER TABLE outbound ADD COLUMN error_reason TEXT;
ALTER TABLE outbound ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbound ADD COLUMN inbox_id INTEGER REFERENCES inbox (id);
UPDATE outbound SET next_attempt_at = created_at, updated_at = created_at;

-- Claiming: a channel's rows of one status in id order (the search never walks the sent
-- rows, the vast majority), and the unfinished rows of one recipient (head of line).
CREATE INDEX outbound_due ON outbound (channel, status, id);
CREATE INDEX outbound_unfinished ON outbound (channel, recipient, id)
    WHERE status IN ('queued', 'sending');
-- Delivery statuses find our message by the provider's id.
CREATE INDEX outbound_provider_message ON outbound (channel, provider_message_id)
    WHERE provider_message_id IS NOT NULL;
