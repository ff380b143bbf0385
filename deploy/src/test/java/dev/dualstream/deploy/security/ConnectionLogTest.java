package dev.dualstream.deploy.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;

/** The log the secured-broker test relies on sees what it must: socket and channel connects, and lookups. */
class ConnectionLogTest {

  @Test
  void seesSocketsChannelsAndLookupsAndTheJvmsOwnListeningPorts() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        ConnectionLog log = ConnectionLog.start()) {
      int port = server.getLocalPort();
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      }
      try (SocketChannel channel = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
        assertTrue(channel.isConnected());
      }
      try {
        InetAddress.getByName("dualstream-nowhere.invalid");
      } catch (UnknownHostException expected) {
        // the lookup was attempted, which is what the log must show
      }
      assertTrue(log.attempts().stream().filter(a -> a.port() == port).count() >= 2, log.attempts().toString());
      assertTrue(log.attempts().stream().anyMatch(a -> a.host().equals("dualstream-nowhere.invalid")
          && a.port() == -1), log.attempts().toString());
      assertTrue(log.listening().contains(port), log.listening().toString());
    }
    assertTrue(ConnectionLog.isLocal("127.0.0.1"));
    assertTrue(ConnectionLog.isLocal("0.0.0.0"));
    assertFalse(ConnectionLog.isLocal("169.254.169.254"), "the cloud metadata address DJL must never reach");
  }
}
