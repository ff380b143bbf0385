package dev.dualstream.deploy.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every object read into its API type: the Kubernetes and Prometheus Operator kinds into fabric8's model, Strimzi's
 * into Strimzi's API classes, the Flink operator's FlinkDeployment against its published CRD schema ({@link
 * OpenApiSchema}; its Java API on Maven Central stops at operator 1.10, which knows no Flink 2). A field the type
 * does not have is an error, as the API server's pruning would drop it silently: the typed models keep such fields
 * in {@code additionalProperties}, which {@link #unknownFields} walks.
 */
final class ManifestValidator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FLINK_CRD = "flinkdeployments.flink.apache.org-v1.yml";

  /** apiVersion and kind to the Java type. */
  private static final Map<String, Class<?>> TYPES = Map.ofEntries(
      Map.entry("v1/Namespace", Namespace.class),
      Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
      Map.entry("v1/ServiceAccount", ServiceAccount.class),
      Map.entry("apps/v1/Deployment", Deployment.class),
      Map.entry("batch/v1/Job", Job.class),
      Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
      Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
      Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
      Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
      Map.entry("monitoring.coreos.com/v1/PodMonitor", PodMonitor.class),
      Map.entry("kafka.strimzi.io/v1/Kafka", Kafka.class),
      Map.entry("kafka.strimzi.io/v1/KafkaNodePool", KafkaNodePool.class),
      Map.entry("kafka.strimzi.io/v1/KafkaTopic", KafkaTopic.class),
      Map.entry("kafka.strimzi.io/v1/KafkaUser", KafkaUser.class));

  private final OpenApiSchema flinkDeployment;

  ManifestValidator() throws IOException {
    try (InputStream in = ManifestValidator.class.getResourceAsStream(FLINK_CRD)) {
      JsonNode crd = Yaml.MAPPER.readTree(in);
      JsonNode version = crd.path("spec").path("versions").get(0);
      if (!version.path("name").asText().equals("v1beta1")) {
        throw new IllegalStateException(FLINK_CRD + ": expected version v1beta1, got " + version.path("name"));
      }
      flinkDeployment = new OpenApiSchema(version.path("schema").path("openAPIV3Schema"));
    }
  }

  /** What is wrong with {@code object}, one line each; empty when it reads into its type with nothing left over. */
  List<String> problems(JsonNode object) {
    String id = Kustomize.id(object);
    String type = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
    List<String> problems = new ArrayList<>();
    if (object.path("metadata").path("name").asText().isEmpty()) {
      problems.add(id + ": no metadata.name");
    }
    if (type.equals("flink.apache.org/v1beta1/FlinkDeployment")) {
      flinkDeployment(object, id, problems);
      return problems;
    }
    Class<?> javaType = TYPES.get(type);
    if (javaType == null) {
      problems.add(id + ": no API type known for " + type);
      return problems;
    }
    typed(object, javaType, id, problems);
    return problems;
  }

  private void flinkDeployment(JsonNode object, String id, List<String> problems) {
    object.fieldNames().forEachRemaining(field -> {
      if (!Set.of("apiVersion", "kind", "metadata", "spec").contains(field)) {
        problems.add(id + ": unknown field " + field);
      }
    });
    typed(object.path("metadata"), ObjectMeta.class, id + " metadata", problems);
    for (String problem : flinkDeployment.validate(object.path("spec"), "spec")) {
      problems.add(id + ": " + problem);
    }
  }

  private static void typed(JsonNode node, Class<?> type, String id, List<String> problems) {
    Object value;
    try {
      value = JSON.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      problems.add(id + ": does not read as " + type.getSimpleName() + ": " + e.getOriginalMessage());
      return;
    } catch (IllegalArgumentException e) {
      problems.add(id + ": does not read as " + type.getSimpleName() + ": " + e.getMessage());
      return;
    }
    unknownFields(value, "", problems, id, Collections.newSetFromMap(new IdentityHashMap<>()));
  }

  /** Walks the model's getters and reports every non-empty {@code additionalProperties}: fields the type lacks. */
  static void unknownFields(Object value, String path, List<String> problems, String id, Set<Object> seen) {
    if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
        || value instanceof Enum<?>) {
      return;
    }
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", problems, id, seen);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "." + k, problems, id, seen));
      return;
    }
    String pkg = value.getClass().getPackageName();
    if (!(pkg.startsWith("io.fabric8.") || pkg.startsWith("io.strimzi.")) || !seen.add(value)) {
      return;
    }
    for (Method m : value.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class
          || !(m.getName().startsWith("get") || m.getName().startsWith("is"))) {
        continue;
      }
      Object child;
      try {
        child = m.invoke(value);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (m.getName().equals("getAdditionalProperties")) {
        if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
          problems.add(id + ": unknown field(s) " + extra.keySet() + " at " + (path.isEmpty() ? "top" : path));
        }
      } else {
        String name = m.getName().startsWith("get") ? m.getName().substring(3) : m.getName().substring(2);
        unknownFields(child, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), problems, id,
            seen);
      }
    }
  }
}
