package dev.dualstream.trainer.checkpoint;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The model half of a training checkpoint: every file of a trainer checkpoint directory (weights,
 * optimizer state, manifest, and whatever else the trainer saves, such as a negative cache) packed
 * into one stream, each entry guarded by a CRC-32C, the whole stream by a SHA-256 that the
 * managed half ({@link TrainingSnapshot}) records.
 *
 * <p>Format 1: magic {@code "DSTA"}, format int; per entry a tag byte 1, the file name (modified
 * UTF-8), its length (long), its bytes, their CRC-32C (int); then a tag byte 0 and the entry
 * count (int). Big-endian.
 *
 * <p>Format 2, written now: format 1 where a name may be a relative path of up to {@value #MAX_DEPTH}
 * segments separated by {@code /} (a student's checkpoint sits in {@code students/<name>/} of its
 * teacher's), each segment a plain file name; format 1 archives still read.
 */
public final class StateArchive {
  static final int MAGIC = 0x44535441;
  static final int FORMAT = 2;
  static final int MAX_DEPTH = 3;
  private static final String SEGMENT = "[A-Za-z0-9][A-Za-z0-9._-]{0,254}";
  private static final int BUFFER = 1 << 20;

  private StateArchive() {}

  /** Length and SHA-256 of an archive. */
  public record Digest(long bytes, byte[] sha256) {
    public Digest {
      sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
      return sha256.clone();
    }

    boolean matches(long length, byte[] sha) {
      return bytes == length && Arrays.equals(sha256, sha);
    }

    @Override
    public String toString() {
      return bytes + " bytes, SHA-256 " + HexFormat.of().formatHex(sha256);
    }
  }

  /**
   * Writes the regular files of {@code dir} and of its folders, at most {@value #MAX_DEPTH} deep, to {@code
   * out}, which stays open; sorted by relative path, so the same files give the same archive.
   */
  public static Digest write(Path dir, OutputStream out) throws IOException {
    List<String> files = new ArrayList<>();
    collect(dir, "", 1, files);
    files.sort(null);
    CountingOutputStream counting = new CountingOutputStream(out);
    try (BackgroundSha256 hashing = new BackgroundSha256(counting, BUFFER)) {
      DataOutputStream data = new DataOutputStream(hashing);
      writeEntries(dir, files, data);
      return new Digest(counting.count, hashing.digest());
    }
  }

  private static void collect(Path dir, String prefix, int depth, List<String> files) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!name.matches(SEGMENT)) {
          throw new IOException("cannot archive " + entry + ": its name is not a plain file name");
        }
        if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS) && depth < MAX_DEPTH) {
          collect(entry, prefix + name + "/", depth + 1, files);
        } else if (Files.isRegularFile(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          files.add(prefix + name);
        } else {
          throw new IOException("cannot archive " + entry + ": only plain files, in folders at most " + MAX_DEPTH
              + " deep, are supported");
        }
      }
    }
  }

  private static void writeEntries(Path dir, List<String> files, DataOutputStream data) throws IOException {
    data.writeInt(MAGIC);
    data.writeInt(FORMAT);
    byte[] buffer = new byte[BUFFER];
    for (String name : files) {
      Path file = dir.resolve(name);
      data.writeByte(1);
      data.writeUTF(name);
      data.writeLong(Files.size(file));
      CRC32C crc = new CRC32C();
      try (InputStream in = Files.newInputStream(file)) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          data.write(buffer, 0, n);
          crc.update(buffer, 0, n);
        }
      }
      data.writeInt((int) crc.getValue());
    }
    data.writeByte(0);
    data.writeInt(files.size());
    data.flush();
  }

  /**
   * Unpacks an archive into {@code dir} (which must exist), checking every entry's CRC and, when
   * {@code expected} is given, the archive's length and SHA-256.
   *
   * @param source names the archive in error messages (a file, or a checkpoint)
   * @throws CorruptCheckpointException if the archive is not intact
   */
  public static Digest read(InputStream in, Path dir, Digest expected, String source) throws IOException {
    return scan(in, dir, expected, source);
  }

  /** Checks an archive without unpacking it; see {@link #read}. */
  public static Digest verify(InputStream in, Digest expected, String source) throws IOException {
    return scan(in, null, expected, source);
  }

  private static Digest scan(InputStream raw, Path dir, Digest expected, String source) throws IOException {
    MessageDigest sha = BackgroundSha256.newSha256();
    CountingInputStream counting = new CountingInputStream(new BufferedInputStream(raw, BUFFER));
    DataInputStream data = new DataInputStream(new DigestInputStream(counting, sha));
    byte[] buffer = new byte[BUFFER];
    int entries = 0;
    try {
      if (data.readInt() != MAGIC) {
        throw corrupt(source, "it does not start with the trainer state magic number");
      }
      int format = data.readInt();
      if (format < 1 || format > FORMAT) {
        throw corrupt(source, "it has archive format " + format + "; this build reads formats 1 to " + FORMAT);
      }
      for (int tag; (tag = data.readByte()) != 0; entries++) {
        if (tag != 1) {
          throw corrupt(source, "entry " + entries + " has an unknown tag " + tag);
        }
        String name = data.readUTF();
        // Segments of at most 255 characters, as file systems allow: a longer name would fail the
        // unpacking with a plain IOException instead of being reported as a damaged archive. No segment
        // can be "." or "..", so nothing unpacks outside the directory.
        if (!validName(name, format)) {
          throw corrupt(source, "entry " + entries + " has an invalid name");
        }
        long length = data.readLong();
        if (length < 0) {
          throw corrupt(source, "entry " + name + " has a negative length");
        }
        CRC32C crc = new CRC32C();
        if (dir != null && name.indexOf('/') > 0) {
          Files.createDirectories(dir.resolve(name).getParent());
        }
        try (OutputStream out = dir == null ? OutputStream.nullOutputStream() : Files.newOutputStream(dir.resolve(name))) {
          for (long left = length; left > 0; ) {
            int n = data.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
              throw new EOFException();
            }
            crc.update(buffer, 0, n);
            out.write(buffer, 0, n);
            left -= n;
          }
        }
        if (data.readInt() != (int) crc.getValue()) {
          throw corrupt(source, "entry " + name + " fails its CRC-32C check");
        }
      }
      if (data.readInt() != entries) {
        throw corrupt(source, "its entry count does not match its trailer");
      }
    } catch (EOFException e) {
      throw corrupt(source, "it is truncated after " + counting.count + " bytes");
    } catch (java.io.UTFDataFormatException e) {
      throw corrupt(source, "entry " + entries + " has a malformed name");
    }
    Digest digest = new Digest(counting.count, sha.digest());
    if (expected != null && !expected.matches(digest.bytes(), digest.sha256)) {
      throw corrupt(source, "it is " + digest + " but the checkpoint's training state recorded " + expected);
    }
    return digest;
  }

  private static boolean validName(String name, int format) {
    String[] segments = name.split("/", -1);
    if (segments.length > (format == 1 ? 1 : MAX_DEPTH)) {
      return false;
    }
    for (String segment : segments) {
      if (!segment.matches(SEGMENT) || segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }

  private static CorruptCheckpointException corrupt(String source, String why) {
    return new CorruptCheckpointException("the trainer state in " + source + " is corrupt: " + why);
  }

  private static final class CountingOutputStream extends java.io.FilterOutputStream {
    long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  private static final class CountingInputStream extends java.io.FilterInputStream {
    long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
