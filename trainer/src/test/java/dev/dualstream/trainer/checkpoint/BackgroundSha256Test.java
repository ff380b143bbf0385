package dev.dualstream.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hashing on a thread of its own gives the SHA-256 of exactly the bytes passed on, in order. */
class BackgroundSha256Test {

  @Test
  void theDigestIsTheSha256OfTheBytesWrittenWhateverTheirSizes() throws Exception {
    Random random = new Random(5);
    ByteArrayOutputStream passedOn = new ByteArrayOutputStream();
    byte[] digest;
    try (BackgroundSha256 out = new BackgroundSha256(passedOn, 64)) {
      for (int i = 0; i < 500; i++) {
        int kind = random.nextInt(3);
        if (kind == 0) {
          out.write(random.nextInt(256));
        } else {
          byte[] bytes = new byte[kind == 1 ? random.nextInt(64) : 64 + random.nextInt(1000)];
          random.nextBytes(bytes);
          int off = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
          out.write(bytes, off, bytes.length - off);
        }
      }
      digest = out.digest();
      assertArrayEquals(digest, out.digest(), "asking twice gives the same digest");
    }
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(passedOn.toByteArray()), digest);
  }

  @Test
  void nothingWrittenIsTheEmptyDigest() throws Exception {
    try (BackgroundSha256 out = new BackgroundSha256(new ByteArrayOutputStream(), 16)) {
      assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(new byte[0]), out.digest());
    }
  }
}
