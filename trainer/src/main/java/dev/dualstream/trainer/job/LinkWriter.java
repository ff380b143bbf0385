package dev.dualstream.trainer.job;

import dev.dualstream.trainer.checkpoint.LinkStore;
import dev.dualstream.trainer.checkpoint.TrainingSnapshot;
import dev.dualstream.trainer.distill.Classroom;
import dev.dualstream.trainer.distill.StudentSpec;
import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the links of the trainer's incremental checkpoints on a thread of its own, one at a time and in the
 * order they were taken, so that the training thread only captures what a checkpoint holds and goes on
 * training. It holds the chain being extended: links written, and links still being written, whose futures
 * the checkpoints wait for in Flink's asynchronous phase ({@link TrainingSnapshot#awaitChain}).
 *
 * <p>What a checkpoint holds is the state at its barrier because the training thread copies it out there:
 * the dense parameters and small state as files, the changed table rows into memory ({@link
 * DualEncoderTrainer#captureCheckpointDelta}), a double buffer of the rows touched, not copy-on-write of the
 * table (the rows a minute touches are a few percent of it, and a copy needs no hook in the optimizer).
 *
 * <p>A full link never stops training either: when the chain is long enough, the writer builds the new full
 * link from the files of the chain and the newest delta (restoring them into a model of its own and saving
 * that), not from the live model. Only a chain's first base, written before training starts, is taken from the
 * model itself.
 *
 * <p>Model versions go the same way ({@link #queue}): the training thread copies the table, the writer writes
 * it before the next link, so the checkpoint that announces a version has waited for its files.
 *
 * <p>The thread runs at nice 19 ({@link FeederPriority}): on a machine with few cores a compaction (a whole
 * model read, merged and written) would otherwise take the step's cores.
 *
 * <p>A link that fails breaks its chain: every later link that extends it fails too (its checkpoint with it),
 * and {@link #hasChain} says no until a new base is {@link #started}.
 */
final class LinkWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LinkWriter.class);

  private final LinkStore store;
  private final List<StudentSpec> students;
  private final Path scratch;
  private final ExecutorService executor;
  /** The chain being extended, oldest first; on the caller's thread. */
  private List<Pending> links = List.of();
  /** Writes queued since the last link, which that link waits for; on the caller's thread. */
  private List<CompletableFuture<Void>> queued = new ArrayList<>();

  private record Pending(String file, CompletableFuture<TrainingSnapshot.Link> written) {}

  /**
   * @param scratch where compactions unpack links and save the merged model; deleted after each
   */
  LinkWriter(LinkStore store, List<StudentSpec> students, Path scratch, String name) {
    this.store = store;
    this.students = List.copyOf(students);
    this.scratch = scratch;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      // At the lowest priority, as the feeders: the writer takes the cores the step leaves idle.
      Thread t = new Thread(() -> {
        FeederPriority.lowerCallingThread(FeederPriority.MAX_NICE);
        r.run();
      }, "dualstream-links " + name);
      t.setDaemon(true);
      return t;
    });
  }

  LinkStore store() {
    return store;
  }

  /** Whether there is a chain to extend: a base, and no link of it failed. */
  boolean hasChain() {
    return !links.isEmpty() && links.stream().noneMatch(p -> p.written().isCompletedExceptionally());
  }

  /** Links in the chain, written or being written. */
  int length() {
    return links.size();
  }

  /** The file names of the chain's links, written or not: a collector of unused links keeps them. */
  List<String> files() {
    return links.stream().map(Pending::file).toList();
  }

  /** Goes on from a restored chain, or from a base just written. */
  void started(TrainingSnapshot.Chain chain) {
    links = chain.links().stream().map(l -> new Pending(l.file(), CompletableFuture.completedFuture(l))).toList();
  }

  /**
   * Queues another write ({@code what}, for messages), done before the next link: that link, and the checkpoint
   * that holds it, wait for it, and fail if it fails.
   */
  CompletableFuture<Void> queue(DualEncoderTrainer.Deferred write, String what) {
    long start = System.nanoTime();
    CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
      try {
        write.write();
        LOG.info("{} written, {} MB, {} ms after its capture", what, write.bytes() >> 20,
            (System.nanoTime() - start) / 1_000_000);
      } catch (IOException e) {
        throw new CompletionException(new IOException("cannot write " + what + ": " + e.getMessage(), e));
      }
    }, executor);
    queued.add(done);
    return done;
  }

  /** The writes queued since the last link, which the next one waits for. */
  private List<CompletableFuture<Void>> takeQueued() {
    List<CompletableFuture<Void>> taken = queued;
    queued = new ArrayList<>();
    return taken;
  }

  /**
   * Queues a delta: {@code dir} holds the checkpoint's small files and {@code rows} writes its table rows; the
   * two are packed into the link {@code name}, extending the chain.
   *
   * @param done told the link and the milliseconds from this call to its being durable, once it is
   * @return the chain once the link is written
   */
  CompletableFuture<TrainingSnapshot.Chain> delta(String name, Path dir, DualEncoderTrainer.Deferred rows,
      ObjLongConsumer<TrainingSnapshot.Link> done) {
    List<Pending> before = links;
    List<CompletableFuture<Void>> waits = takeQueued();
    long start = System.nanoTime();
    CompletableFuture<TrainingSnapshot.Link> written = CompletableFuture.supplyAsync(() -> {
      try {
        waits.forEach(CompletableFuture::join);
        rows.write();
        TrainingSnapshot.Link link = store.write(name, dir, written(before));
        LOG.info("trainer state: delta link {} of {} MB ({} rows), written {} ms after its barrier", link.file(),
            link.bytes() >> 20, rows.rows(), (System.nanoTime() - start) / 1_000_000);
        return link;
      } catch (IOException e) {
        throw new CompletionException(e);
      } finally {
        delete(dir);
      }
    }, executor);
    return extend(before, name, written, start, done);
  }

  /**
   * Queues a full link: the chain restored with the delta in {@code dir} and {@code rows} (as {@link #delta}
   * would write it) on top, saved whole as the link {@code name}, which starts a new chain.
   *
   * @param provenance the checkpoint's, which the full link's manifests carry
   */
  CompletableFuture<TrainingSnapshot.Chain> compact(String name, Path dir, DualEncoderTrainer.Deferred rows,
      Map<String, String> provenance, ObjLongConsumer<TrainingSnapshot.Link> done) {
    List<Pending> before = links;
    List<CompletableFuture<Void>> waits = takeQueued();
    long start = System.nanoTime();
    CompletableFuture<TrainingSnapshot.Link> written = CompletableFuture.supplyAsync(() -> {
      Path work = scratch.resolve("compact-" + name);
      try {
        waits.forEach(CompletableFuture::join);
        rows.write();
        List<TrainingSnapshot.Link> chain = written(before);
        List<Path> dirs = new ArrayList<>(store.unpack(chain, work, "the chain being compacted"));
        dirs.add(dir);
        Path full = work.resolve("full");
        try (Classroom merged = Classroom.restore(dirs, students)) {
          merged.saveCheckpoint(full, provenance, ArrayFile.Durability.SCRATCH);
        }
        TrainingSnapshot.Link link = store.write(name, full, List.of());
        LOG.info("trainer state: full link {} of {} MB compacted from {} links and a delta of {} rows, written {} ms"
            + " after its barrier", link.file(), link.bytes() >> 20, chain.size(), rows.rows(),
            (System.nanoTime() - start) / 1_000_000);
        return link;
      } catch (IOException | RuntimeException e) {
        throw new CompletionException(e);
      } finally {
        delete(dir);
        delete(work);
      }
    }, executor);
    return extend(List.of(), name, written, start, done);
  }

  private CompletableFuture<TrainingSnapshot.Chain> extend(List<Pending> before, String name,
      CompletableFuture<TrainingSnapshot.Link> written, long start, ObjLongConsumer<TrainingSnapshot.Link> done) {
    List<Pending> next = new ArrayList<>(before);
    next.add(new Pending(name + LinkStore.SUFFIX, written));
    links = List.copyOf(next);
    List<Pending> chain = links;
    return written.thenApply(link -> {
      done.accept(link, (System.nanoTime() - start) / 1_000_000);
      return new TrainingSnapshot.Chain(store.dir().toString(), written(chain));
    });
  }

  /** The links of a chain; on the writer's thread, where every link before the current one is done. */
  private static List<TrainingSnapshot.Link> written(List<Pending> chain) {
    return chain.stream().map(p -> p.written().join()).toList();
  }

  private static void delete(Path dir) {
    try {
      TrainerArchive.deleteTree(dir);
    } catch (IOException e) {
      LOG.warn("could not delete the scratch directory {}: {}", dir, e.toString());
    }
  }

  /** Waits a minute at most for the links queued to be written (or to fail), then stops the thread. */
  @Override
  public void close() throws InterruptedException {
    executor.shutdown();
    if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
      LOG.warn("links to {} still being written after a minute; abandoned", store.dir());
      executor.shutdownNow();
    }
  }
}
