package dev.dualstream.schemas;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Where a Kafka client connects and how it authenticates: the one place every client of the system (ingest,
 * the trainer's source and sinks, the simulator, the evaluator, recorder and replay) takes its settings from.
 *
 * <p>The security settings come from a Kafka client properties file, the same format Kafka's own tools take
 * with {@code --command-config}, restricted to {@code security.protocol}, {@code sasl.*} and {@code ssl.*}:
 * a file that could change anything else (a group id, a serializer, the bootstrap servers) is refused, so
 * security stays the only thing it can change. SASL_SSL with SCRAM and mutual TLS are the two set-ups the
 * README documents. {@link #toString()} names the servers and the protocol, never a secret.
 *
 * @param bootstrapServers Kafka bootstrap servers, {@code HOST:PORT[,HOST:PORT...]}
 * @param security the client security settings; empty for PLAINTEXT
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> security) implements Serializable {
  /** The environment variable that names a security file when a command is given none. */
  public static final String SECURITY_FILE_ENV = "DUALSTREAM_KAFKA_SECURITY";

  private static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
  private static final List<String> FILE_KEYS = List.of("ssl.truststore.location", "ssl.keystore.location");

  public KafkaConnection {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    if (bootstrapServers.isBlank()) {
      throw new KafkaSecurityException("Kafka bootstrap servers must not be empty");
    }
    security = Map.copyOf(security);
  }

  /** A connection without authentication or encryption: the local stack and the tests' broker. */
  public static KafkaConnection plaintext(String bootstrapServers) {
    return new KafkaConnection(bootstrapServers, Map.of());
  }

  /**
   * A connection with the security settings of {@code securityFile}, or PLAINTEXT when it is null.
   *
   * @throws KafkaSecurityException with a one-line reason when the file cannot be read or is not a valid
   *     security configuration
   */
  public static KafkaConnection of(String bootstrapServers, Path securityFile) {
    return securityFile == null ? plaintext(bootstrapServers)
        : new KafkaConnection(bootstrapServers, readSecurity(securityFile));
  }

  /** The security file {@value #SECURITY_FILE_ENV} names, or null when it is unset or empty. */
  public static Path securityFileFromEnvironment() {
    String file = System.getenv(SECURITY_FILE_ENV);
    return file == null || file.isBlank() ? null : Path.of(file);
  }

  /** The security protocol: PLAINTEXT unless the settings say otherwise. */
  public String protocol() {
    return security.getOrDefault("security.protocol", "PLAINTEXT");
  }

  /** Bootstrap servers and security settings, as a fresh map a client adds its own settings to. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>(security);
    config.put("bootstrap.servers", bootstrapServers);
    return config;
  }

  /** {@link #clientConfig()} as {@link Properties}, for the clients and builders that take them. */
  public Properties clientProperties() {
    Properties properties = new Properties();
    properties.putAll(clientConfig());
    return properties;
  }

  /** The servers and the protocol, e.g. {@code broker:9094 (SASL_SSL)}; never a secret. */
  @Override
  public String toString() {
    return security.isEmpty() ? bootstrapServers : bootstrapServers + " (" + protocol() + ")";
  }

  private static Map<String, String> readSecurity(Path file) {
    Properties raw = new Properties();
    try (Reader in = Files.newBufferedReader(file)) {
      raw.load(in);
    } catch (NoSuchFileException e) {
      throw new KafkaSecurityException("cannot read Kafka security file " + file + ": no such file", e);
    } catch (IOException e) {
      throw new KafkaSecurityException("cannot read Kafka security file " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new KafkaSecurityException("Kafka security file " + file + " is not a properties file: "
          + e.getMessage(), e);
    }
    Map<String, String> settings = new TreeMap<>();
    for (String key : raw.stringPropertyNames()) {
      if (!key.equals("security.protocol") && !key.startsWith("sasl.") && !key.startsWith("ssl.")) {
        throw new KafkaSecurityException("Kafka security file " + file + ": '" + key
            + "' is not a security setting (only security.protocol, sasl.* and ssl.* are allowed)");
      }
      settings.put(key, raw.getProperty(key).trim());
    }
    check(file, settings);
    return settings;
  }

  private static void check(Path file, Map<String, String> settings) {
    String protocol = settings.get("security.protocol");
    if (protocol == null) {
      throw new KafkaSecurityException("Kafka security file " + file + " sets no security.protocol (one of "
          + String.join(", ", PROTOCOLS) + ")");
    }
    if (!PROTOCOLS.contains(protocol)) {
      throw new KafkaSecurityException("Kafka security file " + file + ": unknown security.protocol '" + protocol
          + "' (one of " + String.join(", ", PROTOCOLS) + ")");
    }
    if (protocol.startsWith("SASL_")) {
      for (String key : List.of("sasl.mechanism", "sasl.jaas.config")) {
        if (!settings.containsKey(key)) {
          throw new KafkaSecurityException("Kafka security file " + file + ": " + protocol + " needs " + key);
        }
      }
    }
    for (String key : FILE_KEYS) {
      String location = settings.get(key);
      if (location != null && !Files.isReadable(Path.of(location))) {
        throw new KafkaSecurityException("Kafka security file " + file + ": " + key + " " + location
            + " is not a readable file");
      }
    }
  }
}
