package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.metrics.MetricsEndpoint;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.KafkaSecurityException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options of the commands that run as long-lived components (broker, simulate, ingest, train): declared once. */
final class LiveOptions {
  private LiveOptions() {}

  /** The broker {@code ./dualstream broker} starts, which every live command talks to by default. */
  static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";

  /** Which Kafka a component talks to, and how it authenticates. */
  static final class Kafka {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", defaultValue = DEFAULT_BOOTSTRAP_SERVERS,
        description = "Kafka to read from and write to. Default: ${DEFAULT-VALUE}.")
    String bootstrapServers;

    @Option(names = "--kafka-security", paramLabel = "FILE",
        description = {"Kafka client security settings (security.protocol, sasl.*, ssl.*),",
            "e.g. SASL_SSL with SCRAM or mutual TLS; see the README. Default: the file",
            "$" + KafkaConnection.SECURITY_FILE_ENV + " names, else PLAINTEXT."})
    Path securityFile;

    /** The connection these options describe; a security file that is missing or invalid is the user's to fix. */
    KafkaConnection connection() {
      Path file = securityFile != null ? securityFile : KafkaConnection.securityFileFromEnvironment();
      try {
        return KafkaConnection.of(bootstrapServers, file);
      } catch (KafkaSecurityException e) {
        throw new UserError(e.getMessage(), e);
      }
    }
  }

  /** How long a component runs: until Ctrl-C, or for a while. */
  static final class RunFor {
    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Stop after this long (e.g. 30s, 20m, 2h). Default: run until Ctrl-C.")
    Duration duration;

    /** @throws UserError when the duration given is zero */
    void check() {
      if (duration != null && duration.isZero()) {
        throw new UserError("--duration must be positive");
      }
    }

    /** How the console says when it stops. */
    String stops() {
      return duration == null ? "Ctrl-C stops it" : "stops in " + DurationConverter.format(duration);
    }
  }

  /**
   * What {@code --metrics-port} says in every command that has one; each command declares the option itself,
   * with its own default port ({@code MetricsEndpoint}).
   */
  static final String METRICS_PORT_HELP = "Serve Prometheus metrics on http://0.0.0.0:PORT/metrics; 0: none. "
      + "Default: ${DEFAULT-VALUE}.";

  /** Starts a metrics endpoint, or none for port 0; a port that cannot be bound is the user's to fix. */
  static Optional<MetricsEndpoint> metrics(int port) {
    if (requireMetricsPort(port) == 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(MetricsEndpoint.start(port));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage() + "; pass --metrics-port with a free port, or 0 for none", e);
    }
  }

  /** The port, checked: 1 to 65535, or 0 for none. */
  static int requireMetricsPort(int port) {
    if (port < 0 || port > 65_535) {
      throw new UserError("--metrics-port must be a port (1-65535) or 0 for none, got " + port);
    }
    return port;
  }

  /** How often a component prints progress. */
  static final class Progress {
    @Option(names = "--progress-every", paramLabel = "DURATION", defaultValue = "10s",
        converter = DurationConverter.class,
        description = "Time between progress lines. Default: ${DEFAULT-VALUE}.")
    Duration every;

    /** @throws UserError when it is zero */
    void check() {
      if (every.isZero()) {
        throw new UserError("--progress-every must be positive");
      }
    }
  }
}
