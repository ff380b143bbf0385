package dev.dualstream.ingest;

import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters the processors bump. They count work done, including work that an aborted exactly-once
 * transaction later repeats, so after a failure they can run ahead of what the output topics hold.
 */
final class IngestCounters {
  final LongAdder inputRecords = new LongAdder();
  final LongAdder examples = new LongAdder();
  final LongAdder deadLetters = new LongAdder();
  final LongAdder duplicates = new LongAdder();
  final LongAdder documentsApplied = new LongAdder();
  final LongAdder staleDocuments = new LongAdder();

  IngestCounts snapshot() {
    return new IngestCounts(inputRecords.sum(), examples.sum(), deadLetters.sum(), duplicates.sum(),
        documentsApplied.sum(), staleDocuments.sum());
  }
}
