package dev.chat.message.typing;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * Typing indicators ({@code chat.signals.*}).
 *
 * @param typingTimeout a start not renewed within this ends, delivered as {@code typing: false}
 * @param maxTyping     (conversation, user) pairs tracked as typing at once; beyond, new starts are dropped
 */
@ConfigurationProperties("chat.signals")
@Validated
record TypingProperties(
        @DefaultValue("5s") @NotNull Duration typingTimeout,
        @DefaultValue("100000") @Min(1) int maxTyping) {
}
