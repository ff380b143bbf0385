package dev.dualstream.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.demo.DatasetSlice;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench search exports what it searched: the vectors, their ids, and a top k that is the exact top k of those
 * very vectors (recomputed here by brute force), so a peer library timed on the files answers the same
 * question.
 */
class SearchBenchmarkTest {

  @Test
  void exportsVectorsWhoseBruteForceTopKIsTheOneItFound(@TempDir Path dir) throws Exception {
    Path slice = DatasetSlice.write(dir.resolve("slice"), 30, 15);
    Path version = dir.resolve("version");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(
        ModelConfig.defaults().toBuilder().buckets(1 << 12).build(), 5)) {
      trainer.save(version, Map.of());
    }
    BeirDataset data = BeirReader.read(slice);
    Path export = dir.resolve("vectors");
    int k = 10;
    List<String> lines = new ArrayList<>();
    SearchBenchmark.Result result = SearchBenchmark.run(
        new SearchBenchmark.Options(version, data, "test", 2, k, 2, export), lines::add);

    int n = data.corpus().size();
    int d = result.dimension();
    assertEquals(n, result.documents());
    assertEquals(15, result.queries());
    assertEquals(2, result.roundsQps().size());
    assertTrue(result.qps() > 0);
    float[] docs = floats(export.resolve("documents.npy"), n * d);
    float[] queries = floats(export.resolve("queries.npy"), result.queries() * d);
    int[] top = ints(export.resolve("dualstream-top.npy"), result.queries() * k);
    assertEquals(n, Files.readAllLines(export.resolve("documents.txt"), StandardCharsets.UTF_8).size());
    for (int q = 0; q < result.queries(); q++) {
      int row = q;
      double[] scores = IntStream.range(0, n).mapToDouble(i -> dot(queries, row * d, docs, i * d, d)).toArray();
      List<Integer> expected = IntStream.range(0, n).boxed()
          .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i)).limit(k).toList();
      for (int i = 0; i < k; i++) {
        assertEquals(scores[expected.get(i)], scores[top[q * k + i]], 1e-5, "query " + q + " rank " + i);
      }
    }
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("round 2:")), String.join("\n", lines));
  }

  private static double dot(float[] a, int ao, float[] b, int bo, int d) {
    double sum = 0;
    for (int j = 0; j < d; j++) {
      sum += a[ao + j] * b[bo + j];
    }
    return sum;
  }

  private static ByteBuffer body(Path file, int values, int width) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int start = 10 + (buffer.getShort(8) & 0xffff);
    assertEquals(start + (long) values * width, bytes.length, file + " holds its shape's values");
    buffer.position(start);
    return buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  private static float[] floats(Path file, int values) throws Exception {
    float[] out = new float[values];
    body(file, values, 4).asFloatBuffer().get(out);
    return out;
  }

  private static int[] ints(Path file, int values) throws Exception {
    int[] out = new int[values];
    body(file, values, 4).asIntBuffer().get(out);
    return out;
  }
}
