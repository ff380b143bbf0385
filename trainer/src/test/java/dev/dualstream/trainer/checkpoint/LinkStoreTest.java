package dev.dualstream.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinkStoreTest {
  @TempDir Path dir;

  private Path checkpoint(String name, String content) throws Exception {
    Path d = dir.resolve("src").resolve(name);
    Files.createDirectories(d.resolve("students/s"));
    Files.writeString(d.resolve("model.json"), content);
    Files.writeString(d.resolve("students/s/table.delta"), content + "-student");
    return d;
  }

  @Test
  void aChainUnpacksLinkByLinkAfterEveryLinkVerifies() throws Exception {
    LinkStore store = new LinkStore(dir.resolve("links"));
    TrainingSnapshot.Link full = store.write("job-chk-1", checkpoint("a", "full"), List.of());
    TrainingSnapshot.Link delta = store.write("job-chk-2", checkpoint("b", "delta"), List.of(full));
    assertEquals("job-chk-2.link", delta.file());
    assertEquals(Files.size(store.dir().resolve(delta.file())), delta.bytes());

    List<Path> dirs = store.unpack(List.of(full, delta), dir.resolve("out"), "checkpoint 2");
    assertEquals("full", Files.readString(dirs.get(0).resolve("model.json")));
    assertEquals("delta-student", Files.readString(dirs.get(1).resolve("students/s/table.delta")));
    assertArrayEquals(new String[] {"job-chk-1.link", "job-chk-2.link"},
        Files.readAllLines(store.dir().resolve("job-chk-2.link.chain")).toArray());
  }

  @Test
  void aMissingOrDamagedLinkIsNamedWithItsPlaceInTheChain() throws Exception {
    LinkStore store = new LinkStore(dir.resolve("links"));
    TrainingSnapshot.Link full = store.write("j-chk-1", checkpoint("a", "full"), List.of());
    TrainingSnapshot.Link middle = store.write("j-chk-2", checkpoint("b", "one"), List.of(full));
    TrainingSnapshot.Link last = store.write("j-chk-3", checkpoint("c", "two"), List.of(full, middle));
    try (RandomAccessFile f = new RandomAccessFile(store.dir().resolve(middle.file()).toFile(), "rw")) {
      f.seek(f.length() / 2);
      int b = f.read();
      f.seek(f.length() / 2);
      f.write(b ^ 1);
    }
    CorruptCheckpointException damaged = assertThrows(CorruptCheckpointException.class,
        () -> store.verify(List.of(full, middle, last), "checkpoint 3"));
    assertTrue(damaged.getMessage().contains("checkpoint 3, link 2 of 3 (j-chk-2.link)"), damaged.getMessage());
    Files.delete(store.dir().resolve(full.file()));
    CorruptCheckpointException missing = assertThrows(CorruptCheckpointException.class,
        () -> store.unpack(List.of(full, middle, last), dir.resolve("out"), "checkpoint 3"));
    assertTrue(missing.getMessage().contains("link 1 of 3 (j-chk-1.link) is missing"), missing.getMessage());
  }

  /** Only the chains that end in a needed head stay, and only this job's links are ever deleted. */
  @Test
  void retentionKeepsTheChainsOfTheHeadsAndLeavesOtherJobsAlone() throws Exception {
    LinkStore store = new LinkStore(dir.resolve("links"));
    TrainingSnapshot.Link a1 = store.write("a-chk-1", checkpoint("1", "x"), List.of());
    TrainingSnapshot.Link a2 = store.write("a-chk-2", checkpoint("2", "x"), List.of(a1));
    TrainingSnapshot.Link a3 = store.write("a-chk-3", checkpoint("3", "x"), List.of());
    TrainingSnapshot.Link a4 = store.write("a-chk-4", checkpoint("4", "x"), List.of(a3));
    TrainingSnapshot.Link other = store.write("b-chk-1", checkpoint("5", "x"), List.of());

    List<String> deleted = store.retainChainsOf(Set.of(a4.file()), name -> name.startsWith("a-"));
    assertEquals(Set.of(a1.file(), a2.file()), Set.copyOf(deleted));
    for (TrainingSnapshot.Link kept : List.of(a3, a4, other)) {
      assertTrue(Files.exists(store.dir().resolve(kept.file())), kept.file());
    }
    assertFalse(Files.exists(store.dir().resolve(a2.file() + ".chain")), "a deleted link's chain file goes too");
  }

  @Test
  void aLinkNameIsAPlainFileName() {
    assertThrows(IllegalArgumentException.class, () -> new TrainingSnapshot.Link("../x.link", 0, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> new TrainingSnapshot.Link("a/b.link", 0, new byte[0]));
  }
}
