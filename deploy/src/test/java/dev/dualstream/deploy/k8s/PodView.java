package dev.dualstream.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pod as a manifest describes it: a Deployment's or Job's template, or the JobManager and TaskManager pods the
 * Flink operator makes from a FlinkDeployment's pod template (with the labels Flink's native Kubernetes mode adds:
 * app, component, type).
 *
 * @param owner the object's id
 * @param labels the pod's labels
 * @param spec the pod spec
 * @param flink the FlinkDeployment, or null
 */
record PodView(String owner, Map<String, String> labels, JsonNode spec, JsonNode flink) {

  /** Flink's main container, whose image, cpu and memory the FlinkDeployment sets. */
  static final String FLINK_MAIN = "flink-main-container";

  static List<PodView> of(List<ObjectNode> objects) {
    List<PodView> pods = new ArrayList<>();
    for (ObjectNode o : objects) {
      String kind = o.path("kind").asText();
      if (kind.equals("Deployment") || kind.equals("Job")) {
        JsonNode template = o.path("spec").path("template");
        pods.add(new PodView(Kustomize.id(o), labels(template), template.path("spec"), null));
      } else if (kind.equals("FlinkDeployment")) {
        JsonNode template = o.path("spec").path("podTemplate");
        for (String component : List.of("jobmanager", "taskmanager")) {
          Map<String, String> labels = labels(template);
          labels.put("app", o.path("metadata").path("name").asText());
          labels.put("component", component);
          labels.put("type", "flink-native-kubernetes");
          pods.add(new PodView(Kustomize.id(o) + " " + component, labels, template.path("spec"), o));
        }
      }
    }
    return pods;
  }

  private static Map<String, String> labels(JsonNode template) {
    Map<String, String> labels = new HashMap<>();
    template.path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(),
        e.getValue().asText()));
    return labels;
  }

  /** Containers and init containers. */
  List<JsonNode> containers() {
    List<JsonNode> all = new ArrayList<>();
    spec.path("initContainers").forEach(all::add);
    spec.path("containers").forEach(all::add);
    return all;
  }

  /** A container's image; Flink's main container takes the FlinkDeployment's. */
  String image(JsonNode container) {
    if (flink != null && container.path("name").asText().equals(FLINK_MAIN)) {
      return flink.path("spec").path("image").asText();
    }
    return container.path("image").asText();
  }

  /** Whether a label selector's matchLabels all hold here (an empty selector holds everywhere). */
  boolean selectedBy(JsonNode selector) {
    if (selector.has("matchExpressions")) {
      throw new IllegalArgumentException(owner + ": matchExpressions are not checked by this test");
    }
    Map<String, String> wanted = new HashMap<>();
    selector.path("matchLabels").fields().forEachRemaining(e -> wanted.put(e.getKey(), e.getValue().asText()));
    return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  /** The volume a container mounts at {@code path}, or a missing node. */
  JsonNode volumeAt(JsonNode container, String path) {
    for (JsonNode mount : container.path("volumeMounts")) {
      if (mount.path("mountPath").asText().equals(path)) {
        for (JsonNode volume : spec.path("volumes")) {
          if (volume.path("name").asText().equals(mount.path("name").asText())) {
            return volume;
          }
        }
      }
    }
    return MissingNode.getInstance();
  }
}
