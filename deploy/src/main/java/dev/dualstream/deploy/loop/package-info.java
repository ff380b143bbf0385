/** The continuous loop on one machine ({@code dualstream up}): every component in a process of its own, supervised. */
package dev.dualstream.deploy.loop;
