/**
 * Recording and replaying Kafka topics: {@link dev.dualstream.evaluator.record.Recorder} writes committed
 * records into Avro container files ({@link dev.dualstream.evaluator.record.RecordingFormat}), resumably;
 * {@link dev.dualstream.evaluator.record.Replayer} plays them back at a chosen speed.
 */
package dev.dualstream.evaluator.record;
