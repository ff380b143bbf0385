package dev.dualstream.deploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.demo.DatasetSlice;
import dev.dualstream.deploy.security.ConnectionLog;
import dev.dualstream.deploy.security.TestCertificates;
import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.deploy.stack.LocalTopics;
import dev.dualstream.deploy.stack.SecureListener;
import dev.dualstream.ingest.CommittedRecords;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline through a broker that authenticates every client: the local broker with a SASL_SSL listener
 * (TLS with client certificates required, and SCRAM-SHA-512), and {@code simulate} (its producer and the
 * serving ranker's consumer), {@code ingest}, {@code train} (the Flink job's source and transactional sinks)
 * and {@code record}, each given the one security file with {@code --kafka-security}. The broker's PLAINTEXT
 * listener is only for the operator's set-up here; no component may touch it, nor anything but the secured
 * listener and this JVM's own loopback services (Flink's), DJL's engine start included. A client with a wrong
 * password is refused and the CLI says so in one line.
 */
class SecuredKafkaIT {
  private static final String USER = "dualstream-app";
  private static final String SECRET = "app-scram-secret";

  @Test
  void everyComponentWorksThroughTlsAndScramAndConnectsToNothingElse(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.create(Files.createDirectories(dir.resolve("tls")));
    int port = FreePorts.pair();
    int securePort = FreePorts.one();
    while (securePort == port || securePort == port + 1) {
      securePort = FreePorts.one();
    }
    SecureListener listener = new SecureListener(securePort, certs.brokerKeyStore, certs.trustStore,
        TestCertificates.PASSWORD, Map.of(USER, SECRET));
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(dir.resolve("broker")).port(port)
        .secureListener(listener).start()) {
      LocalTopics.create(broker.bootstrapServers(), 2);
      String secure = "127.0.0.1:" + securePort;
      Path good = securityFile(dir.resolve("app.properties"), certs, SECRET);
      Path wrong = securityFile(dir.resolve("wrong.properties"), certs, "not-the-secret");
      Path slice = DatasetSlice.write(dir.resolve("slice"), 120, 10);

      CliRun refused = CliRun.run("ingest", "--bootstrap-servers", secure, "--kafka-security", wrong.toString(),
          "--option", "state.dir=" + dir.resolve("refused"), "--option", "replication.factor=1",
          "--metrics-port", "0", "--duration", "20s");
      assertEquals(1, refused.code, refused.out + refused.err);
      assertEquals(1, refused.err.strip().lines().count(), refused.err);
      assertTrue(refused.err.startsWith("dualstream: ") && refused.err.contains("Authentication failed"),
          refused.err);
      assertFalse(refused.err.contains("\tat "), refused.err);

      List<ConnectionLog.Attempt> attempts;
      Set<Integer> ownPorts;
      long clicks;
      try (ConnectionLog log = ConnectionLog.start()) {
        CliRun simulate = CliRun.run("simulate", "--bootstrap-servers", secure, "--kafka-security", good.toString(),
            "--dataset", slice.toString(), "--rate", "40", "--duration", "4s", "--seed", "7",
            "--metrics-port", "0");
        assertEquals(0, simulate.code, simulate.out + simulate.err);
        Matcher published = Pattern.compile("stopped; ([\\d,]+) searches, ([\\d,]+) clicks").matcher(simulate.out);
        assertTrue(published.find(), simulate.out);
        clicks = Long.parseLong(published.group(2).replace(",", ""));
        assertTrue(clicks > 0, simulate.out);

        CliRun ingest = CliRun.run("ingest", "--bootstrap-servers", secure, "--kafka-security", good.toString(),
            "--option", "state.dir=" + dir.resolve("ingest"), "--option", "replication.factor=1",
            "--metrics-port", "0", "--progress-every", "2s", "--duration", "8s");
        assertEquals(0, ingest.code, ingest.out + ingest.err);
        assertTrue(ingest.out.contains(String.format("%,d examples, 0 dead letters", clicks)), ingest.out);

        CliRun train = CliRun.run("train", "--bootstrap-servers", secure, "--kafka-security", good.toString(),
            "--bounded", "--batch-size", "16", "--model-store", dir.resolve("models").toString(),
            "--checkpoint-dir", dir.resolve("checkpoints").toString(), "--metrics-port", "0");
        assertEquals(0, train.code, train.out + train.err);

        CliRun record = CliRun.run("record", "--bootstrap-servers", secure, "--kafka-security", good.toString(),
            "--topics", Topics.TRAINING_EXAMPLES.name(), "--out", dir.resolve("recording").toString(),
            "--until-caught-up");
        assertEquals(0, record.code, record.out + record.err);
        assertTrue(record.out.contains(String.format("%,d records", clicks)), record.out);
        attempts = log.attempts();
        ownPorts = log.listening();
      }

      KafkaConnection app = KafkaConnection.of(secure, good);
      List<ModelVersion> versions = new ArrayList<>();
      CommittedRecords.read(app, Topics.MODEL_VERSIONS.name(), Duration.ofSeconds(30),
          r -> versions.add(Topics.MODEL_VERSIONS.codec().decode(r.value())));
      assertFalse(versions.isEmpty(), "train committed a version through the secured listener");
      assertEquals(clicks, CommittedRecords.read(app, Topics.TRAINING_EXAMPLES.name(), Duration.ofSeconds(30),
          r -> { }));

      assertTrue(attempts.stream().anyMatch(a -> a.port() == securePortOf(secure)), "the log saw the broker");
      for (ConnectionLog.Attempt a : attempts) {
        assertTrue(ConnectionLog.isLocal(a.host()), "a connection off this machine: " + a);
        if (a.port() >= 0) {
          assertTrue(a.port() == securePortOf(secure) || ownPorts.contains(a.port()),
              "a connection to neither the secured broker nor this JVM's own services: " + a + "; own " + ownPorts);
        }
      }
    }
  }

  private static int securePortOf(String bootstrap) {
    return Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
  }

  /** The client settings as the README documents them: SASL_SSL with SCRAM, and a client certificate. */
  private static Path securityFile(Path file, TestCertificates certs, String password) throws IOException {
    Files.writeString(file, String.join("\n",
        "security.protocol=SASL_SSL",
        "sasl.mechanism=" + SecureListener.MECHANISM,
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER
            + "\" password=\"" + password + "\";",
        "ssl.truststore.type=PKCS12",
        "ssl.truststore.location=" + certs.trustStore,
        "ssl.truststore.password=" + TestCertificates.PASSWORD,
        "ssl.keystore.type=PKCS12",
        "ssl.keystore.location=" + certs.clientKeyStore,
        "ssl.keystore.password=" + TestCertificates.PASSWORD,
        "ssl.key.password=" + TestCertificates.PASSWORD, ""));
    return file;
  }
}
