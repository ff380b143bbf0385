package dev.dualstream.deploy.demo;

import dev.dualstream.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What the demo runs on and how much of it.
 *
 * @param dataset a BEIR directory
 * @param workDir where the broker log, ingest state and model store go; emptied at start
 * @param kafkaPort the broker's port on 127.0.0.1 (its controller takes the next one)
 * @param impressions simulated searches
 * @param seed seed of the simulator and of training
 * @param evalQueries test queries to evaluate (0: all)
 * @param model the model to train
 * @param reportJson where to write the report as JSON, if anywhere
 * @param foreignBadRecords bad records another producer mixes into the simulated stream
 * @param foreignPairs valid impression and click pairs another producer mixes in
 * @param record where to record the demo's input topics (documents, impressions, clicks), if anywhere
 * @param report where to write the report page, its summary, JSON and run files, if anywhere
 */
public record DemoOptions(
    Path dataset,
    Path workDir,
    int kafkaPort,
    long impressions,
    long seed,
    int evalQueries,
    ModelConfig model,
    Optional<Path> reportJson,
    int foreignBadRecords,
    int foreignPairs,
    Optional<Path> record,
    Optional<Path> report) {

  /** The demo without another producer. */
  public DemoOptions(Path dataset, Path workDir, int kafkaPort, long impressions, long seed, int evalQueries,
      ModelConfig model, Optional<Path> reportJson) {
    this(dataset, workDir, kafkaPort, impressions, seed, evalQueries, model, reportJson, 0, 0, Optional.empty(),
        Optional.empty());
  }

  public DemoOptions {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(reportJson, "reportJson");
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(report, "report");
    if (kafkaPort < 1 || kafkaPort > 65534) {
      throw new IllegalArgumentException("--kafka-port must be between 1 and 65534, got " + kafkaPort);
    }
    if (impressions < 1) {
      throw new IllegalArgumentException("--impressions must be at least 1, got " + impressions);
    }
    if (foreignBadRecords < 0 || foreignPairs < 0) {
      throw new IllegalArgumentException("foreign records must not be negative, got " + foreignBadRecords + " and "
          + foreignPairs);
    }
    if (evalQueries < 0) {
      throw new IllegalArgumentException("--eval-queries must be 0 (all) or more, got " + evalQueries);
    }
  }
}
