-- A staff space may serve several communities: each conversation keeps the name of the
-- community it is for and where its thread lives (the community and the channel), so the
-- staff space can answer and close it, and a member's open conversation is found by member.
ALTER TABLE modmail_conversations ADD COLUMN community_name TEXT NOT NULL DEFAULT '';
ALTER TABLE modmail_conversations ADD COLUMN staff_space TEXT;
ALTER TABLE modmail_conversations ADD COLUMN staff_channel TEXT;
CREATE INDEX modmail_open_by_member ON modmail_conversations (member) WHERE status = 'open';
