-- A conversation's turns are found through a chain instead of an index keyed by the address.
--
-- `turns_conversation` (channel, sender, at, id) took one entry per turn at a random place (a
-- sender's place among all senders): about one index page written per message, and written
-- again by the checkpoint, for a query that only ever asks for one conversation's newest turns.
-- Dropping it cut what the webhook benchmark writes per reply by about a sixth.
--
-- Now each turn names the turn before it in its conversation (`previous_id`), and the newest
-- one is kept per address, in the row that already holds the address's 24-hour window (that
-- row is written for every inbound message anyway, so the chain's head costs no further page).
-- `inbound_windows` becomes `addresses`: an address may have turns and no inbound message yet
-- (a notice sent first, a voice call), so the window's start is now nullable, which SQLite
-- can only do by rebuilding the table.
CREATE TABLE addresses (
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL,
    -- Unix ms of the newest message the address wrote us (statuses aside), or NULL.
    last_inbound_at INTEGER,
    -- The address's newest turn, or NULL.
    last_turn_id    INTEGER,
    PRIMARY KEY (channel, address)
) WITHOUT ROWID;

INSERT INTO addresses (channel, address, last_inbound_at)
    SELECT channel, address, last_inbound_at FROM inbound_windows;
INSERT INTO addresses (channel, address, last_turn_id)
    SELECT channel, sender, MAX(id) FROM turns WHERE true GROUP BY channel, sender
    ON CONFLICT (channel, address) DO UPDATE SET last_turn_id = excluded.last_turn_id;
DROP TABLE inbound_windows;

-- No foreign keys on the chain's links: with nothing indexing them, deleting a turn (a
-- retention rule, one day) would scan the whole table per row to check them.
ALTER TABLE turns ADD COLUMN previous_id INTEGER;
UPDATE turns SET previous_id = chained.previous_id
    FROM (SELECT id, LAG(id) OVER (PARTITION BY channel, sender ORDER BY id) AS previous_id
          FROM turns) AS chained
    WHERE chained.id = turns.id AND chained.previous_id IS NOT NULL;

DROP INDEX turns_conversation;
