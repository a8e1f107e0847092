package dev.chat.message.conversation;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Min;

/**
 * @param maxParticipantsOnCreate how many users one create request may name
 * @param maxListedParticipants   conversations up to this size list their participants inline; larger ones show null
 * @param maxTitleLength          characters of a group title
 */
@ConfigurationProperties("chat.conversations")
@Validated
public record ConversationProperties(
        @DefaultValue("1000") @Min(1) int maxParticipantsOnCreate,
        @DefaultValue("100") @Min(0) int maxListedParticipants,
        @DefaultValue("200") @Min(1) int maxTitleLength) {
}
