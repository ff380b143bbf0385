package dev.dualstream.trainer.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.loss.DistillationConfig;
import dev.dualstream.trainer.loss.DistillationConfig.Kind;
import dev.dualstream.trainer.model.JointTeacher;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.TrainingPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class ClassroomTest {
  public static final ModelConfig TEACHER = ModelConfig.defaults().toBuilder().modelName("teacher")
      .buckets(1024).dims(8, 16, 8).maxIds(16, 32).learningRate(0.01).embeddingInitScale(0.1)
      .batchSize(8).inferenceBatchSize(5).threads(1).build();
  public static final StudentSpec KL = new StudentSpec(
      TEACHER.toBuilder().modelName("kl").buckets(256).dims(4, 8, 4).build(), DistillationConfig.defaults());
  public static final StudentSpec RANK = new StudentSpec(TEACHER.toBuilder().modelName("rank").buckets(512).build(),
      DistillationConfig.defaults().withKind(Kind.RANK_DISTIL).withRankDistil(3, 2).withClickWeight(0.2));
  public static final StudentSpec JOINT = new StudentSpec(
      TEACHER.toBuilder().modelName("joint").buckets(256).dims(4, 8, 4).build(), DistillationConfig.defaults(), true);

  @TempDir Path dir;

  @Test
  void everyModelStepsOnEveryBatch() {
    try (Classroom classroom = Classroom.create(TEACHER, List.of(KL, RANK), 1)) {
      Classroom.Lesson lesson = null;
      for (List<TrainingPair> batch : batches(3, 5)) {
        lesson = classroom.step(batch);
      }
      classroom.replayStep(batches(3, 1).get(0));
      assertEquals(List.of("kl", "rank"), List.copyOf(lesson.students().keySet()));
      assertEquals(5, lesson.teacher().step());
      for (Classroom.Student student : classroom.students()) {
        assertEquals(6, student.trainer().steps(), student.name());
        assertEquals(40, student.trainer().examples(), student.name() + " counts replayed pairs once");
      }
      assertNotEquals(classroom.students().get(0).trainer().seed(), classroom.students().get(1).trainer().seed());
    }
  }

  @Test
  void aRestoredClassroomContinuesBitIdentically() throws Exception {
    List<List<TrainingPair>> batches = batches(7, 6);
    Path straight = dir.resolve("straight");
    try (Classroom classroom = Classroom.create(TEACHER, List.of(KL, RANK, JOINT), 1)) {
      batches.forEach(classroom::step);
      classroom.saveCheckpoint(straight, Map.of(), ArrayFile.Durability.SCRATCH);
    }
    Path half = dir.resolve("half");
    try (Classroom classroom = Classroom.create(TEACHER, List.of(KL, RANK, JOINT), 1)) {
      batches.subList(0, 3).forEach(classroom::step);
      classroom.saveCheckpoint(half, Map.of(), ArrayFile.Durability.SCRATCH);
    }
    Path resumed = dir.resolve("resumed");
    try (Classroom classroom = Classroom.restore(half, List.of(KL, RANK, JOINT))) {
      batches.subList(3, 6).forEach(classroom::step);
      classroom.saveCheckpoint(resumed, Map.of(), ArrayFile.Durability.SCRATCH);
    }
    assertSameModels(straight, resumed);
  }

  /** A full checkpoint after one step, incremental ones after two and three: every model continues as if never stopped. */
  @Test
  void aChainOfIncrementalCheckpointsRestoresEveryModelBitIdentically() throws Exception {
    List<List<TrainingPair>> batches = batches(7, 6);
    Path straight = dir.resolve("straight");
    try (Classroom classroom = Classroom.create(TEACHER, List.of(KL, RANK, JOINT), 1)) {
      batches.forEach(classroom::step);
      classroom.saveCheckpoint(straight, Map.of(), ArrayFile.Durability.SCRATCH);
    }
    List<Path> chain = List.of(dir.resolve("c1"), dir.resolve("c2"), dir.resolve("c3"));
    try (Classroom classroom = Classroom.create(TEACHER, List.of(KL, RANK, JOINT), 1)) {
      classroom.step(batches.get(0));
      classroom.saveCheckpointBase(chain.get(0), Map.of(), ArrayFile.Durability.SCRATCH);
      classroom.step(batches.get(1));
      classroom.saveCheckpointDelta(chain.get(1), Map.of(), ArrayFile.Durability.SCRATCH);
      classroom.step(batches.get(2));
      classroom.saveCheckpointDelta(chain.get(2), Map.of(), ArrayFile.Durability.SCRATCH);
    }
    assertTrue(Files.exists(chain.get(2).resolve("students/kl/table.delta")), "students keep deltas too");
    Path resumed = dir.resolve("resumed");
    try (Classroom classroom = Classroom.restore(chain, List.of(KL, RANK, JOINT))) {
      batches.subList(3, 6).forEach(classroom::step);
      classroom.saveCheckpoint(resumed, Map.of(), ArrayFile.Durability.SCRATCH);
    }
    assertSameModels(straight, resumed);
  }

  /** The joint teacher, the teacher and every student of two full checkpoints hold the same bytes. */
  public static void assertSameModels(Path straight, Path resumed) throws Exception {
    assertArrayEquals(Files.readAllBytes(straight.resolve(JointTeacher.FILE)),
        Files.readAllBytes(resumed.resolve(JointTeacher.FILE)), "the joint teacher");
    for (Path model : List.of(Path.of("."), Path.of("students", "kl"), Path.of("students", "rank"),
        Path.of("students", "joint"))) {
      for (String file : List.of("embeddings.f32", "dense.f32", "optimizer.f32")) {
        assertArrayEquals(Files.readAllBytes(straight.resolve(model).resolve(file)),
            Files.readAllBytes(resumed.resolve(model).resolve(file)), model + "/" + file);
      }
    }
  }

  @Test
  void aCheckpointRestoresOnlyTheStudentsItHoldsAsTheyWereTaught() {
    Path checkpoint = dir.resolve("checkpoint");
    try (Classroom classroom = Classroom.create(TEACHER, List.of(KL), 1)) {
      classroom.step(batches(1, 1).get(0));
      classroom.saveCheckpoint(checkpoint, Map.of(), ArrayFile.Durability.SCRATCH);
    }
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> Classroom.restore(checkpoint, List.of(KL, RANK)));
    assertTrue(missing.getMessage().contains("holds no student rank"), missing.getMessage());
    IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
        () -> Classroom.restore(checkpoint, List.of()));
    assertTrue(extra.getMessage().contains("[kl], which were not asked for"), extra.getMessage());
    StudentSpec hotter = new StudentSpec(KL.config(), KL.distillation().withTemperature(2));
    IllegalArgumentException taught = assertThrows(IllegalArgumentException.class,
        () -> Classroom.restore(checkpoint, List.of(hotter)));
    assertTrue(taught.getMessage().contains("taught otherwise"), taught.getMessage());
    try (Classroom restored = Classroom.restore(checkpoint, List.of(KL))) {
      assertEquals(1, restored.students().get(0).trainer().steps());
    }
  }

  /** Students of the joint teacher learn from its scores, which are not the dense teacher's. */
  @Test
  void aJointTeacherExistsWhereAStudentLearnsFromItAndIsCheckpointed() throws Exception {
    try (Classroom dense = Classroom.create(TEACHER, List.of(KL), 1)) {
      assertTrue(dense.joint().isEmpty());
      assertTrue(Double.isNaN(dense.step(batches(1, 1).get(0)).jointLoss()));
    }
    StudentSpec denseTwin = new StudentSpec(JOINT.config(), JOINT.distillation(), false);
    Path checkpoint = dir.resolve("joint");
    try (Classroom jointly = Classroom.create(TEACHER, List.of(JOINT), 1);
        Classroom densely = Classroom.create(TEACHER, List.of(denseTwin), 1)) {
      for (List<TrainingPair> batch : batches(5, 4)) {
        Classroom.Lesson lesson = jointly.step(batch);
        densely.step(batch);
        assertTrue(lesson.jointLoss() > 0, "the joint teacher learns on the clicks");
      }
      assertEquals(4, jointly.joint().orElseThrow().steps());
      float[][] a = jointly.students().get(0).trainer().embedIds(List.of(new int[] {1, 2, 9}));
      float[][] b = densely.students().get(0).trainer().embedIds(List.of(new int[] {1, 2, 9}));
      assertNotEquals(java.util.Arrays.toString(a[0]), java.util.Arrays.toString(b[0]),
          "a student of the joint teacher learns other scores than one of the dense teacher");
      jointly.saveCheckpoint(checkpoint, Map.of(), ArrayFile.Durability.SCRATCH);
    }
    IllegalArgumentException asDense = assertThrows(IllegalArgumentException.class,
        () -> Classroom.restore(checkpoint, List.of(denseTwin)));
    assertTrue(asDense.getMessage().contains("taught otherwise"), asDense.getMessage());
    try (Classroom restored = Classroom.restore(checkpoint, List.of(JOINT))) {
      assertEquals(4, restored.joint().orElseThrow().steps());
    }
    Files.delete(checkpoint.resolve(JointTeacher.FILE));
    IllegalArgumentException lacking = assertThrows(IllegalArgumentException.class,
        () -> Classroom.restore(checkpoint, List.of(JOINT)));
    assertTrue(lacking.getMessage().contains("holds no joint teacher"), lacking.getMessage());
  }

  @Test
  void studentsThatCannotLearnFromTheTeacherAreRefused() {
    StudentSpec odd = new StudentSpec(KL.config().toBuilder().buckets(384).build(), KL.distillation());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Classroom.create(TEACHER, List.of(odd), 1));
    assertTrue(e.getMessage().contains("do not divide its teacher's 1024"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Classroom.create(TEACHER, List.of(KL, KL), 1));
    StudentSpec namesake = new StudentSpec(KL.config().toBuilder().modelName("teacher").build(), KL.distillation());
    assertThrows(IllegalArgumentException.class, () -> Classroom.create(TEACHER, List.of(namesake), 1));
  }

  /** Seeded pairs: query and document share a topic's ids. */
  public static List<List<TrainingPair>> batches(long seed, int count) {
    SplittableRandom random = new SplittableRandom(seed);
    List<List<TrainingPair>> batches = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      List<TrainingPair> batch = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int topic = random.nextInt(100);
        batch.add(new TrainingPair(new int[] {1 + topic * 8, 2 + topic * 8, 1 + random.nextInt(1024)},
            new int[] {1 + topic * 8, 3 + topic * 8, 4 + topic * 8, 1 + random.nextInt(1024)}));
      }
      batches.add(batch);
    }
    return batches;
  }
}
