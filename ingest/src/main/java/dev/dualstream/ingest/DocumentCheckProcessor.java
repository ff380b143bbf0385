package dev.dualstream.ingest;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Document;
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
  private KeyValueStore<String, Long> versions;
  private Accounts accounts;
  private DeadLetters deadLetters;

  DocumentCheckProcessor(IngestCounters counters) {
    this.counters = counters;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    super.init(context);
    versions = context.getStateStore(IngestTopology.DOCUMENT_VERSION_STORE);
    accounts = new Accounts(context.getStateStore(IngestTopology.ACCOUNT_STORE), counters);
    deadLetters = new DeadLetters(context, accounts);
  }

  @Override
  public void process(Record<byte[], Input<?>> record) {
    counters.inputRecords.increment();
    RecordMetadata meta = context().recordMetadata().orElseThrow();
    InputGate.Admitted<Document> admitted = gate.admit(record, meta, deadLetters);
    if (admitted instanceof InputGate.Tombstone<Document> t) {
      versions.delete(t.key());
      accounts.bump(Account.DOCUMENTS_APPLIED);
    } else if (admitted instanceof InputGate.Valid<Document> v) {
      Long current = versions.get(v.stored().key());
      if (current != null && current > v.value().getVersion()) {
        accounts.bump(Account.DOCUMENTS_STALE);
      } else {
        versions.put(v.stored().key(), v.value().getVersion());
        accounts.bump(Account.DOCUMENTS_APPLIED);
      }
    }
  }
}
