package dev.chat.notification.config;

import java.util.Map;
import java.util.Set;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.chat.shared.openapi.ChatApiDescription;

/**
 * {@code GET /v3/api-docs}: the OpenAPI 3.1 description of this service's REST API, open without a
 * token (SecurityConfiguration), also reachable through the gateway as
 * {@code /v3/api-docs/notification-service}. The shared conventions come from shared-lib's
 * ChatOpenApiAutoConfiguration.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    ChatApiDescription notificationServiceApi() {
        return new ChatApiDescription("Chat notification-service API",
                "Device registrations for push notifications (FCM, APNs). Clients call it through the gateway, "
                        + "which verifies the JWT and applies rate limits.",
                Map.of("POST /api/v1/devices", "Register a device for push (a token registered again moves to the caller)",
                        "GET /api/v1/devices", "My devices",
                        "DELETE /api/v1/devices/{token}", "Unregister a device"),
                Set.of("POST /api/v1/devices"),
                "No such device of yours (device_not_found), or no such path");
    }
}
