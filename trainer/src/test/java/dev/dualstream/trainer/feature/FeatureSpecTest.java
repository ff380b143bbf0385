package dev.dualstream.trainer.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureSpecTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    FeatureSpec spec = FeatureSpec.defaults();
    assertEquals(1 << 20, spec.buckets());
    assertEquals(64, spec.maxQueryIds());
    assertEquals(128, spec.maxDocIds());
    assertEquals(FeatureSpec.MURMUR3_32, spec.hash());
  }

  @Test
  void jsonRoundTripKeepsEveryField() {
    FeatureSpec spec = new FeatureSpec(4096,
        List.of(FeatureKind.CHAR_TRIGRAM, FeatureKind.WORD_UNIGRAM), FeatureSpec.MURMUR3_32, 17,
        10, 20);
    assertEquals(spec, FeatureSpec.fromJson(spec.toJson()));
    assertTrue(spec.toJson().contains("\"buckets\":4096"), spec.toJson());
  }

  @Test
  void badJsonIsRefusedWithTheReason() {
    IllegalArgumentException notJson =
        assertThrows(IllegalArgumentException.class, () -> FeatureSpec.fromJson("{oops"));
    assertTrue(notJson.getMessage().startsWith("not a valid feature spec"), notJson.getMessage());
    String badHash = FeatureSpec.defaults().toJson().replace(FeatureSpec.MURMUR3_32, "md5");
    IllegalArgumentException unknown =
        assertThrows(IllegalArgumentException.class, () -> FeatureSpec.fromJson(badHash));
    assertTrue(unknown.getMessage().contains("md5"), unknown.getMessage());
  }

  @Test
  void invalidValuesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> FeatureSpec.withBuckets(0, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> FeatureSpec.withBuckets(8, 0, 1));
    List<FeatureKind> twice = List.of(FeatureKind.WORD_BIGRAM, FeatureKind.WORD_BIGRAM);
    assertThrows(IllegalArgumentException.class,
        () -> new FeatureSpec(8, twice, FeatureSpec.MURMUR3_32, 0, 1, 1));
  }
}
