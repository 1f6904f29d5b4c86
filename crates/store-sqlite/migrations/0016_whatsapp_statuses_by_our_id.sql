-- WhatsApp statuses find our message by the id we attach to every send
-- (`biz_opaque_callback_data`, which the Cloud API returns in the message's statuses), so
-- WhatsApp's wamids leave `outbound_provider_message`. A wamid sorts by the recipient's
-- number, so each message sent wrote an entry at a random place: about 1.8 pages written per
-- inbound message in the webhook drain, a sixth of all it wrote. A WhatsApp status without our
-- id is still matched by its wamid among the newest messages (`apply_delivery`). Other
-- channels keep the index: we attach no id of ours to their sends, so a status on them (none
-- is parsed yet; Messenger's receipts would name the message by its mid) has only theirs.
DROP INDEX outbound_provider_message;
CREATE INDEX outbound_provider_message ON outbound (channel, provider_message_id)
    WHERE provider_message_id IS NOT NULL AND channel <> 'whatsapp';
