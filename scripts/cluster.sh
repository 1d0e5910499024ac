#!/usr/bin/env bash
# A real Flink session cluster on this machine, without Docker or the Flink distribution: a
# JobManager (StandaloneSessionClusterEntrypoint) and TaskManagers (TaskManagerRunner) as separate
# JVMs from the jars in target/lib, configured by flink-conf/config.yaml, sized by Flink's own
# BashJavaUtils as bin/taskmanager.sh would. The job is submitted with Flink's CLI class, the same
# jar and entry point a production cluster uses.
#
#   scripts/cluster.sh up [TASKMANAGERS]     start (default 2 TaskManagers)
#   scripts/cluster.sh submit [JOB ARGS...]  run target/portrait-job.jar detached; prints the job id
#                                            (Flink CLI options such as "-p 2 -s SAVEPOINT" go in
#                                            PORTRAIT_SUBMIT_OPTS)
#   scripts/cluster.sh stop JOB_ID           stop the job with a savepoint; prints its path
#   scripts/cluster.sh cancel JOB_ID         cancel the job
#   scripts/cluster.sh status                JobManager overview (REST)
#   scripts/cluster.sh kill-tm N             kill -9 TaskManager N (fault tests)
#   scripts/cluster.sh start-tm N            start TaskManager N again
#   scripts/cluster.sh down                  stop everything
# Settings: PORTRAIT_CLUSTER_DIR (default target/cluster), PORTRAIT_REST_PORT (default 8081).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${PORTRAIT_CLUSTER_DIR:-$here/target/cluster}"
port="${PORTRAIT_REST_PORT:-8081}"
cp="$here/target/flink-lib/*"
flags=(-XX:+IgnoreUnrecognizedVMOptions "-Dlog4j.configurationFile=$work/conf/log4j2.xml"
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED)

die() { echo "cluster: $*" >&2; exit 1; }

need_jars() {
  [[ -d "$here/target/flink-lib" && -f "$here/target/portrait-job.jar" ]] ||
    die "build first: mvn -B -DskipTests package"
}

write_conf() {
  mkdir -p "$work/conf" "$work/logs" "$work/pids"
  sed -e "s#^execution.checkpointing.dir:.*#execution.checkpointing.dir: file://$work/checkpoints#" \
      -e "s#^state.changelog.dstl.dfs.base-path:.*#state.changelog.dstl.dfs.base-path: file://$work/changelog#" \
      -e "s#^execution.checkpointing.savepoint-dir:.*#execution.checkpointing.savepoint-dir: file://$work/savepoints#" \
      -e "s#^rest.port:.*#rest.port: $port#" \
      "$here/flink-conf/config.yaml" > "$work/conf/config.yaml"
  cp "$here/src/main/resources/log4j2.xml" "$work/conf/log4j2.xml"
}

rest() { curl -sf "http://localhost:$port$1"; }

start_tm() {
  local n="$1" params jvm dyn
  params="$(java -cp "$cp" org.apache.flink.runtime.util.bash.BashJavaUtils GET_TM_RESOURCE_PARAMS \
      --configDir "$work/conf" 2>/dev/null | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://')"
  jvm="$(echo "$params" | sed -n 1p)"
  dyn="$(echo "$params" | sed -n 2p)"
  [[ -n "$jvm" ]] || die "BashJavaUtils gave no TaskManager memory settings"
  # shellcheck disable=SC2086
  nohup java "${flags[@]}" $jvm -Dlog.file="$work/logs/taskmanager-$n.log" \
      -cp "$cp" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
      --configDir "$work/conf" $dyn > "$work/logs/taskmanager-$n.out" 2>&1 &
  echo $! > "$work/pids/taskmanager-$n.pid"
}

wait_for() {
  local what="$1" cond="$2" i
  for i in $(seq 1 120); do
    if eval "$cond"; then return 0; fi
    sleep 0.5
  done
  die "$what did not come up; see $work/logs"
}

case "${1:-}" in
  up)
    need_jars
    tms="${2:-2}"
    [[ "$tms" =~ ^[1-9][0-9]*$ ]] || die "the number of TaskManagers must be a positive integer"
    rest /overview >/dev/null 2>&1 && die "something already answers on port $port (PORTRAIT_REST_PORT)"
    write_conf
    nohup java "${flags[@]}" -Xmx512m -Dlog.file="$work/logs/jobmanager.log" -cp "$cp" \
        org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
        --configDir "$work/conf" > "$work/logs/jobmanager.out" 2>&1 &
    echo $! > "$work/pids/jobmanager.pid"
    wait_for "the JobManager" "rest /overview >/dev/null 2>&1"
    for n in $(seq 1 "$tms"); do start_tm "$n"; done
    wait_for "$tms TaskManagers" "[[ \$(rest /overview | grep -o '\"taskmanagers\":[0-9]*' | cut -d: -f2) -ge $tms ]]"
    echo "cluster: JobManager http://localhost:$port, $tms TaskManagers, logs in $work/logs"
    ;;
  submit)
    need_jars
    shift
    # shellcheck disable=SC2086
    FLINK_CONF_DIR="$work/conf" java "${flags[@]}" -cp "$cp" org.apache.flink.client.cli.CliFrontend \
        run -d -m "localhost:$port" ${PORTRAIT_SUBMIT_OPTS:-} "$here/target/portrait-job.jar" "$@"
    ;;
  stop)
    need_jars
    FLINK_CONF_DIR="$work/conf" java "${flags[@]}" -cp "$cp" org.apache.flink.client.cli.CliFrontend \
        stop -m "localhost:$port" -p "file://$work/savepoints" "${2:?which job id}"
    ;;
  cancel)
    need_jars
    FLINK_CONF_DIR="$work/conf" java "${flags[@]}" -cp "$cp" org.apache.flink.client.cli.CliFrontend \
        cancel -m "localhost:$port" "${2:?which job id}"
    ;;
  status)
    rest /overview || die "no JobManager on port $port"
    echo
    ;;
  kill-tm)
    kill -9 "$(cat "$work/pids/taskmanager-${2:?which TaskManager}.pid")"
    ;;
  start-tm)
    start_tm "${2:?which TaskManager}"
    ;;
  down)
    for f in "$work"/pids/*.pid; do
      [[ -f "$f" ]] || continue
      pid="$(cat "$f")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$f"
    done
    echo "cluster: stopped"
    ;;
  *)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
