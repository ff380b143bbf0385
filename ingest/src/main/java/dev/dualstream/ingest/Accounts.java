package dev.dualstream.ingest;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One task's accounts, kept in its logged state store (under {@link StateStoreKeys#ACCOUNT}) so that they are committed atomically with the
 * output they describe (exactly-once: the committed changelog says what the committed topics hold), and
 * mirrored in memory. A bump changes the memory; {@link #write} puts the accounts that changed into the
 * store, and the processor calls it at the end of each record and punctuation, so that whatever Kafka
 * Streams commits holds the accounts of everything processed before. Live counters for progress are
 * bumped too.
 */
final class Accounts {
  private final KeyValueStore<Bytes, byte[]> store;
  private final IngestCounters live;
  private final Map<Account, Long> values = new EnumMap<>(Account.class);
  private final Set<Account> changed = EnumSet.noneOf(Account.class);

  Accounts(KeyValueStore<Bytes, byte[]> store, IngestCounters live) {
    this.store = store;
    this.live = live;
    for (Account a : Account.values()) {
      byte[] v = store.get(key(a));
      values.put(a, v == null ? 0L : StateStoreKeys.longOf(v));
    }
  }

  static Bytes key(Account a) {
    return StateStoreKeys.of(StateStoreKeys.ACCOUNT, a.key());
  }

  void add(Account account, long delta) {
    long v = values.get(account) + delta;
    values.put(account, v);
    changed.add(account);
    live.add(account, delta);
  }

  void bump(Account account) {
    add(account, 1);
  }

  long get(Account account) {
    return values.get(account);
  }

  /** Puts the accounts changed since the last write into the store. */
  void write() {
    for (Account a : changed) {
      store.put(key(a), StateStoreKeys.longValue(values.get(a)));
    }
    changed.clear();
  }

  /** Moves one record out of an open account into a settled one. */
  void settle(Account open, Account outcome) {
    add(open, -1);
    add(outcome, 1);
  }
}
