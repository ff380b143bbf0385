package dev.dualstream.evaluator.simulate;

/**
 * Who searches for what, beyond the click model: how popular queries are, how long a user's session
 * lasts, and how often documents change. {@link #UNIFORM} is the simulator's original traffic (every
 * query equally likely, one search per session, a fixed corpus), which the demo and the benchmarks keep.
 *
 * @param queryZipf exponent s of a Zipf law over the split's queries: the query of popularity rank r
 *     (ranks drawn by a seeded shuffle) is chosen with probability proportional to 1 / r^s; 0 is uniform
 * @param meanSessionLength mean searches per session (geometric): a user keeps searching in the same
 *     session with probability 1 - 1 / mean after each search; 1 makes every search its own session
 * @param documentUpdatesPerSearch expected new document versions per search: after each search, a
 *     uniformly drawn document gets a new version (its text revised) with this probability (at most 1)
 * @param interests whether users have topics of their own ({@link UserInterests}); with them, a
 *     session's user is drawn first and each of its queries from the user's topics, Zipf within a topic
 */
public record Traffic(double queryZipf, double meanSessionLength, double documentUpdatesPerSearch,
    UserInterests interests) {
  public static final Traffic UNIFORM = new Traffic(0, 1, 0);
  /**
   * What {@code simulate} sends by default: Zipf 0.5 over the queries (at 1 the 100 most popular of
   * debian-pkgdesc's 26,000 train queries take half the searches), sessions of 3 searches, a fixed corpus.
   */
  public static final Traffic LIVE = new Traffic(0.5, 3, 0);

  /** Traffic of users without interests of their own. */
  public Traffic(double queryZipf, double meanSessionLength, double documentUpdatesPerSearch) {
    this(queryZipf, meanSessionLength, documentUpdatesPerSearch, UserInterests.NONE);
  }

  public Traffic withInterests(UserInterests value) {
    return new Traffic(queryZipf, meanSessionLength, documentUpdatesPerSearch, value);
  }

  public Traffic {
    interests = interests == null ? UserInterests.NONE : interests;
    if (!(queryZipf >= 0 && queryZipf <= 10)) {
      throw new IllegalArgumentException("query Zipf exponent must be in [0, 10], was " + queryZipf);
    }
    if (!(meanSessionLength >= 1 && meanSessionLength <= 1_000)) {
      throw new IllegalArgumentException("mean session length must be in [1, 1000], was " + meanSessionLength);
    }
    if (!(documentUpdatesPerSearch >= 0 && documentUpdatesPerSearch <= 1)) {
      throw new IllegalArgumentException("document updates per search must be in [0, 1], was "
          + documentUpdatesPerSearch);
    }
  }
}
