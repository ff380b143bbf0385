#!/usr/bin/env bash
# Makes the Secret dualstream-kafka-client, which every Kafka client in deploy/k8s mounts at /etc/dualstream/kafka
# and reads through DUALSTREAM_KAFKA_SECURITY: client.properties (SCRAM-SHA-512 over TLS) and ca.crt, from what
# Strimzi wrote for the KafkaUser dualstream-client and the Kafka cluster dualstream.
# Usage: deploy/k8s/kafka-client-secret.sh [NAMESPACE]   (default: dualstream)
set -euo pipefail
ns="${1:-dualstream}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

kubectl -n "$ns" get secret dualstream-client -o jsonpath='{.data.sasl\.jaas\.config}' | base64 -d >"$tmp/jaas"
kubectl -n "$ns" get secret dualstream-cluster-ca-cert -o jsonpath='{.data.ca\.crt}' | base64 -d >"$tmp/ca.crt"
{
  echo "security.protocol=SASL_SSL"
  echo "sasl.mechanism=SCRAM-SHA-512"
  echo "sasl.jaas.config=$(cat "$tmp/jaas")"
  echo "ssl.truststore.type=PEM"
  echo "ssl.truststore.location=/etc/dualstream/kafka/ca.crt"
} >"$tmp/client.properties"
kubectl -n "$ns" create secret generic dualstream-kafka-client \
  --from-file="$tmp/client.properties" --from-file="$tmp/ca.crt" --dry-run=client -o yaml | kubectl apply -f -
