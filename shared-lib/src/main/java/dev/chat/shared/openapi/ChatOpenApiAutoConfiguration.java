package dev.chat.shared.openapi;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.providers.ObjectMapperProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

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
 * {@code GET /v3/api-docs} for a service that has springdoc on its classpath and declares a
 * {@link ChatApiDescription}: springdoc finds the operations in the controllers; what they do not
 * say (bearer JWT, problem+json errors, the gateway's 429, 201 vs 200 on create, 204, summaries) is
 * added here, so controllers stay free of documentation annotations and every service documents
 * its API the same way.
 */
@AutoConfiguration
@ConditionalOnClass(OpenApiCustomizer.class)
@ConditionalOnBean(ChatApiDescription.class)
public class ChatOpenApiAutoConfiguration {

    static final String BEARER_JWT = "bearer-jwt";
    static final String PROBLEM = "Problem";
    static final String PROBLEM_JSON = "application/problem+json";

    @Bean
    OpenAPI chatOpenApi(ChatApiDescription api) {
        return new OpenAPI()
                .info(new Info().title(api.title()).version("v1").description(api.description()))
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

    /** Schemas in snake_case, as the services' JSON is (springdoc's own Jackson 2 mapper would say camelCase). */
    @Bean
    ModelResolver snakeCaseModelResolver(ObjectMapperProvider objectMapperProvider) {
        return new ModelResolver(objectMapperProvider.jsonMapper().copy()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE))
                .openapi31(objectMapperProvider.isOpenapi31());
    }

    @Bean
    OpenApiCustomizer chatApiConventions(ChatApiDescription api) {
        Map<String, String> summaries = api.summaries().entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(e -> anyVariableName(e.getKey()), Map.Entry::getValue));
        return openApi -> {
            if (openApi.getPaths() == null || openApi.getPaths().isEmpty()) {
                return;
            }
            // here, not on the OpenAPI bean: springdoc replaces the bean's schemas with the ones it derives
            openApi.getComponents().addSchemas(PROBLEM, problemSchema());
            openApi.getPaths().forEach((path, item) -> item.readOperationsMap()
                    .forEach((method, operation) -> describe(api, summaries, method, path, operation)));
        };
    }

    private static void describe(ChatApiDescription api, Map<String, String> summaries, PathItem.HttpMethod method,
            String path, Operation operation) {
        String summary = summaries.get(method + " " + anyVariableName(path));
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
        } else if (ok != null && api.createdOrExisting().contains(method + " " + path)
                && !responses.containsKey("201")) {
            // the status is chosen at run time (ResponseEntity), so springdoc says 200 only
            responses.addApiResponse("201", new ApiResponse().description("Created").content(ok.getContent()));
            ok.setDescription("An idempotent repeat: what already exists");
        }
        boolean hasInput = operation.getRequestBody() != null
                || (operation.getParameters() != null && !operation.getParameters().isEmpty());
        if (hasInput) {
            responses.putIfAbsent("400", problem("Invalid request: a malformed parameter or body, a missing or invalid field, a limit exceeded"));
        }
        responses.putIfAbsent("401", problem("No valid token"));
        if (path.contains("{")) {
            responses.putIfAbsent("404", problem(api.notFound()));
        }
        responses.putIfAbsent("429", problem("Over the rate limit (answered by the gateway)")
                .addHeaderObject("Retry-After", new Header()
                        .description("Seconds to wait before retrying")
                        .schema(new IntegerSchema())));
    }

    /** {@code .../participants/{userId}} and {@code .../{user_id}} are the same operation. */
    static String anyVariableName(String path) {
        return path.replaceAll("\\{[^}]*}", "{}");
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
                .addProperty("type", new StringSchema().example("urn:chat:problem:not_a_participant"))
                .addProperty("title", new StringSchema().example("Not Found"))
                .addProperty("status", new IntegerSchema().example(404))
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema().example("/api/v1/conversations/0b7a7c1e-3f4e-4a57-9b55-111111111111"))
                .addProperty("code", new StringSchema().example("not_a_participant"))
                .addProperty("errors", new ArraySchema().items(new ObjectSchema()
                        .addProperty("field", new StringSchema())
                        .addProperty("message", new StringSchema())))
                .required(List.of("type", "title", "status", "detail", "code", "errors"));
    }
}
