package dev.dualstream.evaluator.experiment;

import java.util.List;

/** What a batch research job on the Transformer tower reports: a table to print and its JSON. */
public interface BatchReport {

  /** Fixed-width lines for the console. */
  List<String> table();

  /** Every figure, as the job's JSON document. */
  String toJson();
}
