package dev.chat.shared.json;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;

/** Makes Boot's JsonMapper (used by WebFlux codecs) follow {@link ChatJson}. */
@AutoConfiguration
@ConditionalOnClass(JsonMapperBuilderCustomizer.class)
public class ChatJsonAutoConfiguration {

    @Bean
    JsonMapperBuilderCustomizer chatJsonCustomizer() {
        return ChatJson::configure;
    }
}
