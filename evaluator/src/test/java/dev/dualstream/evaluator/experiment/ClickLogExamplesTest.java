package dev.dualstream.evaluator.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.simulate.SimulationProgress;
import dev.dualstream.trainer.model.DocumentText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClickLogExamplesTest {

  /** Twelve packages; each train query names words of one of them. */
  static BeirDataset tiny() {
    String[][] packages = {
        {"grep", "search text files for lines matching a regular expression"},
        {"sed", "stream editor that transforms text with substitution scripts"},
        {"gzip", "compress and decompress files with the deflate algorithm"},
        {"xz-utils", "lzma compression utilities producing small archives"},
        {"curl", "transfer data with urls over http and ftp"},
        {"wget", "retrieve files from the web with recursive download"},
        {"vim", "configurable modal text editor for programmers"},
        {"emacs", "extensible self-documenting display editor"},
        {"git", "fast distributed revision control system"},
        {"mercurial", "easy distributed version control system"},
        {"rsync", "fast remote file copying with delta transfer"},
        {"tmux", "terminal multiplexer keeping sessions after detaching"}};
    List<DocumentText> corpus = new ArrayList<>();
    Map<String, String> queries = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> train = new LinkedHashMap<>();
    for (String[] p : packages) {
      corpus.add(new DocumentText(p[0], p[0], p[1]));
      queries.put("q-" + p[0], p[1].split(" ")[0] + " " + p[1].split(" ")[2]);
      train.put("q-" + p[0], Map.of(p[0], 1));
    }
    return BeirDataset.of("tiny", corpus, queries, Map.of("train", Qrels.of(train), "test", Qrels.of(train)));
  }

  @Test
  void clicksBecomeExamplesWithTheirSkipAboveDocuments() {
    BeirDataset dataset = tiny();
    List<ClickLogExamples.Example> examples = ClickLogExamples.simulate(dataset, 7, 200, SimulationProgress.none());
    assertEquals(200, examples.size());
    for (ClickLogExamples.Example e : examples) {
      assertTrue(dataset.document(e.positive().id()).isPresent());
      assertFalse(e.skipAbove().contains(e.positive()), "the clicked document is never skipped above itself");
      assertEquals(e.skipAbove().size(), e.skipAbove().stream().distinct().count());
      assertTrue(dataset.queries().containsValue(e.query()));
    }
    assertTrue(examples.stream().anyMatch(e -> !e.skipAbove().isEmpty()), "some clicks are below position 1");
    assertEquals(examples, ClickLogExamples.simulate(dataset, 7, 200, SimulationProgress.none()), "seeded");
    assertFalse(examples.equals(ClickLogExamples.simulate(dataset, 8, 200, SimulationProgress.none())));
  }

  @Test
  void refusesToInventExamplesTheLogDoesNotHave() {
    BeirDataset noClicks = BeirDataset.of("none", tiny().corpus(), tiny().queries(),
        Map.of("train", Qrels.of(Map.of("q-grep", Map.of("missing-doc", 1))), "test", Qrels.of(Map.of())));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ClickLogExamples.simulate(noClicks, 1, 50, SimulationProgress.none()));
    assertTrue(e.getMessage().contains("fewer than the 50"), e.getMessage());
  }
}
