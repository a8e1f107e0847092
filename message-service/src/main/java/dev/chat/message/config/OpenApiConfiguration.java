package dev.chat.message.config;

import java.util.Map;
import java.util.Set;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.chat.shared.openapi.ChatApiDescription;

/**
 * {@code GET /v3/api-docs}: the OpenAPI 3.1 description of this service's REST API, open without a
 * token (SecurityConfiguration), also reachable through the gateway as
 * {@code /v3/api-docs/message-service}. The conventions every service shares (bearer JWT,
 * problem+json errors, 429, snake_case) come from shared-lib's ChatOpenApiAutoConfiguration.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    ChatApiDescription messageServiceApi() {
        return new ChatApiDescription("Chat message-service API",
                "Conversations, messages (per-conversation seq), receipts. Clients call it through the gateway, "
                        + "which verifies the JWT and applies rate limits.",
                Map.ofEntries(
                        Map.entry("POST /api/v1/conversations", "Create a conversation (a direct one between the same two users exists once)"),
                        Map.entry("GET /api/v1/conversations", "My conversations, most recent activity first (the reconnect entry point)"),
                        Map.entry("GET /api/v1/conversations/{id}", "One conversation"),
                        Map.entry("PATCH /api/v1/conversations/{id}", "Rename a group (owner or admin)"),
                        Map.entry("GET /api/v1/conversations/{id}/participants", "Participants, paged"),
                        Map.entry("POST /api/v1/conversations/{id}/participants", "Add participants (owner or admin)"),
                        Map.entry("DELETE /api/v1/conversations/{id}/participants/{user_id}", "Remove a participant, or leave"),
                        Map.entry("PUT /api/v1/conversations/{id}/settings", "My settings: mute, notification level (merged: fields left out stay)"),
                        Map.entry("GET /api/v1/conversations/{id}/sync", "What I missed since after_seq (and, with after_change, edits and deletes): the REST form of the WebSocket sync"),
                        Map.entry("POST /api/v1/presence/query", "Presence of users who share a conversation with me"),
                        Map.entry("POST /api/v1/admin/revocations", "Operators (scope chat:admin): revoke a user's tokens"),
                        Map.entry("POST /api/v1/messages", "Send a message (idempotent by client_message_id or Idempotency-Key)"),
                        Map.entry("GET /api/v1/conversations/{id}/messages", "Message history and sync, in ascending seq"),
                        Map.entry("PATCH /api/v1/messages/{id}", "Edit my message"),
                        Map.entry("DELETE /api/v1/messages/{id}", "Delete my message (a tombstone keeps its seq)"),
                        Map.entry("POST /api/v1/conversations/{id}/receipts", "Move my delivered/read watermarks forward"),
                        Map.entry("GET /api/v1/messages/{id}/receipts", "Receipt status of a message for every other participant")),
                Set.of("POST /api/v1/messages", "POST /api/v1/conversations"),
                "Not found, or in a conversation you are not in");
    }
}
