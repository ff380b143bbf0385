package dev.dualstream.trainer.job;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Passes records through undecoded: decoding happens downstream, where failures can be dead-lettered.
 * Opened on the source's task thread before its split readers start, it sets that thread's nice
 * value ({@link FeederPriority}), which the readers' fetcher threads inherit.
 */
final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
  private static final long serialVersionUID = 1L;
  private final int feederNice;

  /** @param feederNice nice value of the source's threads; 0: unchanged */
  RawRecordDeserializer(int feederNice) {
    this.feederNice = FeederPriority.requireNice(feederNice);
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    FeederPriority.lowerCallingThread(feederNice);
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
    out.collect(new RawRecord(record.topic(), record.partition(), record.offset(), record.timestamp(),
        record.key(), record.value()));
  }

  @Override
  public TypeInformation<RawRecord> getProducedType() {
    return TypeInformation.of(RawRecord.class);
  }
}
