-- A claim takes the oldest due rows of a channel. `outbound_due` (channel, status,
-- next_attempt_at, id) cannot give them in id order, so with a backlog every claim read all
-- the channel's unfinished rows and sorted them to keep a batch: 4 ms for 1,500 queued
-- replies, growing with the backlog it should be draining. Claims now walk the queued rows in
-- id order and stop at the batch size, and look up expired leases apart: few rows are being
-- sent at any moment, and fewer still have outlived their lease.
DROP INDEX outbound_due;
CREATE INDEX outbound_queued ON outbound (channel, id) WHERE status = 'queued';
CREATE INDEX outbound_leased ON outbound (channel, lease_until) WHERE status = 'sending';
