package dev.chat.gateway.devtoken;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import dev.chat.shared.auth.JwtProperties;
import dev.chat.testsupport.TestTokens;

/** Dev tokens refuse to start in a configuration where they could not work. */
class DevTokenConfigurationTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({ JwtProperties.class, DevTokenProperties.class })
    static class Properties {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Properties.class, DevTokenConfiguration.class);

    @Test
    void offByDefault() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(DevTokenIssuer.class));
    }

    @Test
    void enabledWithASecretServesTokens() {
        runner.withPropertyValues("chat.auth.dev-tokens.enabled=true", "chat.auth.jwt.secret=" + TestTokens.SECRET)
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(DevTokenIssuer.class));
    }

    @Test
    void enabledWithoutASecretFailsStartUpWithAClearMessage() {
        runner.withPropertyValues("chat.auth.dev-tokens.enabled=true")
                .run(context -> assertThat(context).getFailure()
                        .rootCause()
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("chat.auth.dev-tokens.enabled=true needs chat.auth.jwt.secret"));
    }

    @Test
    void enabledWithATooShortSecretFailsStartUp() {
        runner.withPropertyValues("chat.auth.dev-tokens.enabled=true", "chat.auth.jwt.secret=short")
                .run(context -> assertThat(context).getFailure()
                        .rootCause()
                        .hasMessageContaining("chat.auth.jwt.secret"));
    }

    @Test
    void enabledWithAJwkSetFailsStartUp() {
        runner.withPropertyValues("chat.auth.dev-tokens.enabled=true", "chat.auth.jwt.secret=" + TestTokens.SECRET,
                "chat.auth.jwt.jwk-set-uri=https://idp.example/jwks")
                .run(context -> assertThat(context).getFailure()
                        .rootCause()
                        .hasMessageContaining("cannot be combined with chat.auth.jwt.jwk-set-uri"));
    }

    @Test
    void aNonPositiveTtlFailsStartUp() {
        runner.withPropertyValues("chat.auth.dev-tokens.enabled=true", "chat.auth.jwt.secret=" + TestTokens.SECRET,
                "chat.auth.dev-tokens.ttl=0s")
                .run(context -> assertThat(context).getFailure()
                        .rootCause()
                        .hasMessageContaining("chat.auth.dev-tokens.ttl must be positive"));
    }
}
