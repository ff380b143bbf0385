package dev.dualstream.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strict renderer for the part of kustomize that deploy/k8s uses: {@code resources} (files and directories with
 * a kustomization), {@code images} (newName, newTag, digest; applied to every {@code containers} and {@code
 * initContainers} list, as kustomize does for any kind) and {@code patches} (JSON 6902 operations in a file,
 * with a target). Anything else in a kustomization fails the render, so the manifests cannot start using a
 * feature this renderer would silently skip; where kubectl is installed, {@code ManifestsTest} also compares its
 * output with kubectl's.
 */
final class Kustomize {
  private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "resources", "images", "patches");
  private static final Set<String> IMAGE_FIELDS = Set.of("name", "newName", "newTag", "digest");
  private static final Set<String> PATCH_FIELDS = Set.of("path", "target");
  private static final Set<String> TARGET_FIELDS = Set.of("group", "version", "kind", "name");

  private Kustomize() {}

  /** The objects the kustomization in {@code dir} renders, in the order of its resources. */
  static List<ObjectNode> render(Path dir) throws IOException {
    Path file = dir.resolve("kustomization.yaml");
    List<JsonNode> docs = Yaml.read(file);
    if (docs.size() != 1 || !docs.get(0).isObject()) {
      throw new IllegalArgumentException(file + ": one kustomization object expected");
    }
    JsonNode k = docs.get(0);
    onlyFields(k, FIELDS, file.toString());
    require(k, "apiVersion", "kustomize.config.k8s.io/v1beta1", file);
    require(k, "kind", "Kustomization", file);
    List<ObjectNode> objects = new ArrayList<>();
    for (JsonNode resource : k.path("resources")) {
      Path path = dir.resolve(resource.asText()).normalize();
      if (Files.isDirectory(path)) {
        objects.addAll(render(path));
      } else {
        for (JsonNode doc : Yaml.read(path)) {
          if (!doc.isObject()) {
            throw new IllegalArgumentException(path + ": a resource must be an object, got " + doc);
          }
          objects.add((ObjectNode) doc);
        }
      }
    }
    for (JsonNode patch : k.path("patches")) {
      applyPatch(dir, patch, objects);
    }
    for (JsonNode image : k.path("images")) {
      onlyFields(image, IMAGE_FIELDS, file + " images");
      for (ObjectNode object : objects) {
        setImages(object, image);
      }
    }
    Set<String> ids = new HashSet<>();
    for (ObjectNode object : objects) {
      if (!ids.add(id(object))) {
        throw new IllegalArgumentException(dir + ": two resources are " + id(object));
      }
    }
    return objects;
  }

  /** apiVersion, kind, namespace and name: what makes an object one of its own. */
  static String id(JsonNode object) {
    JsonNode meta = object.path("metadata");
    return object.path("apiVersion").asText() + "/" + object.path("kind").asText() + " "
        + meta.path("namespace").asText("") + "/" + meta.path("name").asText();
  }

  private static void applyPatch(Path dir, JsonNode patch, List<ObjectNode> objects) throws IOException {
    onlyFields(patch, PATCH_FIELDS, dir + " patches");
    JsonNode target = patch.path("target");
    onlyFields(target, TARGET_FIELDS, dir + " patches target");
    Path file = dir.resolve(patch.path("path").asText());
    // One document: read whole, since a multi-document reader would take a top-level list for its items.
    JsonNode operations = Yaml.MAPPER.readTree(file.toFile());
    if (operations == null || !operations.isArray()) {
      throw new IllegalArgumentException(file + ": a patch here is a list of JSON 6902 operations");
    }
    int matched = 0;
    for (int i = 0; i < objects.size(); i++) {
      ObjectNode object = objects.get(i);
      if (matches(target, object)) {
        objects.set(i, (ObjectNode) JsonPatch.apply(operations, object));
        matched++;
      }
    }
    if (matched == 0) {
      throw new IllegalArgumentException(file + ": the target " + target + " matches no resource");
    }
  }

  private static boolean matches(JsonNode target, JsonNode object) {
    String apiVersion = object.path("apiVersion").asText();
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    String version = apiVersion.substring(slash + 1);
    return field(target, "group", group) && field(target, "version", version)
        && field(target, "kind", object.path("kind").asText())
        && field(target, "name", object.path("metadata").path("name").asText());
  }

  private static boolean field(JsonNode target, String name, String value) {
    return !target.has(name) || target.get(name).asText().equals(value);
  }

  /** Sets the image of every container whose image has the entry's name, wherever a container list is. */
  private static void setImages(JsonNode node, JsonNode image) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        boolean containers = field.getKey().equals("containers") || field.getKey().equals("initContainers");
        if (containers && field.getValue().isArray()) {
          for (JsonNode container : field.getValue()) {
            if (container.has("image")) {
              ((ObjectNode) container).put("image", renamed(container.get("image").asText(), image));
            }
          }
        } else {
          setImages(field.getValue(), image);
        }
      }
    } else if (node.isArray()) {
      for (JsonNode item : (ArrayNode) node) {
        setImages(item, image);
      }
    }
  }

  private static String renamed(String reference, JsonNode image) {
    ImageReference ref = ImageReference.parse(reference);
    if (!ref.name().equals(image.path("name").asText())) {
      return reference;
    }
    String name = image.has("newName") ? image.get("newName").asText() : ref.name();
    if (image.has("digest")) {
      return name + "@" + image.get("digest").asText();
    }
    if (image.has("newTag")) {
      return name + ":" + image.get("newTag").asText();
    }
    return name + (ref.tag() == null ? "" : ":" + ref.tag()) + (ref.digest() == null ? "" : "@" + ref.digest());
  }

  private static void require(JsonNode k, String field, String value, Path file) {
    if (!value.equals(k.path(field).asText())) {
      throw new IllegalArgumentException(file + ": " + field + " must be " + value);
    }
  }

  private static void onlyFields(JsonNode node, Set<String> known, String where) {
    node.fieldNames().forEachRemaining(name -> {
      if (!known.contains(name)) {
        throw new IllegalArgumentException(where + ": " + name + " is not implemented by this renderer (only "
            + known + ")");
      }
    });
  }
}
