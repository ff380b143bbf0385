package dev.dualstream.cache;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.zip.CRC32;

/**
 * The snapshot format, version 1. Big-endian, written in one pre-sized array (no growth copies of a payload that
 * can approach a gigabyte):
 *
 * <pre>
 *   int    magic 0x44534E43 ("DSNC")
 *   int    format version
 *   long   total length in bytes, this header and the checksum included
 *   int    capacity, dim, maxFeatures, topK; float scale
 *   long   step, random state
 *   long   inserts, updates, evictions, refreshes
 *   double staleness sum of the current step;  long its count
 *   double staleness mean of the last step;    long its count
 *   int    size (written entries, slots [0, size))
 *   size x (long key, long model version, long step written, int feature count)
 *   int[]  feature ids of slots 0..size-1, each slot's count of them, concatenated
 *   float[] embeddings of slots 0..size-1, size x dim
 *   int[]  the slots from oldest to youngest (size of them)
 *   int    CRC-32 of every byte before it
 * </pre>
 *
 * The key index and the sampling scratch are derived and not stored. A reader checks magic, version, length and
 * checksum before it allocates anything, so a foreign, newer, truncated or damaged array fails with a message
 * that says which; it then checks the shape's memory plan against the caller's bound before it allocates the
 * cache, since a checksum guards against damage, not against a file written on purpose. A new version gets a new number here, and this reader keeps reading the old ones.
 */
final class SnapshotCodec {
  static final int MAGIC = 0x44534E43;
  static final int VERSION = 1;
  private static final int PREFIX_BYTES = 16;
  private static final int HEADER_BYTES = 120;
  private static final int ENTRY_BYTES = 3 * Long.BYTES + Integer.BYTES;

  private SnapshotCodec() {}

  static byte[] write(ArrayNegativeCache cache) {
    SlotStore store = cache.store;
    int size = store.size();
    long featureIds = 0;
    for (int s = 0; s < size; s++) {
      featureIds += store.featureCounts[s];
    }
    long length = length(size, store.dim, featureIds);
    if (length > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("a snapshot of " + size + " entries would take " + length
          + " bytes, more than a Java byte array holds; lower the capacity");
    }
    ByteBuffer out = ByteBuffer.allocate((int) length);
    CacheConfig c = cache.config;
    out.putInt(MAGIC).putInt(VERSION).putLong(length);
    out.putInt(c.capacity()).putInt(c.dim()).putInt(c.maxFeatures()).putInt(c.topK()).putFloat(c.scale());
    out.putLong(cache.step).putLong(cache.random.state());
    out.putLong(cache.inserts).putLong(cache.updates).putLong(cache.evictions).putLong(cache.refreshes);
    out.putDouble(cache.stepStalenessSum).putLong(cache.stepStalenessCount);
    out.putDouble(cache.lastStaleness).putLong(cache.lastStalenessCount);
    out.putInt(size);
    for (int s = 0; s < size; s++) {
      out.putLong(store.keys[s]).putLong(store.modelVersions[s]).putLong(store.writtenSteps[s])
          .putInt(store.featureCounts[s]);
    }
    IntBuffer ids = out.asIntBuffer();
    for (int s = 0; s < size; s++) {
      ids.put(store.features, s * store.maxFeatures, store.featureCounts[s]);
    }
    out.position(out.position() + Integer.BYTES * ids.position());
    out.asFloatBuffer().put(store.embeddings, 0, size * store.dim);
    out.position(out.position() + Float.BYTES * size * store.dim);
    for (int slot : store.ageOrder()) {
      out.putInt(slot);
    }
    out.putInt(crc(out.array(), out.position()));
    return out.array();
  }

  private static long length(int size, int dim, long featureIds) {
    return HEADER_BYTES + (long) size * ENTRY_BYTES + Integer.BYTES * featureIds
        + (long) Float.BYTES * size * dim + (long) Integer.BYTES * size + Integer.BYTES;
  }

