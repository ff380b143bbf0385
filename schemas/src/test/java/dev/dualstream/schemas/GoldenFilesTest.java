package dev.dualstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.schemas.samples.SampleRecords;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bytes written by each generation of the schemas are committed under {@code golden/vN}, each beside the
 * writer schema that produced it; a generation holds the types whose schema changed in it. Today's readers
 * must decode every generation's bytes to the sample record as that generation's schema could carry it
 * (fields added later take their defaults), and today's writer must produce the newest generation's bytes
 * exactly: a schema change fails that test until a new generation is written. Older writer schemas also ship
 * with the build ({@code AvroCodec.of}), so a producer on an older schema needs no registration.
 *
 * <p>To write a new generation: {@code ./mvnw -pl schemas test -Dtest=GoldenFilesTest
 * -Dgolden.write=src/test/resources/golden/vN}, then keep only the types that changed.
 */
class GoldenFilesTest {
  /** Generations, oldest first. */
  private static final List<String> GENERATIONS = List.of("v1", "v2", "v3", "v4");

  static Stream<SpecificRecordBase> samples() {
    return SampleRecords.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void everyGenerationsBytesStayReadable(SpecificRecordBase sample) throws IOException {
    String name = sample.getClass().getSimpleName();
    writeGenerationIfAsked(sample);
    for (String generation : generationsOf(name)) {
      Schema writer = new Schema.Parser().parse(resource("golden/" + generation + "/" + name + ".avsc"));
      byte[] golden = resource("golden/" + generation + "/" + name + ".bin").readAllBytes();

      SpecificRecordBase decoded = codec(sample).withKnownWriter(writer).decode(golden);

      assertEquals(asWrittenBy(sample, writer), decoded, name + " bytes of " + generation + " decode to the sample");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void todaysWriterProducesTheNewestGenerationsBytes(SpecificRecordBase sample) throws IOException {
    String name = sample.getClass().getSimpleName();
    List<String> generations = generationsOf(name);
    String newest = generations.get(generations.size() - 1);
    Schema writer = new Schema.Parser().parse(resource("golden/" + newest + "/" + name + ".avsc"));
    AvroCodec<SpecificRecordBase> codec = codec(sample);
    assertEquals(writer, codec.schema(), name + "'s schema changed since " + newest + ": write a new generation");
    assertArrayEquals(resource("golden/" + newest + "/" + name + ".bin").readAllBytes(), codec.encode(sample));
  }

  @Test
  void aProducerOnTheFirstImpressionSchemaIsReadWithoutRegistration() throws IOException {
    byte[] v1 = resource("golden/v1/Impression.bin").readAllBytes();
    Impression decoded = AvroCodec.of(Impression.class).decode(v1);
    assertEquals(SampleRecords.impression().getImpressionId(), decoded.getImpressionId());
    assertNull(decoded.getRanker(), "a field added later takes its default");
    assertNull(decoded.getResults().get(0).getShownProbability());
  }

  @Test
  void trainingExamplesOfAnIngestOnTheFirstSchemaAreReadWithoutRegistration() throws IOException {
    byte[] v1 = resource("golden/v1/TrainingExample.bin").readAllBytes();
    TrainingExample decoded = AvroCodec.of(TrainingExample.class).decode(v1);
    assertEquals(SampleRecords.trainingExample().getExampleId(), decoded.getExampleId());
    assertNull(decoded.getPositive().getShownProbability(), "a field added later takes its default");
  }

  /** The generations that hold a type, oldest first; at least v1. */
  private static List<String> generationsOf(String name) {
    List<String> out = new ArrayList<>();
    for (String generation : GENERATIONS) {
      if (GoldenFilesTest.class.getClassLoader().getResource("golden/" + generation + "/" + name + ".bin") != null) {
        out.add(generation);
      }
    }
    assertTrue(!out.isEmpty(), name + " has golden bytes in v1");
    return out;
  }

  /** The sample as a writer on {@code writer} would have sent it and today's reader reads it. */
  private static SpecificRecordBase asWrittenBy(SpecificRecordBase sample, Schema writer) throws IOException {
    Schema current = sample.getSchema();
    GenericRecord old = new GenericDatumReader<GenericRecord>(current, writer).read(null,
        DecoderFactory.get().binaryDecoder(raw(current, sample), null));
    return new SpecificDatumReader<SpecificRecordBase>(writer, current).read(null,
        DecoderFactory.get().binaryDecoder(raw(writer, old), null));
  }

  private static byte[] raw(Schema schema, Object record) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
    new GenericDatumWriter<Object>(schema, SpecificData.get()).write(record, encoder);
    encoder.flush();
    return bytes.toByteArray();
  }

  @SuppressWarnings("unchecked")
  private static AvroCodec<SpecificRecordBase> codec(SpecificRecordBase sample) {
    return AvroCodec.of((Class<SpecificRecordBase>) sample.getClass());
  }

  private static void writeGenerationIfAsked(SpecificRecordBase sample) throws IOException {
    String dir = System.getProperty("golden.write");
    if (dir == null || dir.isBlank()) {
      return;
    }
    Path out = Path.of(dir);
    Files.createDirectories(out);
    String name = sample.getClass().getSimpleName();
    Files.write(out.resolve(name + ".bin"), codec(sample).encode(sample));
    Files.writeString(out.resolve(name + ".avsc"), sample.getSchema().toString(true));
  }

  private static InputStream resource(String path) {
    InputStream in = GoldenFilesTest.class.getClassLoader().getResourceAsStream(path);
    if (in == null) {
      throw new IllegalStateException("missing test resource " + path);
    }
    return in;
  }
}
