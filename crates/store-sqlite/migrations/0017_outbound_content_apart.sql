-- A message's content (its text and the provider request) moves out of `outbound` into
-- `outbound_content`, written once when the message is queued. `outbound` keeps the send
-- state, which changes two or three times per message (claimed, sent, then the provider's
-- statuses): each change rewrote the page of a row of about 850 bytes, and a row that grew
-- (a lease, the provider's id) split its page. The webhook drain wrote 2.8 pages of
-- `outbound` per inbound message, a third of all it wrote.
CREATE TABLE outbound_content (
    id      INTEGER PRIMARY KEY,
    body    TEXT NOT NULL,
    request TEXT
);
INSERT INTO outbound_content (id, body, request) SELECT id, body, request FROM outbound;
ALTER TABLE outbound DROP COLUMN body;
ALTER TABLE outbound DROP COLUMN request;
-- Whether the message can be sent at all: a message without a request (a code for the sms
-- outbox) stays queued for a reader and is never claimed.
ALTER TABLE outbound ADD COLUMN sendable INTEGER NOT NULL DEFAULT 1;
UPDATE outbound SET sendable = 0
    WHERE id IN (SELECT id FROM outbound_content WHERE request IS NULL);
CREATE VIEW outbound_full AS
    SELECT o.*, c.body, c.request FROM outbound o JOIN outbound_content c ON c.id = o.id;
