package dev.dualstream.evaluator.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dualstream.evaluator.record.RecordingFormat.Header;
import dev.dualstream.evaluator.record.RecordingFormat.KafkaRecord;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordingFormatTest {

  @Test
  void aRecordSurvivesTheAvroFormWithNullsAndHeadersInOrder() {
    KafkaRecord record = new KafkaRecord("search.clicks", 2, 41, 1_700_000_000_123L, "CreateTime", null,
        new byte[] {1, 2, 3}, List.of(new Header("b", new byte[] {9}), new Header("a", null)));
    KafkaRecord back = RecordingFormat.fromAvro(RecordingFormat.toAvro(record));
    assertEquals("search.clicks", back.topic());
    assertEquals(2, back.partition());
    assertEquals(41, back.offset());
    assertEquals(1_700_000_000_123L, back.timestamp());
    assertEquals("CreateTime", back.timestampType());
    assertNull(back.key());
    assertArrayEquals(new byte[] {1, 2, 3}, back.value());
    assertEquals(List.of("b", "a"), back.headers().stream().map(Header::key).toList());
    assertArrayEquals(new byte[] {9}, back.headers().get(0).value());
    assertNull(back.headers().get(1).value());
  }

  @Test
  void filesAreNumberedInTheOrderTheyWereWritten() {
    assertEquals("recording-000007.avro", RecordingFormat.fileName(7));
    assertEquals(7, RecordingFormat.number(Path.of("x", "recording-000007.avro")));
    assertEquals(1234567, RecordingFormat.number(Path.of("recording-1234567.avro")));
    assertEquals(-1, RecordingFormat.number(Path.of("recording-000007.avro.inprogress")));
    assertEquals(-1, RecordingFormat.number(Path.of("notes.avro")));
  }

  @Test
  void speedsAreReadAsTheCliWritesThem() {
    assertEquals(0, Replayer.Options.parseSpeed("max"));
    assertEquals(1, Replayer.Options.parseSpeed("1x"));
    assertEquals(10, Replayer.Options.parseSpeed("10X"));
    assertEquals(0.5, Replayer.Options.parseSpeed("0.5x"));
    for (String bad : List.of("fast", "0x", "-2x", "x", "Infinityx")) {
      assertThrows(IllegalArgumentException.class, () -> Replayer.Options.parseSpeed(bad), bad);
    }
  }
}
