package dev.dualstream.trainer.checkpoint;

import dev.dualstream.trainer.model.TrainingPair;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link TrainingSnapshot}. Every record opens with a format version byte and
 * the reader keeps a branch for each version it has ever written, so a checkpoint taken by an
 * older build restores in a newer one without Flink's migration machinery: the serializer
 * snapshot always answers "compatible as is". Golden blobs of each version live in the tests.
 *
 * <p>Format 1 (big-endian, as Flink's data views write): version byte; model name (modified
 * UTF-8); steps, examples applied (long); partial batch as a count and, per pair, query ids and
 * document ids (int count + ints), document key (long), skip-above documents as a count of (long
 * key, ids); input topic; offsets as a count of (int partition, long
 * offset); newest event time, last version, its step (long); pending versions as a count of (long version,
 * long checkpoint id, boolean announced, int length + bytes); archive length (long); archive
 * SHA-256 (int length + bytes).
 *
 * <p>Format 2: format 1, then the replay state: replayed steps, replayed examples (long), buffer
 * capacity (int), sampler state (long), buffer contents as a count of pairs, oldest first. A format 1
 * record reads as a snapshot without replay.
 *
 * <p>Format 3: format 2 with each pair (partial batch and replay buffer) followed by its exposure
 * (double). Pairs of formats 1 and 2 read with exposure 1.
 *
 * <p>Format 4: format 3 with each pending version followed by its students' announcements, as a count of
 * (int length + bytes). Versions of formats 1 to 3 read without students.
 *
 * <p>Format 5: format 4, then the chain of an incremental checkpoint: the store's directory (empty without
 * a chain) and a count of links, each a file name, its length (long) and SHA-256 (int length + bytes).
 * Records of formats 1 to 4 read without a chain.
 */
public final class TrainingSnapshotSerializer extends TypeSerializer<TrainingSnapshot> {
  private static final long serialVersionUID = 1L;

  /** The format this build writes. */
  public static final byte CURRENT_FORMAT = 5;
  /** Bounds on lengths read back, so a corrupt record fails with a message, not an OutOfMemoryError. */
  private static final int MAX_ITEMS = 1 << 24;
  private static final int MAX_BYTES = 1 << 26;
  /**
   * Arrays and lists read back start at most this long and grow as their items arrive: a damaged
   * count within the bounds above then costs memory in proportion to the bytes really there, not
   * 64 MB before the first read fails.
   */
  private static final int FIRST_CHUNK = 1 << 10;

  public static final TrainingSnapshotSerializer INSTANCE = new TrainingSnapshotSerializer();

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public TypeSerializer<TrainingSnapshot> duplicate() {
    return this;
  }

  @Override
  public TrainingSnapshot createInstance() {
    return new TrainingSnapshot("", 0, 0, List.of(), "", new TreeMap<>(), 0, 0, 0, List.of(), 0, new byte[0]);
  }

  @Override
  public TrainingSnapshot copy(TrainingSnapshot from) {
    return from;
  }

