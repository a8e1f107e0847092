package dev.chat.notification.config;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.providers.ObjectMapperProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;

import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;

/**
 * {@code GET /v3/api-docs}: the OpenAPI 3.1 description of this service's REST API, open without a
 * token (SecurityConfiguration), also reachable through the gateway as
 * {@code /v3/api-docs/notification-service}. springdoc finds the operations in the controllers; what the
 * controllers do not say (bearer JWT, problem+json errors, the gateway's 429, 201 vs 200 on create,
 * summaries) is added here, so the controllers stay free of documentation annotations.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String BEARER_JWT = "bearer-jwt";
    static final String PROBLEM = "Problem";
    static final String PROBLEM_JSON = "application/problem+json";

    /** Summaries of the operations of API.md; operations not listed here keep springdoc's defaults. */
    static final Map<String, String> SUMMARIES = byPathWithAnyVariableName(
            Map.entry("POST /api/v1/devices", "Register a device for push (a token registered again moves to the caller)"),
            Map.entry("GET /api/v1/devices", "My devices"),
            Map.entry("DELETE /api/v1/devices/{token}", "Unregister a device"));

    /** Create operations that answer 201 when they create and 200 with what exists on a repeat (API.md). */
    static final Set<String> CREATED_OR_EXISTING = Set.of("POST /api/v1/devices");

    @Bean
    OpenAPI notificationServiceOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("Chat notification-service API")
                        .version("v1")
                        .description("Device registrations for push notifications (FCM, APNs). Clients call it "
                                + "through the gateway, which verifies the JWT and applies rate limits."))
                // relative: the origin the document was fetched from (the gateway, for clients)
                .servers(List.of(new Server().url("/").description("The gateway (or the service itself)")))
                .components(new Components()
                        .addSecuritySchemes(BEARER_JWT, new SecurityScheme()
                                .type(SecurityScheme.Type.HTTP)
                                .scheme("bearer")
                                .bearerFormat("JWT")
                                .description("The identity provider's JWT (sub = user id, optional name claim)")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER_JWT));
    }

    /** Schemas in snake_case, as the service's JSON is (springdoc's own Jackson 2 mapper would say camelCase). */
    @Bean
    ModelResolver snakeCaseModelResolver(ObjectMapperProvider objectMapperProvider) {
        return new ModelResolver(objectMapperProvider.jsonMapper().copy()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE))
                .openapi31(objectMapperProvider.isOpenapi31());
    }

    @Bean
    OpenApiCustomizer chatApiConventions() {
        return openApi -> {
            if (openApi.getPaths() == null || openApi.getPaths().isEmpty()) {
                return;
            }
            // here, not on the OpenAPI bean: springdoc replaces the bean's schemas with the ones it derives
            openApi.getComponents().addSchemas(PROBLEM, problemSchema());
            openApi.getPaths().forEach((path, item) -> item.readOperationsMap()
                    .forEach((method, operation) -> describe(method, path, operation)));
        };
    }

    private static void describe(PathItem.HttpMethod method, String path, Operation operation) {
        String summary = SUMMARIES.get(method + " " + anyVariableName(path));
        if (summary != null && operation.getSummary() == null) {
            operation.setSummary(summary);
        }
        if (operation.getTags() != null) {
            // "message-controller" -> "message"
            operation.setTags(operation.getTags().stream().map(tag -> tag.replaceFirst("-controller$", "")).toList());
        }
        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
        operation.setResponses(responses);
        ApiResponse ok = responses.get("200");
        if (ok != null && (ok.getContent() == null || ok.getContent().isEmpty())) {
            // a ResponseEntity<Void>: the service answers 204, which springdoc cannot see
            responses.remove("200");
            responses.addApiResponse("204", new ApiResponse().description("Done"));
        } else if (ok != null && CREATED_OR_EXISTING.contains(method + " " + path) && !responses.containsKey("201")) {
            // the status is chosen at run time (ResponseEntity), so springdoc says 200 only
            responses.addApiResponse("201", new ApiResponse().description("Created").content(ok.getContent()));
            ok.setDescription("An idempotent repeat: what already exists");
        }
        boolean hasInput = operation.getRequestBody() != null
                || (operation.getParameters() != null && !operation.getParameters().isEmpty());
        if (hasInput) {
            responses.putIfAbsent("400", problem("Invalid request: a malformed parameter or body, a missing or invalid field"));
        }
        responses.putIfAbsent("401", problem("No valid token"));
        if (path.contains("{")) {
            responses.putIfAbsent("404", problem("Not found"));
        }
        responses.putIfAbsent("429", problem("Over the rate limit (answered by the gateway)")
                .addHeaderObject("Retry-After", new Header()
                        .description("Seconds to wait before retrying")
                        .schema(new IntegerSchema())));
    }

    /** {@code /api/v1/conversations/{id}/participants/{userId}} and {@code .../{user_id}} are the same operation. */
    private static String anyVariableName(String path) {
        return path.replaceAll("\\{[^}]*}", "{}");
    }

    @SafeVarargs
    private static Map<String, String> byPathWithAnyVariableName(Map.Entry<String, String>... entries) {
        return Arrays.stream(entries).collect(Collectors.toUnmodifiableMap(
                entry -> anyVariableName(entry.getKey()), Map.Entry::getValue));
    }

    private static ApiResponse problem(String description) {
        return new ApiResponse().description(description)
                .content(new Content().addMediaType(PROBLEM_JSON,
                        new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
    }

    /** RFC 9457 problem details with the stable {@code code} (shared-lib's Problem). */
    private static Schema<?> problemSchema() {
        return new ObjectSchema()
                .description("RFC 9457 problem details; switch on code")
                .addProperty("type", new StringSchema().example("urn:chat:problem:not_found"))
                .addProperty("title", new StringSchema().example("Not Found"))
                .addProperty("status", new IntegerSchema().example(404))
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema().example("/api/v1/devices/abc"))
                .addProperty("code", new StringSchema().example("not_found"))
                .addProperty("errors", new ArraySchema().items(new ObjectSchema()
                        .addProperty("field", new StringSchema())
                        .addProperty("message", new StringSchema())))
                .required(List.of("type", "title", "status", "detail", "code", "errors"));
    }
}
