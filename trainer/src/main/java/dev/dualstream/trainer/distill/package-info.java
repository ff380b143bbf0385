/**
 * A teacher and its distilled students, trained in the same stream: each student learns, step by
 * step, from the teacher's scores over the candidates the teacher drew, and is a model of its own.
 */
package dev.dualstream.trainer.distill;
