package dev.dualstream.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model archive: exact round trips, and every kind of damage refused with the source and entry named. */
class StateArchiveTest {
  private static final String SOURCE = "/checkpoints/job/chk-7/state-file";

  @Test
  void roundTripsEveryFileByteForByte(@TempDir Path in, @TempDir Path out) throws Exception {
    Random random = new Random(11);
    byte[] big = new byte[3 * (1 << 20) + 17];
    random.nextBytes(big);
    Files.write(in.resolve("embeddings.f32"), big);
    Files.writeString(in.resolve("manifest.json"), "{\"step\": 3}");
    Files.write(in.resolve("empty.bin"), new byte[0]);
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    StateArchive.Digest written = StateArchive.write(in, stream);
    assertEquals(stream.size(), written.bytes());

    StateArchive.Digest read = StateArchive.read(new ByteArrayInputStream(stream.toByteArray()), out, written, SOURCE);
    assertArrayEquals(written.sha256(), read.sha256());
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(stream.toByteArray()), written.sha256());
    for (String name : new String[] {"embeddings.f32", "manifest.json", "empty.bin"}) {
      assertArrayEquals(Files.readAllBytes(in.resolve(name)), Files.readAllBytes(out.resolve(name)), name);
    }
  }

  @Test
  void foldersOfAStudentsCheckpointRoundTrip(@TempDir Path in, @TempDir Path out) throws Exception {
    Files.writeString(in.resolve("manifest.json"), "{\"model\": \"teacher\"}");
    Path student = Files.createDirectories(in.resolve("students").resolve("kl"));
    Files.write(student.resolve("embeddings.f32"), new byte[] {1, 2, 3});
    Files.writeString(student.resolve("manifest.json"), "{\"model\": \"kl\"}");
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    StateArchive.Digest written = StateArchive.write(in, stream);
    StateArchive.read(new ByteArrayInputStream(stream.toByteArray()), out, written, SOURCE);
    for (String name : new String[] {"manifest.json", "students/kl/embeddings.f32", "students/kl/manifest.json"}) {
      assertArrayEquals(Files.readAllBytes(in.resolve(name)), Files.readAllBytes(out.resolve(name)), name);
    }
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    StateArchive.write(out, again);
    assertArrayEquals(stream.toByteArray(), again.toByteArray(), "the same files give the same archive");
  }

  @Test
  void foldersDeeperThanAStudentsAreRefusedWhenWritten(@TempDir Path in) throws IOException {
    Files.write(Files.createDirectories(in.resolve("a/b/c")).resolve("x"), new byte[] {1});
    IOException e = assertThrows(IOException.class, () -> StateArchive.write(in, new ByteArrayOutputStream()));
    assertTrue(e.getMessage().contains("at most 3 deep"), e.getMessage());
  }

  @Test
  void aFormatOneArchiveReadsButHoldsNoFolders(@TempDir Path out) throws IOException {
    byte[] plain = formatOne("weights.f32");
    StateArchive.read(new ByteArrayInputStream(plain), out, null, SOURCE);
    assertArrayEquals(new byte[] {7}, Files.readAllBytes(out.resolve("weights.f32")));
    CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
        () -> StateArchive.verify(new ByteArrayInputStream(formatOne("students/weights.f32")), null, SOURCE));
    assertTrue(e.getMessage().endsWith("entry 0 has an invalid name"), e.getMessage());
  }

  /** An archive of format 1 holding one one-byte entry. */
  private static byte[] formatOne(String name) throws IOException {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(stream);
    out.writeInt(StateArchive.MAGIC);
    out.writeInt(1);
    out.writeByte(1);
    out.writeUTF(name);
    out.writeLong(1);
    out.writeByte(7);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(new byte[] {7});
    out.writeInt((int) crc.getValue());
    out.writeByte(0);
    out.writeInt(1);
    return stream.toByteArray();
  }

  @Test
  void aFlippedPayloadByteIsCaughtByTheEntryCrcAndNamed(@TempDir Path in) throws IOException {
    byte[] archive = archive(in);
    byte[] damaged = archive.clone();
    damaged[archive.length / 2] ^= 0x10;
    CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
        () -> StateArchive.verify(new ByteArrayInputStream(damaged), null, SOURCE));
    assertTrue(e.getMessage().contains(SOURCE), e.getMessage());
    assertTrue(e.getMessage().contains("weights.f32 fails its CRC-32C check"), e.getMessage());
  }

  @Test
  void truncationIsReported(@TempDir Path in) throws IOException {
    byte[] archive = archive(in);
    CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
        () -> StateArchive.verify(new ByteArrayInputStream(Arrays.copyOf(archive, archive.length - 9)), null, SOURCE));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void anArchiveFromAnotherCheckpointFailsTheDigestRecordedInManagedState(@TempDir Path in) throws IOException {
    byte[] archive = archive(in);
    StateArchive.Digest other = new StateArchive.Digest(archive.length, new byte[32]);
    CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
        () -> StateArchive.verify(new ByteArrayInputStream(archive), other, SOURCE));
    assertTrue(e.getMessage().contains("recorded"), e.getMessage());
  }

  @Test
  void foreignBytesAreNotAnArchive() {
    byte[] foreign = "PK\u0003\u0004 some zip file".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
        () -> StateArchive.verify(new ByteArrayInputStream(foreign), null, SOURCE));
    assertTrue(e.getMessage().contains("magic"), e.getMessage());
  }

  @Test
  void entryNamesCannotEscapeTheTargetDirectory(@TempDir Path in, @TempDir Path out) throws IOException {
    Files.write(in.resolve("aaaaaaaaaa"), new byte[] {1});
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    StateArchive.write(in, stream);
    byte[] bytes = stream.toByteArray();
    byte[] evil = "../../etc".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // name "aaaaaaaaaa" (10 bytes) starts after magic, format, tag and the UTF length
    System.arraycopy(evil, 0, bytes, 8 + 1 + 2, evil.length);
    bytes[8 + 1 + 2 + 9] = 'x';
    assertThrows(CorruptCheckpointException.class,
        () -> StateArchive.read(new ByteArrayInputStream(bytes), out, null, SOURCE));
    try (var files = Files.list(out)) {
      assertEquals(0, files.count(), "nothing written");
    }
  }

  @Test
  void aNameLongerThanAFileSystemAllowsIsADamagedArchive() throws IOException {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(stream);
    out.writeInt(StateArchive.MAGIC);
    out.writeInt(StateArchive.FORMAT);
    out.writeByte(1);
    out.writeUTF("a".repeat(256));
    CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
        () -> StateArchive.verify(new ByteArrayInputStream(stream.toByteArray()), null, SOURCE));
    assertTrue(e.getMessage().endsWith("entry 0 has an invalid name"), e.getMessage());
  }

  private static byte[] archive(Path dir) throws IOException {
    byte[] weights = new byte[4096];
    new Random(3).nextBytes(weights);
    Files.write(dir.resolve("weights.f32"), weights);
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    StateArchive.write(dir, stream);
    return stream.toByteArray();
  }
}
