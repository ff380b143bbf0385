package dev.dualstream.ingest;

/**
 * Where input records end up: one account per outcome, per input topic. Every record read is counted in
 * exactly one account once it is settled, or in an open account while it waits in the join state:
 *
 * <pre>
 * impressions = clicked + never clicked + duplicate + dead letters + open
 * clicks      = examples + duplicate + short dwell + dead letters + awaiting impression + awaiting document
 * documents   = applied + stale + dead letters
 * </pre>
 *
 * Dead letters are counted from {@code deadletter.ingest} by their source topic; the other accounts are
 * kept in the stage's state (and so committed together with its output). {@link IngestAccounting} checks
 * the equations against what the broker holds.
 */
public enum Account {
  IMPRESSIONS_CLICKED("impressions", "clicked", false),
  IMPRESSIONS_NEVER_CLICKED("impressions", "never clicked", false),
  IMPRESSIONS_DUPLICATE("impressions", "duplicate", false),
  IMPRESSIONS_DEAD_LETTER("impressions", "dead letters", false),
  IMPRESSIONS_OPEN("impressions", "open (window not closed)", true),
  CLICKS_EXAMPLE("clicks", "examples", false),
  CLICKS_DUPLICATE("clicks", "duplicate", false),
  CLICKS_SHORT_DWELL("clicks", "short dwell", false),
  CLICKS_DEAD_LETTER("clicks", "dead letters", false),
  CLICKS_AWAITING_IMPRESSION("clicks", "awaiting impression", true),
  CLICKS_AWAITING_DOCUMENT("clicks", "awaiting document", true),
  DOCUMENTS_APPLIED("documents", "applied", false),
  DOCUMENTS_STALE("documents", "stale version", false),
  DOCUMENTS_DEAD_LETTER("documents", "dead letters", false);

  private final String input;
  private final String outcome;
  private final boolean open;

  Account(String input, String outcome, boolean open) {
    this.input = input;
    this.outcome = outcome;
    this.open = open;
  }

  /** Which input this account belongs to: impressions, clicks or documents. */
  public String input() {
    return input;
  }

  /** The outcome, as reports print it. */
  public String outcome() {
    return outcome;
  }

  /** Whether records leave this account again (they wait in the join state). */
  public boolean isOpen() {
    return open;
  }

  /** The key under which the stage's state keeps this account. */
  String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
