package dev.dualstream.evaluator.search;

/**
 * The best {@code k} (score, document index) pairs seen so far: a binary min-heap on primitive arrays
 * whose root is the worst kept pair. Between equal scores the lower document index is better, so the
 * result does not depend on the order in which blocks were scanned.
 */
final class TopK {
  private final float[] scores;
  private final int[] docs;
  private int size;

  TopK(int k) {
    scores = new float[k];
    docs = new int[k];
  }

  void offer(float score, int doc) {
    if (size < scores.length) {
      scores[size] = score;
      docs[size] = doc;
      siftUp(size++);
    } else if (size > 0 && better(score, doc, scores[0], docs[0])) {
      scores[0] = score;
      docs[0] = doc;
      siftDown(0);
    }
  }

  /**
   * Offers {@code scores[offset + i]} for document {@code firstDoc + i}, i below {@code count}. The
   * documents must come after every document offered before, as when a corpus is scanned in order:
   * an equal score then never displaces a kept document, so once the heap is full one comparison
   * with its worst score rejects most offers.
   */
  void offerAll(float[] scores, int offset, int count, int firstDoc) {
    int i = 0;
    for (; i < count && size < this.scores.length; i++) {
      offer(scores[offset + i], firstDoc + i);
    }
    for (; i < count; i++) {
      float score = scores[offset + i];
      if (score > this.scores[0]) {
        this.scores[0] = score;
        docs[0] = firstDoc + i;
        siftDown(0);
      }
    }
  }

  /** Document indices best first; {@code outScores} receives their scores. Empties the heap. */
  int[] drainBestFirst(float[] outScores) {
    int n = size;
    int[] order = new int[n];
    for (int i = n - 1; i >= 0; i--) {
      order[i] = docs[0];
      outScores[i] = scores[0];
      size--;
      scores[0] = scores[size];
      docs[0] = docs[size];
      siftDown(0);
    }
    return order;
  }

  int size() {
    return size;
  }

  private static boolean better(float score, int doc, float otherScore, int otherDoc) {
    return score > otherScore || (score == otherScore && doc < otherDoc);
  }

  private void siftUp(int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!better(scores[parent], docs[parent], scores[i], docs[i])) {
        return;
      }
      swap(i, parent);
      i = parent;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int left = 2 * i + 1;
      if (left >= size) {
        return;
      }
      int worst = left;
      int right = left + 1;
      if (right < size && better(scores[left], docs[left], scores[right], docs[right])) {
        worst = right;
      }
      if (!better(scores[i], docs[i], scores[worst], docs[worst])) {
        return;
      }
      swap(i, worst);
      i = worst;
    }
  }

  private void swap(int a, int b) {
    float s = scores[a];
    scores[a] = scores[b];
    scores[b] = s;
    int d = docs[a];
    docs[a] = docs[b];
    docs[b] = d;
  }
}
