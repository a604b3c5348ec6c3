#!/usr/bin/env bash
# Broker CPU time, context switches and system calls per delivered message at a fixed load, where a
# throughput run would only say "the two cores were full". One broker at a time on a free loopback port:
#
#   loadtests/cpu-per-message.sh clusterbroker [path/to/ClusterBroker.Host.dll]   # default: the Release build
#   loadtests/cpu-per-message.sh mosquitto
#
# Load: p2p, 20 pairs, QoS 1, 1,000 msg/s each (20,000 msg/s), 64 B payloads, for 24 s. The broker's
# user and system CPU (from /proc/PID/stat) and context switches (all threads, /proc/PID/task/*/status)
# are sampled over 8 s in the middle; system calls are counted with `perf stat` over 5 s when perf is
# installed. Environment: RATE (per pair, default 1000), PAIRS (default 20), QOS (default 1), BROKER_ARGS (extra
# arguments for clusterbroker, e.g. BROKER_ARGS="--acl-file /tmp/acl" with an ACL from loadtests/generate-acl.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
broker=${1:?clusterbroker or mosquitto}
dll=${2:-src/ClusterBroker.Host/bin/Release/net10.0/ClusterBroker.Host.dll}
rate=${RATE:-1000}; pairs=${PAIRS:-20}; qos=${QOS:-1}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
runner=loadtests/ClusterBroker.LoadTests/bin/Release/net10.0/ClusterBroker.LoadTests.dll
[ -f "$runner" ] || dotnet build loadtests/ClusterBroker.LoadTests -c Release -nologo -v quiet
work=$(mktemp -d); trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
case "$broker" in
  mosquitto) printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" > "$work/mosquitto.conf"
             /usr/sbin/mosquitto -c "$work/mosquitto.conf" > "$work/broker.log" 2>&1 & pid=$! ;;
  clusterbroker) [ -f "$dll" ] || dotnet build src/ClusterBroker.Host -c Release -nologo -v quiet
             # shellcheck disable=SC2086 # BROKER_ARGS is a list of arguments
             dotnet "$dll" --port "$port" --bind 127.0.0.1 --http-port 0 --http-bind 127.0.0.1 --log-level Warning ${BROKER_ARGS:-} > "$work/broker.log" 2>&1 & pid=$! ;;
  *) echo "unknown broker $broker" >&2; exit 2 ;;
esac
for _ in $(seq 1 150); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done

dotnet "$runner" p2p -n "$pairs" -q "$qos" -r "$rate" --inflight 64 -d 24 --warmup 2 -b "127.0.0.1:$port" --no-live > "$work/run.txt" 2>&1 &
runner_pid=$!
switches() { cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }
sleep 12
read -r u1 s1 < <(cut -d' ' -f14,15 /proc/"$pid"/stat); c1=$(switches)
sleep 8
read -r u2 s2 < <(cut -d' ' -f14,15 /proc/"$pid"/stat); c2=$(switches)
syscalls=""
if command -v perf > /dev/null 2>&1; then
  perf stat -x, -e raw_syscalls:sys_enter -p "$pid" -- sleep 5 2> "$work/perf.txt" || true
  syscalls=$(awk -F, '/raw_syscalls/ {print $1}' "$work/perf.txt")
fi
wait "$runner_pid"
rate_delivered=$(grep 'delivered (measured window)' "$work/run.txt" | grep -oE '[0-9,]+/s' | tr -d ',/s')
tick=$(getconf CLK_TCK)
awk -v u=$((u2 - u1)) -v s=$((s2 - s1)) -v c=$((c2 - c1)) -v r="$rate_delivered" -v t="$tick" -v sc="${syscalls:-}" -v b="$broker" 'BEGIN {
  m = r * 8;
  printf "%s: %d msg/s delivered; per message: CPU %.1f us (user %.1f, system %.1f), context switches %.2f", b, r, (u + s) / t * 1e6 / m, u / t * 1e6 / m, s / t * 1e6 / m, c / m;
  if (sc != "") printf ", system calls %.2f", sc / (r * 5);
  printf "\n" }'
