package dev.chat.message.conversation;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Min;

/**
 * @param maxParticipantsOnCreate     how many users one create request may name
 * @param maxListedParticipants       conversations up to this size list their participants inline (in responses
 *                                    and in {@code conversation.updated} events); larger ones show null
 * @param maxTitleLength              characters of a group title
 * @param maxParticipantsPerAdd       how many users one add-participants request may name
 * @param defaultPageSize             conversations per page of the list when the client gives no {@code limit}
 * @param maxPageSize                 largest {@code limit} of the conversation list
 * @param defaultParticipantsPageSize participants per page when the client gives no {@code limit}
 * @param maxParticipantsPageSize     largest {@code limit} of the participants list
 * @param largeGroupThreshold         a conversation with more members is a large group (API.md): its notify level
 *                                    defaults to {@code mentions}, receipts and typing are not broadcast to it
 * @param recipientListThreshold      up to this many members an event names its recipients; a larger conversation's
 *                                    events are for the whole conversation (websocket nodes deliver them to its
 *                                    subscribed sessions, notification-service resolves who wants a push), so
 *                                    event size and node work do not grow with the group (ARCHITECTURE decision 4)
 * @param maxMembers                  members a conversation may have; create and add beyond it are refused
 *                                    with 409 {@code conversation_full}
 */
@ConfigurationProperties("chat.conversations")
@Validated
public record ConversationProperties(
        @DefaultValue("1000") @Min(1) int maxParticipantsOnCreate,
        @DefaultValue("100") @Min(0) int maxListedParticipants,
        @DefaultValue("200") @Min(1) int maxTitleLength,
        @DefaultValue("1000") @Min(1) int maxParticipantsPerAdd,
        @DefaultValue("20") @Min(1) int defaultPageSize,
        @DefaultValue("100") @Min(1) int maxPageSize,
        @DefaultValue("100") @Min(1) int defaultParticipantsPageSize,
        @DefaultValue("500") @Min(1) int maxParticipantsPageSize,
        @DefaultValue("100000") @Min(2) int maxMembers,
        @DefaultValue("100") @Min(1) int largeGroupThreshold,
        @DefaultValue("500") @Min(1) @jakarta.validation.constraints.Max(2000) int recipientListThreshold) {

    /** Whether a conversation of this many members has events that name their recipients. */
    public boolean listsRecipients(long members) {
        return members <= recipientListThreshold;
    }

    /** Whether a conversation of this many members is a large group. */
    public boolean isLargeGroup(long members) {
        return members > largeGroupThreshold;
    }
}
