-- Broadcasts are fed by the node holding the processing role (a row of `leases`), no longer
-- under a lease of their own on each broadcast row, so its two lease columns go.
--
-- `ALTER TABLE ... DROP COLUMN` cannot be used: the comment above those columns in 0006 ends
-- up before the closing parenthesis and SQLite then fails to parse the table. So the table
-- is rebuilt, as in 0008 (the migration runner turns foreign key enforcement off around it
-- and checks the keys before it commits; `broadcast_recipients` and `outbound` refer to the
-- new table by name).
CREATE TABLE broadcasts_rebuilt (
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
    updated_at      INTEGER NOT NULL
);
INSERT INTO broadcasts_rebuilt (id, kind, office_id, audience, title, text, template_params,
                                state, total, created_by, created_at, updated_at)
    SELECT id, kind, office_id, audience, title, text, template_params, state, total,
           created_by, created_at, updated_at
    FROM broadcasts;
DROP TABLE broadcasts;
ALTER TABLE broadcasts_rebuilt RENAME TO broadcasts;
CREATE INDEX broadcasts_created ON broadcasts (created_at, id);
CREATE INDEX broadcasts_office ON broadcasts (office_id, created_at, id);
-- The feeder reads these every tick; finished broadcasts pile up and stay out.
CREATE INDEX broadcasts_sending ON broadcasts (id) WHERE state = 'sending';
