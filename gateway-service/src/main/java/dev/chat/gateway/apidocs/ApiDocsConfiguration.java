package dev.chat.gateway.apidocs;

import java.util.List;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * {@code GET /v3/api-docs} on the gateway: where each service's OpenAPI document is, in the shape of
 * Swagger UI's {@code urls} setting. The documents themselves are proxied routes
 * ({@code /v3/api-docs/<service>}, application.yml). Open without a token.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocsConfiguration {

    static final String PATH = "/v3/api-docs";

    record ApiDoc(String name, String url) {
    }

    record ApiDocs(List<ApiDoc> urls) {
    }

    static final ApiDocs INDEX = new ApiDocs(List.of(
            new ApiDoc("message-service", PATH + "/message-service"),
            new ApiDoc("notification-service", PATH + "/notification-service")));

    @Bean
    RouterFunction<ServerResponse> apiDocsIndex() {
        return RouterFunctions.route(RequestPredicates.GET(PATH),
                request -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(INDEX));
    }
}
