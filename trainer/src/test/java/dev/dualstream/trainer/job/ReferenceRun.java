package dev.dualstream.trainer.job;

import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.testing.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The fault tests' yardstick: the deterministic trainer over the same input without failures, run
 * once per test JVM. Holds the final trainer state's files in memory (the tiny model's are small).
 */
final class ReferenceRun {
  private static Map<String, byte[]> state;

  private ReferenceRun() {}

  static synchronized Map<String, byte[]> finalState(KafkaBroker broker) throws Exception {
    if (state == null) {
      Path work = Files.createTempDirectory("dualstream-reference-");
      try {
        TrainerOptions options = FaultFixture.options(broker, "reference.", work);
        FaultFixture.produce(broker, options.topics(), ExactlyOnceTrainingIT.EXAMPLES);
        TrainerJob.runLocal(options);
        List<ModelVersion> versions = FaultFixture.readCommitted(broker, options.topics().versions());
        List<ModelVersion> own = FaultFixture.of(versions, FaultFixture.TINY.modelName());
        state = FaultFixture.stateFiles(FaultFixture.dir(own.get(own.size() - 1)));
      } finally {
        TrainerArchive.deleteTree(work);
      }
    }
    return state;
  }
}
