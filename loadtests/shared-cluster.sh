#!/usr/bin/env bash
# Shared subscriptions on a three-node cluster (issue 9): the shared scenario (publishers and $share group members
# spread round robin over the three nodes, so members sit on every node) with each strategy given as arguments
# (default: round_robin hash_clientid), and one single node with round_robin for comparison. Reports (report.md,
# result.json) and node logs go to loadtests/reports/shared-cluster-<timestamp>/. Every process started here is
# killed on exit.
#
#   loadtests/shared-cluster.sh [strategy ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

source loadtests/lib/processes.sh

STRATEGIES=("$@")
[ ${#STRATEGIES[@]} -gt 0 ] || STRATEGIES=(round_robin hash_clientid)
build_host_and_runner
HOST_DLL=src/ClusterBroker.Host/bin/Release/net10.0/ClusterBroker.Host.dll
RUNNER_DLL=loadtests/ClusterBroker.LoadTests/bin/Release/net10.0/ClusterBroker.LoadTests.dll
OUT=loadtests/reports/shared-cluster-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
log() { echo "[shared-cluster.sh $(date -u +%H:%M:%S)] $*"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# 4 publishers, a group of 6 members, QoS 1, 3,000 msg/s in total, MQTT 5.
SHARED=(shared --protocol 5.0 --qos 1 --clients 4 --subscribers 6 --rate 3000 --rate-scope total --stagger --warmup 3 --duration 15 --drain 5 --no-live)

start_node() { # NAME MQTT_PORT [options...]
  local name=$1 port=$2; shift 2
  dotnet "$HOST_DLL" --port "$port" --bind 127.0.0.1 --http-port 0 --http-bind 127.0.0.1 "$@" >"$OUT/$name.log" 2>&1 &
  PIDS+=("$!")
}

wait_for() { # LOG TEXT: until the log holds the text (bounded to 90 s)
  for _ in $(seq 1 180); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  log "no '$2' in $1 within 90 s:"; tail -20 "$1"; return 1
}

log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
P0=$(free_port)
start_node single-round_robin "$P0"
wait_for "$OUT/single-round_robin.log" "listening on mqtt://"
dotnet "$RUNNER_DLL" "${SHARED[@]}" --broker "127.0.0.1:$P0" --pid "${PIDS[-1]}" --label "1 node round_robin" --report "$OUT/single-round_robin" >"$OUT/single-round_robin.run.log" 2>&1
cleanup

for strategy in "${STRATEGIES[@]}"; do
  M=("$(free_port)" "$(free_port)" "$(free_port)"); C=("$(free_port)" "$(free_port)" "$(free_port)")
  SEEDS="127.0.0.1:${C[0]},127.0.0.1:${C[1]},127.0.0.1:${C[2]}"
  for i in 0 1 2; do
    start_node "node$((i + 1))-$strategy" "${M[$i]}" --cluster-host 127.0.0.1 --cluster-port "${C[$i]}" --seed-nodes "$SEEDS" \
      --Cluster:InMemoryStores true --shared-strategy "$strategy"
  done
  for i in 1 2 3; do
    wait_for "$OUT/node$i-$strategy.log" "listening on mqtt://"
    wait_for "$OUT/node$i-$strategy.log" "3 member(s) up"
  done
  log "$strategy: 3 nodes up (mqtt ${M[*]}); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  dotnet "$RUNNER_DLL" "${SHARED[@]}" --broker "127.0.0.1:${M[0]}" --broker "127.0.0.1:${M[1]}" --broker "127.0.0.1:${M[2]}" \
    --pid "${PIDS[0]}" --pid "${PIDS[1]}" --pid "${PIDS[2]}" --label "3 nodes $strategy" --report "$OUT/cluster-$strategy" >"$OUT/cluster-$strategy.run.log" 2>&1
  cleanup
done

log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
for report in "$OUT"/*/report.md; do
  echo "== $report"; grep -iE "throughput|latency|p99|lost|duplicat|CPU" "$report" | head -12
done
