-- As SQLite's migration 16: WhatsApp statuses find our message by the id we attach to every
-- send (`biz_opaque_callback_data`, returned in the message's statuses), so WhatsApp's wamids
-- leave `outbound_provider_message`, where each message sent wrote an entry at a random place
-- (a wamid sorts by the recipient's number). A WhatsApp status without our id is matched by its
-- wamid among the newest messages; other channels' statuses carry only the provider's id, so
-- their ids stay indexed.
DROP INDEX outbound_provider_message;
CREATE INDEX outbound_provider_message ON outbound (channel, provider_message_id)
    WHERE provider_message_id IS NOT NULL AND channel <> 'whatsapp';
