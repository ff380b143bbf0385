package dev.dualstream.trainer.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The newest training pairs a trainer applied, kept to be revisited: a ring of at most {@code capacity}
 * pairs (the oldest goes when a new one comes) and a seeded sampler that draws a batch of distinct pairs
 * from it, each ring slot equally likely. The sampler's state is one {@code long} (SplitMix64), so the
 * buffer can be checkpointed whole ({@link #contents()}, {@link #samplerState()}) and a restored buffer
 * draws exactly what the original would have drawn.
 *
 * <p>Not thread-safe: the one thread that drives the trainer owns it.
 */
public final class ReplayBuffer {
  private final TrainingPair[] ring;
  /** Slot of the oldest pair. */
  private int oldest;
  private int size;
  private long samplerState;

  /**
   * An empty buffer.
   *
   * @param capacity pairs kept, at least 1
   * @param seed the sampler's seed
   */
  public ReplayBuffer(int capacity, long seed) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a replay buffer holds at least one pair, capacity was " + capacity);
    }
    this.ring = new TrainingPair[capacity];
    this.samplerState = seed;
  }

  /**
   * A buffer as checkpointed: {@code contents} oldest first (the newest {@code capacity} are kept) and
   * the sampler's state.
   */
  public static ReplayBuffer restore(int capacity, List<TrainingPair> contents, long samplerState) {
    ReplayBuffer buffer = new ReplayBuffer(capacity, 0);
    buffer.addAll(contents);
    buffer.samplerState = samplerState;
    return buffer;
  }

  /** Keeps these pairs, in order, as the newest; the oldest beyond the capacity go. */
  public void addAll(List<TrainingPair> pairs) {
    for (TrainingPair pair : pairs) {
      if (size < ring.length) {
        ring[(oldest + size) % ring.length] = pair;
        size++;
      } else {
        ring[oldest] = pair;
        oldest = (oldest + 1) % ring.length;
      }
    }
  }

  /**
   * {@code count} distinct pairs drawn uniformly from the buffer (Floyd's sampling without replacement), in
   * the order drawn: distinct, so that no pair is another's in-batch negative.
   *
   * @throws IllegalStateException if the buffer holds fewer than {@code count} pairs
   */
  public List<TrainingPair> sample(int count) {
    if (count < 1 || count > size) {
      throw new IllegalStateException("cannot draw " + count + " distinct pairs from a replay buffer of " + size);
    }
    // Floyd: for j in size-count .. size-1, draw t in [0, j]; take t unless taken, else j.
    int[] drawn = new int[count];
    Set<Integer> taken = new HashSet<>(count * 2);
    int n = 0;
    for (int j = size - count; j < size; j++) {
      int t = (int) Math.floorMod(nextLong(), (long) j + 1);
      int pick = taken.add(t) ? t : j;
      taken.add(pick);
      drawn[n++] = pick;
    }
    List<TrainingPair> batch = new ArrayList<>(count);
    for (int index : drawn) {
      batch.add(ring[(oldest + index) % ring.length]);
    }
    return batch;
  }

  /** The pairs held, oldest first. */
  public List<TrainingPair> contents() {
    List<TrainingPair> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(ring[(oldest + i) % ring.length]);
    }
    return out;
  }

  public int size() {
    return size;
  }

  public int capacity() {
    return ring.length;
  }

  /** The sampler's state: with {@link #contents()}, all {@link #restore} needs. */
  public long samplerState() {
    return samplerState;
  }

  /** SplitMix64. */
  private long nextLong() {
    long z = (samplerState += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
