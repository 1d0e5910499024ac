#!/usr/bin/env bash
# The end-to-end benchmark (io.portrait.bench.EndToEnd): starts a Kafka broker and Redis, pre-loads
# the events topic with generated traffic, then measures in one run the raw read + JSON parse of a
# plain consumer and, in alternating rounds (medians reported), a bare keyed-state job (the floor,
# RocksDB and heap), the job's spine, every per-user module, and the whole pipeline draining the
# topic (MiniCluster, RocksDB, incremental exactly-once checkpoints every 10 s), then send -> Redis
# latency at half the per-user run's throughput. Prints a table; writes bench/results/latest.json
# and a dated copy.
# Usage: bench/run.sh [events=2000000] [users=200000] [latency seconds=60] [key=value ...]
# (portrait.* keys go to the job, bench.repeats=N sets the rounds (3), bench.latency-rate=N paces
# the latency run at N events/s instead of half the per-user run's throughput, any other key to
# Flink's configuration)
# Extra JVM options (e.g. a JFR recording) in BENCH_JAVA_OPTS.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
# Through an @argfile: ONNX Runtime 1.29 crashes when the JVM's command line passes ~4 KiB.
printf -- '-cp target/test-classes:target/classes:%s\n' "$(cat target/test-classpath.txt)" > target/bench.args
exec java -Xmx6g -XX:+UseG1GC ${BENCH_JAVA_OPTS:-} @target/bench.args io.portrait.bench.EndToEnd "${1:-2000000}" "${2:-200000}" "${3:-60}" "${@:4}"
