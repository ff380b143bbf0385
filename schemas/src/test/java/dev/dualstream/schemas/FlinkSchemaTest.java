package dev.dualstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.schemas.samples.SampleRecords;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.junit.jupiter.api.Test;

class FlinkSchemaTest {

  @Test
  void schemasSurviveJavaSerializationAndRoundTripTheSameBytesAsTheSerde() throws Exception {
    SerializationSchema<TrainingExample> out = shipped(Topics.TRAINING_EXAMPLES.flinkSerializer());
    DeserializationSchema<TrainingExample> in = shipped(Topics.TRAINING_EXAMPLES.flinkDeserializer());
    TrainingExample sample = SampleRecords.trainingExample();

    byte[] bytes = out.serialize(sample);

    assertArrayEquals(Topics.TRAINING_EXAMPLES.codec().encode(sample), bytes);
    assertEquals(sample, in.deserialize(bytes));
    assertEquals(TrainingExample.class, in.getProducedType().getTypeClass());
    assertThrows(RecordDecodeException.class, () -> in.deserialize(new byte[] {1, 2, 3}));
  }

  /** What Flink does to a schema on its way to a task: Java serialization. */
  @SuppressWarnings("unchecked")
  private static <T> T shipped(T schema) throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (ObjectOutputStream o = new ObjectOutputStream(buffer)) {
      o.writeObject(schema);
    }
    try (ObjectInputStream i = new ObjectInputStream(new ByteArrayInputStream(buffer.toByteArray()))) {
      return (T) i.readObject();
    }
  }
}
