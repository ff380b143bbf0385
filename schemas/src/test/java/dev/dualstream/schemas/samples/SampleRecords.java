package dev.dualstream.schemas.samples;

import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.EvaluationResult;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.SystemMetrics;
import dev.dualstream.schemas.avro.ShownResult;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.schemas.avro.TrainingMetrics;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;

/** One fully populated record of every contract type, for golden files and tests in any module. */
public final class SampleRecords {
  public static final Instant T0 = Instant.parse("2026-01-02T03:04:05.678Z");

  private SampleRecords() {}

  public static Impression impression() {
    return Impression.newBuilder()
        .setImpressionId("imp-1")
        .setQuery("tiling window manager")
        .setQueryId("debq:0001")
        .setUserId("u-7")
        .setSessionId("s-3")
        .setTimestamp(T0)
        .setResults(List.of(
            new ShownResult("deb:i3", 1, 12.5, 1.0, 0.95),
            new ShownResult("deb:sway", 2, 11.25, 0.5, 0.8)))
        .setRanker("hybrid")
        .setModel("dual-encoder")
        .setModelVersion(7L)
        .build();
  }

  public static Click click() {
    return Click.newBuilder()
        .setImpressionId("imp-1")
        .setDocId("deb:sway")
        .setPosition(2)
        .setTimestamp(T0.plusSeconds(3))
        .setDwellMs(4_200L)
        .build();
  }

  public static Document document() {
    return Document.newBuilder()
        .setDocId("deb:sway")
        .setTitle("sway")
        .setText("i3-compatible Wayland compositor")
        .setVersion(2)
        .setTimestamp(T0.minusSeconds(60))
        .build();
  }

  public static TrainingExample trainingExample() {
    return TrainingExample.newBuilder()
        .setExampleId("imp-1/deb:sway")
        .setQuery("tiling window manager")
        .setQueryId("debq:0001")
        .setUserId("u-7")
        .setPositive(new ExampleDoc("deb:sway", "sway", "i3-compatible Wayland compositor", 2L, 2, 11.25, 0.5, 0.25))
        .setSkipAbove(List.of(new ExampleDoc("deb:i3", "i3", "improved tiling window manager", 1L, 1, 12.5, 1.0, null)))
        .setEventTime(T0.plusSeconds(3))
        .setImpression(new SourceOffset("search.impressions", 0, 41L))
        .setClick(new SourceOffset("search.clicks", 0, 17L))
        .build();
  }

  public static TrainingMetrics trainingMetrics() {
    return TrainingMetrics.newBuilder()
        .setModel("dual-encoder")
        .setStep(100)
        .setExamples(25_600)
        .setLoss(2.5)
        .setLearningRate(1e-3)
        .setExamplesPerS(1234.5)
        .setEventTimeLagMs(850)
        .setCacheSize(4096)
        .setCacheStaleness(0.01)
        .setTimestamp(T0)
        .build();
  }

  public static ModelVersion modelVersion() {
    return ModelVersion.newBuilder()
        .setModel("dual-encoder")
        .setVersion(3)
        .setStep(300)
        .setExamples(76_800)
        .setUri("file:var/models/dual-encoder/3")
        .setFeatureSpec("{\"buckets\":1048576}")
        .setEmbeddingDim(128)
        .setSeed(42)
        .setSourceOffsets(List.of(new SourceOffset("training.examples", 0, 76_800L)))
        .setTimestamp(T0)
        .setTeacherModel("teacher")
        .setTeacherVersion(3L)
        .build();
  }

  public static DeadLetter deadLetter() {
    return DeadLetter.newBuilder()
        .setSource(new SourceOffset("search.clicks", 1, 99L))
        .setKey(ByteBuffer.wrap(new byte[] {'k'}))
        .setValue(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 0x00}))
        .setStage("ingest")
        .setErrorClass("dev.dualstream.schemas.RecordDecodeException")
        .setReason("not a single-object encoded Click")
        .setTimestamp(T0)
        .build();
  }

  /** Every sample, one per type, in a fixed order. */
  public static EvaluationResult evaluationResult() {
    return EvaluationResult.newBuilder()
        .setModel("dual-encoder")
        .setVersion(3)
        .setStep(300)
        .setExamples(38_400)
        .setVersionTime(Instant.parse("2025-01-01T01:00:00Z"))
        .setDataset("debian-pkgdesc")
        .setSplit("test")
        .setQueries(3_353)
        .setHybridWeight(0.35)
        .setTuningSplit("dev")
        .setSystems(List.of(
            new SystemMetrics("dense", 0.30, 0.55, 0.77, 0.37, 0.41),
            new SystemMetrics("hybrid", 0.67, 0.88, 0.96, 0.75, 0.78),
            new SystemMetrics("bm25", 0.655, 0.868, 0.947, 0.730, 0.763)))
        .setSeconds(12.5)
        .setTimestamp(Instant.parse("2025-01-01T01:00:14Z"))
        .build();
  }

  public static List<SpecificRecordBase> all() {
    return List.of(impression(), click(), document(), trainingExample(), trainingMetrics(), modelVersion(), deadLetter(),
        evaluationResult());
  }
}
