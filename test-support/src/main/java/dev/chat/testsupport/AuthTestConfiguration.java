package dev.chat.testsupport;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/** Makes the service verify tokens signed with {@link TestTokens#SECRET}. */
@TestConfiguration(proxyBeanMethods = false)
public class AuthTestConfiguration {

    @Bean
    DynamicPropertyRegistrar chatAuthProperties() {
        return registry -> registry.add("chat.auth.jwt.secret", () -> TestTokens.SECRET);
    }
}
