-- The assistant: each conversation's state (JSON, one row per channel and sender), every turn
-- of every conversation (for the agents' history and the audit), and the administrative
-- requests and complaints the conversations create.
CREATE TABLE conversations (
    channel        TEXT NOT NULL,
    sender         TEXT NOT NULL,
    state          TEXT NOT NULL,
    status         TEXT NOT NULL,
    participant_id INTEGER REFERENCES participants (id),
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (channel, sender)
) WITHOUT ROWID;
CREATE INDEX conversations_status ON conversations (status, updated_at);

CREATE TABLE turns (
    id             INTEGER PRIMARY KEY,
    channel        TEXT NOT NULL,
    sender         TEXT NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    body           TEXT NOT NULL,
    text           TEXT NOT NULL,
    intent         TEXT,
    participant_id INTEGER REFERENCES participants (id),
    at             INTEGER NOT NULL
);
CREATE INDEX turns_conversation ON turns (channel, sender, at, id);

CREATE TABLE cases (
    id             INTEGER PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    participant_id INTEGER REFERENCES participants (id),
    family_id      INTEGER REFERENCES families (id),
    channel        TEXT NOT NULL,
    sender         TEXT NOT NULL,
    fields         TEXT NOT NULL,
    status         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX cases_participant ON cases (participant_id, created_at, id);
