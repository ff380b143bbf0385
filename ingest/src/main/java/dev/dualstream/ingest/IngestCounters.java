package dev.dualstream.ingest;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters the processors bump, summed over the tasks of one process. They count work done,
 * including work that an aborted exactly-once transaction later repeats, and start at zero when the process
 * starts (a restarted stage resumes its committed accounts in its state, not here); use them for progress
 * and monitoring. {@link IngestAccounting} reads the
 * committed truth.
 */
final class IngestCounters {
  private final Map<Account, LongAdder> accounts = new EnumMap<>(Account.class);
  final LongAdder inputRecords = new LongAdder();

  IngestCounters() {
    for (Account a : Account.values()) {
      accounts.put(a, new LongAdder());
    }
  }

  void add(Account account, long delta) {
    accounts.get(account).add(delta);
  }

  IngestCounts snapshot() {
    Map<Account, Long> values = new EnumMap<>(Account.class);
    accounts.forEach((a, v) -> values.put(a, v.sum()));
    return new IngestCounts(inputRecords.sum(), values);
  }
}
