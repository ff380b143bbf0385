package dev.dualstream.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** deploy/k8s rendered, once per kustomization per test run. */
final class Rendered {
  /** deploy/k8s, from the deploy module's directory (where surefire runs). */
  static final Path K8S = Path.of("k8s");
  /** The kustomizations a user applies, and the base they share. */
  static final List<String> UNITS = List.of("base", "overlays/cpu", "overlays/gpu", "jobs");
  /** The image name the base and the jobs' resources use; the overlays replace it. */
  static final String IMAGE = "dualstream";

  private static final Map<String, List<ObjectNode>> CACHE = new ConcurrentHashMap<>();

  private Rendered() {}

  static List<ObjectNode> objects(String unit) {
    return CACHE.computeIfAbsent(unit, u -> {
      try {
        return List.copyOf(Kustomize.render(K8S.resolve(u)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  static List<PodView> pods(String unit) {
    return PodView.of(objects(unit));
  }

  static List<ObjectNode> ofKind(String unit, String kind) {
    return objects(unit).stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
  }

  static JsonNode one(String unit, String kind) {
    List<ObjectNode> all = ofKind(unit, kind);
    if (all.size() != 1) {
      throw new AssertionError(unit + ": one " + kind + " expected, found " + all.size());
    }
    return all.get(0);
  }
}
