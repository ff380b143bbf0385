/**
 * The local stack's moving parts, each a child JVM that never outlives its parent ({@link
 * dev.dualstream.deploy.stack.ChildJvm}): a real single-node Kafka broker on 127.0.0.1 ({@link
 * dev.dualstream.deploy.stack.KafkaBrokerProcess}), the ingest stage ({@link dev.dualstream.deploy.stack.IngestProcess})
 * and a Flink session cluster of a JobManager and TaskManagers ({@link dev.dualstream.deploy.stack.FlinkCluster}).
 */
package dev.dualstream.deploy.stack;
