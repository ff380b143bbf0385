/**
 * The local stack's moving parts: a real single-node Kafka broker in a child JVM on 127.0.0.1, started,
 * made ready and stopped by {@link dev.dualstream.deploy.stack.KafkaBrokerProcess}.
 */
package dev.dualstream.deploy.stack;
