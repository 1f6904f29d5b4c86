-- REHAB instalment plans; `plan` is the rules engine's RehabPlan as JSON text (parsed in Rust,
-- so both backends read it the same way).
CREATE TABLE rehab_plans (
    id            BIGSERIAL PRIMARY KEY,
    family_id     BIGINT NOT NULL REFERENCES families (id),
    registered_by BIGINT NOT NULL REFERENCES participants (id),
    registered_at TIMESTAMPTZ NOT NULL,
    plan          TEXT NOT NULL
);
CREATE INDEX rehab_plans_family ON rehab_plans (family_id, registered_at, id);
