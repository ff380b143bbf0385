package dev.dualstream.trainer.job;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;

/**
 * A bounded Kafka source that also finishes after a restore.
 *
 * <p>Works around FLINK-31006 in flink-connector-kafka 5.0.0: an enumerator recreated from a
 * checkpoint or savepoint runs its one partition discovery, finds no partition it has not
 * assigned already, and returns before the only code that tells readers there are no more
 * splits. The readers then reach their stopping offsets and wait forever, so a bounded run
 * restored with {@code --from-checkpoint} never ends. This decorator watches the enumerator's
 * one-shot discovery callback: if the callback schedules no split initialization (no new
 * partitions), it signals "no more splits" itself, to the readers registered now and to every
 * reader that registers later without the enumerator signalling it. Remove it once the connector
 * ships the fix.
 */
final class FinishingBoundedSource<T, S extends SourceSplit, C> implements Source<T, S, C>, ResultTypeQueryable<T> {
  private static final long serialVersionUID = 1L;
  private final Source<T, S, C> delegate;
  private final TypeInformation<T> type;

  FinishingBoundedSource(Source<T, S, C> delegate, TypeInformation<T> type) {
    if (delegate.getBoundedness() != Boundedness.BOUNDED) {
      throw new IllegalArgumentException("only a bounded source needs this");
    }
    this.delegate = delegate;
    this.type = type;
  }

  @Override
  public Boundedness getBoundedness() {
    return Boundedness.BOUNDED;
  }

  @Override
  public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
    return delegate.createReader(context);
  }

  @Override
  public SplitEnumerator<S, C> createEnumerator(SplitEnumeratorContext<S> context) throws Exception {
    Watch<S> watch = new Watch<>(context);
    return new Enumerator<>(delegate.createEnumerator(watch), watch);
  }

  @Override
  public SplitEnumerator<S, C> restoreEnumerator(SplitEnumeratorContext<S> context, C checkpoint) throws Exception {
    Watch<S> watch = new Watch<>(context);
    return new Enumerator<>(delegate.restoreEnumerator(watch, checkpoint), watch);
  }

  @Override
  public SimpleVersionedSerializer<S> getSplitSerializer() {
    return delegate.getSplitSerializer();
  }

  @Override
  public SimpleVersionedSerializer<C> getEnumeratorCheckpointSerializer() {
    return delegate.getEnumeratorCheckpointSerializer();
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return type;
  }

  /** Passes everything through; notices the first one-shot async call's outcome and every no-more-splits signal. */
  private static final class Watch<S extends SourceSplit> implements SplitEnumeratorContext<S> {
    private final SplitEnumeratorContext<S> context;
    private final Map<Integer, Integer> signals = new HashMap<>();
    private int asyncCalls;
    private boolean discoveryFoundNothing;

    Watch(SplitEnumeratorContext<S> context) {
      this.context = context;
    }

    @Override
    public <R> void callAsync(Callable<R> callable, BiConsumer<R, Throwable> handler) {
      boolean discovery = asyncCalls++ == 0;
      context.callAsync(callable, (result, error) -> {
        int before = asyncCalls;
        handler.accept(result, error);
        if (discovery && error == null && asyncCalls == before) {
          discoveryFoundNothing = true;
          context.registeredReaders().keySet().forEach(this::signalNoMoreSplits);
        }
      });
    }

    @Override
    public void signalNoMoreSplits(int subtask) {
      signals.merge(subtask, 1, Integer::sum);
      context.signalNoMoreSplits(subtask);
    }

    int signalsTo(int subtask) {
      return signals.getOrDefault(subtask, 0);
    }

    @Override
    public <R> void callAsync(Callable<R> callable, BiConsumer<R, Throwable> handler, long delay, long period) {
      asyncCalls++;
      context.callAsync(callable, handler, delay, period);
    }

    @Override
    public SplitEnumeratorMetricGroup metricGroup() {
      return context.metricGroup();
    }

    @Override
    public void sendEventToSourceReader(int subtask, SourceEvent event) {
      context.sendEventToSourceReader(subtask, event);
    }

    @Override
    public void sendEventToSourceReader(int subtask, int attempt, SourceEvent event) {
      context.sendEventToSourceReader(subtask, attempt, event);
    }

    @Override
    public int currentParallelism() {
      return context.currentParallelism();
    }

    @Override
    public Map<Integer, ReaderInfo> registeredReaders() {
      return context.registeredReaders();
    }

    @Override
    public Map<Integer, Map<Integer, ReaderInfo>> registeredReadersOfAttempts() {
      return context.registeredReadersOfAttempts();
    }

    @Override
    public void assignSplits(SplitsAssignment<S> assignment) {
      context.assignSplits(assignment);
    }

    @Override
    public void runInCoordinatorThread(Runnable runnable) {
      context.runInCoordinatorThread(runnable);
    }

    @Override
    public void setIsProcessingBacklog(boolean isProcessingBacklog) {
      context.setIsProcessingBacklog(isProcessingBacklog);
    }
  }

  /** The wrapped enumerator; signals a (re-)registering reader when discovery found nothing and it did not. */
  private static final class Enumerator<S extends SourceSplit, C> implements SplitEnumerator<S, C> {
    private final SplitEnumerator<S, C> delegate;
    private final Watch<S> watch;

    Enumerator(SplitEnumerator<S, C> delegate, Watch<S> watch) {
      this.delegate = delegate;
      this.watch = watch;
    }

    @Override
    public void start() {
      delegate.start();
    }

    @Override
    public void handleSplitRequest(int subtask, String hostname) {
      delegate.handleSplitRequest(subtask, hostname);
    }

    @Override
    public void addSplitsBack(List<S> splits, int subtask) {
      delegate.addSplitsBack(splits, subtask);
    }

    @Override
    public void addReader(int subtask) {
      int before = watch.signalsTo(subtask);
      delegate.addReader(subtask);
      if (watch.discoveryFoundNothing && watch.signalsTo(subtask) == before) {
        watch.signalNoMoreSplits(subtask);
      }
    }

    @Override
    public C snapshotState(long checkpointId) throws Exception {
      return delegate.snapshotState(checkpointId);
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
      delegate.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
      delegate.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void handleSourceEvent(int subtask, SourceEvent event) {
      delegate.handleSourceEvent(subtask, event);
    }
  }
}
