package dev.chat.shared.problem;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

import tools.jackson.databind.json.JsonMapper;

/** problem+json for every error of every service: handler errors and Spring Security's 401/403. */
@AutoConfiguration(afterName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
public class ProblemAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ProblemWriter problemWriter(JsonMapper jsonMapper) {
        return new ProblemWriter(jsonMapper);
    }

    @Bean
    @ConditionalOnMissingBean
    ProblemSecurityHandlers problemSecurityHandlers(ProblemWriter writer) {
        return new ProblemSecurityHandlers(writer);
    }

    @Bean
    ProblemExceptionHandler problemExceptionHandler(ProblemWriter writer) {
        return new ProblemExceptionHandler(writer);
    }

    /**
     * Errors answered before any handler ran get a problem+json body too (see {@link EdgeProblemHandler}), and a
     * WebSocket close frame of ours is not destroyed by our own TCP close ({@link WebSocketCloseLinger}).
     */
    @Bean
    org.springframework.boot.reactor.netty.NettyServerCustomizer edgeProblems() {
        // at channel initialisation, after Reactor Netty set up the HTTP codec: a request that fails to decode
        // never gets as far as a connection observer
        return server -> server.doOnChannelInit((observer, channel, remoteAddress) -> {
            if (channel.pipeline().get(reactor.netty.NettyPipeline.HttpCodec) != null
                    && channel.pipeline().get(EdgeProblemHandler.NAME) == null) {
                channel.pipeline().addAfter(reactor.netty.NettyPipeline.HttpCodec, EdgeProblemHandler.NAME,
                        new EdgeProblemHandler());
                // a WebSocket close frame of ours reaches a client that is still sending (see the class)
                channel.pipeline().addAfter(EdgeProblemHandler.NAME, WebSocketCloseLinger.NAME,
                        new WebSocketCloseLinger());
            }
        });
    }

    /**
     * A blank path segment where a UUID is expected ({@code /conversations/%20}) is a 400, not a null id:
     * Spring's own converter turns blank strings into null.
     */
    @Bean
    org.springframework.web.reactive.config.WebFluxConfigurer strictUuids() {
        return new org.springframework.web.reactive.config.WebFluxConfigurer() {
            @Override
            public void addFormatters(org.springframework.format.FormatterRegistry registry) {
                registry.addConverter(String.class, java.util.UUID.class, text -> {
                    if (text == null || text.isBlank()) {
                        throw new IllegalArgumentException("not a UUID");
                    }
                    return java.util.UUID.fromString(text.strip());
                });
            }
        };
    }
}
