package dev.dualstream.deploy.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the processes of a {@link FlinkCluster} are configured with: Flink's {@code config.yaml}, the log
 * configuration, and a TaskManager's JVM options, which Flink's start scripts would otherwise derive.
 */
final class FlinkSettings {
  private static final int FRAMEWORK_HEAP_MB = 128;
  /**
   * A TaskManager's memory besides its task heap, what Flink's start scripts would derive from a process size:
   * Flink refuses to start one without it. JVM heap = framework + task heap; direct memory covers framework and
   * task off-heap and the network buffers (384 MB). DJL's native memory is outside Flink's accounting.
   */
  private static final Map<String, String> TASK_MANAGER_MEMORY = Map.of(
      "taskmanager.memory.framework.heap.size", FRAMEWORK_HEAP_MB + "m",
      "taskmanager.memory.framework.off-heap.size", "128m",
      "taskmanager.memory.task.off-heap.size", "128m",
      "taskmanager.memory.network.min", "128m",
      "taskmanager.memory.network.max", "128m",
      "taskmanager.memory.managed.size", "256m",
      "taskmanager.memory.jvm-metaspace.size", "256m",
      "taskmanager.memory.jvm-overhead.min", "192m",
      "taskmanager.memory.jvm-overhead.max", "192m");
  /** INFO to standard output, which {@link ChildJvm} appends to the process's log file. */
  private static final String LOG4J = String.join("\n",
      "rootLogger.level = INFO",
      "rootLogger.appenderRef.out.ref = out",
      "appender.out.type = Console",
      "appender.out.name = out",
      "appender.out.layout.type = PatternLayout",
      "appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n",
      "logger.kafka.name = org.apache.kafka",
      "logger.kafka.level = WARN",
      "");

  private FlinkSettings() {}

  /** Writes {@code config.yaml} and {@code log4j2.properties} into {@code confDir}, replacing earlier ones. */
  static void write(Path confDir, int restPort, int rpcPort, int slots, int taskHeapMb, Path tmp) throws IOException {
    Files.createDirectories(confDir);
    Files.writeString(confDir.resolve("config.yaml"), configYaml(restPort, rpcPort, slots, taskHeapMb, tmp));
    Files.writeString(log4j(confDir), LOG4J);
  }

  static Path log4j(Path confDir) {
    return confDir.resolve("log4j2.properties");
  }

  /**
   * 127.0.0.1 only; parent-first class loading (see {@link FlinkCluster}); heartbeats every second, so the
   * heartbeat RPCs to a TaskManager that died fail within seconds and its tasks restart elsewhere.
   */
  static String configYaml(int restPort, int rpcPort, int slots, int taskHeapMb, Path tmp) {
    String host = FlinkCluster.HOST;
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("jobmanager.rpc.address", host);
    conf.put("jobmanager.rpc.port", Integer.toString(rpcPort));
    conf.put("jobmanager.bind-host", host);
    conf.put("jobmanager.memory.process.size", "1024m");
    conf.put("rest.address", host);
    conf.put("rest.bind-address", host);
    conf.put("rest.port", Integer.toString(restPort));
    conf.put("taskmanager.host", host);
    conf.put("taskmanager.bind-host", host);
    conf.put("taskmanager.numberOfTaskSlots", Integer.toString(slots));
    conf.put("taskmanager.cpu.cores", Integer.toString(slots));
    conf.put("taskmanager.memory.task.heap.size", taskHeapMb + "m");
    conf.putAll(new TreeMap<>(TASK_MANAGER_MEMORY));
    conf.put("classloader.resolve-order", "parent-first");
    conf.put("heartbeat.interval", "1s");
    conf.put("heartbeat.timeout", "10s");
    conf.put("io.tmp.dirs", tmp.toString());
    StringBuilder yaml = new StringBuilder("# Written by dualstream's FlinkCluster at each start.\n");
    conf.forEach((key, value) -> yaml.append(key).append(": ").append(value).append('\n'));
    return yaml.toString();
  }

  /** The heap and direct-memory limits that match {@link #configYaml}'s memory settings. */
  static String[] taskManagerJvmOptions(int taskHeapMb) {
    String heap = (FRAMEWORK_HEAP_MB + taskHeapMb) + "m";
    return List.of("-Xmx" + heap, "-Xms" + heap, "-XX:MaxDirectMemorySize=400m", "-XX:MaxMetaspaceSize=256m",
        "-Xss4m").toArray(String[]::new);
  }
}
