package dev.dualstream.evaluator.simulate;

/** Events produced by a simulation (so far, in a progress report; in all, at the end). */
public record SimulationResult(long documents, long impressions, long clicks) {

  /** All events: documents, impressions and clicks. */
  public long events() {
    return documents + impressions + clicks;
  }
}
