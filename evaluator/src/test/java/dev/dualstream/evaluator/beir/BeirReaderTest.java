package dev.dualstream.evaluator.beir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.model.DocumentText;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeirReaderTest {
  private static final String CORPUS = """
      {"_id": "d2", "title": "Second", "text": "beta text"}
      {"_id": "d1", "title": "First", "text": "alpha text", "metadata": {"url": "x"}}

      {"_id": 3, "text": "no title"}
      """;
  private static final String QUERIES = """
      {"_id": "q1", "text": "alpha"}
      {"_id": "q2", "text": "beta"}
      """;

  @TempDir
  Path dir;

  @Test
  void readsPlainFilesKeepingCorpusOrder() throws IOException {
    write("corpus.jsonl", CORPUS);
    write("queries.jsonl", QUERIES);
    write("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\td2\t1\n");
    write("qrels/train.tsv", "q2\td2\t1\n");

    BeirDataset dataset = BeirReader.read(dir);

    assertEquals(dir.getFileName().toString(), dataset.name());
    assertEquals(List.of(new DocumentText("d2", "Second", "beta text"), new DocumentText("d1", "First", "alpha text"),
        new DocumentText("3", "", "no title")), dataset.corpus());
    assertEquals(List.of("q1", "q2"), List.copyOf(dataset.queries().keySet()));
    assertEquals(List.of("test", "train"), List.copyOf(dataset.splits()));
    Qrels test = dataset.qrels("test");
    assertEquals(Map.of("d1", 2, "d2", 0), test.judgments("q1"));
    assertEquals(List.of("d1"), test.relevant("q1"));
    assertTrue(test.isRelevant("q2", "d2"));
    assertFalse(test.isRelevant("q1", "d2"));
    assertEquals(List.of("q2"), dataset.qrels("train").queriesWithRelevant());
    assertEquals("alpha text", dataset.document("d1").orElseThrow().text());
  }

  @Test
  void readsGzippedFilesWhateverTheirName() throws IOException {
    gzip("corpus.jsonl.gz", CORPUS);
    gzip("queries.jsonl", QUERIES);
    gzip("qrels/test.tsv", "q1\td1\t1\n");

    BeirDataset dataset = BeirReader.read(dir);

    assertEquals(3, dataset.corpus().size());
    assertEquals("beta", dataset.queries().get("q2"));
    assertEquals(List.of("d1"), dataset.qrels("test").relevant("q1"));
  }

  @Test
  void resultIsImmutable() throws IOException {
    writeValidDataset();
    BeirDataset dataset = BeirReader.read(dir);
    assertThrows(UnsupportedOperationException.class, () -> dataset.corpus().clear());
    assertThrows(UnsupportedOperationException.class, () -> dataset.queries().put("x", "y"));
    assertThrows(UnsupportedOperationException.class, () -> dataset.qrels("test").judgments("q1").put("d9", 1));
  }

  @Test
  void unknownSplitNamesTheAvailableOnes() throws IOException {
    writeValidDataset();
    BeirDataset dataset = BeirReader.read(dir);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dataset.qrels("dev"));
    assertTrue(e.getMessage().contains("available: test"), e.getMessage());
  }

  @Test
  void malformedJsonNamesFileAndLine() throws IOException {
    writeValidDataset();
    write("corpus.jsonl", "{\"_id\": \"d1\", \"text\": \"a\"}\n{\"_id\": \"d2\", \"text\": \n");
    assertMessage("corpus.jsonl line 2: malformed JSON");
  }

  @Test
  void trailingGarbageIsMalformed() throws IOException {
    writeValidDataset();
    write("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"a\"} x\n");
    assertMessage("queries.jsonl line 1: malformed JSON");
  }

  @Test
  void missingIdOrTextNamesTheField() throws IOException {
    writeValidDataset();
    write("corpus.jsonl", "{\"_id\": \"d1\", \"text\": \"a\"}\n[1, 2]\n");
    assertMessage("corpus.jsonl line 2: expected a JSON object");
    write("corpus.jsonl", "{\"text\": \"a\"}\n");
    assertMessage("corpus.jsonl line 1: missing or empty \"_id\"");
    write("corpus.jsonl", "{\"_id\": \"d1\"}\n");
    assertMessage("corpus.jsonl line 1: missing string field \"text\"");
    write("corpus.jsonl", "{\"_id\": \"d1\", \"title\": 5, \"text\": \"a\"}\n");
    assertMessage("corpus.jsonl line 1: field \"title\" is not a string");
  }

  @Test
  void duplicateIdsAreRejected() throws IOException {
    writeValidDataset();
    write("corpus.jsonl", "{\"_id\": \"d1\", \"text\": \"a\"}\n{\"_id\": \"d1\", \"text\": \"b\"}\n");
    assertMessage("corpus.jsonl line 2: duplicate document id \"d1\"");
  }

  @Test
  void badQrelsLinesNameFileAndLine() throws IOException {
    writeValidDataset();
    write("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\n");
    assertMessage("test.tsv line 2: expected query-id, corpus-id and score");
    write("qrels/test.tsv", "q1\td1\t1\nq1\td2\thigh\n");
    assertMessage("test.tsv line 2: score \"high\" is not an integer");
  }

  @Test
  void invalidUtf8NamesFileAndLine() throws IOException {
    writeValidDataset();
    byte[] valid = "{\"_id\": \"q1\", \"text\": \"caf\u00e9\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] broken = {'{', '"', (byte) 0xC3, (byte) 0x28, '\n'};
    byte[] both = new byte[valid.length + broken.length];
    System.arraycopy(valid, 0, both, 0, valid.length);
    System.arraycopy(broken, 0, both, valid.length, broken.length);
    Files.write(dir.resolve("queries.jsonl"), both);
    assertMessage("queries.jsonl line 2: not valid UTF-8 text");
  }

  @Test
  void missingFilesAreNamed() throws IOException {
    assertMessage("does not exist", dir.resolve("nowhere"));
    write("queries.jsonl", QUERIES);
    assertMessage("has no corpus.jsonl or corpus.jsonl.gz");
    write("corpus.jsonl", CORPUS);
    assertMessage("has no qrels directory");
    Files.createDirectories(dir.resolve("qrels"));
    assertMessage("has no <split>.tsv files");
  }

  private void writeValidDataset() throws IOException {
    write("corpus.jsonl", CORPUS);
    write("queries.jsonl", QUERIES);
    write("qrels/test.tsv", "q1\td1\t1\n");
  }

  private void assertMessage(String expected) {
    assertMessage(expected, dir);
  }

  private static void assertMessage(String expected, Path directory) {
    DatasetException e = assertThrows(DatasetException.class, () -> BeirReader.read(directory));
    assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
  }

  private void write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }

  private void gzip(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
  }
}
