package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.optim.AdamSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JointTeacherTest {
  private static final ModelConfig TEACHER = ModelConfig.defaults().toBuilder().modelName("teacher")
      .buckets(1024).dims(8, 16, 8).maxIds(16, 32).learningRate(0.01).embeddingInitScale(0.1)
      .batchSize(8).inferenceBatchSize(5).threads(1).build();
  private static final AdamSettings ADAM = new AdamSettings(0.01, 0.9, 0.999, 1e-8);

  @TempDir Path dir;

  /** Its output layer starts at zero, so a new joint teacher scores every candidate as the dense teacher does. */
  @Test
  void aNewJointTeacherScoresAsItsDenseTeacher() {
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3);
        JointTeacher joint = JointTeacher.create(8, 16, ADAM, 4)) {
      teacher.step(batch(new SplittableRandom(1)));
      Candidates dense = teacher.lastCandidates().orElseThrow();
      Candidates scored = joint.step(teacher, dense);
      float[][] q = teacher.embedIds(dense.queries());
      float[][] d = teacher.embedIds(dense.documents());
      for (int cell = 0; cell < dense.cells().length; cell++) {
        int doc = dense.cells()[cell];
        if (doc < 0) {
          assertEquals(Double.NEGATIVE_INFINITY, scored.teacherScores()[cell]);
          continue;
        }
        double cosine = 0;
        for (int k = 0; k < 8; k++) {
          cosine += q[cell / dense.columns()][k] * d[doc][k];
        }
        assertEquals(TEACHER.scale() * cosine, scored.teacherScores()[cell], 1e-4, "cell " + cell);
      }
      assertArrayEquals(dense.cells(), scored.cells());
    }
  }

  /**
   * The head by hand, dim 1 and hidden 1: s = scale q d + w2 relu(w1 . [q, d, q d, m/|Q|, log(1 + m)] + b1) + b2
   * with w1 = (1, -2, 3, 2, 1), b1 = 0.5, w2 = 2, b2 = -1, scale 20 and q = 0.6. The query has ids 1..4.
   * Document A (d = -0.8, ids 2, 4, 9) shares m = 2 of them: the hidden unit is relu(0.6 + 1.6 - 1.44 + 1 +
   * ln 3 + 0.5) = 3.3586, so s = -9.6 + 6.7172 - 1 = -3.8828. Document B (d = 0.8, id 7) shares none:
   * relu(0.6 - 1.6 + 1.44 + 0.5) = 0.94 and s = 9.6 + 1.88 - 1 = 10.48.
   */
  @Test
  void scoresAPairAsTheFormulaSays() {
    try (JointTeacher joint = JointTeacher.of(1, 1,
        List.of(new float[] {1, -2, 3, 2, 1}, new float[] {0.5f}, new float[] {2}, new float[] {-1}), ADAM)) {
      double[] s = joint.score(new float[] {0.6f}, new int[] {1, 2, 3, 4}, new float[][] {{-0.8f}, {0.8f}},
          List.of(new int[] {2, 4, 9}, new int[] {7}), 20);
      assertEquals(-9.6 + 2 * (0.76 + 1 + Math.log(3) + 0.5) - 1, s[0], 1e-5);
      assertEquals(10.48, s[1], 1e-5);
    }
  }

  /**
   * On the same candidates again and again (the dense teacher held still), the head alone drives the loss on
   * the clicks down: its gradient has the right sign and reaches every parameter it should.
   */
  @Test
  void theHeadLearnsOnTheClicks() {
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3);
        JointTeacher joint = JointTeacher.create(8, 16, ADAM, 4)) {
      teacher.step(batch(new SplittableRandom(1)));
      Candidates dense = teacher.lastCandidates().orElseThrow();
      joint.step(teacher, dense);
      double first = joint.lastLoss();
      for (int k = 0; k < 200; k++) {
        joint.step(teacher, dense);
      }
      assertTrue(joint.lastLoss() < 0.5 * first, first + " -> " + joint.lastLoss());
      assertEquals(201, joint.steps());
    }
  }

  /** What {@link JointTeacher#score} gives a re-ranker is what its step gives students. */
  @Test
  void reRankingScoresAreTheScoresStudentsLearnFrom() {
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3);
        JointTeacher joint = JointTeacher.create(8, 16, ADAM, 4)) {
      SplittableRandom random = new SplittableRandom(2);
      for (int k = 0; k < 5; k++) {
        teacher.step(batch(random));
        joint.step(teacher, teacher.lastCandidates().orElseThrow());
      }
      teacher.step(batch(random));
      Candidates dense = teacher.lastCandidates().orElseThrow();
      float[][] q = teacher.embedIds(dense.queries());
      float[][] d = teacher.embedIds(dense.documents());
      double[] before = joint.score(q[2], dense.queries().get(2), d, dense.documents(), TEACHER.scale());
      Candidates scored = joint.step(teacher, dense);
      for (int c = 0; c < dense.columns(); c++) {
        int doc = dense.cells()[2 * dense.columns() + c];
        if (doc >= 0) {
          assertEquals(before[doc], scored.teacherScores()[2 * dense.columns() + c], 1e-4, "column " + c);
        }
      }
    }
  }

  @Test
  void aRestoredJointTeacherContinuesBitIdentically() throws Exception {
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3);
        JointTeacher straight = JointTeacher.create(8, 16, ADAM, 4);
        JointTeacher saved = JointTeacher.create(8, 16, ADAM, 4)) {
      teacher.step(batch(new SplittableRandom(1)));
      Candidates dense = teacher.lastCandidates().orElseThrow();
      for (int k = 0; k < 3; k++) {
        straight.step(teacher, dense);
        saved.step(teacher, dense);
      }
      Path file = dir.resolve(JointTeacher.FILE);
      saved.save(file, ArrayFile.Durability.SCRATCH);
      try (JointTeacher restored = JointTeacher.restore(file, ADAM)) {
        assertEquals(3, restored.steps());
        for (int k = 0; k < 3; k++) {
          assertArrayEquals(straight.step(teacher, dense).teacherScores(), restored.step(teacher, dense).teacherScores());
        }
      }
      Files.write(file, new byte[] {1, 2, 3});
      IllegalArgumentException damaged = assertThrows(IllegalArgumentException.class,
          () -> JointTeacher.restore(file, ADAM));
      assertTrue(damaged.getMessage().contains(file.toString()), damaged.getMessage());
    }
  }

  @Test
  void aTeacherOfAnotherWidthIsRefused() {
    try (DualEncoderTrainer teacher = DualEncoderTrainer.create(TEACHER, 3);
        JointTeacher joint = JointTeacher.create(4, 16, ADAM, 4)) {
      teacher.step(batch(new SplittableRandom(1)));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> joint.step(teacher, teacher.lastCandidates().orElseThrow()));
      assertTrue(e.getMessage().contains("4-dimensional"), e.getMessage());
    }
  }

  private static List<TrainingPair> batch(SplittableRandom random) {
    List<TrainingPair> batch = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int topic = random.nextInt(100);
      batch.add(new TrainingPair(new int[] {1 + topic * 8, 2 + topic * 8, 1 + random.nextInt(1024)},
          new int[] {1 + topic * 8, 3 + topic * 8, 4 + topic * 8, 1 + random.nextInt(1024)}));
    }
    return batch;
  }
}
