-- Layan store, SQLite backend: initial schema.
--
-- Conventions: identifiers (NIK, card, KK, MSISDN) are text exactly as `expose()` gives them;
-- money is INTEGER rupiah; months are INTEGER yyyymm; dates are ISO 'YYYY-MM-DD' text (which
-- sorts like the date); instants are INTEGER unix milliseconds; lists are JSON arrays.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE offices (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL,
    name      TEXT NOT NULL,
    address   TEXT NOT NULL,
    latitude  REAL NOT NULL,
    longitude REAL NOT NULL,
    phone     TEXT NOT NULL,
    whatsapp  TEXT,
    hours     TEXT NOT NULL,      -- WeeklyHours::to_spec
    timezone  TEXT NOT NULL       -- IANA name
);

-- The regencies a branch serves, in the order the office lists them.
CREATE TABLE office_regencies (
    office_id    INTEGER NOT NULL REFERENCES offices (id),
    position     INTEGER NOT NULL,
    regency_code INTEGER NOT NULL,
    PRIMARY KEY (office_id, position)
) WITHOUT ROWID;
CREATE INDEX office_regencies_regency ON office_regencies (regency_code, office_id);

CREATE TABLE facilities (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    -- Unicode lower case of `name`, computed by the application so that case-insensitive
    -- search means the same on both backends (SQLite's lower() only folds ASCII).
    name_folded    TEXT NOT NULL,
    kind           TEXT NOT NULL,
    tier           TEXT NOT NULL,
    hospital_class TEXT,
    regency_code   INTEGER NOT NULL,
    district_code  INTEGER NOT NULL,
    address        TEXT NOT NULL,
    latitude       REAL NOT NULL,
    longitude      REAL NOT NULL,
    phone          TEXT NOT NULL,
    hours          TEXT NOT NULL,
    polyclinics    TEXT NOT NULL      -- JSON array of names
);
CREATE INDEX facilities_position ON facilities (latitude, longitude);
CREATE INDEX facilities_kind_position ON facilities (kind, latitude, longitude);
CREATE INDEX facilities_regency ON facilities (regency_code);
CREATE INDEX facilities_district ON facilities (district_code);

CREATE TABLE families (
    id              INTEGER PRIMARY KEY,
    kk_number       TEXT NOT NULL,
    segment         TEXT NOT NULL,
    class           INTEGER NOT NULL,
    virtual_account TEXT NOT NULL,
    wage            INTEGER,
    employer        TEXT,
    district_code   INTEGER NOT NULL
);

CREATE TABLE participants (
    id            INTEGER PRIMARY KEY,
    family_id     INTEGER NOT NULL REFERENCES families (id),
    relation      TEXT NOT NULL,
    nik           TEXT NOT NULL UNIQUE,
    card_number   TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    sex           TEXT NOT NULL,
    birth_date    TEXT NOT NULL,
    phone         TEXT,
    email         TEXT,
    district_code INTEGER NOT NULL,
    segment       TEXT NOT NULL,
    class         INTEGER NOT NULL,
    class_since   TEXT NOT NULL,
    fktp_id       INTEGER,
    fktp_since    TEXT,
    registered_on TEXT NOT NULL
);
CREATE INDEX participants_family ON participants (family_id);

-- WITHOUT ROWID: a family's ledger is one contiguous key range of the table.
CREATE TABLE bills (
    family_id INTEGER NOT NULL REFERENCES families (id),
    period    INTEGER NOT NULL,
    amount    INTEGER NOT NULL,
    subsidy   INTEGER NOT NULL,
    members   INTEGER NOT NULL,
    PRIMARY KEY (family_id, period)
) WITHOUT ROWID;

CREATE TABLE payments (
    family_id  INTEGER NOT NULL REFERENCES families (id),
    id         INTEGER NOT NULL,
    paid_on    TEXT NOT NULL,
    channel    TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    for_period INTEGER,
    PRIMARY KEY (family_id, id)
) WITHOUT ROWID;

CREATE TABLE closures (
    id           INTEGER PRIMARY KEY,
    office_id    INTEGER NOT NULL REFERENCES offices (id),
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    message      TEXT NOT NULL,
    alternatives TEXT NOT NULL,       -- JSON array
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    cancelled_at INTEGER
);
CREATE INDEX closures_office_end ON closures (office_id, ends_at);

CREATE TABLE logins (
    id             TEXT PRIMARY KEY NOT NULL,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    code_hash      TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    consumed       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE tokens (
    token_hash     TEXT PRIMARY KEY NOT NULL,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    expires_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE rate_limits (
    key          TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) WITHOUT ROWID;

CREATE TABLE outbound (
    id         INTEGER PRIMARY KEY,
    channel    TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX outbound_recipient ON outbound (recipient, created_at, id);
CREATE INDEX outbound_created ON outbound (created_at, id);
