package dev.dualstream.deploy.stack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A SASL_SSL listener for the local broker, beside its PLAINTEXT one: TLS with the broker's key store,
 * client certificates required and checked against the trust store (mutual TLS), and SCRAM-SHA-512 users.
 * The PLAINTEXT listener stays on 127.0.0.1 for the broker's own use and the operator's set-up (topics);
 * clients that should authenticate use this one. It lets a user, and the secured-broker test, try the
 * system's security settings without a cluster of their own.
 *
 * <p>SCRAM users are written into the log when its storage is formatted (Kafka's {@code --add-scram}), so
 * they are set on a broker's first start and kept by the data directory from then on.
 *
 * @param port the listener's port on 127.0.0.1
 * @param keyStore PKCS12 key store with the broker's key and certificate
 * @param trustStore PKCS12 trust store with the certificate authority that signed the clients' certificates
 * @param storePassword password of both stores and of the broker's key
 * @param scramUsers SCRAM-SHA-512 users, name to password
 */
public record SecureListener(int port, Path keyStore, Path trustStore, String storePassword,
    Map<String, String> scramUsers) {
  /** The listener's name in the broker's configuration. */
  static final String NAME = "SASL_SSL";
  /** The one SASL mechanism the listener offers. */
  public static final String MECHANISM = "SCRAM-SHA-512";

  public SecureListener {
    Objects.requireNonNull(keyStore, "keyStore");
    Objects.requireNonNull(trustStore, "trustStore");
    Objects.requireNonNull(storePassword, "storePassword");
    scramUsers = Map.copyOf(new TreeMap<>(scramUsers));
    for (String password : scramUsers.values()) {
      if (password.isEmpty() || password.matches(".*[,\\[\\]\"=].*")) {
        throw new IllegalArgumentException("SCRAM passwords must be non-empty and free of , [ ] \" and =");
      }
    }
    for (String name : scramUsers.keySet()) {
      if (!name.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException("SCRAM user name '" + name + "' must be letters, digits, '.', '_' or"
            + " '-'");
      }
    }
  }

  /** The broker settings of the listener, added to the PLAINTEXT ones. */
  Map<String, String> brokerConfig() {
    Map<String, String> config = new TreeMap<>();
    config.put("sasl.enabled.mechanisms", MECHANISM);
    String prefix = "listener.name." + NAME.toLowerCase(Locale.ROOT) + ".";
    config.put(prefix + MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    config.put(prefix + "ssl.keystore.type", "PKCS12");
    config.put(prefix + "ssl.keystore.location", path(keyStore));
    config.put(prefix + "ssl.keystore.password", storePassword);
    config.put(prefix + "ssl.key.password", storePassword);
    config.put(prefix + "ssl.truststore.type", "PKCS12");
    config.put(prefix + "ssl.truststore.location", path(trustStore));
    config.put(prefix + "ssl.truststore.password", storePassword);
    config.put(prefix + "ssl.client.auth", "required");
    return config;
  }

  /** Arguments of Kafka's storage tool that add the SCRAM users when it formats the log. */
  List<String> formatArguments() {
    List<String> args = new ArrayList<>();
    new TreeMap<>(scramUsers).forEach((name, password) -> {
      args.add("--add-scram");
      args.add(MECHANISM + "=[name=" + name + ",password=" + password + "]");
    });
    return args;
  }

  // Backslashes would be escapes in a properties file; Kafka accepts forward slashes on every platform.
  private static String path(Path file) {
    return file.toAbsolutePath().toString().replace('\\', '/');
  }
}
