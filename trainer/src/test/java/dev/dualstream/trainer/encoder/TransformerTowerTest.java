package dev.dualstream.trainer.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransformerTowerTest {

  private static final int D = 8;
  private static final int F = 32;
  private static final int OUT = 6;
  private static final int POSITIONS = 6;
  private static final List<int[]> SEQUENCES = List.of(
      new int[] {3, 9, 5}, new int[] {12, 3, 7, 7, 30, 31}, new int[] {30}, new int[] {});

  @TempDir Path dir;

  @Test
  void paddingNeitherChangesAnEmbeddingNorReachesTheGradient() {
    EmbeddingTable table = EmbeddingTable.random(40, D, 0.5f, 1);
    try (NDManager manager = NDManager.newBaseManager()) {
      TransformerTower tower = TransformerTower.random(manager, D, F, OUT, POSITIONS,
          new TransformerSpec(2, 2, 0), 4, false);
      RowBatch batch = RowBatch.of(SEQUENCES);
      float[] together = tower.forward(tower.input(manager, table, batch, 0, 4), false)
          .toFloatArray();
      for (int s = 0; s < SEQUENCES.size(); s++) {
        RowBatch alone = RowBatch.of(List.of(SEQUENCES.get(s)));
        float[] single = tower.forward(tower.input(manager, table, alone, 0, 1), false)
            .toFloatArray();
        for (int k = 0; k < OUT; k++) {
          assertEquals(single[k], together[s * OUT + k], 1e-5, "sequence " + s + " dim " + k);
        }
      }
      // Order matters: unlike the bag, a permutation of the same ids embeds elsewhere.
      RowBatch permuted = RowBatch.of(List.of(new int[] {5, 9, 3}));
      float[] other = tower.forward(tower.input(manager, table, permuted, 0, 1), false)
          .toFloatArray();
      double distance = 0;
      for (int k = 0; k < OUT; k++) {
        distance += Math.abs(other[k] - together[k]);
      }
      assertTrue(distance > 1e-3, "position embeddings are ignored: " + distance);
    }
  }

  @Test
  void topKKeepsAtMostKActivationsPerToken() {
    EmbeddingTable table = EmbeddingTable.random(40, D, 0.5f, 1);
    try (NDManager manager = NDManager.newBaseManager()) {
      RowBatch batch = RowBatch.of(SEQUENCES);
      TransformerTower dense = TransformerTower.random(manager, D, F, OUT, POSITIONS,
          new TransformerSpec(3, 2, 0), 4, false);
      float[] plain = dense.nonzeroFractions(dense.input(manager, table, batch, 0, 4));
      assertEquals(3, plain.length);
      for (float fraction : plain) {
        // A ReLU of random pre-activations is live about half the time.
        assertTrue(fraction > 0.2 && fraction < 0.8, "nonzero fraction at init: " + fraction);
      }
      TransformerTower sparse = TransformerTower.of(manager, D, F, OUT, POSITIONS,
          new TransformerSpec(3, 2, 4), dense.values(), false);
      float[] kept = sparse.nonzeroFractions(sparse.input(manager, table, batch, 0, 4));
      for (int layer = 0; layer < 3; layer++) {
        assertTrue(kept[layer] <= 4f / F + 1e-6 && kept[layer] > 0, "layer " + layer + ": "
            + kept[layer]);
      }
      // The first block sees the same input with or without Top-k; only later blocks differ.
      float[] a = dense.forward(dense.input(manager, table, batch, 0, 4), false).toFloatArray();
      float[] b = sparse.forward(sparse.input(manager, table, batch, 0, 4), false).toFloatArray();
      assertTrue(!java.util.Arrays.equals(a, b), "top-k changed nothing");
    }
  }

  @Test
  void writeThenReadRestoresTheSameWeightsAndShape() throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      TransformerTower tower = TransformerTower.random(manager, D, F, OUT, POSITIONS,
          new TransformerSpec(2, 4, 8), 9, true);
      Path file = dir.resolve("dense.f32");
      tower.write(file, ArrayFile.Durability.SCRATCH);
      Tower read = Tower.read(manager, file, true);
      TransformerTower back = assertInstanceOf(read);
      assertEquals(tower.spec(), back.spec());
      assertEquals(tower.shapes(), back.shapes());
      for (int i = 0; i < tower.values().size(); i++) {
        assertArrayEquals(tower.values().get(i), back.values().get(i), "parameter " + i);
      }
      byte[] bytes = Files.readAllBytes(file);
      Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 4));
      IOException shortFile = assertThrows(IOException.class, () -> Tower.read(manager, file, false));
      assertTrue(shortFile.getMessage().contains("expected"), shortFile.getMessage());
      bytes[4 * 6] = 3; // three heads cannot divide a width of 8
      Files.write(file, bytes);
      IOException badShape = assertThrows(IOException.class, () -> Tower.read(manager, file, false));
      assertTrue(badShape.getMessage().contains("heads"), badShape.getMessage());
    }
  }

  @Test
  void refusesSequencesLongerThanItsPositionsAndImpossibleShapes() {
    EmbeddingTable table = EmbeddingTable.random(40, D, 0.5f, 1);
    try (NDManager manager = NDManager.newBaseManager()) {
      TransformerTower tower = TransformerTower.random(manager, D, F, OUT, 2,
          TransformerSpec.defaults(), 4, false);
      RowBatch batch = RowBatch.of(SEQUENCES);
      IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
          () -> tower.input(manager, table, batch, 0, 2));
      assertTrue(tooLong.getMessage().contains("2 positions"), tooLong.getMessage());
      assertThrows(IllegalArgumentException.class, () -> TransformerTower.random(manager, D, F,
          OUT, 4, new TransformerSpec(1, 3, 0), 1, false));
      assertThrows(IllegalArgumentException.class, () -> TransformerTower.random(manager, D, F,
          OUT, 4, new TransformerSpec(1, 2, F + 1), 1, false));
      assertThrows(IllegalArgumentException.class, () -> new TransformerSpec(0, 1, 0));
    }
  }

  @Test
  void growingCopiesTheTrainedLayersAsEachGrowthSays() {
    try (NDManager manager = NDManager.newBaseManager()) {
      TransformerTower small = TransformerTower.random(manager, D, F, OUT, POSITIONS,
          new TransformerSpec(2, 2, 0), 5, true);
      List<float[]> from = small.values();
      int perLayer = 12;
      int tail = from.size() - 4;
      for (TransformerTower.Growth growth : TransformerTower.Growth.values()) {
        TransformerTower grown = small.grown(manager, 5, growth, 6, true);
        assertEquals(5, grown.spec().layers());
        List<float[]> to = grown.values();
        assertEquals(1 + 5 * perLayer + 4, to.size());
        assertArrayEquals(from.get(0), to.get(0), growth + ": positions");
        for (int i = 0; i < 4; i++) {
          assertArrayEquals(from.get(tail + i), to.get(1 + 5 * perLayer + i), growth + ": final norm and output");
        }
        for (int layer = 0; layer < 5; layer++) {
          int source = switch (growth) {
            case STACK_ALL -> layer % 2;
            case STACK_TOP -> Math.min(layer, 1);
            case RANDOM -> layer < 2 ? layer : -1;
          };
          for (int i = 1; i <= perLayer; i++) {
            float[] actual = to.get(layer * perLayer + i);
            if (source >= 0) {
              assertArrayEquals(from.get(source * perLayer + i), actual, growth + " layer " + layer + " part " + i);
            } else if (i == 3) {
              // A fresh layer's attention map is random, unlike either trained one.
              assertTrue(!java.util.Arrays.equals(from.get(perLayer + i), actual)
                  && !java.util.Arrays.equals(from.get(i), actual), growth + " layer " + layer);
            }
          }
        }
      }
      assertThrows(IllegalArgumentException.class,
          () -> small.grown(manager, 2, TransformerTower.Growth.STACK_ALL, 1, true));
    }
  }

  @Test
  void encodersAreReadFromTheirCommandLineNames() {
    assertEquals(null, TransformerSpec.parseEncoder("bag"));
    assertEquals(TransformerSpec.defaults(), TransformerSpec.parseEncoder("transformer"));
    TransformerSpec spec = TransformerSpec.parseEncoder("transformer:layers=4, topk=32");
    assertEquals(new TransformerSpec(4, TransformerSpec.defaults().heads(), 32), spec);
    assertEquals(spec, TransformerSpec.parseEncoder(spec.describe()));
    for (String bad : List.of("lstm", "transformer:depth=2", "transformer:layers", "transformer:layers=x",
        "transformer:layers=0")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TransformerSpec.parseEncoder(bad));
      assertTrue(e.getMessage().length() > 10 && !e.getMessage().contains("Exception"), e.getMessage());
    }
  }

  private static TransformerTower assertInstanceOf(Tower tower) {
    assertTrue(tower instanceof TransformerTower, "read back a " + tower.getClass());
    return (TransformerTower) tower;
  }
}
