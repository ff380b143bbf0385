package dev.dualstream.ingest;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Document;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global document store: the latest version of every document, by doc id, as the bytes its
 * producer sent (the join decodes what it reads, see {@link DocumentLookup}). A tombstone deletes;
 * an update with a lower version than the stored one is ignored (equal versions replace, so a corrected
 * record can be re-sent). Kafka Streams runs this processor on restore too, so the rules hold after a
 * restart.
 *
 * <p>A global store's processor cannot forward, so records that fail to decode or check are only skipped
 * here; the document check topology ({@link IngestTopology#documentCheck}) reads the same topic,
 * dead-letters them with the same decoder and checks, and counts applied and stale versions by the same
 * rule, so both agree on what is valid.
 */
final class DocumentStoreUpdater implements Processor<byte[], byte[], Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(DocumentStoreUpdater.class);
  private final DocumentLookup.Generation generation;
  private KeyValueStore<String, byte[]> store;

  DocumentStoreUpdater(DocumentLookup.Generation generation) {
    this.generation = generation;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(IngestTopology.DOCUMENT_STORE);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    if (record.key() == null || record.key().length == 0) {
      return;
    }
    String key = new String(record.key(), StandardCharsets.UTF_8);
    if (record.value() == null) {
      store.delete(key);
      generation.changed();
      return;
    }
    Document doc;
    try {
      doc = Topics.DOCUMENTS.codec().decode(record.value());
      if (InputChecks.document(key, doc) != null) {
        return;
      }
    } catch (RuntimeException e) {
      LOG.debug("document store skips {}: {}", key, e.getMessage());
      return;
    }
    byte[] current = store.get(key);
    if (current == null || replaces(Topics.DOCUMENTS.codec().decode(current), doc)) {
      store.put(key, record.value());
      generation.changed();
    }
  }

  /** The version rule: whether {@code next} replaces {@code current} (null when the store holds none). */
  static boolean replaces(Document current, Document next) {
    return current == null || current.getVersion() <= next.getVersion();
  }
}
