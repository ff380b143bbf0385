/**
 * Offline evaluation of named retrieval systems on one split of a BEIR dataset, with the report as
 * JSON and as a console table.
 */
package dev.dualstream.evaluator.offline;
