package dev.dualstream.deploy.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dualstream.deploy.cli.DualstreamCli;
import dev.dualstream.deploy.cli.TrainerApplication;
import dev.dualstream.deploy.metrics.MetricsEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * What the pods run: every command line parses as the CLI parses it, every Kafka client reaches the TLS listener
 * with the credentials file, every component's metrics port is its own and the PodMonitor scrapes it, and every
 * network policy selects pods that exist.
 */
class ComponentsTest {
  static final List<String> UNITS = Rendered.UNITS;
  static final String SECURITY_ENV = "DUALSTREAM_KAFKA_SECURITY";
  static final String CLIENT_SECRET = "dualstream-kafka-client";

  /** A pod's command: the CLI's parse of its arguments, and the deepest subcommand. */
  record Command(PodView pod, JsonNode container, ParseResult leaf) {
    boolean given(String option) {
      return leaf.hasMatchedOption(option);
    }

    String value(String option) {
      return String.valueOf((Object) leaf.commandSpec().findOption(option).getValue());
    }

    boolean has(String option) {
      return leaf.commandSpec().findOption(option) != null;
    }
  }

  /** The dualstream commands the pods of {@code unit} run, parsed; a command line that does not parse fails. */
  static List<Command> commands(String unit) throws Exception {
    List<Command> commands = new ArrayList<>();
    for (PodView pod : Rendered.pods(unit)) {
      for (JsonNode c : pod.containers()) {
        String[] args;
        if (pod.flink() != null && c.path("name").asText().equals(PodView.FLINK_MAIN)) {
          JsonNode job = pod.flink().path("spec").path("job");
          Class<?> entry = Class.forName(job.path("entryClass").asText());
          assertEquals(TrainerApplication.class, entry, "the FlinkDeployment's entry class");
          args = TrainerApplication.arguments(strings(job.path("args")));
        } else if (c.has("command")) {
          continue;
        } else {
          args = strings(c.path("args"));
        }
        ParseResult result = new CommandLine(new DualstreamCli()).parseArgs(args);
        while (result.hasSubcommand()) {
          result = result.subcommand();
        }
        commands.add(new Command(pod, c, result));
      }
    }
    return commands;
  }

  @ParameterizedTest
  @FieldSource("UNITS")
  void everyCommandParsesAndNamesItsPathsAndBroker(String unit) throws Exception {
    List<Command> commands = commands(unit);
    assertFalse(commands.isEmpty());
    for (Command command : commands) {
      String where = command.pod().owner();
      for (String option : List.of("--bootstrap-servers", "--dataset", "--model-store")) {
        // The defaults are a laptop's (127.0.0.1:9092, ./data, ./var): in a pod each must be given.
        assertTrue(!command.has(option) || command.given(option), where + ": " + option + " left at its default");
      }
      if (command.has("--model-store")) {
        assertTrue(command.value("--model-store").startsWith("/var/dualstream/"), where);
        assertEquals("PersistentVolumeClaim", kind(command.pod().volumeAt(command.container(), "/var/dualstream")),
            where + ": the model store is the shared volume");
      }
    }
  }

  @ParameterizedTest
  @FieldSource("UNITS")
  void everyKafkaClientUsesTheTlsListenerTheCredentialsAndTheClientLabel(String unit) throws Exception {
    JsonNode kafka = Rendered.one("base", "Kafka");
    JsonNode listener = kafka.path("spec").path("kafka").path("listeners").get(0);
    assertTrue(listener.path("tls").asBoolean());
    assertEquals("scram-sha-512", listener.path("authentication").path("type").asText());
    String bootstrap = kafka.path("metadata").path("name").asText() + "-kafka-bootstrap:" + listener.path("port");
    JsonNode peers = listener.path("networkPolicyPeers").get(0).path("podSelector");
    int clients = 0;
    for (Command command : commands(unit)) {
      if (!command.has("--bootstrap-servers")) {
        continue;
      }
      clients++;
      String where = command.pod().owner();
      assertEquals(bootstrap, command.value("--bootstrap-servers"), where);
      assertTrue(command.pod().selectedBy(peers), where + ": not a peer of the Kafka listener");
      String file = env(command.container(), SECURITY_ENV);
      assertTrue(file != null, where + ": no " + SECURITY_ENV);
      JsonNode volume = command.pod().volumeAt(command.container(), Path.of(file).getParent().toString());
      assertEquals(CLIENT_SECRET, volume.path("secret").path("secretName").asText(), where);
    }
    assertTrue(unit.equals("jobs") ? clients == 1 : clients >= 4, unit + ": " + clients + " Kafka clients");
  }

