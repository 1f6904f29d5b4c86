-- Roles that one node at a time must play (processing the inbox), each held under a lease
-- that its node renews and another node takes over once it runs out (`Store::hold_lease`).
CREATE TABLE leases (
    name  TEXT PRIMARY KEY,
    node  TEXT NOT NULL,
    until INTEGER NOT NULL
) WITHOUT ROWID;
