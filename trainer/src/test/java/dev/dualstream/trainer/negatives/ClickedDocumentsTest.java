package dev.dualstream.trainer.negatives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The bounded memory of clicked documents: newest distinct clicks per query, a slot per query. */
class ClickedDocumentsTest {

  @Test
  void keepsTheNewestDistinctClicksOfAQuery() {
    ClickedDocuments memory = new ClickedDocuments(8);
    assertArrayEquals(new long[0], memory.clicked(3));
    memory.add(3, 101);
    memory.add(3, 102);
    memory.add(3, 101);
    assertArrayEquals(new long[] {101, 102}, memory.clicked(3), "a repeated click is remembered once");
    memory.add(3, 103);
    memory.add(3, 104);
    memory.add(3, 105);
    assertArrayEquals(new long[] {102, 103, 104, 105}, memory.clicked(3), "the oldest of five is forgotten");
    assertEquals(1, memory.size());
  }

  @Test
  void aQueryThatSharesASlotTakesItOverAndNeverSeesTheOthersClicks() {
    ClickedDocuments memory = new ClickedDocuments(4);
    memory.add(1, 11);
    memory.add(2, 22);
    memory.add(5, 55);
    assertArrayEquals(new long[0], memory.clicked(1), "query 5 took slot 1 over");
    assertArrayEquals(new long[] {55}, memory.clicked(5));
    assertArrayEquals(new long[0], memory.clicked(-3), "-3 maps to slot 1 too, but is not query 5");
    memory.add(-3, 33);
    assertArrayEquals(new long[] {33}, memory.clicked(-3));
    assertArrayEquals(new long[] {22}, memory.clicked(2), "other slots are untouched");
    assertEquals(2, memory.size());
  }

  @Test
  void restoreReplacesEverything() {
    ClickedDocuments memory = new ClickedDocuments(4);
    memory.add(1, 11);
    memory.add(2, 22);
    memory.restore(new int[] {3}, new long[] {7}, new long[][] {{70, 71}});
    assertArrayEquals(new long[0], memory.clicked(1));
    assertArrayEquals(new long[0], memory.clicked(2));
    assertArrayEquals(new long[] {70, 71}, memory.clicked(7));
    assertEquals(1, memory.size());
  }

  @Test
  void needsAtLeastOneSlot() {
    assertThrows(IllegalArgumentException.class, () -> new ClickedDocuments(0));
  }
}
