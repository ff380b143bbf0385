package dev.dualstream.trainer.checkpoint;

import dev.dualstream.trainer.model.TrainingPair;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The small part of the training operator's state, kept in Flink managed operator state (see
 * {@link TrainingSnapshotSerializer}); the model and optimizer travel beside it in a {@link
 * StateArchive} whose length and SHA-256 this record holds, so the two halves of one checkpoint
 * are checked against each other on restore.
 *
 * @param modelName the model this state trains; a restore into another model is refused
 * @param steps optimizer steps taken
 * @param examplesApplied training pairs that went through an optimizer step
 * @param partialBatch pairs received since the last step, in arrival order
 * @param inputTopic the topic {@link #nextOffsets} refer to
 * @param nextOffsets per input partition, the offset of the next record not yet received
 * @param newestEventTimeMs newest event time seen (epoch millis), for the lag metric
 * @param lastVersion highest model version number written by this job (0: none)
 * @param lastVersionStep the step at which it was written
 * @param pendingVersions versions written whose announcement is not yet committed, oldest first
 * @param archiveBytes length of the model archive of the same checkpoint
 * @param archiveSha256 SHA-256 of that archive
 * @param replay the replay buffer and its counters ({@link Replay#NONE} when training does not replay)
 * @param chain where the model and optimizer are when not in the archive: the links of an incremental
 *     checkpoint in a {@link LinkStore}; {@link Chain#NONE} when the archive holds them
 * @param chainWritten null, or the chain while its newest links are still being written: the training
 *     operator hands its links to a writer thread ({@link #awaitChain}), and Flink serializes this record in
 *     its asynchronous checkpoint phase, which waits for them; never in a restored record
 */
public record TrainingSnapshot(
    String modelName,
    long steps,
    long examplesApplied,
    List<TrainingPair> partialBatch,
    String inputTopic,
    SortedMap<Integer, Long> nextOffsets,
    long newestEventTimeMs,
    long lastVersion,
    long lastVersionStep,
    List<PendingVersion> pendingVersions,
    long archiveBytes,
    byte[] archiveSha256,
    Replay replay,
    Chain chain,
    CompletableFuture<Chain> chainWritten) {

  /** A snapshot whose chain is known. */
  public TrainingSnapshot(String modelName, long steps, long examplesApplied, List<TrainingPair> partialBatch,
      String inputTopic, SortedMap<Integer, Long> nextOffsets, long newestEventTimeMs, long lastVersion,
      long lastVersionStep, List<PendingVersion> pendingVersions, long archiveBytes, byte[] archiveSha256,
      Replay replay, Chain chain) {
    this(modelName, steps, examplesApplied, partialBatch, inputTopic, nextOffsets, newestEventTimeMs, lastVersion,
        lastVersionStep, pendingVersions, archiveBytes, archiveSha256, replay, chain, null);
  }

  /** A snapshot of a trainer that does not replay. */
  public TrainingSnapshot(String modelName, long steps, long examplesApplied, List<TrainingPair> partialBatch,
      String inputTopic, SortedMap<Integer, Long> nextOffsets, long newestEventTimeMs, long lastVersion,
      long lastVersionStep, List<PendingVersion> pendingVersions, long archiveBytes, byte[] archiveSha256) {
    this(modelName, steps, examplesApplied, partialBatch, inputTopic, nextOffsets, newestEventTimeMs, lastVersion,
        lastVersionStep, pendingVersions, archiveBytes, archiveSha256, Replay.NONE);
  }

  /** A snapshot whose archive holds the model and optimizer. */
  public TrainingSnapshot(String modelName, long steps, long examplesApplied, List<TrainingPair> partialBatch,
      String inputTopic, SortedMap<Integer, Long> nextOffsets, long newestEventTimeMs, long lastVersion,
      long lastVersionStep, List<PendingVersion> pendingVersions, long archiveBytes, byte[] archiveSha256,
      Replay replay) {
    this(modelName, steps, examplesApplied, partialBatch, inputTopic, nextOffsets, newestEventTimeMs, lastVersion,
        lastVersionStep, pendingVersions, archiveBytes, archiveSha256, replay, Chain.NONE);
  }

  /** This snapshot with {@code chain} in place of its own. */
  public TrainingSnapshot withChain(Chain chain) {
    return new TrainingSnapshot(modelName, steps, examplesApplied, partialBatch, inputTopic, nextOffsets,
        newestEventTimeMs, lastVersion, lastVersionStep, pendingVersions, archiveBytes, archiveSha256, replay, chain);
  }

  /** This snapshot with its chain to come from {@code written}, a chain still being written. */
  public TrainingSnapshot withChainWritten(CompletableFuture<Chain> written) {
    return new TrainingSnapshot(modelName, steps, examplesApplied, partialBatch, inputTopic, nextOffsets,
        newestEventTimeMs, lastVersion, lastVersionStep, pendingVersions, archiveBytes, archiveSha256, replay,
        Chain.NONE, Objects.requireNonNull(written, "written"));
  }

  /**
   * This snapshot with its chain once every link is written: itself when the chain is known, else waits for the
   * writer.
   *
   * @throws IOException if a link could not be written, or the wait was interrupted
   */
  public TrainingSnapshot awaitChain() throws IOException {
    if (chainWritten == null) {
      return this;
    }
    try {
      return withChain(chainWritten.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while the checkpoint's links were written");
    } catch (ExecutionException e) {
      throw new IOException("a link of the checkpoint's chain could not be written: " + e.getCause(), e.getCause());
    }
  }

  /**
   * The links of an incremental checkpoint: the store's directory and a full link then the deltas that extend
   * it, oldest first.
   */
  public record Chain(String store, List<Link> links) {
    /** No chain: the checkpoint's archive holds the model and optimizer. */
    public static final Chain NONE = new Chain("", List.of());

    public Chain {
      Objects.requireNonNull(store, "store");
      links = List.copyOf(links);
      if (store.isEmpty() != links.isEmpty()) {
        throw new IllegalArgumentException("a chain has both a store and links, or neither");
      }
    }

    public boolean isEmpty() {
      return links.isEmpty();
    }

    /** This chain with {@code link} appended, or a new one starting with it when {@code full}. */
    public Chain then(String store, Link link, boolean full) {
      List<Link> next = new java.util.ArrayList<>(full ? List.of() : links);
      next.add(link);
      return new Chain(store, next);
    }

    @Override
    public String toString() {
      return links.isEmpty() ? "none" : links + " in " + store;
    }
  }

  /**
   * One link of an incremental checkpoint: a {@link StateArchive} file in the link store, its length and SHA-256.
   *
   * @param file the file's name in the store
   */
  public record Link(String file, long bytes, byte[] sha256) {
    public Link {
      Objects.requireNonNull(file, "file");
      if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
        throw new IllegalArgumentException("a link's file is a plain name in the store, got '" + file + "'");
      }
      if (bytes < 0) {
        throw new IllegalArgumentException("negative link length");
      }
      sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
      return sha256.clone();
    }

    /** The digest the archive is checked against. */
    public StateArchive.Digest digest() {
      return new StateArchive.Digest(bytes, sha256);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Link l && file.equals(l.file) && bytes == l.bytes && Arrays.equals(sha256, l.sha256);
    }

    @Override
    public int hashCode() {
      return file.hashCode() * 31 + Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
      return file + " (" + bytes + " bytes)";
    }
  }

  public TrainingSnapshot {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(inputTopic, "inputTopic");
    partialBatch = List.copyOf(partialBatch);
    nextOffsets = Collections.unmodifiableSortedMap(new TreeMap<>(nextOffsets));
    pendingVersions = List.copyOf(pendingVersions);
    archiveSha256 = archiveSha256.clone();
    if (steps < 0 || examplesApplied < 0 || lastVersion < 0 || lastVersionStep < 0 || archiveBytes < 0) {
      throw new IllegalArgumentException("negative counter in training state");
    }
    Objects.requireNonNull(replay, "replay");
    Objects.requireNonNull(chain, "chain");
    if (replay.steps() > steps) {
      throw new IllegalArgumentException("more replayed steps (" + replay.steps() + ") than steps (" + steps + ")");
    }
  }

  @Override
  public byte[] archiveSha256() {
    return archiveSha256.clone();
  }

  /**
   * What a trainer that revisits applied pairs ({@code ReplayBuffer}) keeps across a restore.
   *
   * @param steps optimizer steps on replayed pairs, part of the snapshot's steps
   * @param examples replayed pairs, counted apart from the examples applied
   * @param capacity the buffer's capacity
   * @param samplerState the buffer's sampler state
   * @param contents the pairs in the buffer, oldest first
   */
  public record Replay(long steps, long examples, int capacity, long samplerState, List<TrainingPair> contents) {
    public static final Replay NONE = new Replay(0, 0, 0, 0, List.of());

    public Replay {
      contents = List.copyOf(contents);
      if (steps < 0 || examples < 0 || capacity < 0) {
        throw new IllegalArgumentException("negative counter in replay state");
      }
      if (contents.size() > capacity) {
        throw new IllegalArgumentException("replay buffer of capacity " + capacity + " holds " + contents.size());
      }
    }
  }

  /**
   * A model version written to the store whose {@code models.versions} record is not committed
   * yet.
   *
   * @param version the version number
   * @param checkpointId the first checkpoint whose state contains the version, or -1 before one
   * @param announced the record went out in a transaction that commits with the next checkpoint
   * @param announcement the encoded {@code ModelVersion} record, exactly as it is (re)sent
   * @param studentAnnouncements the records of the students' versions written at the same step, which share
   *     the teacher's version number and fate (empty without students)
   */
  public record PendingVersion(long version, long checkpointId, boolean announced, byte[] announcement,
      List<byte[]> studentAnnouncements) {
    public PendingVersion {
      announcement = announcement.clone();
      studentAnnouncements = studentAnnouncements.stream().map(byte[]::clone).toList();
    }

    /** A version of a model without students. */
    public PendingVersion(long version, long checkpointId, boolean announced, byte[] announcement) {
      this(version, checkpointId, announced, announcement, List.of());
    }

    @Override
    public byte[] announcement() {
      return announcement.clone();
    }

    @Override
    public List<byte[]> studentAnnouncements() {
      return studentAnnouncements.stream().map(byte[]::clone).toList();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PendingVersion p && version == p.version && checkpointId == p.checkpointId
          && announced == p.announced && Arrays.equals(announcement, p.announcement)
          && studentAnnouncements.size() == p.studentAnnouncements.size()
          && java.util.stream.IntStream.range(0, studentAnnouncements.size())
              .allMatch(i -> Arrays.equals(studentAnnouncements.get(i), p.studentAnnouncements.get(i)));
    }

    @Override
    public int hashCode() {
      return Long.hashCode(version) * 31 + Arrays.hashCode(announcement);
    }

    @Override
    public String toString() {
      return "PendingVersion[" + version + ", checkpoint " + checkpointId + ", announced " + announced + "]";
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingSnapshot s && modelName.equals(s.modelName) && steps == s.steps
        && examplesApplied == s.examplesApplied && partialBatch.equals(s.partialBatch)
        && inputTopic.equals(s.inputTopic) && nextOffsets.equals(s.nextOffsets)
        && newestEventTimeMs == s.newestEventTimeMs && lastVersion == s.lastVersion
        && lastVersionStep == s.lastVersionStep
        && pendingVersions.equals(s.pendingVersions) && archiveBytes == s.archiveBytes
        && Arrays.equals(archiveSha256, s.archiveSha256) && replay.equals(s.replay) && chain.equals(s.chain);
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelName, steps, examplesApplied, partialBatch, nextOffsets, lastVersion)
        * 31 + Arrays.hashCode(archiveSha256);
  }

  @Override
  public String toString() {
    return "TrainingSnapshot[" + modelName + ", step " + steps + ", examples " + examplesApplied
        + ", partial batch " + partialBatch.size() + ", offsets " + nextOffsets + ", last version "
        + lastVersion + " (step " + lastVersionStep + "), pending " + pendingVersions + ", archive " + archiveBytes
        + " bytes, replayed " + replay.steps() + " steps, buffer " + replay.contents().size()
        + (chain.isEmpty() ? "" : ", chain " + chain) + "]";
  }
}
