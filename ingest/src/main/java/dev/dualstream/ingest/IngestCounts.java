package dev.dualstream.ingest;

import java.util.Map;

/**
 * A snapshot of what a running ingest process has done: records read since it started, and the accounts
 * of its tasks (restored from the committed state when a task starts, then bumped live). Counts include
 * work repeated after an aborted exactly-once transaction, so use them for progress and monitoring;
 * {@link IngestAccounting} reads what was committed.
 *
 * @param inputRecords records read from the impression, click and document topics since start
 * @param accounts every {@link Account}
 */
public record IngestCounts(long inputRecords, Map<Account, Long> accounts) {
  public IngestCounts {
    accounts = Map.copyOf(accounts);
  }

  public long get(Account account) {
    return accounts.getOrDefault(account, 0L);
  }

  /** Training examples emitted. */
  public long examples() {
    return get(Account.CLICKS_EXAMPLE);
  }

  /** Dead letters emitted, over all inputs. */
  public long deadLetters() {
    return get(Account.IMPRESSIONS_DEAD_LETTER) + get(Account.CLICKS_DEAD_LETTER) + get(Account.DOCUMENTS_DEAD_LETTER);
  }
}
