package dev.chat.e2e;

import java.nio.file.Path;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import dev.chat.devstack.ChatStack;

/**
 * Starts the whole system once per test JVM (PostgreSQL, a Kafka broker process, the four services
 * as processes with two websocket nodes, the gateway on a free port) and stops all of it when the tests are done, also when
 * they fail. Before the stack, the fake push providers ({@link PushFakes}: FCM and APNs in this JVM), whose settings
 * notification-service gets. Tests receive the {@link ChatStack} (and the {@link PushFakes}) as parameters.
 */
public class StackExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == ChatStack.class || type == PushFakes.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        StackResource resource = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .computeIfAbsent(StackResource.class, key -> new StackResource(), StackResource.class);
        return parameter.getParameter().getType() == PushFakes.class ? resource.push : resource.stack;
    }

    /** Closed by JUnit when the root context closes (after the last test of the JVM). */
    static final class StackResource implements AutoCloseable {

        final PushFakes push;
        final ChatStack stack;

        StackResource() {
            Path root = Path.of(System.getProperty("chat.project.root", "..")).toAbsolutePath().normalize();
            try {
                push = new PushFakes(root.resolve("e2e-tests/target/push-fakes"));
            } catch (Exception e) {
                throw new IllegalStateException("could not start the fake push providers", e);
            }
            ChatStack.Builder builder = ChatStack.builder();
            push.environment().forEach(builder::env);
            try {
                stack = builder
                        .projectRoot(root)
                        .gatewayPort(0)
                        // two nodes behind the gateway's balancer: every test sees a multi-node deployment
                        .webSocketNodes(2)
                        .logDir(root.resolve("e2e-tests/target/stack-logs"))
                        .workDir(root.resolve("e2e-tests/target/stack-work"))
                        .start();
            } catch (RuntimeException e) {
                closeQuietly(push);
                throw e;
            }
        }

        private static void closeQuietly(PushFakes fakes) {
            try {
                fakes.close();
            } catch (Exception e) {
                // the JVM ends soon anyway
            }
        }

        @Override
        public void close() throws Exception {
            try {
                stack.close();
            } finally {
                push.close();
            }
        }
    }
}
