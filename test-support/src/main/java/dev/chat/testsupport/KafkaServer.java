package dev.chat.testsupport;

/** A running Kafka broker (KRaft), shared by all tests of a JVM. */
public interface KafkaServer {

    String bootstrapServers();
}
