package dev.dualstream.ingest;

import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One task's accounts, kept in its logged state store (under {@link StateStoreKeys#ACCOUNT}) so that they are committed atomically with the
 * output they describe (exactly-once: the committed changelog says what the committed topics hold), and
 * mirrored in memory so that a bump is a single cached put. Live counters for progress are bumped too.
 */
final class Accounts {
  private final KeyValueStore<Bytes, byte[]> store;
  private final IngestCounters live;
  private final Map<Account, Long> values = new EnumMap<>(Account.class);

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
    store.put(key(account), StateStoreKeys.longValue(v));
    live.add(account, delta);
  }

  void bump(Account account) {
    add(account, 1);
  }

  /** Moves one record out of an open account into a settled one. */
  void settle(Account open, Account outcome) {
    add(open, -1);
    add(outcome, 1);
  }
}
