#!/usr/bin/env bash
# Forward links against Akka remoting, alternating in one run: a three-node cluster with forward links (the default),
# then one forwarding through Akka remoting (--forward-port -1), ROUNDS times (default 2). Each cluster gets an
# unmeasured warm-up, then cross-node p2p at a fixed 5,000 msg/s (500 pairs, QoS 1) and p2p at full speed (20 pairs,
# QoS 1, inflight 16). Prints one line per figure; the runners' reports and the nodes' logs stay in
# loadtests/reports/forward-links-<timestamp>/.
#
#   loadtests/forward-links.sh [ROUNDS]
#
# Loopback only. Every process this script starts is killed on exit.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
source loadtests/lib/processes.sh

ROUNDS=${1:-2}
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || { echo "ROUNDS must be 1-99" >&2; exit 2; }
build_host_and_runner
HOST_DLL=src/ClusterBroker.Host/bin/Release/net10.0/ClusterBroker.Host.dll
RUNNER_DLL=loadtests/ClusterBroker.LoadTests/bin/Release/net10.0/ClusterBroker.LoadTests.dll
OUT=loadtests/reports/forward-links-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
log() { echo "[forward-links.sh $(date -u +%H:%M:%S)] $*"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
figure() { grep -E "$2" "$1" | tr -s ' ' | sed 's/│/|/g' | head -1; }

log "load average $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
for round in $(seq 1 "$ROUNDS"); do
  for mode in links remoting; do
    extra=(); [ "$mode" = remoting ] && extra=(--forward-port -1)
    M1=$(free_port); M2=$(free_port); M3=$(free_port); C1=$(free_port); C2=$(free_port); C3=$(free_port)
    SEEDS="127.0.0.1:$C1,127.0.0.1:$C2,127.0.0.1:$C3"
    i=1
    for pair in "$M1:$C1" "$M2:$C2" "$M3:$C3"; do
      dotnet "$HOST_DLL" --port "${pair%%:*}" --bind 127.0.0.1 --http-port 0 --http-bind 127.0.0.1 --cluster-host 127.0.0.1 \
        --cluster-port "${pair##*:}" --seed-nodes "$SEEDS" --Cluster:StableAfter 00:00:05 --Cluster:InMemoryStores true "${extra[@]}" \
        >"$OUT/$mode$round-node$i.log" 2>&1 &
      PIDS+=("$!"); eval "P$i=$!"; i=$((i + 1))
    done
    for n in 1 2 3; do wait_for_log "$OUT/$mode$round-node$n.log" "listening on mqtt://" "$(eval echo "\$P$n")" 60 || exit 1; done
    B=(--broker "127.0.0.1:$M1" --broker "127.0.0.1:$M2" --broker "127.0.0.1:$M3" --pid "$P1" --pid "$P2" --pid "$P3")
    # The runner waits until a probe of every publisher reached its subscriber (routes travel asynchronously).
    dotnet "$RUNNER_DLL" p2p --clients 20 --qos 1 --rate 0 --inflight 16 --warmup 0 --duration 8 --drain 2 --no-live --max-time 120 "${B[@]}" >"$OUT/$mode$round-warm-up.log" 2>&1
    dotnet "$RUNNER_DLL" p2p --clients 500 --qos 1 --rate 10 --stagger --warmup 10 --duration 15 --drain 5 --no-live --max-time 120 --report "$OUT/$mode$round-p2p" "${B[@]}" >"$OUT/$mode$round-p2p.log" 2>&1
    dotnet "$RUNNER_DLL" p2p --clients 20 --qos 1 --rate 0 --inflight 16 --warmup 3 --duration 15 --drain 5 --no-live --max-time 120 --report "$OUT/$mode$round-max" "${B[@]}" >"$OUT/$mode$round-max.log" 2>&1
    log "$mode, round $round, p2p 5,000/s: $(figure "$OUT/$mode$round-p2p.log" 'p50 /') $(figure "$OUT/$mode$round-p2p.log" 'p99 /')"
    log "$mode, round $round, p2p 5,000/s: $(figure "$OUT/$mode$round-p2p.log" 'CPU runner') $(figure "$OUT/$mode$round-p2p.log" ' lost ')"
    log "$mode, round $round, p2p full speed: $(figure "$OUT/$mode$round-max.log" 'delivered \(measured')"
    cleanup
  done
done
