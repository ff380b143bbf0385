package dev.dualstream.trainer.checkpoint;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's serializer contract (copy, duplicate, snapshot and restore, sequences, reuse) for the training state. */
class TrainingSnapshotSerializerTest extends SerializerTestBase<TrainingSnapshot> {

  @Override
  protected TypeSerializer<TrainingSnapshot> createSerializer() {
    return new TrainingSnapshotSerializer();
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<TrainingSnapshot> getTypeClass() {
    return TrainingSnapshot.class;
  }

  @Override
  protected TrainingSnapshot[] getTestData() {
    return new TrainingSnapshot[] {Snapshots.goldenV1(), Snapshots.empty(), Snapshots.withManyPending()};
  }
}
