#!/usr/bin/env bash
# What one node and three nodes (cross-node) spend per message at several fixed rates, in one run: p2p QoS 1 with
# 500 pairs at RATES msg/s per publisher (default "2 5 10": 1,000, 2,500 and 5,000 msg/s in total). For each rate it
# prints the runner's latency and delivered rate, and, read from /proc over 20 s inside the measured window, the
# brokers' CPU and context switches (all their threads) per message sent at the set rate. With --syscalls it also counts the brokers'
# system calls with `perf stat` (a tracepoint on every system call: it makes them dearer, so the CPU and latency of
# that run are a little worse).
#
#   loadtests/hop-cost.sh
#   loadtests/hop-cost.sh --rates "2 10" --syscalls
#
# Each set (one node, then three) first gets 30 s of unmeasured full-speed warm-up, as in cluster.sh. Loopback only;
# every process this script starts is killed on exit. Reports and logs stay in loadtests/reports/hop-cost-<timestamp>/.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
source loadtests/lib/processes.sh

RATES="2 5 10"
SYSCALLS=0
while [ $# -gt 0 ]; do
  case $1 in
    --rates) [[ ${2:-} =~ ^[0-9\ ]+$ ]] || { echo "--rates needs numbers, e.g. \"2 5 10\"" >&2; exit 2; }; RATES=$2; shift 2 ;;
    --syscalls) SYSCALLS=1; shift ;;
    *) echo "unknown option $1 (--rates \"R ...\", --syscalls)" >&2; exit 2 ;;
  esac
done
if [ "$SYSCALLS" = 1 ] && ! command -v perf >/dev/null 2>&1; then echo "--syscalls needs perf (apt-get install linux-perf)" >&2; exit 2; fi

