package dev.dualstream.schemas;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Walks a binary Avro body along its writer schema without building anything, and refuses it if a
 * declared length or count overruns the bytes that are left (malformed) or a {@link DecodeLimits}
 * bound (too large). Avro's own decoder allocates a string, bytes or array of the declared size
 * before it reads a byte of it, so this runs first: afterwards every size Avro allocates has been
 * checked against what the record holds.
 *
 * <p>The writer schema is compiled once into {@link Node}s; the walk reads varints and skips string
 * and bytes payloads, which is cheap next to decoding (no UTF-8 conversion, no objects).
 */
final class BodyScan {
  private final byte[] bytes;
  private final DecodeLimits limits;
  private int position;
  private long items;

  private BodyScan(byte[] bytes, int from, DecodeLimits limits) {
    this.bytes = bytes;
    this.position = from;
    this.limits = limits;
  }

  /**
   * Checks the body {@code bytes[from..]} of a record written with the schema compiled to {@code root}.
   *
   * @throws Refusal saying where and what is wrong
   */
  static void check(Node root, byte[] bytes, int from, DecodeLimits limits) {
    new BodyScan(bytes, from, limits).value(root);
  }

  /** Why a body was refused, with the path of the field it was refused at. */
  static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final RecordDecodeException.Kind kind;
    private final transient List<String> path = new ArrayList<>();

    Refusal(RecordDecodeException.Kind kind, String message) {
      super(message, null, false, false);
      this.kind = kind;
    }

    RecordDecodeException.Kind kind() {
      return kind;
    }

    /** The field path from the record's root, such as {@code results[2].doc_id}, or "" at the root. */
    String where() {
      StringBuilder out = new StringBuilder();
      for (int i = path.size() - 1; i >= 0; i--) {
        String step = path.get(i);
        if (out.length() > 0 && !step.startsWith("[")) {
          out.append('.');
        }
        out.append(step);
      }
      return out.toString();
    }

