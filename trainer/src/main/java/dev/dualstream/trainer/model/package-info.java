/**
 * The trainer's public model API: load a model version from the model store and embed queries and
 * documents with it (the evaluator and serving code use only {@link RetrievalModel}, {@link
 * ModelStore} and their value types), and {@link DualEncoderTrainer}, which the training jobs drive.
 */
package dev.dualstream.trainer.model;
