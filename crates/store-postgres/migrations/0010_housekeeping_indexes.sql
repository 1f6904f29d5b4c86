-- The server's housekeeping deletes what has ended (`Store::prune_rate_limits`,
-- `Store::prune_expired_sign_ins`) in small chunks, hourly. These indexes let each chunk read
-- only the rows it deletes instead of scanning the table (on SQLite, with the one writer
-- held). New rows land at each index's right edge, so writing costs next to nothing more.
CREATE INDEX rate_limits_window ON rate_limits (window_start);
CREATE INDEX logins_expiry ON logins (expires_at);
CREATE INDEX tokens_expiry ON tokens (expires_at);
CREATE INDEX agent_sessions_expiry ON agent_sessions (expires_at);
