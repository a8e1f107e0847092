package dev.chat.shared.openapi;

import java.util.Map;
import java.util.Set;

/**
 * What a service says about its REST API; {@link ChatOpenApiAutoConfiguration} adds the conventions
 * every service shares (bearer JWT, problem+json errors, the gateway's 429, snake_case schemas).
 *
 * @param title             document title
 * @param description       one paragraph for client developers
 * @param summaries         operation summaries by {@code "METHOD /path"} (path variable names do not matter)
 * @param createdOrExisting operations that answer 201 when they create and 200 with what exists on a repeat
 * @param notFound          what a 404 means in this service
 */
public record ChatApiDescription(String title, String description, Map<String, String> summaries,
        Set<String> createdOrExisting, String notFound) {

    public ChatApiDescription {
        summaries = Map.copyOf(summaries);
        createdOrExisting = Set.copyOf(createdOrExisting);
    }
}
