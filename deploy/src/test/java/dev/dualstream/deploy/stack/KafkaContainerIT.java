package dev.dualstream.deploy.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.samples.SampleRecords;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Our Avro serdes against the official apache/kafka image at the Kafka version we build with. Needs a
 * Docker engine; where none answers, the class is reported as skipped. Not named Testcontainers...IT:
 * surefire's default includes match {@code Test*}, so such a class would run as a unit test as well.
 */
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerIT {
  @Container
  private static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:" + AppInfoParser.getVersion());

  @Test
  void clicksRoundTripThroughTheContainer() throws Exception {
    Topic<String, Click> topic = Topics.CLICKS;
    KafkaBrokerProcess.createTopics(KAFKA.getBootstrapServers(), 1, topic);
    Click click = SampleRecords.click();

    try (KafkaProducer<String, Click> producer = new KafkaProducer<>(
        Map.of("bootstrap.servers", KAFKA.getBootstrapServers()),
        topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), click.getImpressionId(), click)).get();
    }

    assertEquals(List.of(click), TopicReader.readValues(KAFKA.getBootstrapServers(), topic, 1));
  }
}
