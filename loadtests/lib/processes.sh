# Sourced by the loadtests scripts: every process a script starts goes into PIDS, and all of them are stopped
# when the script exits, however it exits (SIGTERM, then SIGKILL after 10 s), so no broker or runner outlives it.
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The host and the load runner, built once (Release).
build_host_and_runner() {
  dotnet build src/ClusterBroker.Host -c Release -nologo -v quiet
  dotnet build loadtests/ClusterBroker.LoadTests -c Release -nologo -v quiet
}

# wait_listening NAME: until the node started as NAME (its pid in PID_NAME, its output in $OUT/NAME.log) logs that it
# listens (bounded); the caller defines log().
wait_listening() {
  local name=$1 pid; pid=$(eval echo "\$PID_$name")
  for _ in $(seq 1 120); do
    grep -q "listening on mqtt://" "$OUT/$name.log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { log "$name exited:"; tail -20 "$OUT/$name.log"; return 1; }
    sleep 0.5
  done
  log "$name did not listen within 60 s:"; tail -20 "$OUT/$name.log"; return 1
}
