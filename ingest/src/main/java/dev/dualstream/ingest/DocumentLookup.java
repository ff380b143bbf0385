package dev.dualstream.ingest;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Document;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The join's view of the document store: the current version of a document, decoded. The store holds each
 * document's bytes as its producer sent them, and is kept by another thread (the global store's), which
 * counts every change in a shared {@link Generation}. The documents clicked on repeat, so the last {@value
 * #CAPACITY} decoded are kept, each with the bytes it was decoded from and the generation it was read at:
 * while the generation has not moved, the store has not changed and the kept document is current; once it
 * has, a lookup reads the store again and decodes only if the bytes differ. A new version is seen as soon
 * as the store has it.
 *
 * <p>One per processor: not thread-safe (the {@link Generation} is).
 */
final class DocumentLookup {
  static final int CAPACITY = 8_192;

  /** Counts the changes to one document store: bumped after each, by the thread that makes it. */
  static final class Generation {
    private final AtomicLong changes = new AtomicLong();

    void changed() {
      changes.incrementAndGet();
    }

    long now() {
      return changes.get();
    }
  }

  private record Decoded(byte[] raw, Document document, long generation) {}

  private final KeyValueStore<String, byte[]> store;
  private final Generation generation;
  private final Map<String, Decoded> recent = new LinkedHashMap<>(CAPACITY * 2, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Decoded> eldest) {
      return size() > CAPACITY;
    }
  };

  DocumentLookup(KeyValueStore<String, byte[]> store, Generation generation) {
    this.store = store;
    this.generation = generation;
  }

  /** The document as the store holds it now, or null when it holds none. */
  Document get(String docId) {
    long now = generation.now(); // before the read: a change after it makes the next lookup read again
    Decoded d = recent.get(docId);
    if (d != null && d.generation() == now) {
      return d.document();
    }
    byte[] raw = store.get(docId);
    if (raw == null) {
      recent.remove(docId);
      return null;
    }
    Document document = d != null && Arrays.equals(d.raw(), raw) ? d.document() : Topics.DOCUMENTS.codec().decode(raw);
    recent.put(docId, new Decoded(raw, document, now));
    return document;
  }
}