  @Test
  void everyComponentServesMetricsOnItsOwnPortAndThePodMonitorScrapesIt() throws Exception {
    Map<String, Integer> ports = Map.of("ingest", MetricsEndpoint.INGEST_PORT, "train", MetricsEndpoint.TRAIN_PORT,
        "simulate", MetricsEndpoint.SIMULATE_PORT, "evaluate", MetricsEndpoint.EVALUATE_PORT);
    JsonNode monitor = Rendered.one("base", "PodMonitor").path("spec");
    String portName = monitor.path("podMetricsEndpoints").get(0).path("port").asText();
    List<String> scraped = new ArrayList<>();
    for (Command command : commands("base")) {
      String name = command.leaf().commandSpec().name();
      int port = command.has("--metrics-port") ? Integer.parseInt(command.value("--metrics-port")) : 0;
      if (command.pod().flink() != null) {
        port = command.pod().flink().path("spec").path("flinkConfiguration").path("metrics.reporter.prom.port")
            .asInt();
      }
      assertEquals(ports.get(name), port, command.pod().owner());
      assertEquals(port, containerPort(command.container(), portName), command.pod().owner());
      assertTrue(command.pod().selectedBy(monitor.path("selector")), command.pod().owner() + " is not scraped");
      scraped.add(name);
    }
    assertTrue(scraped.containsAll(ports.keySet()), "scraped: " + scraped);
  }

  /** A selector that matches no pod is a typo that opens nothing or, worse, leaves a pod unprotected. */
  @Test
  void everyNetworkPolicySelectsPodsThatExist() {
    List<PodView> pods = new ArrayList<>(Rendered.pods("base"));
    JsonNode kafka = Rendered.one("base", "Kafka");
    pods.add(new PodView("Kafka brokers", Map.of("strimzi.io/cluster", kafka.path("metadata").path("name").asText(),
        "strimzi.io/kind", "Kafka"), kafka, null));
    List<String> problems = new ArrayList<>();
    for (JsonNode policy : Rendered.ofKind("base", "NetworkPolicy")) {
      String name = policy.path("metadata").path("name").asText();
      JsonNode spec = policy.path("spec");
      if (pods.stream().noneMatch(p -> p.selectedBy(spec.path("podSelector")))) {
        problems.add(name + ": selects no pod");
      }
      for (JsonNode rule : List.of(spec.path("ingress"), spec.path("egress"))) {
        for (JsonNode r : rule) {
          for (JsonNode peer : r.has("from") ? r.path("from") : r.path("to")) {
            if (peer.has("podSelector") && !peer.has("namespaceSelector")
                && pods.stream().noneMatch(p -> p.selectedBy(peer.path("podSelector")))) {
              problems.add(name + ": a peer selects no pod: " + peer);
            }
          }
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  /** The script that makes the client secret writes what the pods read, where they read it. */
  @Test
  void theClientSecretScriptWritesTheFilesThePodsRead() throws Exception {
    String script = Files.readString(Rendered.K8S.resolve("kafka-client-secret.sh"));
    JsonNode kafka = Rendered.one("base", "Kafka");
    JsonNode user = Rendered.one("base", "KafkaUser");
    assertTrue(script.contains("get secret " + user.path("metadata").path("name").asText() + " "), script);
    assertTrue(script.contains("get secret " + kafka.path("metadata").path("name").asText() + "-cluster-ca-cert "));
    assertTrue(script.contains("create secret generic " + CLIENT_SECRET + " "));
    assertTrue(script.contains("sasl.mechanism=SCRAM-SHA-512"));
    for (Command command : commands("base")) {
      if (command.has("--bootstrap-servers")) {
        Path file = Path.of(env(command.container(), SECURITY_ENV));
        assertTrue(script.contains("--from-file=\"$tmp/" + file.getFileName() + "\""), script);
        assertTrue(script.contains("ssl.truststore.location=" + file.resolveSibling("ca.crt")), script);
      }
    }
  }

  @Test
  void kafkaClientsMayReachTheListenerPortAndNothingElseOfKafka() {
    JsonNode policy = Rendered.ofKind("base", "NetworkPolicy").stream()
        .filter(p -> p.path("metadata").path("name").asText().equals("kafka-clients")).findFirst().orElseThrow();
    JsonNode listener = Rendered.one("base", "Kafka").path("spec").path("kafka").path("listeners").get(0);
    JsonNode ports = policy.path("spec").path("egress").get(0).path("ports");
    assertEquals(1, ports.size());
    assertEquals(listener.path("port").asInt(), ports.get(0).path("port").asInt());
  }

  private static String kind(JsonNode volume) {
    return volume.has("persistentVolumeClaim") ? "PersistentVolumeClaim"
        : volume.has("emptyDir") ? "EmptyDir" : volume.has("secret") ? "Secret" : "none";
  }

  private static int containerPort(JsonNode container, String name) {
    for (JsonNode port : container.path("ports")) {
      if (port.path("name").asText().equals(name)) {
        return port.path("containerPort").asInt();
      }
    }
    return -1;
  }

  static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.path("value").asText();
      }
    }
    return null;
  }

  private static String[] strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out.toArray(String[]::new);
  }
}
