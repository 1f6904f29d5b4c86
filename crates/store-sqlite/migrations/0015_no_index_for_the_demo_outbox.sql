-- `outbound_recipient` (recipient, created_at, id) served one query: the demo database's
-- `GET /demo/outbox?phone=`, which lets a tester read the sign-in codes sent to a phone and is
-- never routed for real data. Yet every real message paid for it: an entry at a random place
-- among all recipients, about 1.1 pages written per message in the webhook drain (a ninth of
-- all it writes). Without it, that query walks `outbound_created` from the newest message and
-- stops at the phone's newest messages: at once for a code just sent, a scan of the table at
-- worst, and only ever on a demo database.
DROP INDEX outbound_recipient;
