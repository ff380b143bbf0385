package dev.dualstream.trainer.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Seeded synthetic pairs over a tiny id space: each topic owns a few ids; a query draws some of
 * its topic's ids and a document draws others, plus shared noise ids. Batches hold distinct topics,
 * so exactly one document in a batch matches each query.
 */
final class SyntheticPairs {

  static final int TOPICS = 64;
  private static final int IDS_PER_TOPIC = 8;
  private static final int NOISE_FROM = TOPICS * IDS_PER_TOPIC + 1;

  private final Random random;
  private final int buckets;

  SyntheticPairs(long seed, int buckets) {
    this.random = new Random(seed);
    this.buckets = buckets;
  }

  /** A batch of pairs from {@code size} distinct topics. */
  List<TrainingPair> batch(int size) {
    List<Integer> topics = new ArrayList<>();
    for (int t = 0; t < TOPICS; t++) {
      topics.add(t);
    }
    Collections.shuffle(topics, random);
    List<TrainingPair> batch = new ArrayList<>();
    for (int t : topics.subList(0, size)) {
      batch.add(new TrainingPair(ids(t, 3, 2), ids(t, 4, 4)));
    }
    return batch;
  }

  private int[] ids(int topic, int fromTopic, int noise) {
    int[] ids = new int[fromTopic + noise];
    for (int i = 0; i < fromTopic; i++) {
      ids[i] = 1 + topic * IDS_PER_TOPIC + random.nextInt(IDS_PER_TOPIC);
    }
    for (int i = fromTopic; i < ids.length; i++) {
      ids[i] = NOISE_FROM + random.nextInt(buckets - NOISE_FROM + 1);
    }
    return ids;
  }
}
