package dev.dualstream.trainer.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowBatchTest {

  @Test
  void deduplicatesRowsInFirstSeenOrder() {
    RowBatch batch = RowBatch.of(List.of(new int[] {7, 3, 7}, new int[] {3, 9}, new int[] {}));
    assertEquals(3, batch.size());
    assertArrayEquals(new int[] {7, 3, 9}, Arrays.copyOf(batch.rows(), batch.size()));
    assertArrayEquals(new int[] {0, 1, 0}, batch.local(0));
    assertArrayEquals(new int[] {1, 2}, batch.local(1));
    assertEquals(3, batch.padding());
  }

  @Test
  void padsWithTheZeroRowAndWeighsByLength() {
    RowBatch batch = RowBatch.of(List.of(new int[] {5, 6, 8}, new int[] {6}, new int[] {}));
    assertEquals(3, batch.width(0, 3));
    assertArrayEquals(new long[] {0, 1, 2, 1, 3, 3, 3, 3, 3}, batch.paddedIndices(0, 3));
    assertArrayEquals(new long[] {1}, batch.paddedIndices(1, 2));
    assertArrayEquals(new float[] {1 / 3f, 1f, 1f}, batch.inverseLengths(0, 3));
  }

  @Test
  void skipsPaddingIds() {
    RowBatch batch = RowBatch.of(List.of(new int[] {0, 4, 0}));
    assertEquals(1, batch.size());
    assertArrayEquals(new int[] {0}, batch.local(0));
  }

  @Test
  void handlesManyDistinctIds() {
    int[] ids = new int[5000];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 1 + (i * 7919) % 100_003;
    }
    RowBatch batch = RowBatch.of(List.of(ids, ids.clone()));
    assertEquals(5000, batch.size());
    assertArrayEquals(batch.local(0), batch.local(1));
  }
}
