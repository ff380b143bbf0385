/**
 * Test support for secured Kafka: throw-away TLS certificates, and a log of every connection the test JVM
 * attempts, to show that components connect to the configured broker only.
 */
package dev.dualstream.deploy.security;