    private Refusal at(String step) {
      path.add(step);
      return this;
    }
  }

  /** A compiled schema node: its type, and what the walk needs of it. */
  static final class Node {
    final Schema.Type type;
    /** Fixed size, enum symbol count or union branch count. */
    final int size;
    /** Record fields, array items, map values or union branches. */
    Node[] children;
    String[] fieldNames;
    /** The fewest bytes a value of this node takes; a lower bound (0 inside a recursion). */
    int minBytes;

    private Node(Schema.Type type, int size) {
      this.type = type;
      this.size = size;
    }

    /** Compiles a writer schema; recursive schemas compile to a cyclic graph. */
    static Node compile(Schema schema) {
      return compile(schema, new IdentityHashMap<>());
    }

    private static Node compile(Schema schema, Map<Schema, Node> done) {
      Node known = done.get(schema);
      if (known != null) {
        return known;
      }
      Schema.Type type = schema.getType();
      int size = switch (type) {
        case FIXED -> schema.getFixedSize();
        case ENUM -> schema.getEnumSymbols().size();
        case UNION -> schema.getTypes().size();
        default -> 0;
      };
      Node node = new Node(type, size);
      done.put(schema, node);
      switch (type) {
        case RECORD -> {
          List<Schema.Field> fields = schema.getFields();
          node.children = new Node[fields.size()];
          node.fieldNames = new String[fields.size()];
          for (int i = 0; i < fields.size(); i++) {
            node.fieldNames[i] = fields.get(i).name();
            node.children[i] = compile(fields.get(i).schema(), done);
          }
        }
        case ARRAY -> node.children = new Node[] {compile(schema.getElementType(), done)};
        case MAP -> node.children = new Node[] {compile(schema.getValueType(), done)};
        case UNION -> {
          node.children = new Node[size];
          for (int i = 0; i < size; i++) {
            node.children[i] = compile(schema.getTypes().get(i), done);
          }
        }
        default -> { }
      }
      node.minBytes = minBytes(node);
      return node;
    }

    private static int minBytes(Node node) {
      return switch (node.type) {
        case NULL -> 0;
        case FLOAT -> 4;
        case DOUBLE -> 8;
        case FIXED -> node.size;
        case RECORD -> {
          long sum = 0;
          for (Node field : node.children) {
            sum += field.minBytes;
          }
          yield (int) Math.min(sum, Integer.MAX_VALUE);
        }
        case UNION -> {
          int least = Integer.MAX_VALUE;
          for (Node branch : node.children) {
            least = Math.min(least, branch.minBytes);
          }
          yield 1 + (least == Integer.MAX_VALUE ? 0 : least);
        }
        default -> 1; // a varint, or a length or count before the payload
      };
    }
  }

  private void value(Node node) {
    switch (node.type) {
      case NULL -> { }
      case BOOLEAN -> skip(1, "a boolean");
      case INT -> readInt();
      case LONG -> readLong();
      case FLOAT -> skip(4, "a float");
      case DOUBLE -> skip(8, "a double");
      case FIXED -> skip(node.size, "a fixed of " + node.size + " bytes");
      case STRING -> payload("string", limits.maxStringBytes(), "maxStringBytes");
      case BYTES -> payload("bytes field", limits.maxBytesLength(), "maxBytesLength");
      case ENUM -> index(node.size, "enum symbol");
      case UNION -> value(node.children[index(node.size, "union branch")]);
      case RECORD -> record(node);
      case ARRAY, MAP -> collection(node);
    }
  }

  private void record(Node node) {
    for (int i = 0; i < node.children.length; i++) {
      try {
        value(node.children[i]);
      } catch (Refusal r) {
        throw r.at(node.fieldNames[i]);
      }
    }
  }

  /** Blocks of items, each a count (negative: followed by the block's byte size), until a count of 0. */
  private void collection(Node node) {
    Node item = node.children[0];
    int perItem = item.minBytes + (node.type == Schema.Type.MAP ? 1 : 0);
    String what = node.type == Schema.Type.MAP ? "map" : "array";
    long index = 0;
    for (long count = readLong(); count != 0; count = readLong()) {
      if (count < 0) {
        if (count == Long.MIN_VALUE) {
          throw malformed("an " + what + " block claims " + count + " items");
        }
        count = -count;
        long blockBytes = readLong();
        if (blockBytes < 0 || blockBytes > remaining()) {
          throw malformed("an " + what + " block claims " + blockBytes + " bytes, " + remaining() + " are left");
        }
      }
      if (perItem > 0 && count > remaining() / perItem) {
        throw malformed("an " + what + " block claims " + count + " items of at least " + perItem
            + " bytes each, " + remaining() + " bytes are left");
      }
      if (count > limits.maxItems() - items) {
        throw tooLarge("an " + what + " block of " + count + " items takes the record's items to "
            + (items + count) + ", more than maxItems " + limits.maxItems());
      }
      items += count;
      for (long end = index + count; index < end; index++) {
        try {
          if (node.type == Schema.Type.MAP) {
            payload("map key", limits.maxStringBytes(), "maxStringBytes");
          }
          value(item);
        } catch (Refusal r) {
          throw r.at("[" + index + "]");
        }
      }
    }
  }

  private void payload(String what, int limit, String limitName) {
    long length = readLong();
    if (length < 0) {
      throw malformed("a " + what + " with a negative length " + length);
    }
    if (length > remaining()) {
      throw malformed("a " + what + " claims " + length + " bytes, " + remaining() + " are left");
    }
    if (length > limit) {
      throw tooLarge("a " + what + " of " + length + " bytes, more than " + limitName + " " + limit);
    }
    position += (int) length;
  }

  private int index(int count, String what) {
    int index = readInt();
    if (index < 0 || index >= count) {
      throw malformed(what + " " + index + " out of range [0, " + count + ")");
    }
    return index;
  }

  private void skip(int n, String what) {
    if (n > remaining()) {
      throw malformed("the body ends inside " + what);
    }
    position += n;
  }

  /** A zig-zag varint of at most 5 bytes, as Avro's {@code readInt} accepts. */
  private int readInt() {
    if (position < bytes.length && bytes[position] >= 0) { // one byte: most lengths, counts and indexes
      int raw = bytes[position++];
      return (raw >>> 1) ^ -(raw & 1);
    }
    int raw = 0;
    for (int shift = 0; ; shift += 7) {
      if (shift > 28) {
        throw malformed("an int longer than 5 bytes");
      }
      int b = nextByte();
      raw |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
  }

  /** A zig-zag varint of at most 10 bytes, as Avro's {@code readLong} accepts. */
  private long readLong() {
    if (position < bytes.length && bytes[position] >= 0) {
      long raw = bytes[position++];
      return (raw >>> 1) ^ -(raw & 1);
    }
    long raw = 0;
    for (int shift = 0; ; shift += 7) {
      if (shift > 63) {
        throw malformed("a long longer than 10 bytes");
      }
      int b = nextByte();
      raw |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
  }

  private int nextByte() {
    if (position >= bytes.length) {
      throw malformed("the body ends inside a number");
    }
    return bytes[position++] & 0xff;
  }

  private int remaining() {
    return bytes.length - position;
  }

  private static Refusal malformed(String message) {
    return new Refusal(RecordDecodeException.Kind.MALFORMED, message);
  }

  private static Refusal tooLarge(String message) {
    return new Refusal(RecordDecodeException.Kind.TOO_LARGE, message);
  }
}
