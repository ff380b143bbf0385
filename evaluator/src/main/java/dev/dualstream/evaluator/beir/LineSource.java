package dev.dualstream.evaluator.beir;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads a text file line by line, gunzipping it when it starts with the gzip magic bytes (so the
 * file name does not have to say). Lines are split on bytes and decoded one at a time, so invalid
 * UTF-8 is reported at the line where it occurs (a reader decoding ahead would blame an earlier one).
 */
final class LineSource {

  /** Receives each line with its 1-based number. */
  @FunctionalInterface
  interface LineHandler {
    void line(String text, long number);
  }

  private LineSource() {}

  static void forEachLine(Path file, LineHandler handler) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    long number = 0;
    try (InputStream in = open(file)) {
      byte[] buffer = new byte[1 << 16];
      byte[] line = new byte[256];
      int length = 0;
      int read;
      while ((read = in.read(buffer)) != -1) {
        for (int i = 0; i < read; i++) {
          byte b = buffer[i];
          if (b == '\n') {
            number++;
            handler.line(decode(decoder, line, length, file, number), number);
            length = 0;
          } else {
            if (length == line.length) {
              line = Arrays.copyOf(line, line.length * 2);
            }
            line[length++] = b;
          }
        }
      }
      if (length > 0) {
        number++;
        handler.line(decode(decoder, line, length, file, number), number);
      }
    } catch (IOException e) {
      throw new DatasetException("cannot read " + file + " near line " + (number + 1) + ": " + e.getMessage(), e);
    }
  }

  static String where(Path file, long line) {
    return file + " line " + line;
  }

  private static String decode(CharsetDecoder decoder, byte[] bytes, int length, Path file, long number) {
    if (length > 0 && bytes[length - 1] == '\r') {
      length--;
    }
    try {
      String text = decoder.decode(ByteBuffer.wrap(bytes, 0, length)).toString();
      return number == 1 && text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (CharacterCodingException e) {
      throw new DatasetException(where(file, number) + ": not valid UTF-8 text");
    }
  }

  private static InputStream open(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    in.mark(2);
    int first = in.read();
    int second = in.read();
    in.reset();
    if (first == 0x1f && second == 0x8b) {
      in = new GZIPInputStream(in, 1 << 16);
    }
    return in;
  }
}
