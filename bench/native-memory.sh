#!/usr/bin/env bash
# Native memory of ONNX Runtime over a long run: LSTM steps in batches of 128 (default 50 M steps)
# on a fixed 256 MiB heap, printing the process's RSS 20 times. Flat RSS = every tensor and result
# is closed. The classpath goes through an @argfile: ONNX Runtime 1.29 crashes when the JVM's
# command line is longer than about 4 KiB (docs/operations.md).
# Usage: bench/native-memory.sh [steps]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
printf -- '-cp target/test-classes:target/classes:%s\n' "$(cat target/test-classpath.txt)" > target/native-memory.args
exec java -Xms256m -Xmx256m @target/native-memory.args io.portrait.bench.NativeMemoryCheck "${1:-50000000}"