  static ArrayNegativeCache read(byte[] bytes, long maxAllocatedBytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("snapshot bytes are null");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (bytes.length >= Integer.BYTES && in.getInt(0) != MAGIC) {
      throw new IllegalArgumentException(String.format(
          "not a negative cache snapshot: magic 0x%08X, expected 0x%08X", in.getInt(0), MAGIC));
    }
    if (bytes.length < PREFIX_BYTES) {
      throw new IllegalArgumentException("truncated negative cache snapshot: " + bytes.length
          + " bytes, shorter than its " + PREFIX_BYTES + "-byte header");
    }
    int version = in.getInt(4);
    if (version != VERSION) {
      throw new IllegalArgumentException("negative cache snapshot format version " + version
          + " is not supported; this build reads version " + VERSION);
    }
    long length = in.getLong(8);
    if (bytes.length < length) {
      throw new IllegalArgumentException("truncated negative cache snapshot: " + bytes.length + " of " + length
          + " bytes");
    }
    if (bytes.length > length || length < HEADER_BYTES + Integer.BYTES) {
      throw new IllegalArgumentException("corrupt negative cache snapshot: " + bytes.length
          + " bytes where the header says " + length);
    }
    if (crc(bytes, bytes.length - Integer.BYTES) != in.getInt(bytes.length - Integer.BYTES)) {
      throw new IllegalArgumentException("corrupt negative cache snapshot: checksum mismatch");
    }
    in.position(PREFIX_BYTES);
    try {
      return readBody(in, length, maxAllocatedBytes);
    } catch (IllegalArgumentException | IndexOutOfBoundsException | BufferUnderflowException e) {
      throw new IllegalArgumentException("corrupt negative cache snapshot: " + e.getMessage(), e);
    }
  }

  private static ArrayNegativeCache readBody(ByteBuffer in, long length, long maxAllocatedBytes) {
    CacheConfig config = new CacheConfig(in.getInt(), in.getInt(), in.getInt(), in.getInt(), in.getFloat());
    long allocated = MemoryPlan.of(config).allocatedBytes();
    require(allocated <= maxAllocatedBytes, "a cache of capacity " + config.capacity() + ", dim " + config.dim()
        + " and " + config.maxFeatures() + " features would allocate " + allocated + " bytes, more than the "
        + maxAllocatedBytes + " allowed");
    long step = in.getLong();
    ArrayNegativeCache cache = new ArrayNegativeCache(config, in.getLong());
    cache.step = step;
    cache.inserts = in.getLong();
    cache.updates = in.getLong();
    cache.evictions = in.getLong();
    cache.refreshes = in.getLong();
    cache.stepStalenessSum = in.getDouble();
    cache.stepStalenessCount = in.getLong();
    cache.lastStaleness = in.getDouble();
    cache.lastStalenessCount = in.getLong();
    int size = in.getInt();
    require(size >= 0 && size <= config.capacity(), "size " + size + " outside [0, capacity]");
    require(size <= (length - HEADER_BYTES - Integer.BYTES) / (ENTRY_BYTES + Integer.BYTES),
        size + " entries cannot fit in " + length + " bytes");
    SlotStore store = cache.store;
    long featureIds = 0;
    for (int s = 0; s < size; s++) {
      store.keys[s] = in.getLong();
      store.modelVersions[s] = in.getLong();
      store.writtenSteps[s] = in.getLong();
      int count = in.getInt();
      require(count >= 0 && count <= config.maxFeatures(), "slot " + s + " has " + count + " feature ids");
      store.featureCounts[s] = count;
      featureIds += count;
    }
    require(length(size, config.dim(), featureIds) == length, "entry sizes do not add up to the length");
    IntBuffer ids = in.asIntBuffer();
    for (int s = 0; s < size; s++) {
      ids.get(store.features, s * config.maxFeatures(), store.featureCounts[s]);
    }
    in.position(in.position() + Integer.BYTES * ids.position());
    in.asFloatBuffer().get(store.embeddings, 0, size * config.dim());
    in.position(in.position() + Float.BYTES * size * config.dim());
    int[] order = new int[size];
    boolean[] seen = new boolean[size];
    for (int i = 0; i < size; i++) {
      int slot = in.getInt();
      require(slot >= 0 && slot < size && !seen[slot], "the age order is not a permutation of the slots");
      seen[slot] = true;
      order[i] = slot;
    }
    store.restoreOrder(order);
    for (int s = 0; s < size; s++) {
      require(cache.index.find(store.keys[s]) < 0, "document key " + store.keys[s] + " is cached twice");
      cache.index.put(s);
    }
    return cache;
  }

  private static void require(boolean condition, String problem) {
    if (!condition) {
      throw new IllegalArgumentException(problem);
    }
  }

  private static int crc(byte[] bytes, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }
}
