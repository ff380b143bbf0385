/**
 * Test fixtures of the evaluator: a fake dual encoder, small in-memory datasets and the location of
 * the real debian-pkgdesc dataset.
 */
package dev.dualstream.evaluator.testing;
