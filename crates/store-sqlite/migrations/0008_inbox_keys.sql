-- Durable ingest writes no random index page per event.
--
-- 1. Redeliveries are recognised by (channel, occurred_at, provider_id) instead of (channel,
--    provider_id). A redelivery is the same body again, so it carries the same provider
--    timestamp (occurred_at is derived from the body alone), and it still collides. But new
--    entries now land at the right edge of the index, next to each other, instead of on a
--    random page of an index as large as the inbox (provider ids are random strings): one
--    page written per commit instead of one per event.
-- 2. The 24-hour window moves from an index over every inbound event (again one random page
--    per event, on the webhook's path) to one row per address, updated when the event is
--    processed (`inbound_windows`).
--
-- SQLite cannot drop a UNIQUE constraint of a table, so the table is rebuilt (the migration
-- runner turns foreign key enforcement off around it and checks the keys before it commits;
-- `outbound.inbox_id` refers to the new table by name).
CREATE TABLE inbox_rebuilt (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    provider_id  TEXT NOT NULL,
    conversation TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    occurred_at  INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER
);
INSERT INTO inbox_rebuilt (id, channel, provider_id, conversation, kind, payload, occurred_at,
                           received_at, processed_at)
    SELECT id, channel, provider_id, conversation, kind, payload, occurred_at, received_at,
           processed_at
    FROM inbox;

CREATE TABLE inbound_windows (
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL,
    last_inbound_at INTEGER NOT NULL,
    PRIMARY KEY (channel, address)
) WITHOUT ROWID;
INSERT INTO inbound_windows (channel, address, last_inbound_at)
    SELECT channel, conversation, MAX(occurred_at) FROM inbox
    WHERE kind <> 'status' GROUP BY channel, conversation;

DROP TABLE inbox;
ALTER TABLE inbox_rebuilt RENAME TO inbox;
CREATE UNIQUE INDEX inbox_delivery ON inbox (channel, occurred_at, provider_id);
CREATE INDEX inbox_pending ON inbox (id) WHERE processed_at IS NULL;
