package dev.dualstream.evaluator.record;

import dev.dualstream.schemas.KafkaConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * A recorder in a process of its own, for the test that kills one with {@code kill -9}: records {@code args[1]}
 * from {@code args[0]} into {@code args[2]} in files of about 1 KiB, at most 100 records a poll, until killed, or with a fourth argument
 * {@code caught-up} until it has what the topic held when it began. It also ends when its parent closes its
 * standard input, so it never outlives the test.
 */
public final class RecordingChild {
  private RecordingChild() {}

  public static void main(String[] args) throws Exception {
    Thread watchdog = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // Reads until the parent's end closes.
        }
      } catch (java.io.IOException ignored) {
        // The parent is gone either way.
      }
      Runtime.getRuntime().halt(3);
    });
    watchdog.setDaemon(true);
    watchdog.start();
    boolean untilCaughtUp = args.length > 3 && args[3].equals("caught-up");
    Recorder recorder = Recorder.open(Path.of(args[2]), new Recorder.Rotation(1 << 10, Duration.ofMinutes(5)));
    System.out.println("recovered " + recorder.recovered());
    Properties consumer = new Properties();
    consumer.put("max.poll.records", "100");
    Recorder.Progress last = recorder.run(KafkaConnection.plaintext(args[0]), List.of(args[1]), consumer, untilCaughtUp,
        () -> false,
        p -> { });
    System.out.println("recorded " + last.records());
  }
}
