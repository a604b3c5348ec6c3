#!/usr/bin/env bash
# What durable sessions cost (issue 10): a three-node cluster with Redis, persistent sessions (3.1.1 clean
# session 0), p2p QoS 1 across nodes at a fixed 5,000 msg/s and at full speed, and QoS 2 at full speed, once with
# --session-durability Memory and once with Redis (every routed QoS 1/2 message written to the publish journal
# before its PUBACK/PUBREC; offline queues written through; each step of a QoS 2 flow to a persistent subscriber
# recorded before it is sent). Same machine, same run, Memory first. Writes the
# "## Durability" section of loadtests/RESULTS.md (other sections are left alone); the runner's reports, the
# nodes' logs and Redis's INFO stay in loadtests/reports/durability-<timestamp>/.
#
#   loadtests/durability.sh
#   loadtests/durability.sh --wait-quiet 600   # first wait up to 600 s for the 1-minute load average to drop to 4 or less
#
# Loopback only. Every process this script starts (Redis, broker nodes, runner) is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v mosquitto_sub >/dev/null 2>&1 || need+=(mosquitto-clients)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

source loadtests/lib/processes.sh
build_host_and_runner

HOST_DLL=src/ClusterBroker.Host/bin/Release/net10.0/ClusterBroker.Host.dll
RUNNER_DLL=loadtests/ClusterBroker.LoadTests/bin/Release/net10.0/ClusterBroker.LoadTests.dll
OUT=loadtests/reports/durability-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
log() { echo "[durability.sh $(date -u +%H:%M:%S)] $*"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

command_text="loadtests/durability.sh"
WAIT_QUIET=0
while [ $# -gt 0 ]; do
  case $1 in
    --wait-quiet) [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "--wait-quiet needs seconds" >&2; exit 2; }; WAIT_QUIET=$2; command_text+=" --wait-quiet $2"; shift 2 ;;
    *) echo "unknown option $1 (--wait-quiet SECONDS)" >&2; exit 2 ;;
  esac
done
if [ "$WAIT_QUIET" -gt 0 ]; then
  waited=0
  until awk '{ exit !($1 <= 4) }' /proc/loadavg || [ "$waited" -ge "$WAIT_QUIET" ]; do sleep 10; waited=$((waited + 10)); done
  log "waited ${waited} s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
fi
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "start $(cut -d' ' -f1-3 /proc/loadavg)" >"$OUT/load.txt"

# Redis with AOF (fsync every second, its default): what an operator who wants the guarantee runs.
REDIS_PORT=$(free_port)
mkdir -p "$OUT/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$OUT/redis" --appendonly yes --save "" --daemonize no >"$OUT/redis.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done

start_node() {
  local name=$1 port=$2; shift 2
  dotnet "$HOST_DLL" --port "$port" --bind 127.0.0.1 --http-port 0 --http-bind 127.0.0.1 "$@" >"$OUT/$name.log" 2>&1 &
  PIDS+=("$!")
  eval "PID_$name=$!"
}


run_step() {
  local mode=$1 key=$2; shift 2
  echo "$mode $key $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/load.txt"
  log "$mode: $key ($*)"
  dotnet "$RUNNER_DLL" "$@" --label "$mode" --no-live --max-time 300 --report "$OUT/$mode/$key" >"$OUT/$mode/$key.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait "$pid" || log "$mode $key: the runner exited with an error (see $OUT/$mode/$key.log)"
  grep -E "throughput|p99|lost" "$OUT/$mode/$key.log" | sed 's/^/    /' || true
  # Redis's command counts after each step (cumulative), for the commands per message of each step
  redis-cli -p "$REDIS_PORT" info commandstats >"$OUT/$mode/redis-commandstats-$key.txt" 2>&1 || true
}

