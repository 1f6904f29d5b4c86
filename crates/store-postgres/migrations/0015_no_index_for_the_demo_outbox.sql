-- As SQLite's migration 15: `outbound_recipient` (recipient, created_at, id) served only the
-- demo database's `GET /demo/outbox?phone=` (never routed for real data), and every real
-- message paid for it with an entry at a random place among all recipients. Without it, that
-- query reads `outbound_created` backwards from the newest message, or scans the table, and
-- only ever on a demo database.
DROP INDEX outbound_recipient;
