package dev.chat.shared.auth;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/** The shared JWT decoder, for every service. */
@AutoConfiguration(beforeName = "org.springframework.boot.security.oauth2.server.resource.autoconfigure.reactive.ReactiveOAuth2ResourceServerAutoConfiguration")
@EnableConfigurationProperties(JwtProperties.class)
public class ChatAuthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ReactiveJwtDecoder chatJwtDecoder(JwtProperties properties) {
        return ChatJwtDecoders.create(properties);
    }

    /**
     * No observation per security filter, authentication and authorization: with an ObservationRegistry
     * present (actuator), Spring Security otherwise wraps each of its ~12 WebFilters in an observation
     * of its own on every request, which the send path's profile showed as a large part of the cost of
     * security. The HTTP server's own request observation (http.server.requests) stays.
     */
    @Bean
    @ConditionalOnMissingBean
    @org.springframework.boot.autoconfigure.condition.ConditionalOnClass(name = "org.springframework.security.config.observation.SecurityObservationSettings")
    org.springframework.security.config.observation.SecurityObservationSettings chatSecurityObservations() {
        return org.springframework.security.config.observation.SecurityObservationSettings.noObservations();
    }
}
