-- Kept in step with SQLite's migration 12, which stops clustering conversations by
-- (channel, sender). PostgreSQL tables are heaps already, with the primary key as a separate
-- index, so there is nothing to change here.
SELECT 1;
