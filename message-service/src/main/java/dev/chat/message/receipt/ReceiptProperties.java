package dev.chat.message.receipt;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * Receipts ({@code chat.receipts.*}).
 *
 * @param coalesceWindow   at most one {@code receipt.updated} per (conversation, user) per window, across every
 *                         instance (the window is kept in PostgreSQL)
 * @param maxFanoutMembers conversations up to this size send {@code receipt.updated} to every participant; larger
 *                         ones only to the reader's own devices
 * @param maxPending       (conversation, user) pairs whose window end one instance tracks at once; beyond it,
 *                         changes it takes are published at once without coalescing (memory stays bounded)
 */
@ConfigurationProperties("chat.receipts")
@Validated
record ReceiptProperties(
        @DefaultValue("1s") @NotNull Duration coalesceWindow,
        @DefaultValue("100") @Min(0) int maxFanoutMembers,
        @DefaultValue("100000") @Min(1) int maxPending) {
}
