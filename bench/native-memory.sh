#!/usr/bin/env bash
# Native memory of ONNX Runtime over a long run: 20 M LSTM steps (batches of 128) on a fixed
# 256 MiB heap, printing the process's RSS 20 times. Flat RSS = every tensor and result is closed.
# Usage: bench/native-memory.sh [steps]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
exec java -Xms256m -Xmx256m -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
    io.portrait.bench.NativeMemoryCheck "${1:-20000000}"
