package dev.dualstream.trainer.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A reader's claim on a model version in the store: while it is open, the trainer's retention ({@code train
 * --keep-versions}) does not delete the version. A lease is a file in the version's {@value #DIRECTORY}
 * directory named {@code pid@host@holder}; closing the lease deletes it. A lease whose
 * process is gone (same host), or that is older than {@link #OTHER_HOST_TTL} (another host sharing the
 * store, whose processes cannot be checked from here), no longer holds the version.
 */
public final class VersionLease implements AutoCloseable {
  /** Where a version's leases live. */
  public static final String DIRECTORY = ".leases";

  /** How long a lease from another host holds a version. */
  public static final Duration OTHER_HOST_TTL = Duration.ofHours(1);

  /** Host names as lease names carry them: computed once, as the lookup may be slow. */
  private static final String HOST = host();

  private final Path file;

  private VersionLease(Path file) {
    this.file = file;
  }

  /**
   * Takes a lease on a version for this process.
   *
   * @param holder what holds it, for people reading the directory: letters, digits, '.', '_', '-'
   * @throws IllegalArgumentException if the version directory does not exist (retention may have taken it)
   */
  public static VersionLease take(Path versionDir, String holder) {
    if (!holder.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("lease holder '" + holder + "' must be letters, digits, '.', '_' or '-'");
    }
    if (!Files.isDirectory(versionDir)) {
      throw new IllegalArgumentException("no model version in " + versionDir);
    }
    Path file = versionDir.resolve(DIRECTORY).resolve(ProcessHandle.current().pid() + "@" + HOST + "@" + holder);
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, Instant.now().toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot take a lease on " + versionDir + ": " + e.getMessage(), e);
    }
    return new VersionLease(file);
  }

  /**
   * Whether some live process holds a lease on the version. Leases of processes that are gone are deleted
   * on the way.
   */
  public static boolean isHeld(Path versionDir) {
    Path dir = versionDir.resolve(DIRECTORY);
    if (!Files.isDirectory(dir)) {
      return false;
    }
    boolean held = false;
    try (DirectoryStream<Path> leases = Files.newDirectoryStream(dir)) {
      for (Path lease : leases) {
        if (alive(lease)) {
          held = true;
        } else {
          Files.deleteIfExists(lease);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the leases of " + versionDir, e);
    }
    return held;
  }

  private static boolean alive(Path lease) throws IOException {
    String[] parts = lease.getFileName().toString().split("@", 3);
    if (parts.length < 3) {
      return false;
    }
    if (parts[1].equals(HOST)) {
      Optional<ProcessHandle> process = parseLong(parts[0]).flatMap(ProcessHandle::of);
      return process.map(ProcessHandle::isAlive).orElse(false);
    }
    Instant written = Files.getLastModifiedTime(lease).toInstant();
    return written.plus(OTHER_HOST_TTL).isAfter(Instant.now());
  }

  private static Optional<Long> parseLong(String s) {
    try {
      return Optional.of(Long.parseLong(s));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "_");
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** Gives the version up; retention may delete it from now on. */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release the lease " + file, e);
    }
  }
}
