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
}
