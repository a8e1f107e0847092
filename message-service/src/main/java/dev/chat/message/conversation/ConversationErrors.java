package dev.chat.message.conversation;

import dev.chat.shared.problem.ChatException;

/** Error codes of the conversation feature (documented in docs/message-service.md). */
public final class ConversationErrors {

    /** 404 for a conversation that does not exist or that the caller is not in: existence never leaks. */
    public static final String NOT_A_PARTICIPANT = "not_a_participant";
    public static final String INVALID_CONVERSATION_TYPE = "invalid_conversation_type";
    public static final String INVALID_PARTICIPANTS = "invalid_participants";
    public static final String TOO_MANY_PARTICIPANTS = "too_many_participants";
    public static final String INVALID_TITLE = "invalid_title";
    public static final String INVALID_CURSOR = "invalid_cursor";
    /** 403: a participant whose role does not allow the action (rename, add, remove others, remove the owner). */
    public static final String FORBIDDEN_ROLE = "forbidden_role";
    /** 400: rename and membership changes exist for groups only. */
    public static final String NOT_A_GROUP = "not_a_group";
    /** 400: a notify level other than all, mentions, none. */
    public static final String INVALID_NOTIFY = "invalid_notify";
    /** 409: the conversation would have more than {@code chat.conversations.max-members} members. */
    public static final String CONVERSATION_FULL = "conversation_full";
    /** 404: the user to remove is not in the conversation (the caller is). */
    public static final String PARTICIPANT_NOT_FOUND = "participant_not_found";

    private ConversationErrors() {
    }

    public static ChatException notAParticipant() {
        return ChatException.notFound(NOT_A_PARTICIPANT, "No such conversation, or you are not a participant");
    }

    static ChatException forbiddenRole(String detail) {
        return ChatException.forbidden(FORBIDDEN_ROLE, detail);
    }

    static ChatException notAGroup() {
        return ChatException.badRequest(NOT_A_GROUP, "Only group conversations have a title and changing members");
    }

    static ChatException conversationFull(int maxMembers) {
        return ChatException.conflict(CONVERSATION_FULL,
                "A conversation may have at most " + maxMembers + " members");
    }

    static ChatException participantNotFound() {
        return ChatException.notFound(PARTICIPANT_NOT_FOUND, "This user is not a participant of the conversation");
    }
}
