package dev.dualstream.evaluator.testing;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.trainer.model.DocumentText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small hand-written dataset in the spirit of debian-pkgdesc: packages, synopsis queries, one relevant each. */
public final class TinyDatasets {
  private static final String[][] PACKAGES = {
      {"grep", "grep", "Searches text files for lines matching a regular expression pattern."},
      {"sed", "sed", "A stream editor that transforms text with substitution scripts."},
      {"gzip", "gzip", "Compresses and decompresses files with the deflate algorithm."},
      {"xz-utils", "xz-utils", "LZMA compression utilities producing small archives."},
      {"curl", "curl", "Command line tool for transferring data with URLs over HTTP and FTP."},
      {"wget", "wget", "Retrieves files from the web non-interactively, with recursive download."},
      {"vim", "vim", "Vi improved, a highly configurable modal text editor for programmers."},
      {"emacs", "emacs", "The extensible, customizable, self-documenting display editor."},
      {"git", "git", "Fast, scalable, distributed revision control system."},
      {"mercurial", "mercurial", "Easy to use, scalable distributed version control system."},
      {"python3", "python3", "Interactive high-level object-oriented programming language."},
      {"perl", "perl", "Larry Wall's practical extraction and report language."},
      {"nginx", "nginx", "Small, powerful, scalable web and proxy server."},
      {"apache2", "apache2", "The Apache HTTP server, a secure and extensible web server."},
      {"postgresql", "postgresql", "Object-relational SQL database management system."},
      {"sqlite3", "sqlite3", "Command line interface for the embedded SQL database engine SQLite."},
      {"openssh-client", "openssh-client", "Secure shell client for remote login to servers."},
      {"rsync", "rsync", "Fast, versatile remote and local file copying tool with delta transfer."},
      {"tmux", "tmux", "Terminal multiplexer that keeps sessions running after detaching."},
      {"htop", "htop", "Interactive process viewer showing processes and memory usage."},
  };

  private static final String[][] QUERIES = {
      {"q-grep", "search files for a regular expression", "grep", "test"},
      {"q-sed", "stream editor for text substitution", "sed", "test"},
      {"q-gzip", "deflate file compression", "gzip", "test"},
      {"q-curl", "transfer data from URLs", "curl", "test"},
      {"q-git", "distributed revision control", "git", "test"},
      {"q-sqlite", "embedded SQL database", "sqlite3", "test"},
      {"q-xz", "LZMA compression utilities", "xz-utils", "train"},
      {"q-wget", "non-interactive web download", "wget", "train"},
      {"q-vim", "modal text editor", "vim", "train"},
      {"q-emacs", "self-documenting display editor", "emacs", "train"},
      {"q-hg", "version control that is easy to use", "mercurial", "train"},
      {"q-python", "object-oriented programming language", "python3", "train"},
      {"q-perl", "practical extraction and report language", "perl", "train"},
      {"q-nginx", "proxy server", "nginx", "train"},
      {"q-apache", "HTTP server", "apache2", "train"},
      {"q-pg", "object-relational database", "postgresql", "train"},
      {"q-ssh", "remote login client", "openssh-client", "train"},
      {"q-rsync", "file copying with delta transfer", "rsync", "train"},
      {"q-tmux", "terminal multiplexer", "tmux", "train"},
      {"q-htop", "process viewer", "htop", "train"},
  };

  private TinyDatasets() {}

  /** Twenty documents, six test queries and fourteen train queries, one relevant document each. */
  public static BeirDataset packages() {
    List<DocumentText> corpus = new ArrayList<>();
    for (String[] p : PACKAGES) {
      corpus.add(new DocumentText("deb:" + p[0], p[1], p[2]));
    }
    Map<String, String> queries = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> test = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> train = new LinkedHashMap<>();
    for (String[] q : QUERIES) {
      queries.put(q[0], q[1]);
      (q[3].equals("test") ? test : train).put(q[0], Map.of("deb:" + q[2], 1));
    }
    return BeirDataset.of("tiny-packages", corpus, queries, Map.of("test", Qrels.of(test), "train", Qrels.of(train)));
  }
}
