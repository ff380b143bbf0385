package dev.dualstream.evaluator.simulate;

/** Receives the counts so far every {@link SimulationConfig#progressEvery()} events and once at the end. */
@FunctionalInterface
public interface SimulationProgress {

  void update(SimulationResult soFar);

  /** Ignores progress. */
  static SimulationProgress none() {
    return soFar -> { };
  }
}
