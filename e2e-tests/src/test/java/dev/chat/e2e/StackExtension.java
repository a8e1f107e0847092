package dev.chat.e2e;

import java.nio.file.Path;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import dev.chat.devstack.ChatStack;

/**
 * Starts the whole system once per test JVM (PostgreSQL, a Kafka broker process, the four services
 * as processes with two websocket nodes, the gateway on a free port) and stops all of it when the tests are done, also when
 * they fail. Tests receive the {@link ChatStack} as a parameter.
 */
public class StackExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == ChatStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .computeIfAbsent(StackResource.class, key -> new StackResource(), StackResource.class)
                .stack;
    }

    /** Closed by JUnit when the root context closes (after the last test of the JVM). */
    static final class StackResource implements AutoCloseable {

        final ChatStack stack;

        StackResource() {
            Path root = Path.of(System.getProperty("chat.project.root", "..")).toAbsolutePath().normalize();
            stack = ChatStack.builder()
                    .projectRoot(root)
                    .gatewayPort(0)
                    // two nodes behind the gateway's balancer: every test sees a multi-node deployment
                    .webSocketNodes(2)
                    .logDir(root.resolve("e2e-tests/target/stack-logs"))
                    .workDir(root.resolve("e2e-tests/target/stack-work"))
                    .start();
        }

        @Override
        public void close() {
            stack.close();
        }
    }
}
