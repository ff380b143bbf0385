/**
 * The trainer's public model API: load a model version from the model store and embed queries and
 * documents with it. The evaluator and serving code use only this package.
 */
package dev.dualstream.trainer.model;
