package dev.dualstream.trainer.negatives;

import static dev.dualstream.trainer.negatives.ToyWorld.DIM;
import static dev.dualstream.trainer.negatives.ToyWorld.floats;
import static dev.dualstream.trainer.negatives.ToyWorld.fresh;

import dev.dualstream.trainer.loss.LossConfig;

/**
 * Objectives over {@link ToyWorld} with every component that has state switched on (cache with
 * refresh of the oldest, both popularity sketches with decay, the pool with uniform draws, the
 * corpus, the clicked-documents memory), trained a few steps: the subjects of the state format tests.
 */
final class StateWorld {
  /** Every component format version 1 knew. */
  static final NegativeConfig VERSION_1 = NegativeConfig.defaults().withCache(8, 0).withCacheRefresh(true, 1)
      .withSkipAbove(2).withUniform(2).withCorpus(2)
      .withLogQ(NegativeSource.IN_BATCH, NegativeSource.SKIP_ABOVE, NegativeSource.UNIFORM)
      .withPopularity(16, 2, 0.9);
  /** Every component, the clicked-documents memory (format version 2) too. */
  static final NegativeConfig ALL = VERSION_1.withClickedMemory(16);
  static final LossConfig LOSS = LossConfig.defaults().withLabelBias(0.5);

  private StateWorld() {}

  /** A fresh objective of the configuration, with the seed of {@link ToyWorld}, before any step. */
  static NegativeObjective blank(NegativeConfig config, LossConfig loss) {
    return NegativeObjective.create(config, loss, ToyWorld.SCALE, DIM, 4, ToyWorld.staleEncoder(), 17);
  }

  /** {@link ToyWorld#objective} after {@code steps} steps on its batch. */
  static NegativeObjective trained(NegativeConfig config, LossConfig loss, int steps) {
    NegativeObjective objective = ToyWorld.objective(config, loss);
    for (int step = 1; step <= steps; step++) {
      step(objective, step);
    }
    return objective;
  }

  /** One step on the toy batch; returns the documents it drew, as ids, for comparing draws. */
  static String step(NegativeObjective objective, long step) {
    Plan plan = objective.plan(ToyWorld.batch(), ToyWorld.queryEmbeddings());
    StringBuilder drawn = new StringBuilder();
    float[] rows = new float[plan.documents().size() * DIM];
    for (int r = 0; r < plan.documents().size(); r++) {
      int id = plan.documents().get(r)[0];
      drawn.append(id).append(' ');
      System.arraycopy(floats(fresh(id)), 0, rows, r * DIM, DIM);
    }
    objective.update(plan, rows, step);
    return drawn.toString();
  }
}