# Persistent sessions (no --clean-start), QoS 1, each pair's publisher and subscriber on different nodes.
# (the runner's default is a clean session: --clean-start false makes every client's session persistent)
WARMUP=(p2p --clients 20 --qos 1 --rate 0 --inflight 16 --warmup 0 --duration 10 --drain 2 --clean-start false)
P2P=(p2p --clients 500 --qos 1 --rate 10 --stagger --warmup 10 --duration 15 --drain 5 --clean-start false)
P2P_MAX=(p2p --clients 20 --qos 1 --rate 0 --inflight 16 --warmup 3 --duration 15 --drain 5 --clean-start false)
# QoS 2 at full speed: with Redis, each QoS 2 flow to a persistent subscriber is also recorded step by step
P2P_MAX_Q2=(p2p --clients 20 --qos 2 --rate 0 --inflight 16 --warmup 3 --duration 15 --drain 5 --clean-start false)

for mode in Memory Redis; do
  mkdir -p "$OUT/$mode"
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  M1=$(free_port); M2=$(free_port); M3=$(free_port); C1=$(free_port); C2=$(free_port); C3=$(free_port)
  SEEDS="127.0.0.1:$C1,127.0.0.1:$C2,127.0.0.1:$C3"
  i=1
  for pair in "$M1:$C1" "$M2:$C2" "$M3:$C3"; do
    start_node "${mode}_node$i" "${pair%%:*}" --cluster-host 127.0.0.1 --cluster-port "${pair##*:}" --seed-nodes "$SEEDS" \
      --Cluster:StableAfter 00:00:05 --redis "127.0.0.1:$REDIS_PORT" --session-durability "$mode"
    i=$((i + 1))
  done
  wait_listening "${mode}_node1"; wait_listening "${mode}_node2"; wait_listening "${mode}_node3"
  NODE_PIDS=()
  for n in 1 2 3; do NODE_PIDS+=("$(eval echo "\$PID_${mode}_node$n")"); done
  BROKERS=(--broker "127.0.0.1:$M1" --broker "127.0.0.1:$M2" --broker "127.0.0.1:$M3")
  for pid in "${NODE_PIDS[@]}"; do BROKERS+=(--pid "$pid"); done
  run_step "$mode" warm-up "${WARMUP[@]}" "${BROKERS[@]}"
  run_step "$mode" p2p "${P2P[@]}" "${BROKERS[@]}"
  run_step "$mode" p2p-max "${P2P_MAX[@]}" "${BROKERS[@]}"
  run_step "$mode" p2p-max-q2 "${P2P_MAX_Q2[@]}" "${BROKERS[@]}"
  # stop this mode's nodes (not Redis)
  for pid in "${NODE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${NODE_PIDS[@]}"; do timeout 30 tail --pid="$pid" -f /dev/null || kill -9 "$pid" 2>/dev/null || true; done
done
echo "end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/load.txt"

/usr/bin/python3 - "$OUT" "$command_text" "$STARTED" <<'EOF'
import glob, json, os, re, sys
out, command, started = sys.argv[1], sys.argv[2], sys.argv[3]
def result(mode, key):
    # the runner writes its report under a directory named after the scenario and label
    found = glob.glob(os.path.join(out, mode, key, "**", "result.json"), recursive=True)
    try:
        return json.load(open(found[0])) if found else None
    except Exception:
        return None
