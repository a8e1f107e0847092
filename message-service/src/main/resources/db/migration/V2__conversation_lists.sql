-- Paging participants (GET /conversations/{id}/participants, the inline list, owner hand-over) in
-- (joined_at, user_id) order without sorting a large group on every page.
CREATE INDEX participants_by_joined ON participants (conversation_id, joined_at, user_id);

-- The conversation list reads a user's memberships through participants_by_user (V1) and the
-- conversations by primary key, then sorts by (last_activity_at, id): its cost grows with the user's
-- conversation count, not the table's (measured with 200k conversations: ~0.5 ms for a user in 20,
-- 40-130 ms for one in 3000). An index on conversations (last_activity_at, id) is left out on purpose:
-- the planner uses it only for users in very many conversations (79 ms instead of 130 ms there), and it
-- would turn every send's UPDATE of last_activity_at into a non-HOT update that maintains one more index.
