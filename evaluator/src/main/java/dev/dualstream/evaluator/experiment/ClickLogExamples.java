package dev.dualstream.evaluator.experiment;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.simulate.ClickSimulator;
import dev.dualstream.evaluator.simulate.EventSink;
import dev.dualstream.evaluator.simulate.Exploration;
import dev.dualstream.evaluator.simulate.SimulationConfig;
import dev.dualstream.evaluator.simulate.Traffic;
import dev.dualstream.evaluator.simulate.SimulationProgress;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ShownResult;
import dev.dualstream.trainer.model.DocumentText;
import dev.dualstream.trainer.model.TrainingPair;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The simulator's click log on a dataset, joined in memory into training examples, without Kafka:
 * the click simulator writes to a sink that keeps the current impression and turns each of its
 * clicks into an example, as ingest's click-impression join does (positive = the clicked document,
 * skip-above = documents shown above it and not it, topmost first). The simulator sends an
 * impression and then its clicks, so the join needs no window. Deterministic for a seed.
 */
final class ClickLogExamples {

  /**
   * A training example with its documents' texts.
   *
   * @param skipAbove documents shown above the click, topmost first
   * @param exposure the click's {@link TrainingPair#exposure}: its position's examination propensity times the
   *     policy's probability of showing it there
   * @param user the user who searched
   * @param queryId the query's id in the dataset
   */
  record Example(String query, DocumentText positive, List<DocumentText> skipAbove, double exposure,
      long eventTimeMillis, String user, String queryId) {}

  /** A click log split into the clicks a job trains on and the clicks after them, held out. */
  record Stream(List<Example> training, List<Example> heldOut) {}

  /**
   * The first {@code count} clicks of the log simulated with {@code seed} on the train split, and the
   * {@code heldOut} clicks after them; says what it simulates on {@code log}.
   */
  static Stream simulateWithHeldOut(BeirDataset dataset, long seed, int count, int heldOut,
      java.util.function.Consumer<String> log) {
    log.accept(String.format(java.util.Locale.ROOT,
        "%s: %d documents; simulating the click log (seed %d) for %d examples and %d held out", dataset.name(),
        dataset.corpus().size(), seed, count, heldOut));
    List<Example> clicks = simulate(dataset, seed, count + heldOut, soFar -> { });
    return new Stream(clicks.subList(0, count), clicks.subList(count, clicks.size()));
  }

  /** Examples per simulated impression is about 0.6; this many impressions per wanted example is ample. */
  private static final double IMPRESSIONS_PER_EXAMPLE = 2.5;

  private ClickLogExamples() {}

  /**
   * The first {@code count} examples of the click log simulated with {@code seed} on the train
   * split of {@code dataset}.
   *
   * @throws IllegalArgumentException if the simulation yields fewer examples
   */
  static List<Example> simulate(BeirDataset dataset, long seed, int count, SimulationProgress progress) {
    return simulate(dataset, seed, count, NegativesExperimentOptions.DEFAULT_NOISE_CLICKS, progress);
  }

  /** As {@link #simulate(BeirDataset, long, int, SimulationProgress)}, with this chance of a click on a result that is not relevant. */
  static List<Example> simulate(BeirDataset dataset, long seed, int count, double noiseClicks,
      SimulationProgress progress) {
    return simulate(dataset, seed, count, noiseClicks, Traffic.UNIFORM, Exploration.NONE, progress);
  }

  /**
   * As {@link #simulate(BeirDataset, long, int, double, SimulationProgress)}, with this traffic and this
   * exploration of BM25's ranking.
   */
  static List<Example> simulate(BeirDataset dataset, long seed, int count, double noiseClicks, Traffic traffic,
      Exploration exploration, SimulationProgress progress) {
    return simulate(dataset, SimulationConfig.defaults(seed, 0).withTraffic(traffic).withExploration(exploration),
        count, noiseClicks, progress);
  }

  /**
   * As {@link #simulate(BeirDataset, long, int, double, SimulationProgress)}, with every setting of the simulation
   * but its length (users, traffic, exploration) from {@code base}.
   */
  static List<Example> simulate(BeirDataset dataset, SimulationConfig base, int count, double noiseClicks,
      SimulationProgress progress) {
    long impressions = (long) Math.ceil(count * IMPRESSIONS_PER_EXAMPLE) + 100;
    JoiningSink sink = new JoiningSink(dataset, count);
    SimulationConfig config = base.withImpressions(impressions);
    config = config.withClickProbabilities(config.relevantClickProbability(), noiseClicks);
    try (ClickSimulator simulator = ClickSimulator.create(dataset, config)) {
      simulator.run(sink, progress);
    }
    if (sink.examples.size() < count) {
      throw new IllegalArgumentException("the click log of " + impressions + " impressions gave only "
          + sink.examples.size() + " examples, fewer than the " + count + " asked for");
    }
    return List.copyOf(sink.examples);
  }

  /** Joins each click to the impression just before it. */
  private static final class JoiningSink implements EventSink {
    private final BeirDataset dataset;
    private final int wanted;
    private final List<Example> examples = new ArrayList<>();
    private Impression current;

    JoiningSink(BeirDataset dataset, int wanted) {
      this.dataset = dataset;
      this.wanted = wanted;
    }

    @Override
    public <V extends SpecificRecordBase> void send(Topic<String, V> topic, String key, V value, long timestamp) {
      if (examples.size() >= wanted) {
        return;
      }
      if (topic.name().equals(Topics.IMPRESSIONS.name())) {
        current = (Impression) value;
      } else if (topic.name().equals(Topics.CLICKS.name())) {
        Click click = (Click) value;
        if (current != null && current.getImpressionId().equals(click.getImpressionId())) {
          join(current, click, click.getTimestamp().toEpochMilli()).ifPresent(examples::add);
        }
      }
    }

    private Optional<Example> join(Impression impression, Click click, long timestamp) {
      Optional<ShownResult> shown = impression.getResults().stream()
          .filter(r -> r.getDocId().equals(click.getDocId()))
          .min(Comparator.comparingInt(ShownResult::getPosition));
      Optional<DocumentText> positive = dataset.document(click.getDocId());
      if (shown.isEmpty() || positive.isEmpty()) {
        return Optional.empty();
      }
      int position = shown.get().getPosition();
      Set<String> above = new LinkedHashSet<>();
      impression.getResults().stream()
          .filter(r -> r.getPosition() < position && !r.getDocId().equals(click.getDocId()))
          .sorted(Comparator.comparingInt(ShownResult::getPosition))
          .forEach(r -> above.add(r.getDocId()));
      List<DocumentText> skipAbove = new ArrayList<>(above.size());
      above.forEach(id -> dataset.document(id).ifPresent(skipAbove::add));
      double exposure = TrainingPair.exposure(shown.get().getPropensity(), shown.get().getShownProbability());
      return Optional.of(new Example(impression.getQuery(), positive.get(), skipAbove, exposure, timestamp,
          impression.getUserId(), impression.getQueryId()));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