rows = []
for key, title in (("p2p", "p2p QoS 1, 500 pairs x 10 msg/s (5,000 msg/s)"), ("p2p-max", "p2p QoS 1 full speed, 20 pairs, 16 in flight"), ("p2p-max-q2", "p2p QoS 2 full speed, 20 pairs, 16 in flight")):
    figures = {}
    for mode in ("Memory", "Redis"):
        r = result(mode, key)
        figures[mode] = r
    def cell(r, f):
        return "failed" if r is None or r.get("Failed") else f(r)
    mem, red = figures["Memory"], figures["Redis"]
    ratio = ""
    if mem and red and not mem.get("Failed") and not red.get("Failed") and mem["ReceiveRate"] > 0:
        ratio = f'{red["ReceiveRate"] / mem["ReceiveRate"]:.2f}x'
    for mode, r in (("Memory", mem), ("Redis", red)):
        rows.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
            title, mode,
            cell(r, lambda r: f'{r["ReceiveRate"]:,.0f}'),
            cell(r, lambda r: f'{r["Latency"]["P50"] / 1000:.1f}'),
            cell(r, lambda r: f'{r["Latency"]["P99"] / 1000:.1f}'),
            cell(r, lambda r: f'{r["Delivery"]["Lost"]} / {r["Delivery"]["Duplicates"]}'),
            cell(r, lambda r: f'{r["BrokerCpuPercent"]:.0f}'),
            ratio if mode == "Redis" else ""))
load = open(os.path.join(out, "load.txt")).read().strip().replace("\n", "; ")
# Redis commands per message in Redis mode: INFO commandstats after each step (cumulative), each step minus the one before.
def calls(mode, key):
    counts = {}
    try:
        for line in open(os.path.join(out, mode, f"redis-commandstats-{key}.txt")):
            m = re.match(r"cmdstat_([^:]+):calls=(\d+),usec=(\d+)", line)
            if m:
                counts[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    except OSError:
        pass
    return counts
def per_step(previous, key, keys, what):
    before, after = calls(*previous), calls("Redis", key)
    sent = sum((result("Redis", k) or {}).get("Sent", 0) for k in keys)
    if sent == 0 or not after:
        return f"{what}: not measured (no Redis-mode result)."
    total = sum(c for c, _ in after.values()) - sum(c for c, _ in before.values())
    named = ", ".join(f"{name.upper()} {after[name][0] - before.get(name, (0, 0))[0]:,}" for name in ("xadd", "hset", "zadd", "hdel") if after.get(name, (0, 0))[0] - before.get(name, (0, 0))[0] > 0)
    return f"{what}: {total:,} Redis commands for {sent:,} messages published, {total / sent:.2f} per message ({named})."
per_message = " ".join([
    per_step(("Memory", "p2p-max-q2"), "p2p-max", ["warm-up", "p2p", "p2p-max"], "Redis mode, QoS 1 (warm-up, 5,000 msg/s and full speed)"),
    per_step(("Redis", "p2p-max"), "p2p-max-q2", ["p2p-max-q2"], "Redis mode, QoS 2 at full speed"),
    "Each PUBACK/PUBREC waits for its journal XADD's reply, and each QoS 2 PUBLISH/PUBREL to a persistent subscriber for its record, pipelined on the node's one connection (no round trip per message in sequence).",
])
section = "\n".join([
    "## Durability",
    "",
    f"`{command}`, started {started}: three nodes on this machine (2 cores), Redis with AOF (everysec) on loopback, "
    "persistent sessions (3.1.1 clean session 0), each pair's publisher and subscriber on different nodes. "
    "`Memory`: `--session-durability Memory` (sessions in the entities' memory, no journal). `Redis`: every routed QoS 1/2 "
    "message written to the publish journal before its PUBACK/PUBREC, offline queues written through, and each step of a QoS 2 "
    "flow to a persistent subscriber recorded before it is sent. Same run, Memory first. "
    f"Load averages (1/5/15 min) at each step: {load}. Reports in `{out}`.",
    "",
    "| scenario | durability | delivered msg/s | p50 ms | p99 ms | lost / duplicated | broker CPU % (3 nodes) | Redis / Memory throughput |",
    "|---|---|---|---|---|---|---|---|",
    *rows,
    "",
    per_message,
    "",
])
print(section)
path = "loadtests/RESULTS.md"
text = open(path).read()
m = re.search(r"^## Durability\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
text = text[:m.start()] + section + "\n" + text[m.end():] if m else text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
EOF
log "reports in $OUT; RESULTS.md section '## Durability' written"
