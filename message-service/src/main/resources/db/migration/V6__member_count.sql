-- How many participants a conversation has, kept under the conversation's row lock by every create,
-- add and remove: large groups (100,000 members) are never counted row by row on a hot path, and an
-- event can tell from it whether to name its recipients (small) or address the whole conversation (large).
ALTER TABLE conversations ADD COLUMN member_count integer NOT NULL DEFAULT 0;
UPDATE conversations c SET member_count = (SELECT count(*) FROM participants p WHERE p.conversation_id = c.id);

-- The push audience of a large group's message: those who chose notify = all (the default there is mentions).
CREATE INDEX participants_notify_all ON participants (conversation_id, user_id) WHERE notify = 'all';
