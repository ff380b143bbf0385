package dev.dualstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.schemas.avro.TrainingMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Hostile bytes for every topic's decoder: each input must decode to a record that re-encodes to
 * itself, or be refused with a {@link RecordDecodeException}; any other exception, a hang or an
 * out-of-memory is a finding. Each input goes through the topic's own codec (default limits) and
 * through one with small limits, so that inputs of a few hundred bytes reach every limit; a record
 * within the small limits must decode the same under the defaults.
 *
 * <p>{@code ./mvnw verify} replays the stored inputs in {@code AvroCodecFuzzTestInputs/<method>};
 * {@code JAZZER_FUZZ=1} fuzzes one method (README, "Fuzzing").
 */
class AvroCodecFuzzTest {
  private static final DecodeLimits SMALL = new DecodeLimits(512, 64, 64, 8);
  private static final Map<Class<?>, AvroCodec<?>> SMALL_CODECS = new ConcurrentHashMap<>();

  @FuzzTest
  void impression(byte[] bytes) {
    decode(Impression.class, bytes);
  }

  @FuzzTest
  void click(byte[] bytes) {
    decode(Click.class, bytes);
  }

  @FuzzTest
  void document(byte[] bytes) {
    decode(Document.class, bytes);
  }

  @FuzzTest
  void trainingExample(byte[] bytes) {
    decode(TrainingExample.class, bytes);
  }

  @FuzzTest
  void trainingMetrics(byte[] bytes) {
    decode(TrainingMetrics.class, bytes);
  }

  @FuzzTest
  void modelVersion(byte[] bytes) {
    decode(ModelVersion.class, bytes);
  }

  @FuzzTest
  void deadLetter(byte[] bytes) {
    decode(DeadLetter.class, bytes);
  }

  private static <T extends SpecificRecordBase> void decode(Class<T> type, byte[] bytes) {
    AvroCodec<T> small = small(type);
    String outcome = DecodeOutcome.of(Topics.codecFor(type), bytes);
    if (DecodeOutcome.of(small, bytes).equals("decoded")) {
      assertEquals("decoded", outcome, "within the small limits but refused under the defaults");
      AvroCodec<T> defaults = Topics.codecFor(type);
      assertArrayEquals(defaults.encode(defaults.decode(bytes)), small.encode(small.decode(bytes)));
    }
  }

  /** One small-limits codec per type, built once: a fuzzing run decodes millions of inputs. */
  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecordBase> AvroCodec<T> small(Class<T> type) {
    return (AvroCodec<T>) SMALL_CODECS.computeIfAbsent(type, t -> AvroCodec.of(type, SMALL));
  }
}
