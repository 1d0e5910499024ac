#!/usr/bin/env bash
# Latency of the read API's GET /profiles/{id} against a real Redis (io.portrait.bench.ApiLatency):
# closed-loop clients at 1 and 4 concurrent, token authentication on, a direct Redis GET as the
# floor. Prints p50/p99/p99.9/max; writes bench/results/api-latency.json.
# Usage: bench/api-latency.sh [users=10000] [seconds per run=20]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
printf -- '-cp target/test-classes:target/classes:%s\n' "$(cat target/test-classpath.txt)" > target/api-latency.args
exec java -Xmx1g @target/api-latency.args io.portrait.bench.ApiLatency "${1:-10000}" "${2:-20}"
