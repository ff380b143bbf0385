package dev.dualstream.evaluator.bm25;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.search.ScoredDocument;
import dev.dualstream.evaluator.testing.TinyDatasets;
import dev.dualstream.trainer.model.DocumentText;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Bm25IndexTest {
  private static Bm25Index index;

  @BeforeAll
  static void build() {
    index = Bm25Index.build(TinyDatasets.packages().corpus());
  }

  @AfterAll
  static void close() {
    index.close();
  }

  @Test
  void findsDocumentsThroughStemming() {
    assertEquals("deb:grep", top(index.search("searching files matched by patterns", 3)));
    assertEquals(List.of("search", "file", "match", "pattern"), index.analyze("searching the files matched by patterns"));
  }

  @Test
  void titleIsIndexed() {
    assertEquals("deb:tmux", top(index.search("tmux", 5)));
  }

  @Test
  void queryParserSyntaxIsJustText() {
    for (String query : List.of("grep AND (regular", "\"regular expression", "text:files^2 ~ *", "[sed} OR -vim!",
        "a/b\\c && || ?")) {
      List<ScoredDocument> results = index.search(query, 10);
      assertTrue(results.size() <= 10, query);
    }
    assertEquals("deb:sed", top(index.search("sed}}", 1)));
  }

  @Test
  void queriesWithoutIndexableTokensReturnNothing() {
    assertEquals(List.of(), index.search("the and of", 10));
    assertEquals(List.of(), index.search("", 10));
  }

  @Test
  void repeatedQueryTermsWeighMore() {
    List<ScoredDocument> once = index.search("editor scalable", 20);
    List<ScoredDocument> editorTwice = index.search("editor editor scalable", 20);
    assertTrue(top(editorTwice).equals("deb:vim") || top(editorTwice).equals("deb:emacs")
        || top(editorTwice).equals("deb:sed"), editorTwice.toString());
    assertTrue(once.get(0).score() < editorTwice.get(0).score());
  }

  @Test
  void scoreOfOneDocumentEqualsItsSearchScore() {
    String query = "scalable distributed version control";
    for (ScoredDocument hit : index.search(query, 20)) {
      assertEquals(hit.score(), index.score(query, hit.id()), 1e-5f, hit.id());
    }
    assertEquals(0f, index.score(query, "deb:htop"));
    assertThrows(IllegalArgumentException.class, () -> index.score(query, "deb:missing"));
  }

  @Test
  void tiesFollowCorpusOrder() {
    List<DocumentText> corpus = List.of(new DocumentText("z", "", "same words here"),
        new DocumentText("a", "", "same words here"), new DocumentText("m", "", "same words here"));
    try (Bm25Index ties = Bm25Index.build(corpus)) {
      List<ScoredDocument> results = ties.search("words", 10);
      assertEquals(List.of("z", "a", "m"), results.stream().map(ScoredDocument::id).toList());
    }
  }

  @Test
  void resultsAreLimitedToK() {
    assertEquals(2, index.search("server", 2).size());
    assertThrows(IllegalArgumentException.class, () -> index.search("server", 0));
  }

  @Test
  void aRememberedRankingIsTheRankingAFreshIndexComputes() {
    List<String> queries = List.of("server", "version control", "text editor", "server");
    try (Bm25Index fresh = Bm25Index.build(TinyDatasets.packages().corpus())) {
      for (String query : queries) {
        // Shallow first, then deeper than remembered, then shallow again from the deeper hits.
        for (int k : new int[] {2, 5, 3, 50, 1}) {
          try (Bm25Index once = Bm25Index.build(TinyDatasets.packages().corpus())) {
            assertEquals(once.search(query, k), fresh.search(query, k), query + " top " + k);
          }
        }
      }
      assertEquals(fresh.search(queries, 4), queries.stream().map(q -> fresh.search(q, 4)).toList(),
          "the parallel list search answers from the same memory");
    }
  }

  private static String top(List<ScoredDocument> results) {
    assertTrue(!results.isEmpty(), "no results");
    return results.get(0).id();
  }
}
