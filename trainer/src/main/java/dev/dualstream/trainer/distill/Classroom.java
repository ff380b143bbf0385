package dev.dualstream.trainer.distill;

import dev.dualstream.cache.SplitMix64;
import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.model.Candidates;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.JointTeacher;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.StepResult;
import dev.dualstream.trainer.model.TrainingPair;
import dev.dualstream.trainer.optim.AdamSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A teacher and its students, stepped together: each batch trains the teacher, then every student
 * on the candidates the teacher drew for it, scored by the teacher before its update (Hinton-style
 * online distillation: the student follows the teacher as it improves rather than waiting for it).
 *
 * <p>A checkpoint is the teacher's, with each student's complete checkpoint in {@code
 * students/<name>/} beside it, so restoring it restores every model exactly. A student's seed
 * derives from the teacher's and its name, so students can be added or reordered without changing
 * the others.
 *
 * <p>Where a student learns from the joint teacher ({@link StudentSpec#fromJoint()}), the classroom holds one
 * ({@link JointTeacher}): after the dense teacher's step it scores the same candidates jointly and learns on
 * their clicks, and those students learn from its scores. Its state is in the checkpoint too ({@value
 * JointTeacher#FILE}). Not thread-safe: one thread drives one classroom.
 */
public final class Classroom implements AutoCloseable {
  /** The folder of a checkpoint that holds the students' checkpoints, one folder each. */
  public static final String STUDENTS = "students";

  /** The provenance key under which a student's checkpoint records how it was taught. */
  static final String TAUGHT_BY = "distillation";

  /** The file of a student's checkpoint that says how it was taught, checked when it is restored. */
  private static final String TAUGHT_FILE = "distillation.txt";

  /** A student and its trainer. */
  public record Student(StudentSpec spec, DualEncoderTrainer trainer) {
    public String name() {
      return spec.name();
    }
  }

  /**
   * What one step did: the teacher's step, then each student's, by name; the joint teacher's loss on the
   * clicks (NaN where there is none) and the nanoseconds its step took.
   */
  public record Lesson(StepResult teacher, Map<String, StepResult> students, double jointLoss, long jointNanos) {}

  private final DualEncoderTrainer teacher;
  private final List<Student> students;
  private final JointTeacher joint;

  private Classroom(DualEncoderTrainer teacher, List<Student> students, JointTeacher joint) {
    this.teacher = teacher;
    this.students = List.copyOf(students);
    this.joint = joint;
  }

  /**
   * A classroom at step 0.
   *
   * @throws IllegalArgumentException if a student cannot learn from the teacher, or two share a name
   */
  public static Classroom create(ModelConfig teacherConfig, List<StudentSpec> specs, long seed) {
    check(teacherConfig, specs);
    List<Student> students = new ArrayList<>();
    DualEncoderTrainer teacher = DualEncoderTrainer.create(teacherConfig, seed);
    try {
      for (StudentSpec spec : specs) {
        students.add(new Student(spec, DualEncoderTrainer.create(spec.config(), studentSeed(seed, spec.name()))));
      }
      JointTeacher joint = needsJoint(specs) ? JointTeacher.create(teacherConfig.outputDim(),
          JointTeacher.DEFAULT_HIDDEN, jointSettings(teacherConfig), studentSeed(seed, JOINT)) : null;
      return new Classroom(teacher, students, joint);
    } catch (RuntimeException e) {
      closeAll(teacher, students, null);
      throw e;
    }
  }

  /**
   * Continues from a checkpoint written by {@link #saveCheckpoint}.
   *
   * @param specs the students to continue, each of which the checkpoint must hold, trained as specified
   * @throws IllegalArgumentException if the checkpoint lacks a student, holds one not asked for, or
   *     holds one trained otherwise, or lacks the joint teacher a student learns from or holds one none
   *     does; the message says which
   */
  public static Classroom restore(Path checkpointDir, List<StudentSpec> specs) {
    return restore(List.of(checkpointDir), specs);
  }

  /**
   * Continues from a chain of checkpoints: one written by {@link #saveCheckpoint}, then those {@link
   * #saveCheckpointDelta} wrote after it, oldest first (see {@link DualEncoderTrainer#restore(List)}); the
   * students and the joint teacher are checked against the newest link as {@link #restore(Path, List)} says.
   */
  public static Classroom restore(List<Path> chain, List<StudentSpec> specs) {
    Path checkpointDir = chain.get(chain.size() - 1);
    Set<String> saved = savedStudents(checkpointDir);
    DualEncoderTrainer teacher = DualEncoderTrainer.restore(chain);
    List<Student> students = new ArrayList<>();
    try {
      check(teacher.config(), specs);
      Set<String> asked = new HashSet<>();
      for (StudentSpec spec : specs) {
        asked.add(spec.name());
        students.add(restoreStudent(chain, spec, saved));
      }
      saved.removeAll(asked);
      if (!saved.isEmpty()) {
        throw new IllegalArgumentException("the checkpoint in " + checkpointDir + " also holds students " + saved
            + ", which were not asked for: name every student it holds, or start afresh");
      }
      Path jointFile = checkpointDir.resolve(JointTeacher.FILE);
      if (needsJoint(specs) != Files.exists(jointFile)) {
        throw new IllegalArgumentException("the checkpoint in " + checkpointDir + (needsJoint(specs)
            ? " holds no joint teacher, which a student asked for learns from"
            : " holds a joint teacher, which no student asked for learns from") + ": ask for the students it was"
            + " written with, or start afresh");
      }
      JointTeacher joint = needsJoint(specs) ? JointTeacher.restore(jointFile, jointSettings(teacher.config())) : null;
      return new Classroom(teacher, students, joint);
    } catch (RuntimeException e) {
      closeAll(teacher, students, null);
      throw e;
    }
  }

  private static Student restoreStudent(List<Path> chain, StudentSpec spec, Set<String> saved) {
    Path checkpointDir = chain.get(chain.size() - 1);
    if (!saved.contains(spec.name())) {
      throw new IllegalArgumentException("the checkpoint in " + checkpointDir + " holds no student " + spec.name()
          + " (it holds " + saved + ")");
    }
    Path dir = studentDir(checkpointDir, spec.name());
    DualEncoderTrainer trainer = DualEncoderTrainer.restore(chain.stream().map(d -> studentDir(d, spec.name()))
        .toList());
    String taught = readTaught(dir);
    if (!trainer.config().equals(spec.config()) || !spec.taught().equals(taught)) {
      trainer.close();
      throw new IllegalArgumentException("student " + spec.name() + " in " + dir + " was trained as another model"
          + " or taught otherwise than now asked (" + taught + " against " + spec.taught() + ")");
    }
    return new Student(spec, trainer);
  }

  /** One step of the teacher on fresh pairs, then one of each student on the teacher's candidates. */
  public Lesson step(List<TrainingPair> batch) {
    return lesson(teacher.step(batch), true);
  }

  /** As {@link #step}, on pairs applied before: counted in every model's steps, not in its examples. */
  public Lesson replayStep(List<TrainingPair> batch) {
    return lesson(teacher.replayStep(batch), false);
  }

  private Lesson lesson(StepResult taught, boolean fresh) {
    Candidates dense = teacher.lastCandidates().orElseThrow();
    long start = System.nanoTime();
    Candidates jointly = joint == null ? null : joint.step(teacher, dense);
    long jointNanos = joint == null ? 0 : System.nanoTime() - start;
    Map<String, StepResult> learned = new LinkedHashMap<>();
    for (Student student : students) {
      DualEncoderTrainer trainer = student.trainer();
      Candidates candidates = student.spec().fromJoint() ? jointly : dense;
      learned.put(student.name(), fresh ? trainer.distill(candidates, student.spec().distillation())
          : trainer.replayDistill(candidates, student.spec().distillation()));
    }
    return new Lesson(taught, learned, joint == null ? Double.NaN : joint.lastLoss(), jointNanos);
  }

  /**
   * Writes the teacher's checkpoint to {@code dir} and each student's to {@code dir/students/<name>},
   * the students first, so a checkpoint whose teacher manifest exists is complete.
   */
  public void saveCheckpoint(Path dir, Map<String, String> provenance, ArrayFile.Durability durability) {
    save(dir, provenance, durability, false);
  }

  /** As {@link #saveCheckpoint}, starting a chain that {@link #saveCheckpointDelta} extends. */
  public void saveCheckpointBase(Path dir, Map<String, String> provenance, ArrayFile.Durability durability) {
    save(dir, provenance, durability, true);
  }

  /**
   * As {@link #saveCheckpoint}, incremental: every model's table rows changed since the previous checkpoint
   * ({@link DualEncoderTrainer#saveCheckpointDelta}), the rest (the joint teacher among it) in full.
   */
  public void saveCheckpointDelta(Path dir, Map<String, String> provenance, ArrayFile.Durability durability) {
    try {
      captureCheckpointDelta(dir, provenance, durability).write();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the incremental checkpoint to " + dir, e);
    }
  }

  /**
   * As {@link #saveCheckpointDelta}, leaving every model's changed rows, copied out, to the returned write
   * ({@link DualEncoderTrainer#captureCheckpointDelta}); the rest is written before this returns.
   */
  public DualEncoderTrainer.Deferred captureCheckpointDelta(Path dir, Map<String, String> provenance,
      ArrayFile.Durability durability) {
    List<DualEncoderTrainer.Deferred> parts = new ArrayList<>();
    for (Student student : students) {
      Path studentDir = studentDir(dir, student.name());
      parts.add(student.trainer().captureCheckpointDelta(studentDir, studentProvenance(provenance, student),
          durability));
      writeTaught(studentDir, student.spec().taught());
    }
    saveJoint(dir, durability);
    parts.add(teacher.captureCheckpointDelta(dir, provenance, durability));
    return DualEncoderTrainer.Deferred.all(parts);
  }

  private void save(Path dir, Map<String, String> provenance, ArrayFile.Durability durability, boolean base) {
    for (Student student : students) {
      Path studentDir = studentDir(dir, student.name());
      save(student.trainer(), studentDir, studentProvenance(provenance, student), durability, base);
      writeTaught(studentDir, student.spec().taught());
    }
    saveJoint(dir, durability);
    save(teacher, dir, provenance, durability, base);
  }

  private Map<String, String> studentProvenance(Map<String, String> provenance, Student student) {
    Map<String, String> own = new HashMap<>(provenance);
    own.put("teacher", teacher.config().modelName());
    own.put("teacher_step", Long.toString(teacher.steps()));
    own.put(TAUGHT_BY, student.spec().taught());
    return own;
  }

  private void saveJoint(Path dir, ArrayFile.Durability durability) {
    if (joint != null) {
      createDirectories(dir);
      joint.save(dir.resolve(JointTeacher.FILE), durability);
    }
  }

  private static void save(DualEncoderTrainer model, Path dir, Map<String, String> provenance,
      ArrayFile.Durability durability, boolean base) {
    if (base) {
      model.saveCheckpointBase(dir, provenance, durability);
    } else {
      model.saveCheckpoint(dir, provenance, durability);
    }
  }

  /** Where a checkpoint keeps a student's. */
  public static Path studentDir(Path checkpointDir, String name) {
    return checkpointDir.resolve(STUDENTS).resolve(name);
  }

  public DualEncoderTrainer teacher() {
    return teacher;
  }

  public List<Student> students() {
    return students;
  }

  /** The joint teacher, where a student learns from one. */
  public Optional<JointTeacher> joint() {
    return Optional.ofNullable(joint);
  }

  @Override
  public void close() {
    closeAll(teacher, students, joint);
  }

  private static final String JOINT = "joint-teacher";

  private static boolean needsJoint(List<StudentSpec> specs) {
    return specs.stream().anyMatch(StudentSpec::fromJoint);
  }

  /** The joint teacher's head learns with the dense teacher's Adam settings for its dense layers. */
  private static AdamSettings jointSettings(ModelConfig teacher) {
    return new AdamSettings(teacher.learningRate(), teacher.beta1(), teacher.beta2(), teacher.epsilon());
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  /**
   * Checks that every student can learn from the teacher and that no two share a name.
   *
   * @throws IllegalArgumentException saying which does not
   */
  public static void check(ModelConfig teacher, List<StudentSpec> specs) {
    Objects.requireNonNull(teacher, "teacher");
    Set<String> names = new HashSet<>();
    for (StudentSpec spec : specs) {
      spec.checkAgainst(teacher);
      if (!names.add(spec.name())) {
        throw new IllegalArgumentException("two students are named " + spec.name());
      }
    }
  }

  static long studentSeed(long seed, String name) {
    long h = seed;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = new SplitMix64(h ^ b).nextLong();
    }
    return h;
  }

  private static Set<String> savedStudents(Path checkpointDir) {
    Path dir = checkpointDir.resolve(STUDENTS);
    Set<String> names = new HashSet<>();
    if (!Files.isDirectory(dir)) {
      return names;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      entries.filter(Files::isDirectory).forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the students in " + dir, e);
    }
    return names;
  }

  private static void writeTaught(Path studentDir, String taught) {
    try {
      Files.writeString(studentDir.resolve(TAUGHT_FILE), taught);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + studentDir.resolve(TAUGHT_FILE), e);
    }
  }

  private static String readTaught(Path studentDir) {
    try {
      return Files.readString(studentDir.resolve(TAUGHT_FILE));
    } catch (IOException e) {
      throw new IllegalArgumentException("student checkpoint " + studentDir + " does not say how it was taught: "
          + e.getMessage(), e);
    }
  }

  private static void closeAll(DualEncoderTrainer teacher, List<Student> students, JointTeacher joint) {
    students.forEach(s -> s.trainer().close());
    if (joint != null) {
      joint.close();
    }
    teacher.close();
  }
}