  @Override
  public TrainingSnapshot copy(TrainingSnapshot from, TrainingSnapshot reuse) {
    return from;
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(TrainingSnapshot snapshot, DataOutputView out) throws IOException {
    TrainingSnapshot s = snapshot.awaitChain();
    out.writeByte(CURRENT_FORMAT);
    out.writeUTF(s.modelName());
    out.writeLong(s.steps());
    out.writeLong(s.examplesApplied());
    out.writeInt(s.partialBatch().size());
    for (TrainingPair pair : s.partialBatch()) {
      writePair(out, pair);
    }
    out.writeUTF(s.inputTopic());
    out.writeInt(s.nextOffsets().size());
    for (var e : s.nextOffsets().entrySet()) {
      out.writeInt(e.getKey());
      out.writeLong(e.getValue());
    }
    out.writeLong(s.newestEventTimeMs());
    out.writeLong(s.lastVersion());
    out.writeLong(s.lastVersionStep());
    out.writeInt(s.pendingVersions().size());
    for (TrainingSnapshot.PendingVersion p : s.pendingVersions()) {
      out.writeLong(p.version());
      out.writeLong(p.checkpointId());
      out.writeBoolean(p.announced());
      writeBytes(out, p.announcement());
      List<byte[]> students = p.studentAnnouncements();
      out.writeInt(students.size());
      for (byte[] student : students) {
        writeBytes(out, student);
      }
    }
    out.writeLong(s.archiveBytes());
    writeBytes(out, s.archiveSha256());
    TrainingSnapshot.Replay replay = s.replay();
    out.writeLong(replay.steps());
    out.writeLong(replay.examples());
    out.writeInt(replay.capacity());
    out.writeLong(replay.samplerState());
    out.writeInt(replay.contents().size());
    for (TrainingPair pair : replay.contents()) {
      writePair(out, pair);
    }
    out.writeUTF(s.chain().store());
    out.writeInt(s.chain().links().size());
    for (TrainingSnapshot.Link link : s.chain().links()) {
      out.writeUTF(link.file());
      out.writeLong(link.bytes());
      writeBytes(out, link.sha256());
    }
  }

  /**
   * Reads one record.
   *
   * @throws IOException if the bytes are truncated ({@link java.io.EOFException}), of an unknown
   *     format version, or damaged: a length out of bounds or values no snapshot can hold
   */
  @Override
  public TrainingSnapshot deserialize(DataInputView in) throws IOException {
    int format = in.readByte();
    if (format >= 1 && format <= CURRENT_FORMAT) {
      try {
        TrainingSnapshot s = readFormat1(in, format);
        if (format == 1) {
          return s;
        }
        TrainingSnapshot withReplay = withReplay(s, readReplay(in, format));
        return format < 5 ? withReplay : withReplay.withChain(readChain(in));
      } catch (IllegalArgumentException e) {
        throw new IOException("corrupt training state: " + e.getMessage(), e);
      }
    }
    throw new IOException("training state has format version " + format + "; this build reads versions 1 to "
        + CURRENT_FORMAT + " (was the checkpoint written by a newer dualstream?)");
  }

  /** The fields of format 1, with pairs as {@code format} writes them. */
  private static TrainingSnapshot readFormat1(DataInputView in, int format) throws IOException {
    String modelName = in.readUTF();
    long steps = in.readLong();
    long examples = in.readLong();
    int pairs = count(in.readInt(), "partial batch");
    List<TrainingPair> batch = new ArrayList<>(Math.min(pairs, FIRST_CHUNK));
    for (int i = 0; i < pairs; i++) {
      batch.add(readPair(in, format));
    }
    String topic = in.readUTF();
    int partitions = count(in.readInt(), "offsets");
    SortedMap<Integer, Long> offsets = new TreeMap<>();
    for (int i = 0; i < partitions; i++) {
      offsets.put(in.readInt(), in.readLong());
    }
    long newestEventTime = in.readLong();
    long lastVersion = in.readLong();
    long lastVersionStep = in.readLong();
    int pendingCount = count(in.readInt(), "pending versions");
    List<TrainingSnapshot.PendingVersion> pending = new ArrayList<>(Math.min(pendingCount, FIRST_CHUNK));
    for (int i = 0; i < pendingCount; i++) {
      long version = in.readLong();
      long checkpointId = in.readLong();
      boolean announced = in.readBoolean();
      byte[] announcement = readBytes(in);
      List<byte[]> students = new ArrayList<>();
      if (format >= 4) {
        int count = count(in.readInt(), "student announcements");
        for (int k = 0; k < count; k++) {
          students.add(readBytes(in));
        }
      }
      pending.add(new TrainingSnapshot.PendingVersion(version, checkpointId, announced, announcement, students));
    }
    long archiveBytes = in.readLong();
    byte[] sha = readBytes(in);
    return new TrainingSnapshot(modelName, steps, examples, batch, topic, offsets, newestEventTime, lastVersion,
        lastVersionStep, pending, archiveBytes, sha);
  }

  private static TrainingSnapshot.Replay readReplay(DataInputView in, int format) throws IOException {
    long steps = in.readLong();
    long examples = in.readLong();
    int capacity = count(in.readInt(), "replay capacity");
    long samplerState = in.readLong();
    int pairs = count(in.readInt(), "replay buffer");
    List<TrainingPair> contents = new ArrayList<>(Math.min(pairs, FIRST_CHUNK));
    for (int i = 0; i < pairs; i++) {
      contents.add(readPair(in, format));
    }
    return new TrainingSnapshot.Replay(steps, examples, capacity, samplerState, contents);
  }

  private static TrainingSnapshot.Chain readChain(DataInputView in) throws IOException {
    String store = in.readUTF();
    int links = count(in.readInt(), "chain");
    List<TrainingSnapshot.Link> chain = new ArrayList<>(Math.min(links, FIRST_CHUNK));
    for (int i = 0; i < links; i++) {
      chain.add(new TrainingSnapshot.Link(in.readUTF(), in.readLong(), readBytes(in)));
    }
    return new TrainingSnapshot.Chain(store, chain);
  }

  private static TrainingSnapshot withReplay(TrainingSnapshot s, TrainingSnapshot.Replay replay) {
    return new TrainingSnapshot(s.modelName(), s.steps(), s.examplesApplied(), s.partialBatch(), s.inputTopic(),
        s.nextOffsets(), s.newestEventTimeMs(), s.lastVersion(), s.lastVersionStep(), s.pendingVersions(),
        s.archiveBytes(), s.archiveSha256(), replay);
  }

  @Override
  public TrainingSnapshot deserialize(TrainingSnapshot reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof TrainingSnapshotSerializer;
  }

  @Override
  public int hashCode() {
    return TrainingSnapshotSerializer.class.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<TrainingSnapshot> snapshotConfiguration() {
    return new Snapshot();
  }

  private Object readResolve() {
    return INSTANCE;
  }

  private static void writePair(DataOutputView out, TrainingPair pair) throws IOException {
    writeInts(out, pair.queryIds());
    writeInts(out, pair.docIds());
    out.writeLong(pair.docKey());
    long[] keys = pair.skipAboveKeys();
    out.writeInt(keys.length);
    for (int i = 0; i < keys.length; i++) {
      out.writeLong(keys[i]);
      writeInts(out, pair.skipAboveIds().get(i));
    }
    out.writeDouble(pair.exposure());
  }

  private static TrainingPair readPair(DataInputView in, int format) throws IOException {
    int[] query = readInts(in);
    int[] doc = readInts(in);
    long docKey = in.readLong();
    int skipped = count(in.readInt(), "skip-above documents");
    long[] keys = new long[Math.min(skipped, FIRST_CHUNK)];
    List<int[]> ids = new ArrayList<>(keys.length);
    for (int i = 0; i < skipped; i++) {
      if (i == keys.length) {
        keys = Arrays.copyOf(keys, grown(keys.length, skipped));
      }
      keys[i] = in.readLong();
      ids.add(readInts(in));
    }
    double exposure = format >= 3 ? in.readDouble() : 1;
    return new TrainingPair(query, doc, docKey, keys, ids, exposure);
  }

  private static void writeInts(DataOutputView out, int[] values) throws IOException {
    out.writeInt(values.length);
    for (int v : values) {
      out.writeInt(v);
    }
  }

  private static int[] readInts(DataInputView in) throws IOException {
    int n = count(in.readInt(), "feature ids");
    int[] values = new int[Math.min(n, FIRST_CHUNK)];
    for (int i = 0; i < n; i++) {
      if (i == values.length) {
        values = Arrays.copyOf(values, grown(values.length, n));
      }
      values[i] = in.readInt();
    }
    return values;
  }

  private static void writeBytes(DataOutputView out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static byte[] readBytes(DataInputView in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > MAX_BYTES) {
      throw new IOException("corrupt training state: a byte field claims " + length + " bytes");
    }
    byte[] bytes = new byte[Math.min(length, FIRST_CHUNK)];
    for (int read = 0; read < length; read = bytes.length) {
      if (read == bytes.length) {
        bytes = Arrays.copyOf(bytes, grown(read, length));
      }
      in.readFully(bytes, read, bytes.length - read);
    }
    return bytes;
  }

  /** The next capacity of an array of {@code length} on its way to {@code target}: double, at most the target. */
  private static int grown(int length, int target) {
    return (int) Math.min(target, 2L * length);
  }

  private static int count(int n, String what) throws IOException {
    if (n < 0 || n > MAX_ITEMS) {
      throw new IOException("corrupt training state: " + what + " claims " + n + " entries");
    }
    return n;
  }

  /** Restores this serializer; it reads every format version itself, so nothing needs migrating. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<TrainingSnapshot> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
