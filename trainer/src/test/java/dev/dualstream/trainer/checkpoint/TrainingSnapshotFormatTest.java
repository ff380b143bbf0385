package dev.dualstream.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The training state's byte format across versions: blobs written by formats 1 to 5 and committed to
 * the repository still decode, unknown versions and damaged records fail with a reason, and round trips
 * are exact.
 */
class TrainingSnapshotFormatTest {
  private static final String GOLDEN_V1 = "training-snapshot-v1.bin";
  private static final String GOLDEN_V2 = "training-snapshot-v2.bin";
  private static final String GOLDEN_V3 = "training-snapshot-v3.bin";
  private static final String GOLDEN_V4 = "training-snapshot-v4.bin";
  private static final String GOLDEN_V5 = "training-snapshot-v5.bin";

  @Test
  void decodesTheCommittedVersion1Blob() throws IOException {
    byte[] blob = golden(GOLDEN_V1);
    assertEquals(1, blob[0], "the golden blob opens with format version 1");
    TrainingSnapshot decoded = TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(blob));
    assertEquals(Snapshots.goldenV1(), decoded);
    assertEquals(2, decoded.partialBatch().size());
    assertArrayEquals(new int[] {8, 16, 32}, decoded.partialBatch().get(1).docIds());
    assertEquals(991L, decoded.partialBatch().get(1).docKey());
    assertArrayEquals(new int[] {7, 7}, decoded.partialBatch().get(1).skipAboveIds().get(0));
    assertEquals(1234L, decoded.nextOffsets().get(0));
    assertEquals(17, decoded.pendingVersions().get(0).checkpointId());
  }

  @Test
  void aVersion1BlobReadsAsASnapshotWithoutReplay() throws IOException {
    TrainingSnapshot decoded = TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(
        golden(GOLDEN_V1)));
    assertEquals(TrainingSnapshot.Replay.NONE, decoded.replay());
  }

  @Test
  void decodesTheCommittedVersion2Blob() throws IOException {
    byte[] blob = golden(GOLDEN_V2);
    assertEquals(2, blob[0], "the golden blob opens with format version 2");
    TrainingSnapshot decoded = TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(blob));
    assertEquals(Snapshots.goldenV2(), decoded);
    assertEquals(288, decoded.replay().examples());
    assertEquals(0x1234_5678_9abc_def0L, decoded.replay().samplerState());
    assertArrayEquals(new int[] {1}, decoded.replay().contents().get(1).skipAboveIds().get(0));
  }

  @Test
  void version2PairsReadWithExposure1() throws IOException {
    TrainingSnapshot decoded = TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(
        golden(GOLDEN_V2)));
    assertEquals(1.0, decoded.partialBatch().get(0).exposure());
    assertEquals(1.0, decoded.replay().contents().get(1).exposure());
  }

  @Test
  void decodesTheCommittedVersion3Blob() throws IOException {
    byte[] blob = golden(GOLDEN_V3);
    assertEquals(3, blob[0], "the golden blob opens with format version 3");
    TrainingSnapshot decoded = TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(blob));
    assertEquals(Snapshots.goldenV3(), decoded);
    assertEquals(0.125, decoded.partialBatch().get(0).exposure());
    assertEquals(1.0, decoded.partialBatch().get(1).exposure());
    assertEquals(1.0 / 3, decoded.replay().contents().get(1).exposure());
  }

  @Test
  void version3PendingVersionsReadWithoutStudents() throws IOException {
    TrainingSnapshot decoded = TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(
        golden(GOLDEN_V3)));
    assertTrue(decoded.pendingVersions().stream().allMatch(p -> p.studentAnnouncements().isEmpty()));
  }

  @Test
  void decodesTheCommittedVersion4Blob() throws IOException {
    byte[] blob = golden(GOLDEN_V4);
    assertEquals(4, blob[0], "the golden blob opens with format version 4");
    TrainingSnapshot decoded = TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(blob));
    assertEquals(Snapshots.goldenV4(), decoded);
    assertArrayEquals(new byte[] {4, 5}, decoded.pendingVersions().get(0).studentAnnouncements().get(0));
  }

  @Test
  void version4ReadsWithoutAChain() throws IOException {
    TrainingSnapshot decoded = TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(
        golden(GOLDEN_V4)));
    assertTrue(decoded.chain().isEmpty(), "the archive holds the model");
  }

  @Test
  void decodesTheCommittedVersion5Blob() throws IOException {
    byte[] blob = golden(GOLDEN_V5);
    assertEquals(5, blob[0], "the golden blob opens with format version 5");
    TrainingSnapshot decoded = TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(blob));
    assertEquals(Snapshots.goldenV5(), decoded);
    assertEquals("job-0a1b-chk-13.link", decoded.chain().links().get(1).file());
    assertEquals(536_870_912L, decoded.chain().links().get(0).bytes());
    assertEquals("/var/checkpoints/trainer-links", decoded.chain().store());
  }

  @Test
  void thisBuildStillWritesVersion5ByteForByte() throws IOException {
    // Fails on purpose when the format changes: then add a v6 golden blob and a reader branch,
    // and keep the older blobs and their decoding tests.
    assertEquals(5, TrainingSnapshotSerializer.CURRENT_FORMAT);
    assertArrayEquals(golden(GOLDEN_V5), encode(Snapshots.goldenV5()));
  }

  @Test
  void refusesAFormatVersionFromTheFuture() {
    byte[] blob = encode(Snapshots.goldenV1());
    blob[0] = 9;
    IOException e = assertThrows(IOException.class,
        () -> TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(blob)));
    assertTrue(e.getMessage().contains("format version 9"), e.getMessage());
  }

  @Test
  void damagedLengthsFailWithAReasonInsteadOfExhaustingMemory() {
    byte[] blob = encode(Snapshots.goldenV1());
    // the partial batch count follows version byte, UTF name (2 + 12 bytes) and two longs
    int at = 1 + 2 + "dual-encoder".length() + 16;
    blob[at] = (byte) 0x7f;
    IOException e = assertThrows(IOException.class,
        () -> TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(blob)));
    assertTrue(e.getMessage().contains("partial batch"), e.getMessage());
  }

  @Test
  void countsWithinTheBoundsCostOnlyTheBytesThatArrive() {
    byte[] blob = encode(Snapshots.goldenV1());
    int batch = 1 + 2 + "dual-encoder".length() + 16;
    for (int at : new int[] {batch, batch + 4}) {
      byte[] damaged = blob.clone();
      ByteBuffer.wrap(damaged).putInt(at, 1 << 24);
      com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long before = threads.getCurrentThreadAllocatedBytes();

      assertThrows(EOFException.class,
          () -> TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(damaged)));

      long allocated = threads.getCurrentThreadAllocatedBytes() - before;
      assertTrue(allocated < 1 << 20, "a count of 2^24 at byte " + at + " allocated " + allocated + " bytes");
    }
  }

  @Test
  void valuesNoSnapshotHoldsAreAnIoException() {
    byte[] blob = encode(Snapshots.goldenV1());
    ByteBuffer.wrap(blob).putLong(1 + 2 + "dual-encoder".length(), -1);
    IOException e = assertThrows(IOException.class,
        () -> TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(blob)));
    assertTrue(e.getMessage().startsWith("corrupt training state: negative counter"), e.getMessage());
  }

  @Test
  void truncatedRecordsFail() {
    byte[] blob = encode(Snapshots.goldenV1());
    Random random = new Random(5);
    for (int i = 0; i < 20; i++) {
      byte[] cut = Arrays.copyOf(blob, random.nextInt(blob.length));
      assertThrows(IOException.class,
          () -> TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(cut)));
    }
  }

  @Test
  void roundTripsEveryShape() throws IOException {
    for (TrainingSnapshot s : new TrainingSnapshot[] {Snapshots.goldenV1(), Snapshots.goldenV2(), Snapshots.goldenV3(),
        Snapshots.goldenV4(), Snapshots.goldenV5(), Snapshots.empty(),
        Snapshots.withManyPending()}) {
      assertEquals(s, TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(encode(s))));
    }
  }

  static byte[] encode(TrainingSnapshot s) {
    DataOutputSerializer out = new DataOutputSerializer(256);
    try {
      TrainingSnapshotSerializer.INSTANCE.serialize(s, out);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out.getCopyOfBuffer();
  }

  private static byte[] golden(String name) throws IOException {
    try (InputStream in = TrainingSnapshotFormatTest.class.getResourceAsStream(name)) {
      assertTrue(in != null, "golden blob " + name + " is on the test classpath");
      return in.readAllBytes();
    }
  }

  /**
   * The training operator hands its links to a writer and stores a snapshot whose chain is still being
   * written: serializing it (Flink's asynchronous phase) waits for the links and writes what a snapshot with
   * the written chain writes; a link that failed fails the serialization with its reason.
   */
  @Test
  void aSnapshotWhoseChainIsBeingWrittenSerializesOnceTheLinksAreWritten() throws Exception {
    TrainingSnapshot.Chain chain = Snapshots.goldenV5().chain();
    java.util.concurrent.CompletableFuture<TrainingSnapshot.Chain> links = new java.util.concurrent.CompletableFuture<>();
    TrainingSnapshot pending = Snapshots.goldenV4().withChainWritten(links);
    java.util.concurrent.CompletableFuture<byte[]> serialized = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return serialize(pending);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Thread.sleep(200);
    assertTrue(!serialized.isDone(), "the serializer waits for the links");
    links.complete(chain);
    assertArrayEquals(serialize(Snapshots.goldenV4().withChain(chain)), serialized.get());
    assertEquals(Snapshots.goldenV5(), TrainingSnapshotSerializer.INSTANCE.deserialize(
        new DataInputDeserializer(serialized.get())));

    java.util.concurrent.CompletableFuture<TrainingSnapshot.Chain> failed = new java.util.concurrent.CompletableFuture<>();
    failed.completeExceptionally(new IOException("No space left on device"));
    IOException e = assertThrows(IOException.class, () -> serialize(Snapshots.goldenV4().withChainWritten(failed)));
    assertTrue(e.getMessage().contains("could not be written") && e.getMessage().contains("No space left"),
        e.getMessage());
  }

  private static byte[] serialize(TrainingSnapshot snapshot) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    TrainingSnapshotSerializer.INSTANCE.serialize(snapshot, out);
    return out.getCopyOfBuffer();
  }
}
