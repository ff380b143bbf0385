package dev.dualstream.evaluator.simulate;

/**
 * Whether simulated users have interests of their own, and which. With {@link #NONE} a search's user
 * is drawn independently of its query, so every user's searches look alike (IID users). Otherwise the
 * split's queries are clustered by topic ({@link InterestModel}), each user draws a mixture over the
 * clusters from a symmetric Dirichlet, and each of the user's searches picks a cluster from that mixture
 * and a query from the cluster, as federated benchmarks split data by a Dirichlet over labels.
 *
 * @param clusters topic clusters of the queries; 0 turns interests off
 * @param alpha concentration of the Dirichlet: small (0.1) gives users a few topics each, large
 *     (100) makes them alike
 * @param heldOutShare share of users who never train, with queries of their own: that share of each
 *     cluster's queries is theirs alone
 */
public record UserInterests(int clusters, double alpha, double heldOutShare) {
  /** No interests: the user of a search is independent of its query. */
  public static final UserInterests NONE = new UserInterests(0, 1, 0);

  public UserInterests {
    if (clusters < 0 || clusters == 1 || clusters > 10_000) {
      throw new IllegalArgumentException("clusters must be 0 (no interests) or 2 to 10000, was " + clusters);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("Dirichlet alpha must be positive, was " + alpha);
    }
    if (!(heldOutShare >= 0 && heldOutShare < 1)) {
      throw new IllegalArgumentException("held-out share must be in [0, 1), was " + heldOutShare);
    }
  }

  public boolean enabled() {
    return clusters > 0;
  }

  /** How {@link #parse} reads interests, for help texts. */
  public static final String SYNTAX = "off | clusters=C[,alpha=A][,heldout=H]";

  /**
   * Reads interests from a command line: {@code off}, or comma-separated {@code clusters=C},
   * {@code alpha=A} (default 0.1) and {@code heldout=H} (default 0.1).
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static UserInterests parse(String text) {
    String trimmed = text == null ? "" : text.trim();
    if (trimmed.equals("off")) {
      return NONE;
    }
    int clusters = -1;
    double alpha = 0.1;
    double heldOut = 0.1;
    for (String pair : trimmed.split(",")) {
      String[] kv = pair.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("user interests '" + text + "': '" + pair + "' is not key=value; expected "
            + SYNTAX);
      }
      try {
        switch (kv[0].trim()) {
          case "clusters" -> clusters = Integer.parseInt(kv[1].trim());
          case "alpha" -> alpha = Double.parseDouble(kv[1].trim());
          case "heldout" -> heldOut = Double.parseDouble(kv[1].trim());
          default -> throw new IllegalArgumentException("user interests: unknown key '" + kv[0].trim()
              + "'; expected clusters, alpha or heldout");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("user interests: " + kv[0].trim() + " needs a number, got '" + kv[1] + "'");
      }
    }
    if (clusters < 0) {
      throw new IllegalArgumentException("user interests '" + text + "' need clusters=C; expected " + SYNTAX);
    }
    return new UserInterests(clusters, alpha, heldOut);
  }
}
