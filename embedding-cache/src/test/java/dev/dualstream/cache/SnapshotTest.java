package dev.dualstream.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Snapshot and restore: byte-identical, behaviour-identical, and loud about bad input. */
class SnapshotTest {
  private static final int DIM = 6;

  @ParameterizedTest(name = "topK={0}")
  @ValueSource(ints = {0, 4})
  void aRestoredCacheSnapshotsToTheSameBytesAndBehavesIdentically(int topK) {
    NegativeCache original = busyCache(topK);
    byte[] bytes = original.snapshot();
    NegativeCache restored = NegativeCache.restore(bytes);
    assertArrayEquals(bytes, restored.snapshot());
    assertEquals(original.stats(), restored.stats());
    assertEquals(original.oldest(100), restored.oldest(100));

    SplittableRandom random = new SplittableRandom(41);
    for (int round = 0; round < 5; round++) {
      float[] queries = Fixtures.gaussian(random, 7 * DIM);
      long[] positives = random.longs(7, 0, 60).toArray();
      assertEquals(original.sample(queries, positives), restored.sample(queries, positives));
      long key = 1000 + round;
      float[] embedding = Fixtures.gaussian(random, DIM);
      original.insert(key, new int[] {round}, embedding, 9L);
      restored.insert(key, new int[] {round}, embedding, 9L);
      original.refresh(round * 7, embedding, 9L);
      restored.refresh(round * 7, embedding, 9L);
      original.advance();
      restored.advance();
    }
    assertArrayEquals(original.snapshot(), restored.snapshot());
  }

  @Test
  void anEmptyCacheRoundTrips() {
    NegativeCache empty = NegativeCache.builder().capacity(8).dim(3).maxFeatures(0).topK(2).scale(2.5f).build();
    NegativeCache restored = NegativeCache.restore(empty.snapshot());
    assertArrayEquals(empty.snapshot(), restored.snapshot());
    assertEquals(2, restored.topK());
    assertEquals(2.5f, restored.scale());
    assertEquals(0, restored.maxFeatures());
  }

  @Test
  void foreignBytesAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NegativeCache.restore("hello, world, not a cache".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().startsWith("not a negative cache snapshot"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> NegativeCache.restore(null));
  }

  @Test
  void anUnknownVersionIsRejectedByNumber() {
    byte[] bytes = busyCache(0).snapshot();
    ByteBuffer.wrap(bytes).putInt(4, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NegativeCache.restore(bytes));
    assertEquals("negative cache snapshot format version 2 is not supported; this build reads version 1",
        e.getMessage());
  }

  @Test
  void truncatedBytesAreRejectedAtEveryLength() {
    byte[] bytes = busyCache(4).snapshot();
    for (int length = 0; length < bytes.length; length += 1 + length / 8) {
      byte[] prefix = Arrays.copyOf(bytes, length);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NegativeCache.restore(prefix));
      assertTrue(e.getMessage().startsWith("truncated negative cache snapshot"), length + ": " + e.getMessage());
    }
  }

  @Test
  void damagedOrPaddedBytesAreRejected() {
    byte[] bytes = busyCache(0).snapshot();
    byte[] flipped = bytes.clone();
    flipped[flipped.length / 2] ^= 0x10;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NegativeCache.restore(flipped));
    assertEquals("corrupt negative cache snapshot: checksum mismatch", e.getMessage());

    byte[] padded = Arrays.copyOf(bytes, bytes.length + 3);
    e = assertThrows(IllegalArgumentException.class, () -> NegativeCache.restore(padded));
    assertTrue(e.getMessage().startsWith("corrupt negative cache snapshot"), e.getMessage());
  }

  @Test
  void aCacheLargerThanTheBoundIsRefusedBeforeItIsAllocated() {
    byte[] small = NegativeCache.builder().capacity(8).dim(4).maxFeatures(2).build().snapshot();
    byte[] forged = SnapshotFraming.withCrc(ByteBuffer.wrap(small.clone()).putInt(16, 1 << 24).array());
    long bound = 1 << 20;
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NegativeCache.restore(forged, bound));

    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(e.getMessage().contains("a cache of capacity 16777216, dim 4 and 2 features would allocate"),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("more than the 1048576 allowed"), e.getMessage());
    assertTrue(allocated < bound, "allocated " + allocated + " bytes to refuse it");
    assertEquals(8, NegativeCache.restore(small, NegativeCache.restore(small).memoryPlan().allocatedBytes()).capacity(),
        "a bound of exactly the plan admits the cache");
  }

  @Test
  void moreEntriesThanTheBytesHoldAreRefused() {
    byte[] empty = NegativeCache.builder().capacity(1 << 10).dim(2).maxFeatures(1).build().snapshot();
    byte[] forged = SnapshotFraming.withCrc(ByteBuffer.wrap(empty.clone()).putInt(116, 1000).array());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NegativeCache.restore(forged));
    assertEquals("corrupt negative cache snapshot: 1000 entries cannot fit in 124 bytes", e.getMessage());
  }

  /** A full cache that has evicted, updated, refreshed and sampled (so its random state has moved). */
  static NegativeCache busyCache(int topK) {
    NegativeCacheBuilder builder = NegativeCache.builder().capacity(48).dim(DIM).maxFeatures(5).scale(4f).seed(3L);
    NegativeCache cache = topK == 0 ? builder.build() : builder.topK(topK).build();
    SplittableRandom random = new SplittableRandom(40);
    for (int step = 0; step < 12; step++) {
      for (int i = 0; i < 6; i++) {
        int[] features = random.ints(random.nextInt(6), 0, 1 << 20).toArray();
        cache.insert(random.nextInt(60), features, Fixtures.gaussian(random, DIM), step);
      }
      Sample sample = cache.sample(Fixtures.gaussian(random, 3 * DIM), random.longs(3, 0, 60).toArray());
      for (int i = 0; i < sample.size(); i++) {
        if (sample.hasNegative(i)) {
          cache.refresh(sample.docKey(i), Fixtures.gaussian(random, DIM), step);
        }
      }
      cache.advance();
    }
    cache.refresh(cache.oldest(1).get(0).docKey(), Fixtures.gaussian(random, DIM), 12L);
    return cache;
  }
}
