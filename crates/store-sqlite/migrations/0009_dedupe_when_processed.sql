-- Durable ingest writes no index page per event that depends on the event's provider id.
--
-- Since 0008, redeliveries were recognised when stored, by a unique index on (channel,
-- occurred_at, provider_id). Provider times are whole seconds and provider ids are random, so
-- one second's events still landed at random among that second's index pages: about one
-- page written per event on the webhook's path.
--
-- Now every delivery is stored as it comes (the inbox only appends), and a redelivery is
-- recognised when it is processed: the unique index holds processed events only. Processing
-- runs a conversation's events in inbox order, so the first delivery is processed first, and a
-- later one that finds it processed is deleted unanswered. The index page is now written when
-- the event is processed, in the same commit as the rest of its processing.
DROP INDEX inbox_delivery;
CREATE UNIQUE INDEX inbox_processed_delivery ON inbox (channel, occurred_at, provider_id)
    WHERE processed_at IS NOT NULL;
