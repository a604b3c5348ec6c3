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

# wait_for_log LOG TEXT PID [SECONDS]: until the log holds the text (bounded, 90 s by default); fails at once when the
# process exits first, showing the log's end. The caller defines log().
wait_for_log() {
  local limit=${4:-90}
  for _ in $(seq 1 $((limit * 2))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { log "process $3 exited:"; tail -20 "$1"; return 1; }
    sleep 0.5
  done
  log "no '$2' in $1 within $limit s:"; tail -20 "$1"; return 1
}

# wait_listening NAME: until the node started as NAME (its pid in PID_NAME, its output in $OUT/NAME.log) logs that it
# listens (at most 60 s).
wait_listening() {
  local name=$1 pid; pid=$(eval echo "\$PID_$name")
  wait_for_log "$OUT/$name.log" "listening on mqtt://" "$pid" 60
}
