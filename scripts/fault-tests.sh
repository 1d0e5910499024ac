#!/usr/bin/env bash
# The fault suite on a real multi-process Flink cluster (JobManager + 2 TaskManagers as separate
# JVMs, scripts/cluster.sh), with a Kafka broker and a persistent Redis started by the suite
# (io.portrait.fault.ClusterFaults). One labelled workload runs calm, then through: a rescale
# 1 -> 2 from a savepoint, three TaskManager SIGKILLs, Redis killed for 30 s and a broker
# restart; then every user's counts.total and the alert ids are compared. Prints a table, writes
# bench/results/fault-tests.json, exits 1 on any loss or double count.
# Usage: scripts/fault-tests.sh [events=1000000]     (about 25 minutes for 1 M events on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
printf -- '-cp target/test-classes:target/classes:%s\n' "$(cat target/test-classpath.txt)" > target/fault-tests.args
exec java -Xmx6g @target/fault-tests.args io.portrait.fault.ClusterFaults "${1:-1000000}"
