package dev.dualstream.trainer.distill;

import dev.dualstream.trainer.feature.FeatureSpec;
import dev.dualstream.trainer.loss.DistillationConfig;
import dev.dualstream.trainer.model.ModelConfig;
import java.io.Serializable;
import java.util.Objects;

/**
 * One student: its model (named by {@link ModelConfig#modelName()}, usually smaller than the
 * teacher), how it learns from the teacher, and from which: the dense teacher's scores, or those of the
 * joint teacher on top of it ({@link dev.dualstream.trainer.model.JointTeacher}).
 */
public record StudentSpec(ModelConfig config, DistillationConfig distillation, boolean fromJoint)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public StudentSpec {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(distillation, "distillation");
  }

  /** A student of the dense teacher. */
  public StudentSpec(ModelConfig config, DistillationConfig distillation) {
    this(config, distillation, false);
  }

  /** How it is taught, as its checkpoint records it: the loss, and the joint teacher where it learns from that. */
  public String taught() {
    return distillation + (fromJoint ? " from the joint teacher" : "");
  }

  public String name() {
    return config.modelName();
  }

  /**
   * Checks that this student can learn from {@code teacher}: its features are the teacher's hashed into a
   * number of buckets that divides the teacher's, so that the teacher's ids fold into its own.
   *
   * @throws IllegalArgumentException saying what does not fit
   */
  void checkAgainst(ModelConfig teacher) {
    if (name().equals(teacher.modelName())) {
      throw new IllegalArgumentException("student " + name() + " has its teacher's name");
    }
    if (teacher.buckets() % config.buckets() != 0) {
      throw new IllegalArgumentException("student " + name() + " has " + config.buckets() + " buckets, which do not"
          + " divide its teacher's " + teacher.buckets());
    }
    FeatureSpec mine = config.featureSpec();
    FeatureSpec theirs = teacher.featureSpec();
    if (!mine.kinds().equals(theirs.kinds()) || !mine.hash().equals(theirs.hash()) || mine.seed() != theirs.seed()) {
      throw new IllegalArgumentException("student " + name() + " hashes other features than its teacher");
    }
  }

  /** The form {@link #parse} reads, for help texts. */
  public static final String SYNTAX = "NAME[:KEY=VALUE,...] with keys buckets, dims (E/H/O), loss (KL, MARGIN_MSE, "
      + "MULTI_MARGIN_SUM, MULTI_MARGIN_LSE, RANK_DISTIL), temperature, click-weight, top-k, samples, teacher (dense or "
      + "joint)";

  /**
   * A student from its textual form, {@code NAME[:KEY=VALUE,...]}. Unnamed keys take the defaults: a quarter of
   * the teacher's buckets at its table width, a quarter of its tower's hidden width and half its output
   * width (together under a quarter of its parameters), the bag and MLP whatever the teacher's tower, and
   * {@link DistillationConfig#defaults()}. The student trains with the teacher's optimizers and batch, on
   * in-batch negatives of its own model config (it learns on the teacher's candidates). {@code teacher=joint} makes it learn from the joint teacher's scores instead of the dense one's.
   *
   * @throws IllegalArgumentException in one line, for an unknown key, a bad value or a student that cannot
   *     learn from {@code teacher}
   */
  public static StudentSpec parse(String text, ModelConfig teacher) {
    int colon = text.indexOf(':');
    String name = colon < 0 ? text : text.substring(0, colon);
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("student '" + text + "': the name must be letters, digits, '.', '_' or '-'");
    }
    ModelConfig.Builder model = teacher.toBuilder().modelName(name).buckets(Math.max(1, teacher.buckets() / 4))
        .dims(teacher.embeddingDim(), Math.max(1, teacher.hiddenDim() / 4), Math.max(1, teacher.outputDim() / 2))
        .negatives(null).loss(null).transformer(null);
    DistillationConfig distillation = DistillationConfig.defaults();
    boolean fromJoint = false;
    if (colon >= 0) {
      for (String pair : text.substring(colon + 1).split(",")) {
        String[] kv = pair.split("=", 2);
        if (kv.length != 2) {
          throw new IllegalArgumentException("student " + name + ": '" + pair + "' is not KEY=VALUE");
        }
        String key = kv[0].trim();
        String value = kv[1].trim();
        try {
          switch (key) {
            case "buckets" -> model.buckets(Integer.parseInt(value));
            case "dims" -> {
              String[] d = value.split("/");
              if (d.length != 3) {
                throw new IllegalArgumentException("dims are EMBEDDING/HIDDEN/OUTPUT, got " + value);
              }
              model.dims(Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2]));
            }
            case "loss" -> distillation = distillation.withKind(DistillationConfig.Kind.valueOf(value));
            case "temperature" -> distillation = distillation.withTemperature(Double.parseDouble(value));
            case "click-weight" -> distillation = distillation.withClickWeight(Double.parseDouble(value));
            case "top-k" -> distillation = distillation.withRankDistil(Integer.parseInt(value), distillation.samples());
            case "samples" -> distillation = distillation.withRankDistil(distillation.topK(), Integer.parseInt(value));
            case "teacher" -> fromJoint = switch (value) {
              case "dense" -> false;
              case "joint" -> true;
              default -> throw new IllegalArgumentException("teacher is dense or joint, got " + value);
            };
            default -> throw new IllegalArgumentException("unknown key '" + key + "'; keys: buckets, dims, loss,"
                + " temperature, click-weight, top-k, samples, teacher");
          }
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("student " + name + ": " + (e instanceof NumberFormatException
              ? "'" + value + "' is not a number for " + key : e.getMessage()), e);
        }
      }
    }
    StudentSpec spec;
    try {
      spec = new StudentSpec(model.build(), distillation, fromJoint);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("student " + name + ": " + e.getMessage(), e);
    }
    spec.checkAgainst(teacher);
    return spec;
  }
}
