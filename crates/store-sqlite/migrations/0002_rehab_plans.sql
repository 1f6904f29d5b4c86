-- REHAB instalment plans; `plan` is the rules engine's RehabPlan as JSON.
CREATE TABLE rehab_plans (
    id            INTEGER PRIMARY KEY,
    family_id     INTEGER NOT NULL REFERENCES families (id),
    registered_by INTEGER NOT NULL REFERENCES participants (id),
    registered_at INTEGER NOT NULL,
    plan          TEXT NOT NULL
);
CREATE INDEX rehab_plans_family ON rehab_plans (family_id, registered_at, id);
