package dev.dualstream.trainer.job;

import static dev.dualstream.trainer.distill.ClassroomTest.JOINT;
import static dev.dualstream.trainer.distill.ClassroomTest.KL;
import static dev.dualstream.trainer.distill.ClassroomTest.RANK;
import static dev.dualstream.trainer.distill.ClassroomTest.TEACHER;
import static dev.dualstream.trainer.distill.ClassroomTest.assertSameModels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.checkpoint.LinkStore;
import dev.dualstream.trainer.checkpoint.TrainingSnapshot;
import dev.dualstream.trainer.distill.Classroom;
import dev.dualstream.trainer.distill.ClassroomTest;
import dev.dualstream.trainer.distill.StudentSpec;
import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.TrainingPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.function.ObjLongConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link writer of asynchronous incremental checkpoints: a link holds the state at its capture however
 * long training goes on before the writer gets to it, a full link compacted from the chain restores as the
 * chain does, and a link that fails breaks its chain until a new base.
 */
class LinkWriterTest {
  private static final List<StudentSpec> STUDENTS = List.of(KL, RANK, JOINT);
  private static final ObjLongConsumer<TrainingSnapshot.Link> IGNORED = (link, ms) -> { };

  @TempDir Path dir;

  @Test
  void aLinkHoldsTheStateAtItsCaptureAndACompactedLinkRestoresAsTheChainDoes() throws Exception {
    List<List<TrainingPair>> batches = ClassroomTest.batches(11, 8);
    LinkStore store = new LinkStore(dir.resolve("links"));
    CompletableFuture<TrainingSnapshot.Chain> delta;
    CompletableFuture<TrainingSnapshot.Chain> compacted;
    try (Classroom classroom = Classroom.create(TEACHER, STUDENTS, 1);
        LinkWriter writer = new LinkWriter(store, STUDENTS, dir.resolve("scratch"), "test")) {
      classroom.step(batches.get(0));
      writer.started(new TrainingSnapshot.Chain(store.dir().toString(), List.of(
          TrainerArchive.saveLink(classroom, Map.of(), dir.resolve("b"), store, "base", List.of()))));
      classroom.step(batches.get(1));

      CountDownLatch release = new CountDownLatch(1);
      DualEncoderTrainer.Deferred rows = classroom.captureCheckpointDelta(dir.resolve("d1"), Map.of(),
          ArrayFile.Durability.SCRATCH);
      delta = writer.delta("d1", dir.resolve("d1"), heldUntil(release, rows), IGNORED);
      classroom.saveCheckpoint(dir.resolve("at-d1"), Map.of(), ArrayFile.Durability.SCRATCH);
      assertEquals(List.of("base.link", "d1.link"), writer.files(), "a link being written is part of the chain");
      batches.subList(2, 4).forEach(classroom::step); // training goes on while the link waits to be written
      assertFalse(delta.isDone());
      release.countDown();
      assertEquals(List.of("base.link", "d1.link"), files(delta.get()));

      classroom.step(batches.get(4));
      rows = classroom.captureCheckpointDelta(dir.resolve("d2"), Map.of("offset.t-0", "40"),
          ArrayFile.Durability.SCRATCH);
      compacted = writer.compact("full", dir.resolve("d2"), rows, Map.of("offset.t-0", "40"), IGNORED);
      classroom.saveCheckpoint(dir.resolve("at-d2"), Map.of(), ArrayFile.Durability.SCRATCH);
      classroom.step(batches.get(5));
      assertEquals(List.of("full.link"), files(compacted.get()), "a full link starts a chain");
      assertEquals(1, writer.length());
      assertTrue(compacted.get().links().get(0).bytes() > delta.get().links().get(1).bytes() * 2,
          "the compacted link holds whole tables");
    }
    assertSameModels(dir.resolve("at-d1"), restored(store, delta.get(), "r1"));
    assertSameModels(dir.resolve("at-d2"), restored(store, compacted.get(), "r2"));
    assertTrue(Files.readString(dir.resolve("r2-links").resolve("link-0").resolve("manifest.json")).contains("\"offset.t-0\""),
        "the compacted link keeps the checkpoint's provenance");
    assertFalse(Files.exists(dir.resolve("d1")) || Files.exists(dir.resolve("d2")), "scratch directories are deleted");
  }

