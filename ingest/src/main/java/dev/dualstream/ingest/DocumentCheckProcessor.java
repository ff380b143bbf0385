package dev.dualstream.ingest;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Document;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Accounts for every record of {@code corpus.documents}: dead-letters bad ones, and counts valid ones as
 * applied or stale by the rule {@link DocumentStoreUpdater} applies to the document store (a lower version
 * never replaces a higher one; a tombstone deletes, after which any version is new). It keeps only each
 * document's version, which is all the rule needs.
 */
final class DocumentCheckProcessor extends ContextualProcessor<byte[], Input<?>, Object, Object> {
  private final IngestCounters counters;
  private final InputGate<Document> gate = new InputGate<>(Topics.DOCUMENTS, "doc id", InputChecks::document);
  private KeyValueStore<Bytes, byte[]> state;
  private Accounts accounts;
  private DeadLetters deadLetters;

  DocumentCheckProcessor(IngestCounters counters) {
    this.counters = counters;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    super.init(context);
    state = context.getStateStore(IngestTopology.STATE_STORE);
    accounts = new Accounts(state, counters);
    deadLetters = new DeadLetters(context, accounts);
  }

  @Override
  public void process(Record<byte[], Input<?>> record) {
    counters.inputRecords.increment();
    RecordMetadata meta = context().recordMetadata().orElseThrow();
    InputGate.Admitted<Document> admitted = gate.admit(record, meta, deadLetters);
    if (admitted instanceof InputGate.Tombstone<Document> t) {
      state.delete(StateStoreKeys.of(StateStoreKeys.DOCUMENT_VERSION, t.key()));
      accounts.bump(Account.DOCUMENTS_APPLIED);
    } else if (admitted instanceof InputGate.Valid<Document> v) {
      Bytes key = StateStoreKeys.of(StateStoreKeys.DOCUMENT_VERSION, v.stored().key());
      byte[] current = state.get(key);
      if (current != null && StateStoreKeys.longOf(current) > v.value().getVersion()) {
        accounts.bump(Account.DOCUMENTS_STALE);
      } else {
        state.put(key, StateStoreKeys.longValue(v.value().getVersion()));
        accounts.bump(Account.DOCUMENTS_APPLIED);
      }
    }
    accounts.write();
  }
}
