package dev.dualstream.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A CRD's structural OpenAPI v3 schema, applied as the API server applies it: types, enums, required fields, and
 * pruning, where a field the schema does not declare is an error here instead of being dropped (unless the schema
 * says {@code additionalProperties} or {@code x-kubernetes-preserve-unknown-fields}). The keywords a structural
 * schema may use beyond those (formats, bounds, patterns, CEL rules) are not checked; a schema using one this
 * class does not know fails, so a newer CRD cannot pass unchecked.
 */
final class OpenApiSchema {
  private static final List<String> KNOWN = List.of("type", "properties", "additionalProperties", "items", "required",
      "enum", "description", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "anyOf",
      "format", "nullable", "default");

  private final JsonNode root;

  OpenApiSchema(JsonNode root) {
    this.root = root;
  }

  /** The problems of {@code value} against the schema of the root's property {@code field}. */
  List<String> validate(JsonNode value, String field) {
    List<String> problems = new ArrayList<>();
    check(root.path("properties").path(field), value, field, problems);
    return problems;
  }

  private static void check(JsonNode schema, JsonNode value, String path, List<String> problems) {
    schema.fieldNames().forEachRemaining(keyword -> {
      if (!KNOWN.contains(keyword)) {
        throw new IllegalStateException(path + ": schema keyword " + keyword + " is not implemented");
      }
    });
    if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
      if (!value.isIntegralNumber() && !value.isTextual()) {
        problems.add(path + ": an integer or a string expected, got " + value);
      }
      return;
    }
    if (schema.has("enum") && !contains(schema.get("enum"), value)) {
      problems.add(path + ": " + value + " is not one of " + schema.get("enum"));
    }
    String type = schema.path("type").asText("");
    switch (type) {
      case "object" -> object(schema, value, path, problems);
      case "array" -> {
        if (!value.isArray()) {
          problems.add(path + ": an array expected, got " + value);
        } else {
          for (int i = 0; i < value.size(); i++) {
            check(schema.path("items"), value.get(i), path + "[" + i + "]", problems);
          }
        }
      }
      case "string" -> expect(value.isTextual(), "a string", value, path, problems);
      case "integer" -> expect(value.isIntegralNumber(), "an integer", value, path, problems);
      case "number" -> expect(value.isNumber(), "a number", value, path, problems);
      case "boolean" -> expect(value.isBoolean(), "a boolean", value, path, problems);
      case "" -> {
        if (!schema.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
          throw new IllegalStateException(path + ": a schema without a type");
        }
      }
      default -> throw new IllegalStateException(path + ": schema type " + type + " is not implemented");
    }
  }

  private static void object(JsonNode schema, JsonNode value, String path, List<String> problems) {
    if (!value.isObject()) {
      problems.add(path + ": an object expected, got " + value);
      return;
    }
    for (JsonNode required : schema.path("required")) {
      if (!value.has(required.asText())) {
        problems.add(path + ": required field " + required.asText() + " missing");
      }
    }
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.path("additionalProperties");
    boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean();
    Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String at = path + "." + field.getKey();
      if (properties.has(field.getKey())) {
        check(properties.get(field.getKey()), field.getValue(), at, problems);
      } else if (additional.isObject()) {
        check(additional, field.getValue(), at, problems);
      } else if (!preserve && !additional.asBoolean(false)) {
        problems.add(at + ": unknown field (the API server would prune it)");
      }
    }
  }

  private static boolean contains(JsonNode options, JsonNode value) {
    for (JsonNode option : options) {
      if (option.equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static void expect(boolean ok, String what, JsonNode value, String path, List<String> problems) {
    if (!ok) {
      problems.add(path + ": " + what + " expected, got " + value);
    }
  }
}
