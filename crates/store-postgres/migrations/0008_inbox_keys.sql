-- Durable ingest writes no random index page per event.
--
-- 1. Redeliveries are recognised by (channel, occurred_at, provider_id) instead of (channel,
--    provider_id). A redelivery is the same body again, so it carries the same provider
--    timestamp (occurred_at is derived from the body alone), and it still collides. But new
--    entries now land at the right edge of the index, next to each other, instead of on a
--    random page of an index as large as the inbox (provider ids are random strings).
-- 2. The 24-hour window moves from an index over every inbound event (again one random page
--    per event, on the webhook's path) to one row per address, updated when the event is
--    processed (`inbound_windows`).
CREATE UNIQUE INDEX inbox_delivery ON inbox (channel, occurred_at, provider_id);
ALTER TABLE inbox DROP CONSTRAINT inbox_channel_provider_id_key;
DROP INDEX inbox_last_inbound;

CREATE TABLE inbound_windows (
    channel         TEXT NOT NULL,
    address         TEXT COLLATE "C" NOT NULL,
    last_inbound_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel, address)
);
INSERT INTO inbound_windows (channel, address, last_inbound_at)
    SELECT channel, conversation, MAX(occurred_at) FROM inbox
    WHERE kind <> 'status' GROUP BY channel, conversation;
