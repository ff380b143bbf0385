package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The replay buffer keeps the newest pairs, draws distinct ones with every slot equally likely, and a
 * buffer restored from its contents and sampler state draws exactly what the original draws.
 */
class ReplayBufferTest {

  @Test
  void keepsTheNewestPairsOldestFirst() {
    ReplayBuffer buffer = new ReplayBuffer(3, 1);
    buffer.addAll(pairs(0, 2));
    assertEquals(pairs(0, 2), buffer.contents());
    buffer.addAll(pairs(2, 7));
    assertEquals(pairs(4, 7), buffer.contents(), "the oldest went as new ones came");
    assertEquals(3, buffer.size());
  }

  @Test
  void drawsDistinctPairsEverySlotAboutEquallyOften() {
    ReplayBuffer buffer = new ReplayBuffer(20, 7);
    buffer.addAll(pairs(0, 30)); // wraps: holds pairs 10..29
    int[] drawn = new int[30];
    int draws = 4000;
    for (int i = 0; i < draws; i++) {
      List<TrainingPair> batch = buffer.sample(5);
      assertEquals(5, new HashSet<>(batch).size(), "a batch holds distinct pairs");
      batch.forEach(p -> drawn[p.queryIds()[0]]++);
    }
    for (int id = 0; id < 10; id++) {
      assertEquals(0, drawn[id], "pair " + id + " left the buffer");
    }
    double expected = draws * 5 / 20.0; // 1000 per pair
    for (int id = 10; id < 30; id++) {
      assertTrue(Math.abs(drawn[id] - expected) < 150, "pair " + id + " drawn " + drawn[id] + " times, expected about "
          + expected);
    }
  }

  @Test
  void aRestoredBufferDrawsWhatTheOriginalDraws() {
    ReplayBuffer original = new ReplayBuffer(8, 3);
    original.addAll(pairs(0, 11));
    original.sample(4);
    ReplayBuffer restored = ReplayBuffer.restore(8, original.contents(), original.samplerState());
    for (int i = 0; i < 5; i++) {
      assertEquals(original.sample(4), restored.sample(4));
      original.addAll(pairs(20 + i, 21 + i));
      restored.addAll(pairs(20 + i, 21 + i));
    }
    assertEquals(original.contents(), restored.contents());
  }

  @Test
  void theSameSeedDrawsTheSameAndAnotherDiffers() {
    ReplayBuffer a = new ReplayBuffer(16, 5);
    ReplayBuffer b = new ReplayBuffer(16, 5);
    ReplayBuffer c = new ReplayBuffer(16, 6);
    for (ReplayBuffer buffer : List.of(a, b, c)) {
      buffer.addAll(pairs(0, 16));
    }
    List<TrainingPair> first = a.sample(8);
    assertEquals(first, b.sample(8));
    assertTrue(!first.equals(c.sample(8)));
  }

  @Test
  void refusesToDrawMoreThanItHolds() {
    ReplayBuffer buffer = new ReplayBuffer(4, 1);
    buffer.addAll(pairs(0, 2));
    assertThrows(IllegalStateException.class, () -> buffer.sample(3));
    assertThrows(IllegalArgumentException.class, () -> new ReplayBuffer(0, 1));
  }

  @Test
  void settingsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new ReplaySettings(2, 0));
    assertThrows(IllegalArgumentException.class, () -> new ReplaySettings(-1, 10));
    assertThrows(IllegalArgumentException.class, () -> new ReplaySettings(ReplaySettings.MAX_BATCHES_PER_STEP + 1, 10));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ReplaySettings(1, 16).requireBatch(32));
    assertTrue(e.getMessage().contains("at least one batch"), e.getMessage());
    assertEquals("off", ReplaySettings.OFF.describe());
  }

  /** Pairs whose first query id is their index, from (inclusive) to (exclusive). */
  private static List<TrainingPair> pairs(int from, int to) {
    List<TrainingPair> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(new TrainingPair(new int[] {i, 1}, new int[] {i + 100}));
    }
    return out;
  }
}
