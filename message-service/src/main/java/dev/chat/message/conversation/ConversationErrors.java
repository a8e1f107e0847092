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

    private ConversationErrors() {
    }

    public static ChatException notAParticipant() {
        return ChatException.notFound(NOT_A_PARTICIPANT, "No such conversation, or you are not a participant");
    }
}
