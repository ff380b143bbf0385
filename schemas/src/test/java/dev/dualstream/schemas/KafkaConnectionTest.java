package dev.dualstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaConnectionTest {
  private static final String SCRAM = "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule "
      + "required username=\"app\" password=\"s3cret\";";

  @Test
  void aSecurityFileGivesEveryClientTheSameSettingsBesideTheServers(@TempDir Path dir) throws IOException {
    Path trust = Files.writeString(dir.resolve("trust.p12"), "stand-in");
    Path file = write(dir, "security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-512", SCRAM,
        "ssl.truststore.location=" + trust, "ssl.truststore.password=pw");
    KafkaConnection kafka = KafkaConnection.of("broker:9094", file);

    Map<String, Object> config = kafka.clientConfig();
    assertEquals("broker:9094", config.get("bootstrap.servers"));
    assertEquals("SASL_SSL", config.get("security.protocol"));
    assertEquals("SCRAM-SHA-512", config.get("sasl.mechanism"));
    assertEquals(trust.toString(), config.get("ssl.truststore.location"));
    assertEquals(6, config.size());
    config.put("group.id", "mine");
    assertFalse(kafka.clientConfig().containsKey("group.id"), "each client gets a fresh map");
    assertEquals(config.get("sasl.jaas.config"), kafka.clientProperties().getProperty("sasl.jaas.config"));
  }

  @Test
  void itsTextNamesServersAndProtocolButNoSecret(@TempDir Path dir) throws IOException {
    KafkaConnection kafka = KafkaConnection.of("broker:9094",
        write(dir, "security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-512", SCRAM));
    assertEquals("broker:9094 (SASL_SSL)", kafka.toString());
    assertFalse(kafka.toString().contains("s3cret"));
    assertEquals("h:1", KafkaConnection.plaintext("h:1").toString());
    assertEquals("PLAINTEXT", KafkaConnection.of("h:1", null).protocol());
  }

  @Test
  void aFileThatCouldChangeMoreThanSecurityIsRefused(@TempDir Path dir) throws IOException {
    assertRefused("'group.id' is not a security setting (only security.protocol, sasl.* and ssl.* are allowed)",
        write(dir, "security.protocol=SSL", "group.id=other"));
    assertRefused("'bootstrap.servers' is not a security setting",
        write(dir, "security.protocol=SSL", "bootstrap.servers=elsewhere:9092"));
  }

  @Test
  void incompleteOrWrongSettingsAreRefusedWithTheReason(@TempDir Path dir) throws IOException {
    assertRefused("sets no security.protocol", write(dir, "sasl.mechanism=SCRAM-SHA-512"));
    assertRefused("unknown security.protocol 'SASL_TLS' (one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)",
        write(dir, "security.protocol=SASL_TLS"));
    assertRefused("SASL_SSL needs sasl.mechanism", write(dir, "security.protocol=SASL_SSL", SCRAM));
    assertRefused("SASL_SSL needs sasl.jaas.config",
        write(dir, "security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-512"));
    assertRefused("ssl.keystore.location " + dir.resolve("missing.p12") + " is not a readable file",
        write(dir, "security.protocol=SSL", "ssl.keystore.location=" + dir.resolve("missing.p12")));
    KafkaSecurityException missing = assertThrows(KafkaSecurityException.class,
        () -> KafkaConnection.of("h:1", dir.resolve("nowhere.properties")));
    assertEquals("cannot read Kafka security file " + dir.resolve("nowhere.properties") + ": no such file",
        missing.getMessage());
    assertThrows(KafkaSecurityException.class, () -> KafkaConnection.plaintext(" "));
  }

  private static void assertRefused(String reason, Path file) {
    KafkaSecurityException e = assertThrows(KafkaSecurityException.class, () -> KafkaConnection.of("h:1", file));
    assertTrue(e.getMessage().startsWith("Kafka security file " + file), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  private static Path write(Path dir, String... lines) throws IOException {
    Path file = Files.createTempFile(dir, "security", ".properties");
    return Files.writeString(file, String.join("\n", lines) + "\n");
  }
}
