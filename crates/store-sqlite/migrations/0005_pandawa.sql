-- PANDAWA: administrative cases worked by agents in shifts. Agents and their sessions, the
-- lifecycle columns of cases, each case's history, the participant's form links (with their
-- drafts), uploaded documents and the audit log. Times are INTEGER milliseconds since the
-- epoch and JSON is kept as text, like the rest of this schema.
CREATE TABLE agents (
    id               INTEGER PRIMARY KEY,
    username         TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    office_id        INTEGER REFERENCES offices (id),
    password_hash    TEXT NOT NULL,
    -- Weekly shifts as a JSON array of cases::Shift, in the branch's local time.
    shifts           TEXT NOT NULL,
    max_open_cases   INTEGER NOT NULL CHECK (max_open_cases >= 0),
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_sign_ins  INTEGER NOT NULL DEFAULT 0,
    locked_until     INTEGER,
    last_assigned_at INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX agents_office ON agents (office_id, id);

-- Only the SHA-256 of the token is kept, so a leaked file opens no session.
CREATE TABLE agent_sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX agent_sessions_agent ON agent_sessions (agent_id);

-- SQLite cannot add a UNIQUE column: uniqueness of the key is the partial index below.
ALTER TABLE cases ADD COLUMN office_id INTEGER REFERENCES offices (id);
ALTER TABLE cases ADD COLUMN submission_key TEXT;
ALTER TABLE cases ADD COLUMN assigned_to INTEGER REFERENCES agents (id);
ALTER TABLE cases ADD COLUMN assigned_at INTEGER;
ALTER TABLE cases ADD COLUMN first_response_at INTEGER;
ALTER TABLE cases ADD COLUMN closed_at INTEGER;
-- Cases stored before the lifecycle existed were "open": not yet taken by anyone.
UPDATE cases SET status = 'submitted' WHERE status = 'open';
-- Idempotent creation: a second submission with the same key finds the first case.
CREATE UNIQUE INDEX cases_submission_key ON cases (submission_key)
    WHERE submission_key IS NOT NULL;
-- A branch's queue by status, oldest or newest first.
CREATE INDEX cases_queue ON cases (office_id, status, created_at, id);
-- An agent's own cases, and the open load of each agent that the assignment loop reads on
-- every round (SQLite answers that count from this index alone, so a narrower partial index
-- for it would only cost writes).
CREATE INDEX cases_assignee ON cases (assigned_to, status, created_at, id)
    WHERE assigned_to IS NOT NULL;
-- The dashboard's daily counts and listings from a date.
CREATE INDEX cases_created ON cases (created_at, id);
-- The cases of one conversation.
CREATE INDEX cases_conversation ON cases (channel, sender, created_at, id);

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    kind        TEXT NOT NULL,
    -- 'agent' (with actor_agent), 'participant' or 'system'.
    actor       TEXT NOT NULL CHECK (actor IN ('agent', 'participant', 'system')),
    actor_agent INTEGER REFERENCES agents (id),
    from_status TEXT,
    to_status   TEXT,
    assigned_to INTEGER REFERENCES agents (id),
    text        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    CHECK ((actor = 'agent') = (actor_agent IS NOT NULL))
);
CREATE INDEX case_events_case ON case_events (case_id, at, id);

-- A link works once: `submitted_case` is set when the form is filed (or, for a document
-- request that names `case_id`, completed).
CREATE TABLE form_links (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    channel        TEXT NOT NULL,
    sender         TEXT NOT NULL,
    participant_id INTEGER REFERENCES participants (id),
    family_id      INTEGER REFERENCES families (id),
    office_id      INTEGER REFERENCES offices (id),
    case_id        INTEGER REFERENCES cases (id),
    prefill        TEXT NOT NULL,
    draft          TEXT NOT NULL,
    draft_saved_at INTEGER,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    submitted_case INTEGER REFERENCES cases (id),
    submitted_at   INTEGER
);
CREATE INDEX form_links_case ON form_links (case_id) WHERE case_id IS NOT NULL;

CREATE TABLE attachments (
    id             INTEGER PRIMARY KEY,
    case_id        INTEGER REFERENCES cases (id),
    form_id        TEXT REFERENCES form_links (id),
    document       TEXT,
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL CHECK (size_bytes >= 0),
    sha256         TEXT NOT NULL,
    path           TEXT NOT NULL,
    -- 'agent' (with uploaded_agent), 'participant' or 'system'.
    uploaded_by    TEXT NOT NULL CHECK (uploaded_by IN ('agent', 'participant', 'system')),
    uploaded_agent INTEGER REFERENCES agents (id),
    uploaded_at    INTEGER NOT NULL,
    CHECK ((uploaded_by = 'agent') = (uploaded_agent IS NOT NULL))
);
CREATE INDEX attachments_case ON attachments (case_id, uploaded_at, id)
    WHERE case_id IS NOT NULL;
CREATE INDEX attachments_form ON attachments (form_id, uploaded_at, id)
    WHERE form_id IS NOT NULL;

-- Append only. Details never hold an identifier in full (masked NIKs only). No foreign keys:
-- recording what happened must never fail over what it names.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    agent_id       INTEGER,
    action         TEXT NOT NULL,
    participant_id INTEGER,
    case_id        INTEGER,
    detail         TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_agent ON audit_log (agent_id, at, id) WHERE agent_id IS NOT NULL;
CREATE INDEX audit_log_case ON audit_log (case_id, at, id) WHERE case_id IS NOT NULL;
