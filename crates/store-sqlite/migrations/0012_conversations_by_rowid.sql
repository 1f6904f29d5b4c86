-- Conversations were clustered by (channel, sender): a new sender's ~500-byte row landed at a
-- random place in the table, and with about seven rows a page the inserts kept splitting
-- pages (2.7 WAL pages written per message in the webhook benchmark, second only to the
-- outbox). Now rows are appended by rowid and only the narrow (channel, sender) index takes
-- the random insert.
CREATE TABLE conversations_by_rowid (
    id             INTEGER PRIMARY KEY,
    channel        TEXT NOT NULL,
    sender         TEXT NOT NULL,
    state          TEXT NOT NULL,
    status         TEXT NOT NULL,
    participant_id INTEGER REFERENCES participants (id),
    updated_at     INTEGER NOT NULL,
    UNIQUE (channel, sender)
);
INSERT INTO conversations_by_rowid (channel, sender, state, status, participant_id, updated_at)
    SELECT channel, sender, state, status, participant_id, updated_at FROM conversations;
DROP TABLE conversations;
ALTER TABLE conversations_by_rowid RENAME TO conversations;
