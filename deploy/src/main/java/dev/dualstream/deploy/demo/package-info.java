/**
 * The end-to-end demo: broker, simulator, ingest, trainer and evaluation on one machine, run in
 * order on a bounded stream, with progress and a clean stop.
 */
package dev.dualstream.deploy.demo;
