package dev.dualstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dualstream.schemas.samples.SampleRecords;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bytes written by the v1 schemas are committed under {@code golden/v1}, each beside the writer schema
 * that produced it. Today's readers must decode them to the same record. When a schema evolves, keep
 * the old files and add a {@code golden/v2}; never regenerate v1.
 *
 * <p>To write a new generation: {@code ./mvnw -pl schemas test -Dtest=GoldenFilesTest
 * -Dgolden.write=src/test/resources/golden/vN}.
 */
class GoldenFilesTest {

  static Stream<SpecificRecordBase> samples() {
    return SampleRecords.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void v1BytesStayReadable(SpecificRecordBase expected) throws IOException {
    String name = expected.getClass().getSimpleName();
    writeGenerationIfAsked(expected);
    Schema writer = new Schema.Parser().parse(resource("golden/v1/" + name + ".avsc"));
    byte[] golden = resource("golden/v1/" + name + ".bin").readAllBytes();

    AvroCodec<SpecificRecordBase> codec = codec(expected).withKnownWriter(writer);
    SpecificRecordBase decoded = codec.decode(golden);

    assertEquals(expected, decoded, name + " golden bytes decode to the sample record");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void todaysWriterStillProducesV1BytesUntilTheSchemaChanges(SpecificRecordBase sample) throws IOException {
    String name = sample.getClass().getSimpleName();
    Schema writer = new Schema.Parser().parse(resource("golden/v1/" + name + ".avsc"));
    AvroCodec<SpecificRecordBase> codec = codec(sample);
    assumeTrue(writer.equals(codec.schema()), name + " has evolved since v1; v1BytesStayReadable covers it");
    assertArrayEquals(resource("golden/v1/" + name + ".bin").readAllBytes(), codec.encode(sample));
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
