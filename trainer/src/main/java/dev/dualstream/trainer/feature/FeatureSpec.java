package dev.dualstream.trainer.feature;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * Everything that decides which ids a text gets: the feature kinds, the hash and its seed, the
 * number of buckets, and how many ids a query and a document keep. A model is only valid with the
 * spec it was trained with, so the spec goes into every model manifest.
 *
 * @param buckets number of hash buckets; ids are {@code 1..buckets}, 0 is padding
 * @param kinds the feature kinds, in the order they are emitted
 * @param hash name of the hash function; only {@link #MURMUR3_32} exists
 * @param seed seed of the hash function
 * @param maxQueryIds most ids kept for a query
 * @param maxDocIds most ids kept for a document
 */
public record FeatureSpec(
    int buckets, List<FeatureKind> kinds, String hash, int seed, int maxQueryIds, int maxDocIds)
    implements Serializable {

  /** MurmurHash3 x86 32-bit over the UTF-8 bytes of the tagged feature text. */
  public static final String MURMUR3_32 = "murmur3_32";

  /** The default bucket count, 2^20. */
  public static final int DEFAULT_BUCKETS = 1 << 20;

  /**
   * The default kinds, in emission order: word unigrams, character trigrams, word bigrams. Under a
   * document's id limit this order keeps trigrams, which let unseen words match through their
   * spelling, ahead of bigrams, which rarely recur; on debian-pkgdesc it lifted test Recall@10 from
   * 0.36 to 0.59 against unigrams, bigrams, trigrams (see the trainer's QualityProbe).
   */
  public static final List<FeatureKind> DEFAULT_KINDS =
      List.of(FeatureKind.WORD_UNIGRAM, FeatureKind.CHAR_TRIGRAM, FeatureKind.WORD_BIGRAM);

  /** The default hash seed. */
  public static final int DEFAULT_SEED = 0x5eed;

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public FeatureSpec {
    Objects.requireNonNull(kinds, "kinds");
    Objects.requireNonNull(hash, "hash");
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be at least 1, got " + buckets);
    }
    if (kinds.isEmpty() || kinds.stream().distinct().count() != kinds.size()) {
      throw new IllegalArgumentException("kinds must be non-empty and distinct, got " + kinds);
    }
    if (!MURMUR3_32.equals(hash)) {
      throw new IllegalArgumentException(
          "unknown feature hash '" + hash + "'; supported: " + MURMUR3_32);
    }
    if (maxQueryIds < 1 || maxDocIds < 1) {
      throw new IllegalArgumentException(
          "maxQueryIds and maxDocIds must be at least 1, got " + maxQueryIds + ", " + maxDocIds);
    }
    kinds = List.copyOf(kinds);
  }

  /** The documented defaults: {@link #DEFAULT_KINDS}, 2^20 buckets, 64 query and 128 doc ids. */
  public static FeatureSpec defaults() {
    return withBuckets(DEFAULT_BUCKETS, 64, 128);
  }

  /** {@link #DEFAULT_KINDS}, murmur3_32 with the default seed, and the given sizes. */
  public static FeatureSpec withBuckets(int buckets, int maxQueryIds, int maxDocIds) {
    return new FeatureSpec(
        buckets, DEFAULT_KINDS, MURMUR3_32, DEFAULT_SEED, maxQueryIds, maxDocIds);
  }

  /** This spec as a JSON object, as it appears in a model manifest. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write feature spec as JSON", e);
    }
  }

  /**
   * Reads a spec written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException if the text is not a valid feature spec, with the reason
   */
  public static FeatureSpec fromJson(String json) {
    try {
      FeatureSpec spec = JSON.readValue(json, FeatureSpec.class);
      if (spec == null) {
        throw new IllegalArgumentException("feature spec JSON is empty");
      }
      return spec;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a valid feature spec: " + e.getOriginalMessage(), e);
    }
  }
}
