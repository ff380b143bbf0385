package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.encoder.DualEncoderNetwork;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.loss.DistillationConfig;
import dev.dualstream.trainer.loss.DistillationConfig.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DualEncoderTrainerDistillTest {
  static final ModelConfig TEACHER = DualEncoderTrainerTest.TINY;
  static final ModelConfig STUDENT = TEACHER.toBuilder().modelName("tiny-student").buckets(512).dims(4, 8, 8).build();

  @TempDir Path dir;

  @Test
  void aStudentTaughtWithoutClicksLearnsToRankTheClickedDocumentFirst() {
    DistillationConfig taughtOnly =
        DistillationConfig.defaults().withKind(Kind.KL).withTemperature(1).withClickWeight(0);
    double[] taught = studentAccuracy(taughtOnly, false);
    // The control learns from a teacher that scores every candidate alike: nothing to learn from.
    double[] control = studentAccuracy(taughtOnly, true);
    assertTrue(taught[1] > taught[0] + 0.12, "the student's accuracy on clicks it never saw: " + taught[0] + " -> "
        + taught[1]);
    assertTrue(taught[1] > control[1] + 0.1, "taught " + taught[1] + ", taught by an indifferent teacher "
        + control[1]);
  }

  /** The student's mean accuracy over its first and its last 10 of 200 steps beside a trained teacher. */
  private static double[] studentAccuracy(DistillationConfig distillation, boolean indifferentTeacher) {
    SyntheticPairs data = new SyntheticPairs(1, TEACHER.buckets());
    List<StepResult> results = new ArrayList<>();
    // The teacher's buckets: folded into fewer, the synthetic noise ids would land on the topics' ids.
    ModelConfig student = STUDENT.toBuilder().buckets(TEACHER.buckets()).build();
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3);
        DualEncoderTrainer learner = DualEncoderTrainer.create(student, 5)) {
      assertTrue(teacher.lastCandidates().isEmpty());
      for (int step = 0; step < 200; step++) {
        teacher.step(data.batch(16));
      }
      for (int step = 0; step < 200; step++) {
        teacher.step(data.batch(16));
        Candidates c = teacher.lastCandidates().orElseThrow();
        if (indifferentTeacher) {
          double[] flat = c.teacherScores().clone();
          Arrays.setAll(flat, k -> flat[k] == Double.NEGATIVE_INFINITY ? flat[k] : 0);
          c = new Candidates(c.queries(), c.documents(), c.columns(), c.cells(), flat, c.teacherStep(),
              c.teacherBuckets());
        }
        results.add(learner.distill(c, distillation));
      }
      assertEquals(200, learner.steps());
      assertEquals(3200, learner.examples());
    }
    return new double[] {
      results.subList(0, 10).stream().mapToDouble(StepResult::accuracy).average().orElseThrow(),
      results.subList(190, 200).stream().mapToDouble(StepResult::accuracy).average().orElseThrow()};
  }

  @Test
  void aTwinStudentOnClicksAloneFollowsItsInBatchTeacherStepForStep() throws Exception {
    // Same model, seed and batches; the student's click loss over the teacher's in-batch candidates is the
    // teacher's own in-batch softmax, so the two must stay together (up to float rounding).
    SyntheticPairs data = new SyntheticPairs(6, TEACHER.buckets());
    DistillationConfig clicks = DistillationConfig.defaults().withClickWeight(1);
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3);
        DualEncoderTrainer twin = DualEncoderTrainer.create(TEACHER.toBuilder().modelName("twin").build(), 3)) {
      for (int step = 0; step < 30; step++) {
        // Distinct ids, as a featurizer emits them (a student folds them and keeps the first of each).
        List<TrainingPair> batch = data.batch(16).stream().map(p -> new TrainingPair(
            Arrays.stream(p.queryIds()).distinct().toArray(), Arrays.stream(p.docIds()).distinct().toArray())).toList();
        StepResult taught = teacher.step(batch);
        StepResult learned = twin.distill(teacher.lastCandidates().orElseThrow(), clicks);
        assertEquals(taught.loss(), learned.loss(), 1e-3, "loss at step " + step);
      }
      teacher.save(dir.resolve("teacher"), Map.of());
      twin.save(dir.resolve("twin"), Map.of());
    }
    for (String file : List.of(ModelManifest.EMBEDDINGS_FILE, ModelManifest.DENSE_FILE)) {
      float[] a = floats(dir.resolve("teacher").resolve(file));
      float[] b = floats(dir.resolve("twin").resolve(file));
      assertEquals(a.length, b.length);
      double worst = 0;
      for (int k = 0; k < a.length; k++) {
        worst = Math.max(worst, Math.abs(a[k] - b[k]));
      }
      assertTrue(worst < 1e-3, file + " differs by up to " + worst);
    }
  }

  private static float[] floats(Path file) throws java.io.IOException {
    java.nio.FloatBuffer buffer = java.nio.ByteBuffer.wrap(Files.readAllBytes(file))
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    float[] out = new float[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  @Test
  void theTeachersCandidatesCarryItsScoresOfEachQuerysDocuments() {
    SyntheticPairs data = new SyntheticPairs(2, TEACHER.buckets());
    List<TrainingPair> batch = data.batch(4);
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3)) {
      // Scores are those of the weights the step started from: the same as an untrained model's.
      float[][] queries;
      float[][] docs;
      try (DualEncoderNetwork before = ModelStore.initialNetwork(TEACHER, 3, false)) {
        queries = before.embed(batch.stream().map(TrainingPair::queryIds).toList(), 8);
        docs = before.embed(batch.stream().map(TrainingPair::docIds).toList(), 8);
      }
      teacher.step(batch);
      Candidates c = teacher.lastCandidates().orElseThrow();
      assertEquals(4, c.size());
      assertEquals(1, c.teacherStep());
      assertEquals(TEACHER.buckets(), c.teacherBuckets());
      for (int i = 0; i < 4; i++) {
        assertEquals(i, c.cells()[i * c.columns()], "column 0 is the query's own document");
        for (int k = 0; k < c.columns(); k++) {
          int doc = c.cells()[i * c.columns() + k];
          double expected = TEACHER.scale() * dot(queries[i], docs[doc]);
          assertEquals(expected, c.teacherScores()[i * c.columns() + k], 1e-4, "query " + i + " column " + k);
        }
      }
    }
  }

  @Test
  void distillationIsReproducibleAndResumesBitIdenticallyFromACheckpoint() throws Exception {
    DistillationConfig rankDistil = DistillationConfig.defaults().withKind(Kind.RANK_DISTIL).withRankDistil(3, 4);
    Path straight = dir.resolve("straight");
    Path resumed = dir.resolve("resumed");
    SyntheticPairs data = new SyntheticPairs(4, TEACHER.buckets());
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3);
        DualEncoderTrainer student = DualEncoderTrainer.create(STUDENT, 9)) {
      for (int step = 0; step < 6; step++) {
        teacher.step(data.batch(8));
        student.distill(teacher.lastCandidates().orElseThrow(), rankDistil);
      }
      student.save(straight, Map.of());
    }
    data = new SyntheticPairs(4, TEACHER.buckets());
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3)) {
      try (DualEncoderTrainer student = DualEncoderTrainer.create(STUDENT, 9)) {
        for (int step = 0; step < 3; step++) {
          teacher.step(data.batch(8));
          student.distill(teacher.lastCandidates().orElseThrow(), rankDistil);
        }
        student.saveCheckpoint(dir.resolve("checkpoint"), Map.of());
      }
      try (DualEncoderTrainer student = DualEncoderTrainer.restore(dir.resolve("checkpoint"))) {
        for (int step = 0; step < 3; step++) {
          teacher.step(data.batch(8));
          student.distill(teacher.lastCandidates().orElseThrow(), rankDistil);
        }
        assertEquals(6, student.steps());
        student.save(resumed, Map.of());
      }
    }
    for (String file : List.of(ModelManifest.EMBEDDINGS_FILE, ModelManifest.DENSE_FILE)) {
      assertArrayEquals(Files.readAllBytes(straight.resolve(file)), Files.readAllBytes(resumed.resolve(file)), file);
    }
  }

  @Test
  void foldedIdsAreTheIdsOfTheStudentsOwnFeaturizer() {
    ModelConfig teacher = ModelConfig.defaults();
    ModelConfig student = teacher.toBuilder().buckets(teacher.buckets() / 4).build();
    Featurizer teacherFeatures = new Featurizer(teacher.featureSpec());
    Featurizer studentFeatures = new Featurizer(student.featureSpec());
    int compared = 0;
    for (DocumentText doc : List.of(
        new DocumentText("a", "zlib1g", "compression library - runtime; the zlib library implements deflate"),
        new DocumentText("b", "libjson-perl", "module for manipulating JSON-formatted data"),
        new DocumentText("c", "python3-numpy", "Fast array facility to the Python 3 language"))) {
      int[] folded = DistillationStep.fold(teacherFeatures.document(doc.title(), doc.text()), student.buckets(),
          student.maxDocIds());
      int[] own = studentFeatures.document(doc.title(), doc.text());
      if (Arrays.stream(folded).distinct().count() == folded.length && folded.length == own.length) {
        assertArrayEquals(own, folded, doc.id());
        compared++;
      }
    }
    assertTrue(compared >= 2, "only " + compared + " documents without a folding collision");
  }

  @Test
  void aStudentWhoseFeatureSpaceDoesNotDivideTheTeachersIsRefused() {
    ModelConfig odd = STUDENT.toBuilder().buckets(384).build();
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3);
        DualEncoderTrainer student = DualEncoderTrainer.create(odd, 5)) {
      teacher.step(new SyntheticPairs(1, TEACHER.buckets()).batch(4));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> student.distill(teacher.lastCandidates().orElseThrow(), DistillationConfig.defaults()));
      assertTrue(e.getMessage().contains("must divide the teacher's"), e.getMessage());
      assertEquals(0, student.steps());
    }
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int k = 0; k < a.length; k++) {
      sum += a[k] * b[k];
    }
    return sum;
  }
}
