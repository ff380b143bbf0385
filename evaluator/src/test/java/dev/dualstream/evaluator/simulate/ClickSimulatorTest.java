package dev.dualstream.evaluator.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.testing.RecordingSink;
import dev.dualstream.evaluator.testing.TinyDatasets;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ShownResult;
import dev.dualstream.trainer.model.DocumentText;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClickSimulatorTest {
  private final BeirDataset dataset = TinyDatasets.packages();

  @Test
  void publishesTheCorpusFirstThenImpressionsAndTheirClicks() {
    SimulationConfig config = SimulationConfig.defaults(11, 300);
    RecordingSink sink = new RecordingSink();
    SimulationResult result = simulate(config, sink, SimulationProgress.none());

    List<RecordingSink.Sent> sent = sink.sent();
    List<DocumentText> corpus = dataset.corpus();
    for (int i = 0; i < corpus.size(); i++) {
      RecordingSink.Sent s = sent.get(i);
      Document doc = (Document) s.value();
      assertEquals(Topics.DOCUMENTS.name(), s.topic());
      assertEquals(corpus.get(i).id(), s.key());
      assertEquals(corpus.get(i).id(), doc.getDocId());
      assertEquals(corpus.get(i).text(), doc.getText());
      assertEquals(1L, doc.getVersion());
      assertEquals(config.start(), doc.getTimestamp());
      assertEquals(config.start().toEpochMilli(), s.timestamp());
    }
    assertEquals(new SimulationResult(20, 300, sink.values(Topics.CLICKS).size()), result);
    assertEquals(result.events(), sent.size());
    assertEquals(1, sink.flushes());
    assertTrue(result.clicks() > 100, "clicks: " + result.clicks());
  }

  @Test
  void impressionsAndClicksAreConsistent() {
    SimulationConfig config = SimulationConfig.defaults(3, 500).withClock(Instant.parse("2030-05-01T00:00:00Z"),
        Duration.ofSeconds(20));
    RecordingSink sink = new RecordingSink();
    simulate(config, sink, SimulationProgress.none());
    Qrels train = dataset.qrels("train");

    Impression current = null;
    long impressions = 0;
    for (RecordingSink.Sent s : sink.sent().subList(dataset.corpus().size(), sink.sent().size())) {
      if (s.value() instanceof Impression impression) {
        current = impression;
        impressions++;
        assertEquals(impression.getImpressionId(), s.key());
        assertEquals(config.start().plusSeconds(20 * impressions), impression.getTimestamp());
        assertEquals(impression.getTimestamp().toEpochMilli(), s.timestamp());
        assertTrue(train.queryIds().contains(impression.getQueryId()), "query from the train split");
        assertEquals(dataset.queries().get(impression.getQueryId()), impression.getQuery());
        List<ShownResult> results = impression.getResults();
        assertTrue(!results.isEmpty() && results.size() <= 10);
        for (int i = 0; i < results.size(); i++) {
          assertEquals(i + 1, results.get(i).getPosition());
          assertEquals(1.0 / (i + 1), results.get(i).getPropensity());
          assertTrue(dataset.document(results.get(i).getDocId()).isPresent());
        }
      } else {
        Click click = (Click) s.value();
        assertEquals(Topics.CLICKS.name(), s.topic());
        assertEquals(current.getImpressionId(), s.key());
        assertEquals(current.getImpressionId(), click.getImpressionId());
        ShownResult shown = current.getResults().get(click.getPosition() - 1);
        assertEquals(shown.getDocId(), click.getDocId(), "click on the document shown at its position");
        long delay = click.getTimestamp().toEpochMilli() - current.getTimestamp().toEpochMilli();
        assertTrue(delay >= 2000 && delay < 12_000, "click delay " + delay);
        assertEquals(click.getTimestamp().toEpochMilli(), s.timestamp());
        assertTrue(click.getDwellMs() > 0);
      }
    }
    assertEquals(500, impressions);
  }

  @Test
  void sameSeedSameEventsOtherSeedOtherEvents() {
    SimulationConfig config = SimulationConfig.defaults(42, 400);
    RecordingSink first = new RecordingSink();
    RecordingSink second = new RecordingSink();
    RecordingSink other = new RecordingSink();
    simulate(config, first, SimulationProgress.none());
    simulate(config, second, SimulationProgress.none());
    simulate(SimulationConfig.defaults(43, 400), other, SimulationProgress.none());

    assertEquals(first.sent(), second.sent());
    assertNotEquals(queryIds(first), queryIds(other));
  }

  @Test
  void relevantResultsAtTheTopAreClickedAtTheConfiguredRate() {
    SimulationConfig config = SimulationConfig.defaults(8, 6000).withClickProbabilities(0.7, 0.05);
    RecordingSink sink = new RecordingSink();
    simulate(config, sink, SimulationProgress.none());
    Qrels train = dataset.qrels("train");

    int relevantOnTop = 0;
    int clickedOnTop = 0;
    Impression current = null;
    for (RecordingSink.Sent s : sink.sent()) {
      if (s.value() instanceof Impression impression) {
        current = impression;
        if (train.isRelevant(impression.getQueryId(), impression.getResults().get(0).getDocId())) {
          relevantOnTop++;
        }
      } else if (s.value() instanceof Click click && click.getPosition() == 1
          && train.isRelevant(current.getQueryId(), click.getDocId())) {
        clickedOnTop++;
      }
    }
    assertTrue(relevantOnTop > 3000, "BM25 ranks most tiny-dataset answers first: " + relevantOnTop);
    double rate = (double) clickedOnTop / relevantOnTop;
    double sd = Math.sqrt(0.7 * 0.3 / relevantOnTop);
    assertTrue(Math.abs(rate - 0.7) < 4.5 * sd, "click rate on relevant top results " + rate);
  }

  @Test
  void reportsProgressAndTheFinalCounts() {
    List<SimulationResult> updates = new ArrayList<>();
    SimulationResult result = simulate(SimulationConfig.defaults(1, 50).withProgressEvery(7), new RecordingSink(),
        updates::add);
    for (int i = 0; i < updates.size() - 1; i++) {
      assertEquals(7 * (i + 1), updates.get(i).events());
    }
    assertEquals(result, updates.get(updates.size() - 1));
    assertEquals(result.events() / 7 + 1, updates.size());
  }

  @Test
  void unknownOrEmptySplitIsRejected() {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> ClickSimulator.create(dataset, SimulationConfig.defaults(1, 10).withSplit("dev")));
    assertTrue(missing.getMessage().contains("no split 'dev'"), missing.getMessage());
    BeirDataset noText = BeirDataset.of("x", dataset.corpus(), Map.of(), Map.of("train",
        dataset.qrels("train")));
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> ClickSimulator.create(noText, SimulationConfig.defaults(1, 10)));
    assertTrue(empty.getMessage().contains("no query with a text"), empty.getMessage());
  }

  @Test
  void configIsValidated() {
    assertThrows(IllegalArgumentException.class, () -> SimulationConfig.defaults(1, -1));
    assertThrows(IllegalArgumentException.class, () -> SimulationConfig.defaults(1, 1).withClickProbabilities(1.1, 0));
    assertThrows(IllegalArgumentException.class, () -> SimulationConfig.defaults(1, 1).withRescueProbability(-0.1));
    assertThrows(IllegalArgumentException.class, () -> SimulationConfig.defaults(1, 1).withMaxEventsPerSecond(-1));
  }

  private SimulationResult simulate(SimulationConfig config, RecordingSink sink, SimulationProgress progress) {
    try (ClickSimulator simulator = ClickSimulator.create(dataset, config)) {
      return simulator.run(sink, progress);
    }
  }

  private static List<String> queryIds(RecordingSink sink) {
    return sink.values(Topics.IMPRESSIONS).stream().map(Impression::getQueryId).toList();
  }
}
