package dev.dualstream.trainer.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Where the links of incremental checkpoints live: one {@link StateArchive} file per link, a full trainer
 * checkpoint or a delta extending the link before it, beside Flink's checkpoints. A checkpoint's managed
 * state names its chain ({@link TrainingSnapshot#chain()}) with each link's length and SHA-256, so a damaged
 * or missing link is found before anything is restored.
 *
 * <p>Why a store of its own and not Flink's raw operator state: a delta is worth keeping only as long as the
 * checkpoints whose chains run through it, which may be newer than the checkpoint that wrote it, and Flink
 * deletes a checkpoint's raw state when it subsumes that checkpoint. Links are kept by {@link #retainOnly}:
 * the caller names the chains still needed (those of the checkpoints Flink retains, and of any in flight).
 */
public final class LinkStore {
  /** The file name ending of a link. */
  public static final String SUFFIX = ".link";

  private final Path dir;

  public LinkStore(Path dir) {
    this.dir = dir.toAbsolutePath();
  }

  public Path dir() {
    return dir;
  }

  /** The file beside a link that names the links of its chain, one per line, oldest first. */
  static final String CHAIN_SUFFIX = ".chain";

  /**
   * Packs {@code checkpointDir} into the link {@code name} (written to a temporary file, forced to disk, then
   * moved into place), and returns it. {@code before} are the links it extends, oldest first (none for a full
   * link); they are written beside it, so that {@link #retainChainsOf} knows what it needs.
   */
  public TrainingSnapshot.Link write(String name, Path checkpointDir, List<TrainingSnapshot.Link> before)
      throws IOException {
    TrainingSnapshot.Link named = new TrainingSnapshot.Link(name + SUFFIX, 0, new byte[0]);
    Files.createDirectories(dir);
    Path temp = dir.resolve("." + named.file() + ".tmp");
    StateArchive.Digest digest;
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
        OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
      digest = StateArchive.write(checkpointDir, out);
      out.flush();
      channel.force(true);
    }
    List<String> chain = new ArrayList<>(before.stream().map(TrainingSnapshot.Link::file).toList());
    chain.add(named.file());
    Files.write(dir.resolve(named.file() + CHAIN_SUFFIX), chain);
    Files.move(temp, dir.resolve(named.file()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return new TrainingSnapshot.Link(named.file(), digest.bytes(), digest.sha256());
  }

  /**
   * Checks every link of {@code chain} against its length and SHA-256, oldest first.
   *
   * @param source names the checkpoint in error messages
   * @throws CorruptCheckpointException naming the first link that is missing or damaged
   */
  public void verify(List<TrainingSnapshot.Link> chain, String source) throws IOException {
    for (int i = 0; i < chain.size(); i++) {
      TrainingSnapshot.Link link = chain.get(i);
      try (InputStream in = open(link, i, chain.size(), source)) {
        StateArchive.verify(in, link.digest(), describe(link, i, chain.size(), source));
      }
    }
  }

  /**
   * Unpacks each link of {@code chain} into a directory of its own under {@code scratch}, checking each as
   * {@link #verify} does, and returns the directories, oldest first.
   */
  public List<Path> unpack(List<TrainingSnapshot.Link> chain, Path scratch, String source) throws IOException {
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < chain.size(); i++) {
      TrainingSnapshot.Link link = chain.get(i);
      Path into = scratch.resolve("link-" + i);
      Files.createDirectories(into);
      try (InputStream in = open(link, i, chain.size(), source)) {
        StateArchive.read(in, into, link.digest(), describe(link, i, chain.size(), source));
      }
      dirs.add(into);
    }
    return dirs;
  }

  /**
   * Keeps the links of the chains that end in {@code heads} (each head's chain as written beside it) and deletes
   * every other link that {@code ours} claims; others' links (another job's, which a restored chain may run
   * through) are left alone.
   *
   * @return the links deleted
   */
  public List<String> retainChainsOf(Set<String> heads, Predicate<String> ours) throws IOException {
    Set<String> needed = new java.util.HashSet<>(heads);
    for (String head : heads) {
      Path chain = dir.resolve(head + CHAIN_SUFFIX);
      if (Files.isRegularFile(chain)) {
        needed.addAll(Files.readAllLines(chain));
      }
    }
    List<String> deleted = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return deleted;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(SUFFIX) && ours.test(name) && !needed.contains(name)) {
          Files.deleteIfExists(dir.resolve(name + CHAIN_SUFFIX));
          Files.deleteIfExists(file);
          deleted.add(name);
        }
      }
    }
    return deleted;
  }

  private InputStream open(TrainingSnapshot.Link link, int index, int length, String source) throws IOException {
    try {
      return new java.io.BufferedInputStream(Files.newInputStream(dir.resolve(link.file())), 1 << 20);
    } catch (NoSuchFileException e) {
      throw new CorruptCheckpointException(describe(link, index, length, source) + " is missing from " + dir);
    }
  }

  private static String describe(TrainingSnapshot.Link link, int index, int length, String source) {
    return source + ", link " + (index + 1) + " of " + length + " (" + link.file() + ")";
  }
}
