-- Outreach: broadcasts to the participants a branch serves, their recipients, and opt-outs.
-- (Closures already live in `closures`, with `cancelled_at`, since the first migration.)

CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,        -- JSON outreach::BroadcastKind
    office_id       INTEGER REFERENCES offices (id),
    audience        TEXT NOT NULL,        -- JSON outreach::Audience
    title           TEXT NOT NULL,
    text            TEXT NOT NULL,
    template_params TEXT NOT NULL,        -- JSON array of strings
    state           TEXT NOT NULL
        CHECK (state IN ('sending', 'paused', 'cancelled', 'done')),
    total           INTEGER NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- The node feeding it to the outbox, until when (see `lease_broadcasts`).
    lease_node      TEXT,
    lease_until     INTEGER
);
CREATE INDEX broadcasts_created ON broadcasts (created_at, id);
CREATE INDEX broadcasts_office ON broadcasts (office_id, created_at, id);
-- The feeders look for these every few seconds; finished broadcasts pile up and stay out.
CREATE INDEX broadcasts_sending ON broadcasts (id) WHERE state = 'sending';

-- One row per channel address of a broadcast's audience, numbered by `seq` (1..total, in
-- (channel, address) order, so the million rows of a big broadcast are appended to each
-- B-tree below rather than inserted at random). state: 0 waiting, 1 handed to the outbox
-- (`outbound_id`), 2 skipped (opted out since queuing), 3 cancelled.
-- No foreign key on participant_id: checking one per row would slow the single INSERT that
-- queues a million recipients, and the rows are selected from `participants` anyway.
CREATE TABLE broadcast_recipients (
    broadcast_id   INTEGER NOT NULL REFERENCES broadcasts (id),
    seq            INTEGER NOT NULL,
    channel        TEXT NOT NULL,
    address        TEXT NOT NULL,
    participant_id INTEGER,
    state          INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2, 3)),
    outbound_id    INTEGER,
    PRIMARY KEY (broadcast_id, seq),
    UNIQUE (broadcast_id, channel, address)
) WITHOUT ROWID;
-- The feeder's next recipients of a channel; handed-off rows leave the index.
CREATE INDEX broadcast_recipients_waiting ON broadcast_recipients (broadcast_id, channel, seq)
    WHERE state = 0;

-- The outbox rows a broadcast produced, for its progress and its cancellation. Partial, so
-- the conversational messages (NULL here) cost the index nothing; `error_code` makes it
-- cover the progress count (a cancelled row is 'failed' with code 'cancelled').
ALTER TABLE outbound ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts (id);
CREATE INDEX outbound_broadcast ON outbound (broadcast_id, status, error_code)
    WHERE broadcast_id IS NOT NULL;

-- The latest STOP / MULAI of each address; `changed_at` orders redelivered old messages.
CREATE TABLE opt_outs (
    channel    TEXT NOT NULL,
    address    TEXT NOT NULL,
    opted_out  INTEGER NOT NULL CHECK (opted_out IN (0, 1)),
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (channel, address)
) WITHOUT ROWID;

-- The voice line recognises a caller by the registered mobile number.
CREATE INDEX participants_phone ON participants (phone) WHERE phone IS NOT NULL;
