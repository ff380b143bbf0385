/**
 * The ingest stage: a Kafka Streams application that joins clicks to impressions, attaches document text
 * from the corpus, drops repeated clicks and dead-letters bad input with a reason instead of failing.
 */
package dev.dualstream.ingest;
