package dev.dualstream.deploy.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Permission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Records every network connection this JVM attempts while it is open, and every port it listens on, so a
 * test can show what a component connects to. Connections are recorded by a security manager that allows
 * everything and only notes {@code checkConnect}: the JDK calls it for every socket and socket channel
 * connect, datagram send and host name lookup (port -1), whatever library asks, DJL's engine start included.
 * Listening ports are sampled from {@code /proc/self/net/tcp*} (Linux), as the JDK reports a listen on an
 * ephemeral port only as port 0.
 */
public final class ConnectionLog implements AutoCloseable {
  /** One connection attempt: to a port, or a host name lookup (port -1). */
  public record Attempt(String host, int port, String thread) {}

  private final ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
  private final Set<Integer> listening = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "connection-log-listen-sampler");
    t.setDaemon(true);
    return t;
  });

  private ConnectionLog() {}

  @SuppressWarnings("removal") // the one JDK hook that sees every connect, whichever library makes it
  public static ConnectionLog start() {
    ConnectionLog log = new ConnectionLog();
    log.sampler.scheduleWithFixedDelay(log::sampleListening, 0, 100, TimeUnit.MILLISECONDS);
    System.setSecurityManager(log.new Recorder());
    return log;
  }

  /** The attempts so far, in order. */
  public List<Attempt> attempts() {
    return new ArrayList<>(attempts);
  }

  /** Ports this JVM was seen listening on. */
  public Set<Integer> listening() {
    sampleListening();
    return Set.copyOf(listening);
  }

  /** True for a loopback or wildcard (bind to all) address, or the name of the local host. */
  public static boolean isLocal(String host) throws IOException {
    if (host.equals("localhost") || host.equals(InetAddress.getLocalHost().getHostName())) {
      return true;
    }
    for (InetAddress address : InetAddress.getAllByName(host)) {
      if (!address.isLoopbackAddress() && !address.isAnyLocalAddress()) {
        return false;
      }
    }
    return true;
  }

  @Override
  @SuppressWarnings("removal")
  public void close() {
    System.setSecurityManager(null);
    sampler.shutdownNow();
  }

  private void sampleListening() {
    try {
      Set<String> sockets = new HashSet<>();
      try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
        fds.forEach(fd -> {
          try {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:[")) {
              sockets.add(target.substring(8, target.length() - 1));
            }
          } catch (IOException closedMeanwhile) {
            // the descriptor closed between the listing and the read
          }
        });
      }
      for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
        List<String> lines = Files.readAllLines(Path.of(table));
        for (String line : lines.subList(1, lines.size())) {
          String[] f = line.trim().split("\\s+");
          // f[1] local address:port (hex), f[3] state (0A: LISTEN), f[9] inode
          if (f.length > 9 && f[3].equals("0A") && sockets.contains(f[9])) {
            listening.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sample this JVM's listening sockets", e);
    }
  }

  @SuppressWarnings("removal")
  private final class Recorder extends SecurityManager {
    @Override
    public void checkPermission(Permission perm) {
      // everything is allowed; only connections are noted
    }

    @Override
    public void checkPermission(Permission perm, Object context) {
      // everything is allowed; only connections are noted
    }

    @Override
    public void checkConnect(String host, int port) {
      attempts.add(new Attempt(host, port, Thread.currentThread().getName()));
    }

    @Override
    public void checkConnect(String host, int port, Object context) {
      checkConnect(host, port);
    }
  }
}
