package dev.chat.testsupport;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistrar;

/** Points R2DBC and Flyway at a fresh database on the shared test PostgreSQL. */
@TestConfiguration(proxyBeanMethods = false)
public class PostgresTestConfiguration {

    @Bean
    DynamicPropertyRegistrar chatPostgresProperties() {
        PostgresServer server = ChatInfra.postgres();
        String database = server.createDatabase();
        return registry -> {
            registry.add("spring.r2dbc.url", () -> server.r2dbcUrl(database));
            registry.add("spring.r2dbc.username", server::username);
            registry.add("spring.r2dbc.password", server::password);
            registry.add("spring.flyway.url", () -> server.jdbcUrl(database));
            registry.add("spring.flyway.user", server::username);
            registry.add("spring.flyway.password", server::password);
        };
    }
}
