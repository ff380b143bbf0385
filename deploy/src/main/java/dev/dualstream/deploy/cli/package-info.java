/**
 * The {@code dualstream} command line: one picocli command per runnable unit, each a thin layer that
 * parses options and calls into the module that does the work.
 */
package dev.dualstream.deploy.cli;
