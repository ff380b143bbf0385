package dev.dualstream.evaluator.bm25;

import dev.dualstream.evaluator.search.Retriever;
import dev.dualstream.evaluator.search.ScoredDocument;
import dev.dualstream.trainer.model.DocumentText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LogDocMergePolicy;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * BM25 over an in-memory Lucene index of a corpus: one field holding title and text, analysed with
 * Lucene's {@link EnglishAnalyzer} (standard tokenizer, possessives, lower case, English stop words,
 * Porter stemming), scored with {@code BM25Similarity(k1 = 0.9, b = 0.4)}, the Anserini/Pyserini
 * defaults that BEIR's BM25 baselines use.
 *
 * <p>Queries never go through Lucene's query parser, so no query text is a syntax error: the text
 * is run through the same analyzer and each distinct token becomes a SHOULD term clause, boosted by
 * how often it occurs (Anserini's bag-of-words query). Documents are indexed by one thread with an
 * order-preserving merge policy and merged into one segment, so Lucene's document number is the
 * corpus position and ties (Lucene breaks them by document number) fall in corpus order.
 */
public final class Bm25Index implements Retriever {
  /** Term-frequency saturation. */
  public static final float K1 = 0.9f;
  /** Length normalisation. */
  public static final float B = 0.4f;
  private static final String FIELD = "body";
  /**
   * Lucene's SIMD code needs Java 21; on 17 it warns, once per process, that the Vector API module it
   * sees (added for {@code DenseIndex}) goes unused, and falls back to its scalar code. The warning
   * says nothing a user can act on, so it is silenced here, before Lucene first looks. Held in a
   * field: java.util.logging keeps loggers only weakly.
   */
  private static final java.util.logging.Logger LUCENE_VECTORIZATION = quietLuceneVectorization();

  private static java.util.logging.Logger quietLuceneVectorization() {
    java.util.logging.Logger logger =
        java.util.logging.Logger.getLogger("org.apache.lucene.internal.vectorization.VectorizationProvider");
    logger.setLevel(java.util.logging.Level.SEVERE);
    return logger;
  }

  private final Analyzer analyzer;
  private final ByteBuffersDirectory directory;
  private final DirectoryReader reader;
  private final IndexSearcher searcher;
  private final String[] ids;
  private final Map<String, Integer> positions;
  private final Memo memo = new Memo(MEMO_HITS);

  /**
   * Hits the index remembers across searches (a document and a score each, 8 bytes: 64 MB). The index
   * never changes, so a query's ranking is computed once: the evaluator scores every model version
   * against the same test and dev queries, and the hybrid asks for their top 1,000.
   */
  static final int MEMO_HITS = 8_000_000;

  private Bm25Index(Analyzer analyzer, ByteBuffersDirectory directory, DirectoryReader reader, String[] ids) {
    this.analyzer = analyzer;
    this.directory = directory;
    this.reader = reader;
    this.ids = ids;
    this.searcher = new IndexSearcher(reader);
    this.searcher.setSimilarity(new BM25Similarity(K1, B));
    this.positions = new HashMap<>(ids.length * 2);
    for (int i = 0; i < ids.length; i++) {
      positions.put(ids[i], i);
    }
  }

  /** Indexes the corpus (title and text) in memory. */
  public static Bm25Index build(List<DocumentText> corpus) {
    Analyzer analyzer = new EnglishAnalyzer();
    ByteBuffersDirectory directory = new ByteBuffersDirectory();
    IndexWriterConfig config = new IndexWriterConfig(analyzer)
        .setSimilarity(new BM25Similarity(K1, B))
        .setMergePolicy(new LogDocMergePolicy())
        .setMergeScheduler(new SerialMergeScheduler())
        .setRAMBufferSizeMB(128)
        .setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    String[] ids = new String[corpus.size()];
    try {
      try (IndexWriter writer = new IndexWriter(directory, config)) {
        int position = 0;
        for (DocumentText doc : corpus) {
          Document lucene = new Document();
          lucene.add(new TextField(FIELD, doc.title() + " " + doc.text(), Field.Store.NO));
          writer.addDocument(lucene);
          ids[position++] = doc.id();
        }
        writer.forceMerge(1);
        writer.commit();
      }
      DirectoryReader reader = DirectoryReader.open(directory);
      if (reader.maxDoc() != ids.length || reader.leaves().size() > 1) {
        reader.close();
        throw new IllegalStateException("BM25 index lost corpus order: " + reader.maxDoc() + " docs in "
            + reader.leaves().size() + " segments for " + ids.length + " documents");
      }
      return new Bm25Index(analyzer, directory, reader, ids);
    } catch (IOException e) {
      throw new UncheckedIOException("building the BM25 index failed", e);
    }
  }

  /** Number of indexed documents. */
  public int size() {
    return ids.length;
  }

  /** Searches the queries in parallel (Lucene's searcher is thread-safe); results keep query order. */
  @Override
  public List<List<ScoredDocument>> search(List<String> queries, int k) {
    return queries.parallelStream().map(query -> search(query, k)).toList();
  }

  @Override
  public List<ScoredDocument> search(String query, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, was " + k);
    }
    Hits hits = memo.get(query);
    if (hits == null || !hits.answers(k)) {
      hits = searchIndex(query, k);
      memo.put(query, hits);
    }
    int n = Math.min(k, hits.docs.length);
    List<ScoredDocument> ranked = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ranked.add(new ScoredDocument(ids[hits.docs[i]], hits.scores[i]));
    }
    return List.copyOf(ranked);
  }

  private Hits searchIndex(String query, int k) {
    Query lucene = toQuery(query);
    if (lucene == null) {
      return new Hits(new int[0], new float[0], k);
    }
    try {
      ScoreDoc[] top = searcher.search(lucene, k).scoreDocs;
      int[] docs = new int[top.length];
      float[] scores = new float[top.length];
      for (int i = 0; i < top.length; i++) {
        docs[i] = top[i].doc;
        scores[i] = top[i].score;
      }
      return new Hits(docs, scores, k);
    } catch (IOException e) {
      throw new UncheckedIOException("BM25 search failed", e);
    }
  }

  /** A query's top {@code asked} documents (fewer when fewer match), best first. */
  private record Hits(int[] docs, float[] scores, int asked) {
    /** Whether these hits hold the top {@code k}: as many were asked for, or every match is here. */
    boolean answers(int k) {
      return asked >= k || docs.length < asked;
    }
  }

  /** Least recently used queries' hits go first once more than {@code capacity} hits are held. */
  private static final class Memo {
    private final long capacity;
    private final LinkedHashMap<String, Hits> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private long held;

    Memo(long capacity) {
      this.capacity = capacity;
    }

    synchronized Hits get(String query) {
      return entries.get(query);
    }

    synchronized void put(String query, Hits hits) {
      Hits old = entries.put(query, hits);
      held += hits.docs.length - (old == null ? 0 : old.docs.length);
      Iterator<Map.Entry<String, Hits>> eldest = entries.entrySet().iterator();
      while (held > capacity && eldest.hasNext()) {
        held -= eldest.next().getValue().docs.length;
        eldest.remove();
      }
    }
  }

  /**
   * The BM25 score of one document for a query: 0 when it shares no term with the query.
   *
   * @throws IllegalArgumentException if the document is not in the index
   */
  public float score(String query, String docId) {
    Integer doc = positions.get(docId);
    if (doc == null) {
      throw new IllegalArgumentException("document " + docId + " is not in the BM25 index");
    }
    Query lucene = toQuery(query);
    if (lucene == null) {
      return 0f;
    }
    try {
      var explanation = searcher.explain(lucene, doc);
      return explanation.isMatch() ? explanation.getValue().floatValue() : 0f;
    } catch (IOException e) {
      throw new UncheckedIOException("BM25 scoring failed", e);
    }
  }

  /** Analyzed tokens of a text, in order, as the index sees them (for tests and diagnostics). */
  public List<String> analyze(String text) {
    List<String> tokens = new ArrayList<>();
    try (TokenStream stream = analyzer.tokenStream(FIELD, text)) {
      CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
      stream.reset();
      while (stream.incrementToken()) {
        tokens.add(term.toString());
      }
      stream.end();
    } catch (IOException e) {
      throw new UncheckedIOException("analyzing query text failed", e);
    }
    return tokens;
  }

  /** A bag-of-words query, or null when the text has no indexable token (only stop words, say). */
  private Query toQuery(String text) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String token : analyze(text)) {
      if (counts.size() < IndexSearcher.getMaxClauseCount() || counts.containsKey(token)) {
        counts.merge(token, 1, Integer::sum);
      }
    }
    if (counts.isEmpty()) {
      return null;
    }
    BooleanQuery.Builder builder = new BooleanQuery.Builder();
    counts.forEach((token, count) -> {
      Query term = new TermQuery(new Term(FIELD, token));
      builder.add(count == 1 ? term : new BoostQuery(term, count), BooleanClause.Occur.SHOULD);
    });
    return builder.build();
  }

  @Override
  public void close() {
    try {
      reader.close();
      directory.close();
      analyzer.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing the BM25 index failed", e);
    }
  }
}
