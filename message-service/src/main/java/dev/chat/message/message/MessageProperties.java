package dev.chat.message.message;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Min;

/**
 * Limits of the messages feature ({@code chat.messages.*}).
 *
 * @param maxContentLength characters (Unicode code points) of content after trimming
 * @param maxAttachments   attachments per message
 * @param maxMentions      mentions per message
 * @param defaultPageSize  history page size when the client gives no {@code limit}
 * @param maxPageSize      largest {@code limit} accepted
 */
@ConfigurationProperties("chat.messages")
@Validated
public record MessageProperties(
        @DefaultValue("4000") @Min(1) int maxContentLength,
        @DefaultValue("10") @Min(0) int maxAttachments,
        @DefaultValue("50") @Min(0) int maxMentions,
        @DefaultValue("50") @Min(1) int defaultPageSize,
        @DefaultValue("200") @Min(1) int maxPageSize) {
}
