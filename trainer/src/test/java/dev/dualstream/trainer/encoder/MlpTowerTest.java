package dev.dualstream.trainer.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MlpTowerTest {

  @TempDir Path dir;

  @Test
  void outputsUnitRowsWithOrWithoutGradient() {
    try (NDManager manager = NDManager.newBaseManager()) {
      MlpTower tower = MlpTower.random(manager, 6, 10, 4, 1, true);
      NDArray input = manager.create(randomFloats(18, 2), new Shape(3, 6));
      float[] withGradient = tower.forward(input, true).toFloatArray();
      float[] detached = tower.forward(input, false).toFloatArray();
      assertArrayEquals(withGradient, detached, 1e-6f);
      for (int row = 0; row < 3; row++) {
        double norm = 0;
        for (int k = 0; k < 4; k++) {
          norm += withGradient[row * 4 + k] * withGradient[row * 4 + k];
        }
        assertEquals(1.0, norm, 1e-5);
      }
    }
  }

  @Test
  void seededInitIsReproducible() {
    try (NDManager manager = NDManager.newBaseManager()) {
      MlpTower a = MlpTower.random(manager, 6, 10, 4, 7, false);
      MlpTower b = MlpTower.random(manager, 6, 10, 4, 7, false);
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(a.values().get(i), b.values().get(i));
      }
      assertFalse(a.parameters().get(0).hasGradient());
    }
  }

  @Test
  void writeReadRoundTripIsExact() throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      MlpTower tower = MlpTower.random(manager, 5, 7, 3, 11, true);
      Path file = dir.resolve("dense.f32");
      tower.write(file);
      MlpTower read = MlpTower.read(manager, file, false);
      assertEquals(7, read.hiddenDim());
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(tower.values().get(i), read.values().get(i));
      }
    }
  }

  @Test
  void widthsThatMultiplyToTheFileLengthButNotToArraysAreRefused() throws IOException {
    // in -5, hidden -1, out 7: the sizes (5, -1, -7, 7) sum to 4 floats, so a 36-byte file
    // matched its header and then asked for a float[-1].
    Path file = dir.resolve("forged.f32");
    ArrayFile.create(file).ints(MlpTower.MAGIC, MlpTower.FORMAT_VERSION, -5, -1, 7).ints(0, 0, 0, 0).close();
    try (NDManager manager = NDManager.newBaseManager()) {
      IOException e = assertThrows(IOException.class, () -> MlpTower.read(manager, file, false));
      assertTrue(e.getMessage().contains("declares layer widths -5, -1, 7"), e.getMessage());
    }
  }

  private static float[] randomFloats(int n, long seed) {
    Random random = new Random(seed);
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }
}
