#!/usr/bin/env bash
# How the whole job's drain rate grows from one TaskManager to two on the real multi-process
# cluster (scripts/cluster.sh: JobManager + 2 TaskManagers with one slot each, broker and Redis
# started by the run): the same workload at -p 1, then at -p 2. Prints a table, writes
# bench/results/scale.json. Usage: scripts/scale-test.sh [events=300000]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
printf -- '-cp target/test-classes:target/classes:%s\n' "$(cat target/test-classpath.txt)" > target/fault-tests.args
exec java -Xmx6g @target/fault-tests.args io.portrait.fault.ClusterFaults scale "${1:-300000}"
