-- Broadcasts are fed by the node holding the processing role (a row of `leases`), no longer
-- under a lease of their own on each broadcast row.
ALTER TABLE broadcasts DROP COLUMN lease_node, DROP COLUMN lease_until;
