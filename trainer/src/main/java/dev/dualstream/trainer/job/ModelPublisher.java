package dev.dualstream.trainer.job;

import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.TableReplica;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Writes model versions to the model store: {@code <store>/<model>/<version>/}. A version is written
 * into a temporary sibling directory and renamed into place, so a reader never sees half a version.
 * Version numbers continue after the highest one already in the store, or after the number a
 * restored checkpoint gives ({@link #continueAfter}). Which written versions are committed is
 * {@link VersionLedger}'s business.
 */
final class ModelPublisher {
  private final Path modelDir;
  private final String modelName;
  private final long seed;
  private final int keepVersions;
  /** The copy of the table that versions published for later are written from. */
  private final TableReplica replica = new TableReplica();
  private long lastVersion;

  /** @param keepVersions committed versions the store keeps, the newest ({@link VersionLedger}); 0 keeps all */
  ModelPublisher(Path store, String modelName, long seed, int keepVersions) {
    this.modelDir = store.resolve(modelName).toAbsolutePath();
    this.modelName = modelName;
    this.seed = seed;
    this.keepVersions = keepVersions;
    try {
      Files.createDirectories(modelDir);
      this.lastVersion = highestVersion(modelDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use model store " + modelDir, e);
    }
  }

  /**
   * Saves the trainer's current state as the next version; with {@code withOptimizer} the version
   * also holds the optimizer state, so training can resume from it ({@link
   * DualEncoderTrainer#restore}).
   *
   * @param nextOffsets per input partition, the offset of the next record not yet applied
   */
  ModelVersion publish(DualEncoderTrainer trainer, String topic, SortedMap<Integer, Long> nextOffsets,
      boolean withOptimizer) {
    return publish(trainer, topic, nextOffsets, withOptimizer ? Mode.WITH_OPTIMIZER : Mode.MODEL, null).version();
  }

  /**
   * As {@link #publish(DualEncoderTrainer, String, SortedMap, boolean)}, for a student: the version
   * names its teacher's, written at the same step under the same number.
   */
  ModelVersion publishStudent(DualEncoderTrainer student, String topic, SortedMap<Integer, Long> nextOffsets,
      boolean withOptimizer, ModelVersion teacher) {
    return publish(student, topic, nextOffsets, withOptimizer ? Mode.WITH_OPTIMIZER : Mode.MODEL, teacher).version();
  }

  /**
   * As {@link #publish(DualEncoderTrainer, String, SortedMap, boolean)} without the optimizer state, leaving
   * the table to {@link Published#rest}: the version is the state at this call, and appears in the store
   * once that write is done ({@link DualEncoderTrainer#captureVersion}, through this publisher's copy of the
   * table: the rests must be written in the order they were published).
   *
   * @param teacher the teacher's version, for a student; else null
   */
  Published publishLater(DualEncoderTrainer trainer, String topic, SortedMap<Integer, Long> nextOffsets,
      ModelVersion teacher) {
    return publish(trainer, topic, nextOffsets, Mode.LATER, teacher);
  }

  /**
   * A version and what is left to write of it.
   *
   * @param version its {@code models.versions} record
   * @param rest writes the rest and moves the version into place; {@link DualEncoderTrainer.Deferred#NONE}
   *     when it is in place
   */
  record Published(ModelVersion version, DualEncoderTrainer.Deferred rest) {}

  private enum Mode { MODEL, WITH_OPTIMIZER, LATER }

  private Published publish(DualEncoderTrainer trainer, String topic, SortedMap<Integer, Long> nextOffsets,
      Mode mode, ModelVersion teacher) {
    if (teacher != null && teacher.getVersion() != lastVersion + 1) {
      throw new IllegalStateException("student " + modelName + " would write version " + (lastVersion + 1)
          + " beside its teacher's version " + teacher.getVersion());
    }
    long version = lastVersion + 1;
    Path target = modelDir.resolve(Long.toString(version));
    Path temporary = modelDir.resolve("." + version + ".tmp-" + System.nanoTime());
    List<SourceOffset> offsets = new ArrayList<>();
    Map<String, String> provenance = new LinkedHashMap<>();
    provenance.put("model", modelName);
    provenance.put("version", Long.toString(version));
    // A student's seed derives from the job's and its name (see Classroom).
    long modelSeed = teacher == null ? seed : trainer.seed();
    provenance.put("seed", Long.toString(modelSeed));
    if (teacher != null) {
      provenance.put("teacher", teacher.getModel());
      provenance.put("teacher_version", Long.toString(teacher.getVersion()));
    }
    nextOffsets.forEach((partition, offset) -> {
      offsets.add(new SourceOffset(topic, partition, offset));
      provenance.put("offset." + topic + "-" + partition, Long.toString(offset));
    });
    DualEncoderTrainer.Deferred files = switch (mode) {
      case WITH_OPTIMIZER -> {
        trainer.saveCheckpoint(temporary, provenance);
        yield DualEncoderTrainer.Deferred.NONE;
      }
      case MODEL -> {
        trainer.save(temporary, provenance);
        yield DualEncoderTrainer.Deferred.NONE;
      }
      case LATER -> trainer.captureVersion(temporary, provenance, replica);
    };
    DualEncoderTrainer.Deferred rest = new DualEncoderTrainer.Deferred(files.rows(), files.bytes(), () -> {
      files.write();
      moveIntoPlace(temporary, target);
    });
    if (mode != Mode.LATER) {
      try {
        rest.write();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write model version " + target, e);
      }
    }
    lastVersion = version;
    ModelVersion record = ModelVersion.newBuilder()
        .setModel(modelName)
        .setVersion(version)
        .setStep(trainer.steps())
        .setExamples(trainer.examples())
        .setUri(target.toUri().toString())
        .setFeatureSpec(trainer.featurizer().spec().toJson())
        .setEmbeddingDim(trainer.config().outputDim())
        .setSeed(modelSeed)
        .setSourceOffsets(offsets)
        .setTimestamp(Instant.now())
        .setTeacherModel(teacher == null ? null : teacher.getModel())
        .setTeacherVersion(teacher == null ? null : teacher.getVersion())
        .build();
    return new Published(record, mode == Mode.LATER ? rest : DualEncoderTrainer.Deferred.NONE);
  }

  private static void moveIntoPlace(Path temporary, Path target) throws IOException {
    try {
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temporary, target);
    }
  }

  int keepVersions() {
    return keepVersions;
  }

  /** The model's directory in the store. */
  Path modelDir() {
    return modelDir;
  }

  /** The directory of a version number. */
  Path versionDir(long version) {
    return modelDir.resolve(Long.toString(version));
  }

  /** The highest version number written so far. */
  long lastVersion() {
    return lastVersion;
  }

  /** The next version written gets number {@code version + 1}. */
  void continueAfter(long version) {
    lastVersion = version;
  }

  static long highestVersion(Path dir) throws IOException {
    long highest = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.matches("\\d{1,18}") && Files.isDirectory(entry)) {
          highest = Math.max(highest, Long.parseLong(name));
        }
      }
    }
    return highest;
  }
}
