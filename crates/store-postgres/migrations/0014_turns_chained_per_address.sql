-- Kept in step with SQLite's migration 14, which replaces the index of turns by address with a
-- chain from each address's newest turn (in SQLite, that index took a random page per turn,
-- written again by the checkpoint). PostgreSQL keeps the index: its pages are written back by
-- the background writer, not on the commit's path, so there is nothing to change here.
SELECT 1;
