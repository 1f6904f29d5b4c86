-- As SQLite's migration 17: a message's content (its text and the provider request) moves
-- out of `outbound` into `outbound_content`, written once when the message is queued.
-- `outbound` keeps the send state, which changes two or three times per message (claimed,
-- sent, then the provider's statuses); each change wrote a new version of the whole row.
CREATE TABLE outbound_content (
    id      BIGINT PRIMARY KEY,
    body    TEXT NOT NULL,
    request TEXT
);
INSERT INTO outbound_content (id, body, request) SELECT id, body, request FROM outbound;
-- Whether the message can be sent at all: a message without a request (a code for the sms
-- outbox) stays queued for a reader and is never claimed.
ALTER TABLE outbound ADD COLUMN sendable BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE outbound SET sendable = FALSE WHERE request IS NULL;
ALTER TABLE outbound DROP COLUMN body, DROP COLUMN request;
CREATE VIEW outbound_full AS
    SELECT o.*, c.body, c.request FROM outbound o JOIN outbound_content c ON c.id = o.id;