build_host_and_runner
HOST_DLL=src/ClusterBroker.Host/bin/Release/net10.0/ClusterBroker.Host.dll
RUNNER_DLL=loadtests/ClusterBroker.LoadTests/bin/Release/net10.0/ClusterBroker.LoadTests.dll
OUT=loadtests/reports/hop-cost-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
log() { echo "[hop-cost.sh $(date -u +%H:%M:%S)] $*"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# figure REPORT PATTERN: the value column of the first row of the runner's summary table that matches.
figure() { sed 's/│/|/g' "$1" | grep -E "$2" | awk -F'|' '{ gsub(/^ +| +$/, "", $4); print $4; exit }'; }

# cpu_and_switches PID...: "CPU-ticks context-switches" summed over every thread of the processes.
cpu_and_switches() {
  local pid task ticks=0 switches=0 t s
  for pid in "$@"; do
    for task in /proc/"$pid"/task/*; do
      t=$(awk '{ print $14 + $15 }' "$task/stat" 2>/dev/null) || continue
      s=$(awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }' "$task/status" 2>/dev/null) || continue
      ticks=$((ticks + t)); switches=$((switches + s))
    done
  done
  echo "$ticks $switches"
}

# measure SET RATE PID...: one p2p run at RATE per publisher against the brokers in B, with the per-message figures.
measure() {
  local set=$1 rate=$2; shift 2
  local key="$set-rate$rate" window=20 hz before after msgs
  hz=$(getconf CLK_TCK)
  dotnet "$RUNNER_DLL" p2p --clients 500 --qos 1 --rate "$rate" --stagger --warmup 10 --duration 40 --drain 5 --no-live --max-time 180 \
    --report "$OUT/$key" "${B[@]}" >"$OUT/$key.log" 2>&1 &
  local runner=$!
  PIDS+=("$runner")
  # The runner connects 1,000 clients and waits for its route probes, then warms up for 10 s: wait (bounded) until it
  # says it measures, then 5 s more, so the 20 s read below lies inside its 40 s window.
  local waited=0
  until grep -q "measuring" "$OUT/$key.log" 2>/dev/null || [ "$waited" -ge 120 ]; do sleep 1; waited=$((waited + 1)); done
  grep -q "measuring" "$OUT/$key.log" || log "$key: the runner did not reach its measured window within 120 s; the figures below are not per-message costs"
  sleep 5
  before=$(cpu_and_switches "$@")
  if [ "$SYSCALLS" = 1 ]; then
    perf stat -e raw_syscalls:sys_enter -x, -o "$OUT/$key.syscalls" -p "$(IFS=,; echo "$*")" -- sleep "$window" 2>/dev/null
  else
    sleep "$window"
  fi
  after=$(cpu_and_switches "$@")
  wait "$runner" || log "$key: the runner exited with an error (see $OUT/$key.log)"
  # Per message: divided by what the set rate sends in the window (the runner's delivered rate is printed beside it).
  msgs=$((rate * 500 * window))
  local line
  line=$(awk -v b="$before" -v a="$after" -v hz="$hz" -v m="$msgs" -v w="$window" 'BEGIN {
    split(b, x, " "); split(a, y, " ");
    printf "brokers %.0f%% of a core, %.1f us CPU and %.2f context switches per message", 100 * (y[1] - x[1]) / hz / w, 1e6 * (y[1] - x[1]) / hz / m, (y[2] - x[2]) / m }')
  if [ "$SYSCALLS" = 1 ]; then
    line+=$(awk -F, -v m="$msgs" '/raw_syscalls/ { printf ", %.1f system calls per message", $1 / m }' "$OUT/$key.syscalls")
  fi
  log "$set, $((rate * 500)) msg/s (delivered $(figure "$OUT/$key.log" 'delivered \(measured')): p50/p90 $(figure "$OUT/$key.log" 'p50 / p90'), p99/p99.9/max $(figure "$OUT/$key.log" 'p99 / p99.9'); $line; lost $(figure "$OUT/$key.log" '\| lost ')"
}

log "load average $(cut -d' ' -f1-3 /proc/loadavg); rates per publisher: $RATES (500 publishers); results in $OUT"
for set in single cluster; do
  if [ "$set" = single ]; then
    P0=$(free_port)
    dotnet "$HOST_DLL" --port "$P0" --bind 127.0.0.1 --http-port 0 --http-bind 127.0.0.1 >"$OUT/single.log" 2>&1 &
    PIDS+=("$!"); NODES=("$!")
    wait_for_log "$OUT/single.log" "listening on mqtt://" "${NODES[0]}" 60 || exit 1
    B=(--broker "127.0.0.1:$P0" --pid "${NODES[0]}")
  else
    M1=$(free_port); M2=$(free_port); M3=$(free_port); C1=$(free_port); C2=$(free_port); C3=$(free_port)
    SEEDS="127.0.0.1:$C1,127.0.0.1:$C2,127.0.0.1:$C3"
    NODES=(); i=1
    for pair in "$M1:$C1" "$M2:$C2" "$M3:$C3"; do
      dotnet "$HOST_DLL" --port "${pair%%:*}" --bind 127.0.0.1 --http-port 0 --http-bind 127.0.0.1 --cluster-host 127.0.0.1 \
        --cluster-port "${pair##*:}" --seed-nodes "$SEEDS" --Cluster:StableAfter 00:00:05 --Cluster:InMemoryStores true >"$OUT/node$i.log" 2>&1 &
      PIDS+=("$!"); NODES+=("$!"); i=$((i + 1))
    done
    for n in 1 2 3; do wait_for_log "$OUT/node$n.log" "listening on mqtt://" "${NODES[$((n - 1))]}" 60 || exit 1; done
    B=(--broker "127.0.0.1:$M1" --broker "127.0.0.1:$M2" --broker "127.0.0.1:$M3" --pid "${NODES[0]}" --pid "${NODES[1]}" --pid "${NODES[2]}")
  fi
  # Unmeasured warm-up at full speed: the nodes' JIT recompiles their hot methods under load for ~40 s (cluster.sh).
  dotnet "$RUNNER_DLL" p2p --clients 20 --qos 1 --rate 0 --inflight 16 --warmup 0 --duration 30 --drain 2 --no-live --max-time 120 "${B[@]}" \
    >"$OUT/$set-warm-up.log" 2>&1 || log "$set warm-up: the runner exited with an error (see $OUT/$set-warm-up.log)"
  for rate in $RATES; do measure "$set" "$rate" "${NODES[@]}"; done
  cleanup
done
