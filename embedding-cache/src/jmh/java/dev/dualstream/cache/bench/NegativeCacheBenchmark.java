package dev.dualstream.cache.bench;

import dev.dualstream.cache.NegativeCache;
import dev.dualstream.cache.NegativeCacheBuilder;
import dev.dualstream.cache.Sample;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time per sampling step against the cache size M, for a full cache of unit-length random embeddings: B queries
 * scored against all M entries, then one Gumbel-max draw per query. The cost should grow linearly in M
 * ({@code B x M x dim} multiply-adds, plus {@code B x M} exps in exact mode), so time / M should stay flat.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NegativeCacheBenchmark {

  @Param({"4096", "16384", "65536", "262144"})
  int capacity;

  /** 0 = exact softmax sampling over all entries; else the approximate top-k. */
  @Param({"0", "64"})
  int topK;

  @Param({"32"})
  int batch;

  @Param({"128"})
  int dim;

  private NegativeCache cache;
  private float[] queries;
  private long[] positives;

  @Setup
  public void fill() {
    NegativeCacheBuilder builder = NegativeCache.builder().capacity(capacity).dim(dim).maxFeatures(32)
        .scale(20f).seed(1L);
    cache = topK == 0 ? builder.build() : builder.topK(topK).build();
    SplittableRandom random = new SplittableRandom(2);
    int[] features = new int[32];
    for (int j = 0; j < capacity; j++) {
      cache.insert(j, features, unitVector(random), 0L);
    }
    queries = new float[batch * dim];
    positives = new long[batch];
    for (int i = 0; i < batch; i++) {
      System.arraycopy(unitVector(random), 0, queries, i * dim, dim);
      positives[i] = random.nextInt(capacity);
    }
  }

  @Benchmark
  public Sample sampleStep() {
    return cache.sample(queries, positives);
  }

  private float[] unitVector(SplittableRandom random) {
    float[] v = new float[dim];
    double norm = 0;
    for (int k = 0; k < dim; k++) {
      double u = 1.0 - random.nextDouble();
      double g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
      v[k] = (float) g;
      norm += g * g;
    }
    float inverse = (float) (1 / Math.sqrt(norm));
    for (int k = 0; k < dim; k++) {
      v[k] *= inverse;
    }
    return v;
  }
}
