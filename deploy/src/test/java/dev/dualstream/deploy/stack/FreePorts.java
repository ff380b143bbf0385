package dev.dualstream.deploy.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free ports on the loopback address, for brokers started by tests. */
public final class FreePorts {
  private FreePorts() {}

  /** A free port. */
  public static int one() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  /** A free port whose next one is free too (a broker's controller takes it). */
  public static int pair() {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = one();
      if (port < 65534 && isFree(port + 1)) {
        return port;
      }
    }
    throw new IllegalStateException("no two adjacent free ports");
  }

  public static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
