#!/usr/bin/env bash
# Event-to-alert latency, live: Kafka, Redis and the job on a local MiniCluster, background traffic
# at the event time of now, and an episode of each rule injected every 100 ms (AlertLatency).
# Prints p50/p99/max per rule; writes bench/results/alert-latency.json.
# Usage: bench/alert-latency.sh [seconds=90] [background events/s=2000] [out-of-orderness="2 s"]
#        [network buffer timeout="10 ms"] [checkpoint interval="10 s"]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
# The classpath goes through an @argfile: ONNX Runtime 1.29 crashes when the JVM's command line is
# longer than about 4 KiB (docs/operations.md).
printf -- '-cp target/test-classes:target/classes:%s\n' "$(cat target/test-classpath.txt)" > target/alert-latency.args
exec java -Xmx2g -Xlog:gc:file=target/alert-latency-gc.log @target/alert-latency.args io.portrait.bench.AlertLatency "${1:-90}" "${2:-2000}" "${3:-2 s}" "${4:-10 ms}" "${5:-10 s}"
