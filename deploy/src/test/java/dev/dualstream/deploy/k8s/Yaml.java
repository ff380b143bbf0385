package dev.dualstream.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Multi-document YAML into Jackson trees; empty documents (a trailing "---") are dropped. A top-level list is
 * taken as its items, one per document: read a single list with {@code MAPPER.readTree}.
 */
final class Yaml {
  static final ObjectMapper MAPPER = new YAMLMapper();

  private Yaml() {}

  static List<JsonNode> read(Path file) throws IOException {
    try (Reader in = Files.newBufferedReader(file)) {
      return read(in);
    }
  }

  static List<JsonNode> read(String text) throws IOException {
    return read(new StringReader(text));
  }

  private static List<JsonNode> read(Reader in) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = MAPPER.readerFor(JsonNode.class).readValues(in)) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }
}
