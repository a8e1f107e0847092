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
}
