package dev.dualstream.deploy.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throw-away self-signed certificates for a broker on 127.0.0.1 and for a client, made with the running
 * JDK's {@code keytool} (no key material is committed), and one trust store holding both certificates: the
 * client trusts the broker's, and the broker, which requires client certificates (mutual TLS), the
 * client's. All stores are PKCS12 with one password. The broker's certificate names 127.0.0.1 as an IP
 * subject alternative name, so clients keep Kafka's default host name verification.
 */
public final class TestCertificates {
  public static final String PASSWORD = "test-store-secret";

  public final Path trustStore;
  public final Path brokerKeyStore;
  public final Path clientKeyStore;

  private TestCertificates(Path dir) {
    this.trustStore = dir.resolve("truststore.p12");
    this.brokerKeyStore = dir.resolve("broker.p12");
    this.clientKeyStore = dir.resolve("client.p12");
  }

  public static TestCertificates create(Path dir) throws IOException, InterruptedException {
    TestCertificates c = new TestCertificates(dir);
    selfSigned(dir, c.brokerKeyStore, "broker", "CN=127.0.0.1", "SAN=ip:127.0.0.1,dns:localhost", c.trustStore);
    selfSigned(dir, c.clientKeyStore, "client", "CN=dualstream-client", null, c.trustStore);
    return c;
  }

  /** A key pair with a self-signed certificate in {@code store}, the certificate also in {@code trustStore}. */
  private static void selfSigned(Path dir, Path store, String alias, String dname, String san, Path trustStore)
      throws IOException, InterruptedException {
    Path pem = dir.resolve(alias + ".pem");
    List<String> generate = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize",
        "2048", "-validity", "2", "-dname", dname, "-keystore", store.toString()));
    if (san != null) {
      generate.addAll(List.of("-ext", san));
    }
    keytool(dir, generate.toArray(String[]::new));
    keytool(dir, "-exportcert", "-rfc", "-alias", alias, "-keystore", store.toString(), "-file", pem.toString());
    keytool(dir, "-importcert", "-noprompt", "-alias", alias, "-file", pem.toString(), "-keystore",
        trustStore.toString());
  }

  private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
    if (!args[0].equals("-exportcert")) {
      command.addAll(List.of("-keypass", PASSWORD));
    }
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
    }
  }
}
