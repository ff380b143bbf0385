package dev.dualstream.deploy.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A Flink standalone session cluster on 127.0.0.1: a JobManager and TaskManagers, each a {@link ChildJvm} running
 * Flink's own entry point ({@code StandaloneSessionClusterEntrypoint}, {@code TaskManagerRunner}) from the jars
 * Maven resolved, so no Flink distribution is needed, and none of them outlives this JVM, even after
 * {@code kill -9} of it. Jobs come through Flink's client to {@link #restAddress()}; the trainer's brings its own
 * code as jars ({@code TrainerJob.jobJars()}).
 *
 * <p>The cluster's class path is that of a Flink image's {@code lib/} folder: the third-party libraries (Flink,
 * the Kafka connector, DJL and its PyTorch natives, Avro), without dualstream's own code, which jobs ship
 * ({@link #libraries}). Class loading is parent-first: a class on both is taken from the cluster, so DJL and its
 * native library load once per TaskManager JVM even when a job jar bundles them (a native library binds to the
 * first class loader that loads it, and a job's own loader is made anew at each restart).
 *
 * <p>Each process writes its log to {@code <dir>/<name>.log}; the configuration is {@code <dir>/conf}.
 * Heartbeats are every second, so a TaskManager that dies is noticed within seconds (its heartbeat RPCs fail)
 * and its tasks restart elsewhere from the newest checkpoint.
 *
 * <pre>{@code
 * try (FlinkCluster flink = FlinkCluster.builder(Path.of("var/flink")).taskManagers(2).start()) {
 *   TrainerJob.runOnCluster(options, "127.0.0.1", flink.restPort());
 * }
 * }</pre>
 */
public final class FlinkCluster implements AutoCloseable {
  public static final int DEFAULT_REST_PORT = 8081;
  public static final int DEFAULT_RPC_PORT = 6123;
  static final String HOST = "127.0.0.1";
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * The task heap of a TaskManager unless set: the default model's trainer keeps a copy of its 256 MB table on the
   * heap (for versions), beside the decoders' feature caches, and does not fit in much less.
   */
  public static final int DEFAULT_TASK_HEAP_MB = 2048;

  private final Path dir;
  private final List<String> classPath;
  private final int restPort;
  private final Duration readyTimeout;
  private final int taskHeapMb;
  private final Process jobManager;
  private final Map<String, Process> taskManagers = new LinkedHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Thread shutdownHook = new Thread(this::stopAll, "flink-cluster-stop");
  private int started;
  private boolean closed;

  private FlinkCluster(Builder b, Process jobManager) {
    this.dir = b.dir;
    this.classPath = b.classPath;
    this.restPort = b.restPort;
    this.readyTimeout = b.readyTimeout;
    this.taskHeapMb = b.taskHeapMb;
    this.jobManager = jobManager;
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /** The JobManager's REST endpoint, {@code HOST:PORT}: what Flink's client and {@code train --jobmanager} take. */
  public String restAddress() {
    return HOST + ":" + restPort;
  }

  public int restPort() {
    return restPort;
  }

  public Path directory() {
    return dir;
  }

  /** The process id of a TaskManager this cluster started. */
  public synchronized long pid(String taskManager) {
    return process(taskManager).pid();
  }

  /** The TaskManagers registered with the JobManager, by resource id, as its REST endpoint reports them. */
  public Set<String> registeredTaskManagers() {
    Set<String> ids = new TreeSet<>();
    for (JsonNode tm : get("/taskmanagers").path("taskmanagers")) {
      ids.add(tm.path("id").asText());
    }
    return ids;
  }

  /**
   * Kills a TaskManager as a crash would ({@code kill -9}: no shutdown, no goodbye to the JobManager) and
   * returns its process id once the process is gone.
   */
  public synchronized long kill(String taskManager) {
    Process process = process(taskManager);
    ChildJvm.kill(process);
    return process.pid();
  }

  /** Starts one more TaskManager and waits until it has registered; returns its resource id. */
  public String startTaskManager() {
    String id;
    synchronized (this) {
      id = launchTaskManager();
    }
    awaitRegistered(Set.of(id));
    return id;
  }

  public long jobManagerPid() {
    return jobManager.pid();
  }

  /** Waits up to {@code timeout} for the JobManager to exit; its exit code if it did. */
  public OptionalInt awaitJobManagerExit(Duration timeout) throws InterruptedException {
    return jobManager.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
        ? OptionalInt.of(jobManager.exitValue()) : OptionalInt.empty();
  }

  /** The log file of a process of this cluster: {@code jobmanager} or a TaskManager's resource id. */
  public Path logFile(String name) {
    return dir.resolve(name + ".log");
  }

  /** Stops the TaskManagers, then the JobManager: SIGTERM, then SIGKILL if one is still there after 15 s. */
  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs, and finds nothing left to stop
    }
  }

  private synchronized void stopAll() {
    if (closed) {
      return;
    }
    closed = true;
    taskManagers.values().forEach(p -> p.toHandle().destroy());
    taskManagers.values().forEach(p -> ChildJvm.stop(p, STOP_TIMEOUT));
    ChildJvm.stop(jobManager, STOP_TIMEOUT);
  }

  private Process process(String taskManager) {
    Process process = taskManagers.get(taskManager);
    if (process == null) {
      throw new IllegalArgumentException("no TaskManager " + taskManager + " in this cluster: "
          + taskManagers.keySet());
    }
    return process;
  }

  private String launchTaskManager() {
    String id = "tm" + (++started);
    try {
      Process process = child(dir, classPath, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", id)
          .jvmOptions(FlinkSettings.taskManagerJvmOptions(taskHeapMb))
          .args("--configDir", dir.resolve("conf").toString(), "-Dtaskmanager.resource-id=" + id).start();
      taskManagers.put(id, process);
      return id;
    } catch (IOException e) {
      throw new FlinkStartException("cannot start a Flink TaskManager: " + e.getMessage(), e);
    }
  }

  /** A process of the cluster in {@code dir}, logging to {@code <dir>/<name>.log}. */
  private static ChildJvm child(Path dir, List<String> classPath, String mainClass, String name) {
    return ChildJvm.of(mainClass).classPath(classPath).log(dir.resolve(name + ".log"))
        .jvmOptions("-Dlog4j2.configurationFile=" + FlinkSettings.log4j(dir.resolve("conf")).toUri());
  }

  /** Waits until the JobManager lists every TaskManager in {@code ids}; fails when a process of ours dies. */
  private void awaitRegistered(Set<String> ids) {
    long deadline = System.nanoTime() + readyTimeout.toNanos();
    while (true) {
      if (!jobManager.isAlive()) {
        throw died("the Flink JobManager exited during start-up (exit " + jobManager.exitValue() + ")", "jobmanager");
      }
      for (String id : ids) {
        Process tm;
        synchronized (this) {
          tm = taskManagers.get(id);
        }
        if (!tm.isAlive()) {
          throw died("the Flink TaskManager " + id + " exited during start-up (exit " + tm.exitValue() + ")", id);
        }
      }
      try {
        if (registeredTaskManagers().containsAll(ids)) {
          return;
        }
      } catch (UncheckedIOException e) {
        // the REST endpoint is not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new FlinkStartException("Flink's TaskManagers " + ids + " did not register within " + readyTimeout
            + "; see the logs in " + dir);
      }
      sleep(200);
    }
  }

  private FlinkStartException died(String what, String name) {
    return new FlinkStartException(what + "; its log: " + logFile(name));
  }

  /** GET of a path of the JobManager's REST API, as JSON. */
  JsonNode get(String path) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(new URI("http://" + restAddress() + path))
          .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("GET " + path + ": HTTP " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FlinkStartException("interrupted while Flink started", e);
    }
  }


  /**
   * {@code classPath} less dualstream's own code, which jobs ship as jars; the entry that holds {@link
   * ParentLifeline} (the launcher's) stays, since every child starts there. What remains is a Flink image's
   * {@code lib/} folder. Entries come out absolute.
   */
  public static List<String> libraries(String classPath) {
    return ClusterClassPath.libraries(classPath);
  }

  /** Ports, TaskManagers, slots and the class path of a cluster to start. */
  public static final class Builder {
    private final Path dir;
    private int restPort = DEFAULT_REST_PORT;
    private int rpcPort = DEFAULT_RPC_PORT;
    private int taskManagers = 2;
    private int slots = 2;
    private int taskHeapMb = DEFAULT_TASK_HEAP_MB;
    private Duration readyTimeout = Duration.ofSeconds(120);
    private List<String> classPath;

    private Builder(Path dir) {
      this.dir = dir.toAbsolutePath().normalize();
    }

    /** The REST port, for Flink's client and its REST API. Default 8081. */
    public Builder restPort(int port) {
      this.restPort = port;
      return this;
    }

    /** The JobManager's RPC port (TaskManagers register there). Default 6123. */
    public Builder rpcPort(int port) {
      this.rpcPort = port;
      return this;
    }

    /** TaskManager processes to start. Default 2. */
    public Builder taskManagers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("a Flink cluster needs at least one TaskManager, got " + n);
      }
      this.taskManagers = n;
      return this;
    }

    /** Task slots per TaskManager. Default 2. */
    public Builder slots(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("a TaskManager needs at least one slot, got " + n);
      }
      this.slots = n;
      return this;
    }

    /** Each TaskManager's task heap, in MB (its JVM heap is 128 MB more). Default {@value #DEFAULT_TASK_HEAP_MB}. */
    public Builder taskHeapMb(int mb) {
      if (mb < 64) {
        throw new IllegalArgumentException("a TaskManager's task heap must be at least 64 MB, got " + mb);
      }
      this.taskHeapMb = mb;
      return this;
    }

    public Builder readyTimeout(Duration timeout) {
      this.readyTimeout = timeout;
      return this;
    }

    /** The processes' class path; default: {@link #libraries} of this JVM's. */
    public Builder classPath(List<String> entries) {
      this.classPath = List.copyOf(entries);
      return this;
    }

    /**
     * Starts the JobManager and the TaskManagers and returns once every TaskManager has registered.
     *
     * @throws FlinkStartException if a port is taken, or a process exits or does not register in time
     */
    public FlinkCluster start() {
      if (classPath == null) {
        classPath = libraries(System.getProperty("java.class.path"));
      }
      requireFree(restPort, "the Flink REST port", "--rest-port");
      requireFree(rpcPort, "the Flink JobManager's RPC port", "--rpc-port");
      try {
        FlinkSettings.write(dir.resolve("conf"), restPort, rpcPort, slots, taskHeapMb, dir.resolve("tmp"));
      } catch (IOException e) {
        throw new FlinkStartException("cannot write the Flink configuration in " + dir + ": " + e.getMessage(), e);
      }
      Process jobManager;
      try {
        jobManager = child(dir, classPath, "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
            "jobmanager").jvmOptions("-Xmx512m").args("--configDir", dir.resolve("conf").toString()).start();
      } catch (IOException e) {
        throw new FlinkStartException("cannot start the Flink JobManager: " + e.getMessage(), e);
      }
      FlinkCluster cluster = new FlinkCluster(this, jobManager);
      try {
        Set<String> ids = new TreeSet<>();
        synchronized (cluster) {
          for (int i = 0; i < taskManagers; i++) {
            ids.add(cluster.launchTaskManager());
          }
        }
        cluster.awaitRegistered(ids);
        return cluster;
      } catch (RuntimeException e) {
        cluster.close();
        throw e;
      }
    }


    private static void requireFree(int port, String role, String option) {
      if (port < 1 || port > 65535) {
        throw new FlinkStartException(role + " must be between 1 and 65535, got " + port);
      }
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(HOST, port));
      } catch (IOException e) {
        throw new FlinkStartException("port " + port + " on " + HOST + " (" + role + ") is in use; stop what holds"
            + " it or pass " + option);
      }
    }
  }

}