  @Test
  void aLinkThatFailsBreaksItsChainUntilANewBase() throws Exception {
    LinkStore store = new LinkStore(dir.resolve("links"));
    try (Classroom classroom = Classroom.create(TEACHER, List.of(), 1);
        LinkWriter writer = new LinkWriter(store, List.of(), dir.resolve("scratch"), "test")) {
      classroom.step(ClassroomTest.batches(3, 1).get(0));
      TrainingSnapshot.Chain base = new TrainingSnapshot.Chain(store.dir().toString(), List.of(
          TrainerArchive.saveLink(classroom, Map.of(), dir.resolve("b"), store, "base", List.of())));
      writer.started(base);
      assertTrue(writer.hasChain());
      classroom.captureCheckpointDelta(dir.resolve("d1"), Map.of(), ArrayFile.Durability.SCRATCH);
      CompletableFuture<TrainingSnapshot.Chain> failed = writer.delta("d1", dir.resolve("d1"),
          new DualEncoderTrainer.Deferred(1, 1, () -> {
            throw new IOException("No space left on device");
          }), IGNORED);
      ExecutionException e = assertThrows(ExecutionException.class, failed::get);
      assertTrue(e.getCause().getMessage().contains("No space left"), e.getCause().toString());
      assertFalse(writer.hasChain(), "the rows of the failed link are in no link");

      DualEncoderTrainer.Deferred rows = classroom.captureCheckpointDelta(dir.resolve("d2"), Map.of(),
          ArrayFile.Durability.SCRATCH);
      assertThrows(ExecutionException.class, writer.delta("d2", dir.resolve("d2"), rows, IGNORED)::get,
          "a link that extends a broken chain fails too");
      assertFalse(Files.exists(store.dir().resolve("d2.link")));

      writer.started(base);
      assertTrue(writer.hasChain());
    }
  }

  /**
   * A version published for later: absent from the store until its write, then the model as it was at its
   * capture, however long training went on; a queued write that fails fails the link after it.
   */
  @Test
  void aVersionPublishedForLaterIsTheStateAtItsCaptureAndTheNextLinkWaitsForIt() throws Exception {
    List<List<TrainingPair>> batches = ClassroomTest.batches(5, 4);
    LinkStore store = new LinkStore(dir.resolve("links"));
    ModelPublisher publisher = new ModelPublisher(dir.resolve("models"), TEACHER.modelName(), 1, 0);
    try (Classroom classroom = Classroom.create(TEACHER, List.of(), 1);
        LinkWriter writer = new LinkWriter(store, List.of(), dir.resolve("scratch"), "test")) {
      classroom.step(batches.get(0));
      writer.started(new TrainingSnapshot.Chain(store.dir().toString(), List.of(
          TrainerArchive.saveLink(classroom, Map.of(), dir.resolve("b"), store, "base", List.of()))));
      ModelPublisher.Published published = publisher.publishLater(classroom.teacher(), "t",
          new java.util.TreeMap<>(Map.of(0, 16L)), null);
      classroom.teacher().save(dir.resolve("at-capture"), Map.of());
      Path version = publisher.versionDir(published.version().getVersion());
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> written = writer.queue(heldUntil(release, published.rest()), "version 1");
      classroom.step(batches.get(1));
      assertFalse(Files.exists(version), "a version appears only once whole");
      DualEncoderTrainer.Deferred rows = classroom.captureCheckpointDelta(dir.resolve("d1"), Map.of(),
          ArrayFile.Durability.SCRATCH);
      CompletableFuture<TrainingSnapshot.Chain> link = writer.delta("d1", dir.resolve("d1"), rows, IGNORED);
      release.countDown();
      link.get();
      assertTrue(written.isDone(), "the link waited for the version queued before it");
      for (String file : List.of("embeddings.f32", "dense.f32")) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(dir.resolve("at-capture").resolve(file)),
            Files.readAllBytes(version.resolve(file)), file);
      }

      writer.queue(new DualEncoderTrainer.Deferred(1, 1, () -> {
        throw new IOException("No space left on device");
      }), "version 2");
      rows = classroom.captureCheckpointDelta(dir.resolve("d2"), Map.of(), ArrayFile.Durability.SCRATCH);
      ExecutionException e = assertThrows(ExecutionException.class,
          writer.delta("d2", dir.resolve("d2"), rows, IGNORED)::get);
      assertTrue(e.getCause().getMessage().contains("cannot write version 2"), e.getCause().toString());
    }
  }

  private static DualEncoderTrainer.Deferred heldUntil(CountDownLatch release, DualEncoderTrainer.Deferred rows) {
    return new DualEncoderTrainer.Deferred(rows.rows(), rows.bytes(), () -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new java.io.InterruptedIOException();
      }
      rows.write();
    });
  }

  private Path restored(LinkStore store, TrainingSnapshot.Chain chain, String name) throws Exception {
    Path into = dir.resolve(name);
    try (Classroom classroom = Classroom.restore(store.unpack(chain.links(), dir.resolve(name + "-links"), name),
        STUDENTS)) {
      classroom.saveCheckpoint(into, Map.of(), ArrayFile.Durability.SCRATCH);
    }
    return into;
  }

  private static List<String> files(TrainingSnapshot.Chain chain) {
    return chain.links().stream().map(TrainingSnapshot.Link::file).toList();
  }
}
