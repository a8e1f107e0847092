package dev.chat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.chat.devstack.ChatStack;

/**
 * The send-path benchmark in its smoke form, for CI: the same stack (production JVM flags, durable
 * PostgreSQL), the same ceilings and scenarios, seconds long with small counts. It asserts
 * correctness only (every message received once, in order, no 5xx, no unanswered request), never speed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SendPathSmokeIT {

    ChatStack stack;
    Tokens tokens;

    @BeforeAll
    void start() throws Exception {
        Path root = Path.of(System.getProperty("chat.project.root", "..")).toAbsolutePath().normalize();
        // admission stays on, but a cold stack (interpreted code, five JVMs compiling on two cores, one CPU each)
        // answers sends in seconds at first, so 50/s keeps more of them in flight than production admits
        // (40 + 40 waiting 200 ms): here they wait instead of being shed, so that every send is answered 201 and
        // checked (shedding has its own tests: the AdmissionITs; the benchmark keeps the production limits)
        Map<String, String> environment = new HashMap<>(SendPathBenchmark.loadEnvironment());
        environment.put("CHAT_ADMISSION_MAX_IN_FLIGHT", "1000");
        environment.put("CHAT_ADMISSION_MAX_WAITING", "1000");
        environment.put("CHAT_ADMISSION_MAX_WAIT", "10s");
        environment.put("CHAT_GATEWAY_ADMISSION_MAX_WAIT", "10s");
        stack = BenchStack.start(root, environment, 1);
        tokens = new Tokens(stack.jwtSecret());
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theCeilingsAreMeasured() throws Exception {
        Ceilings.Database db = Ceilings.database(stack.postgresJdbcUrl(), stack.postgresUser(), stack.postgresPassword(),
                2, Duration.ofSeconds(1));
        Ceilings.Broker broker = Ceilings.broker(stack.kafkaBootstrapServers(), 200, 200);
        assertThat(db.transactionsPerSecond()).isPositive();
        assertThat(broker.p50Ms()).isPositive();
    }

    @Test
    void throughTheGatewayEveryMessageArrivesOnceInOrder() throws Exception {
        SendLoad.Result result = new SendLoad(new SendLoad.Config(10, 50, Duration.ofSeconds(1), Duration.ofSeconds(3),
                stack.gatewayUrl(), stack.gatewayWebSocketUrl(), true), tokens).run();
        assertThat(result.correct()).as(result.toString()).isTrue();
        assertThat(result.created()).as(result.toString()).isEqualTo(result.sent()).isGreaterThanOrEqualTo(150);
        assertThat(result.received()).isEqualTo(result.created());
    }

    @Test
    void straightToTheServicesEveryMessageArrivesOnceInOrder() throws Exception {
        URI ws = URI.create(stack.serviceUrl("websocket-service").toString().replace("http://", "ws://") + "/ws");
        SendLoad.Result result = new SendLoad(new SendLoad.Config(10, 50, Duration.ofSeconds(1), Duration.ofSeconds(3),
                stack.serviceUrl("message-service"), ws, true), tokens).run();
        assertThat(result.correct()).as(result.toString()).isTrue();
        assertThat(result.received()).as(result.toString()).isEqualTo(result.created()).isEqualTo(result.sent());
    }
}
