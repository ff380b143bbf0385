package scratch;

import dev.dualstream.evaluator.experiment.*;
import dev.dualstream.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScratchTest {
  @Test
  void run() throws Exception {
    int tb = Integer.getInteger("tb", 1 << 21);
    int sb = Integer.getInteger("sb", 1 << 20);
    int sh = Integer.getInteger("sh", 64);
    int se = Integer.getInteger("se", 64);
    ModelConfig teacher = DistillExperimentOptions.defaultTeacher().toBuilder().buckets(tb).build();
    ModelConfig student = DistillExperimentOptions.defaultStudent().toBuilder().buckets(sb).dims(se, sh, 64)
        .embeddingLearningRate(Double.parseDouble(System.getProperty("slr", "0.1"))).build();
    System.out.println("teacher " + teacher.parameters() + " student " + student.parameters() + " ratio "
        + (double) student.parameters() / teacher.parameters());
    ModelConfig reference = Boolean.getBoolean("refcache")
        ? student.toBuilder().modelName("ref").negatives(teacher.negatives()).build() : ModelConfig.defaults();
    var o = new DistillExperimentOptions(Path.of("/work/shared/data/debian-pkgdesc"), Integer.getInteger("ex", 36000), 0, 42,
        List.of(42L), 32, 0.5, reference, teacher, student, List.of(4.0), List.of(0.5), 10, 8);
    DistillReport r = DistillExperiment.run(o, System.out::println);
    System.out.println(r.table());
  }
}
