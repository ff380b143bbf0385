/**
 * Test fixtures shipped in the schemas test-jar: a real single-node Kafka broker (KRaft, in the test JVM)
 * that integration tests of every module receive through {@link dev.dualstream.schemas.testing.KafkaBrokerExtension}.
 */
package dev.dualstream.schemas.testing;
