-- Every message rewrites its conversation's row, and with it this index's entry (its
-- updated_at changes): a page written per message for an index no query uses.
DROP INDEX IF EXISTS conversations_status;
