package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.junit.jupiter.api.Test;

/**
 * The FLINK-31006 workaround with a fake enumerator that behaves like the Kafka one: one discovery
 * call, which schedules split initialization (and then signals) only when it finds new partitions.
 */
class FinishingBoundedSourceTest {

  @Test
  void whenDiscoveryFindsNothingEveryReaderIsToldThereAreNoMoreSplits() throws Exception {
    FakeContext context = new FakeContext();
    context.readers.put(0, null);
    SplitEnumerator<SourceSplit, String> enumerator = wrapped(false).restoreEnumerator(context, "state");
    enumerator.start();
    assertEquals(List.of(0), context.signalled, "the reader registered before discovery");
    context.readers.put(1, null);
    enumerator.addReader(1);
    enumerator.addReader(0); // a restarted attempt of reader 0 registers again
    assertEquals(List.of(0, 1, 0), context.signalled);
  }

  @Test
  void whenTheEnumeratorSignalsItselfNothingIsSignalledTwice() throws Exception {
    FakeContext context = new FakeContext();
    context.readers.put(0, null);
    SplitEnumerator<SourceSplit, String> enumerator = wrapped(true).createEnumerator(context);
    enumerator.start();
    enumerator.addReader(0);
    assertEquals(List.of(0, 0), context.signalled, "once after initialization, once on registration, by the delegate");
  }

  private static FinishingBoundedSource<String, SourceSplit, String> wrapped(boolean newPartitions) {
    return new FinishingBoundedSource<>(new FakeSource(newPartitions), Types.STRING);
  }

  /** Signals only after initializing new partitions, like KafkaSourceEnumerator in connector 5.0.0. */
  private static final class FakeEnumerator implements SplitEnumerator<SourceSplit, String> {
    private final SplitEnumeratorContext<SourceSplit> context;
    private final boolean newPartitions;
    private boolean noMoreSplits;

    FakeEnumerator(SplitEnumeratorContext<SourceSplit> context, boolean newPartitions) {
      this.context = context;
      this.newPartitions = newPartitions;
    }

    @Override
    public void start() {
      context.callAsync(() -> newPartitions, (found, error) -> {
        if (found) {
          context.callAsync(() -> "splits", (splits, e) -> {
            noMoreSplits = true;
            context.registeredReaders().keySet().forEach(context::signalNoMoreSplits);
          });
        }
      });
    }

    @Override
    public void addReader(int subtask) {
      if (noMoreSplits) {
        context.signalNoMoreSplits(subtask);
      }
    }

    @Override
    public void handleSplitRequest(int subtask, String host) {}

    @Override
    public void addSplitsBack(List<SourceSplit> splits, int subtask) {}

    @Override
    public String snapshotState(long checkpointId) {
      return "state";
    }

    @Override
    public void close() {}
  }

  private record FakeSource(boolean newPartitions) implements Source<String, SourceSplit, String> {
    @Override
    public Boundedness getBoundedness() {
      return Boundedness.BOUNDED;
    }

    @Override
    public SplitEnumerator<SourceSplit, String> createEnumerator(SplitEnumeratorContext<SourceSplit> context) {
      return new FakeEnumerator(context, newPartitions);
    }

    @Override
    public SplitEnumerator<SourceSplit, String> restoreEnumerator(SplitEnumeratorContext<SourceSplit> context,
        String checkpoint) {
      return new FakeEnumerator(context, newPartitions);
    }

    @Override
    public SourceReader<String, SourceSplit> createReader(SourceReaderContext context) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SimpleVersionedSerializer<SourceSplit> getSplitSerializer() {
      throw new UnsupportedOperationException();
    }

    @Override
    public SimpleVersionedSerializer<String> getEnumeratorCheckpointSerializer() {
      throw new UnsupportedOperationException();
    }
  }

  /** Runs async calls at once, on the calling thread; records no-more-splits signals in order. */
  private static final class FakeContext implements SplitEnumeratorContext<SourceSplit> {
    final Map<Integer, ReaderInfo> readers = new HashMap<>();
    final List<Integer> signalled = new ArrayList<>();

    @Override
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
      try {
        handler.accept(callable.call(), null);
      } catch (Exception e) {
        handler.accept(null, e);
      }
    }

    @Override
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler, long delay, long period) {
      callAsync(callable, handler);
    }

    @Override
    public void signalNoMoreSplits(int subtask) {
      signalled.add(subtask);
    }

    @Override
    public Map<Integer, ReaderInfo> registeredReaders() {
      return readers;
    }

    @Override
    public SplitEnumeratorMetricGroup metricGroup() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void sendEventToSourceReader(int subtask, org.apache.flink.api.connector.source.SourceEvent event) {}

    @Override
    public int currentParallelism() {
      return readers.size();
    }

    @Override
    public void assignSplits(SplitsAssignment<SourceSplit> assignment) {}

    @Override
    public void runInCoordinatorThread(Runnable runnable) {
      runnable.run();
    }
  }
}
