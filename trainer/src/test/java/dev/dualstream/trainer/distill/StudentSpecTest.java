package dev.dualstream.trainer.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.loss.DistillationConfig;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.negatives.NegativeConfig;
import org.junit.jupiter.api.Test;

class StudentSpecTest {
  private static final ModelConfig TEACHER = ModelConfig.defaults().toBuilder()
      .negatives(NegativeConfig.defaults().withCache(1024, 64)).build();

  @Test
  void aBareNameIsAStudentUnderAQuarterOfTheTeacherTaughtByDefault() {
    StudentSpec s = StudentSpec.parse("small", TEACHER);
    assertEquals("small", s.name());
    assertTrue(4 * s.config().parameters() <= TEACHER.parameters(), s.config().parameters() + " of "
        + TEACHER.parameters());
    assertEquals(TEACHER.buckets() / 4, s.config().buckets());
    assertEquals(DistillationConfig.defaults(), s.distillation());
    assertTrue(s.config().inBatchSoftmax(), "a student's own negatives are plain: it learns on the teacher's");
    assertEquals(TEACHER.learningRate(), s.config().learningRate());
  }

  @Test
  void keysSetTheModelAndHowItIsTaught() {
    StudentSpec s = StudentSpec.parse("rd:buckets=262144,dims=32/64/32,loss=RANK_DISTIL,temperature=2,"
        + "click-weight=0.25,top-k=5,samples=4", TEACHER);
    assertEquals(262144, s.config().buckets());
    assertEquals(32, s.config().embeddingDim());
    assertEquals(64, s.config().hiddenDim());
    assertEquals(32, s.config().outputDim());
    assertEquals(new DistillationConfig(DistillationConfig.Kind.RANK_DISTIL, 2, 5, 4, 0.25), s.distillation());
  }

  @Test
  void badFormsAreOneLineErrorsThatNameTheStudent() {
    for (String[] c : new String[][] {
        {"x:size=3", "student x: unknown key 'size'"},
        {"x:buckets=abc", "student x: 'abc' is not a number for buckets"},
        {"x:buckets=3", "student x has 3 buckets, which do not divide its teacher's 1048576"},
        {"x:loss=HINGE", "student x: No enum constant"},
        {"x:temperature=0", "student x: temperature must be"},
        {"x:dims=3/4", "student x: dims are EMBEDDING/HIDDEN/OUTPUT"},
        {"x:buckets", "student x: 'buckets' is not KEY=VALUE"},
        {"no name", "the name must be"}}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudentSpec.parse(c[0], TEACHER));
      assertTrue(e.getMessage().startsWith(c[1]) || e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
      assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
  }
}
