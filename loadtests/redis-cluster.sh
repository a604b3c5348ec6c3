#!/usr/bin/env bash
# Redis figures (issue 9), all in one run on this machine, loopback only:
#  1. a redis-server on a free port (no persistence), a three-node cluster with --redis 127.0.0.1:PORT, and
#     (before it) one node with no Redis (embedded, in-memory stores);
#  2. the runner's retained scenario against the single node and against the cluster (subscribers spread round
#     robin over the three nodes, the publisher on node 1), same settings, an unmeasured warm-up run then
#     $REPEAT measured runs each (median reported): delivery rate, time until each subscriber had every retained
#     message (p50 / p99), and the rate of publishing the retained set (every PUBLISH acknowledged, so stored);
#  3. Redis commands per published message on the cluster, from `redis-cli info commandstats` deltas around
#     three bursts of N QoS 1 publishes (mosquitto_pub -l, on node 1): plain (a subscriber on node 2), retained
#     (a subscriber on node 2), to a $share group with one member on each node. Before each burst the commands
#     Redis sees without traffic are counted over BACKGROUND_SECONDS (reconcile scripts, PING probe, at the
#     default Redis:ReconcileInterval of 5 s) and that rate times the burst's duration is subtracted. The INFO
#     calls of this script are left out. `redis-cli monitor` over each burst tells the commands the nodes sent
#     (round trips) from those run inside their Lua scripts.
#  4. writes the "## Redis" section of loadtests/RESULTS.md (replaced if present; other sections left alone).
# Reports, node logs and the commandstats readings stay in loadtests/reports/redis-cluster-<timestamp>/.
# Every process started here is killed on exit.
#
#   loadtests/redis-cluster.sh
#   N=2000 REPEAT=9 loadtests/redis-cluster.sh   # more publishes per burst, more retained runs
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

for tool in redis-server redis-cli mosquitto_pub mosquitto_sub python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "redis-cluster.sh needs $tool" >&2; exit 2; }
done

N=${N:-1000}                                  # publishes per burst
REPEAT=${REPEAT:-5}                           # measured retained runs per set-up
BACKGROUND_SECONDS=${BACKGROUND_SECONDS:-15}  # idle window before each burst
SETTLE_SECONDS=3                              # after the last message arrived, before the burst's closing reading
RETAINED_COUNT=800                            # retained messages per run (a trial with 2,000 saw each subscriber get ~1,128)
SUBSCRIBERS=60                                # retained scenario subscribers
[[ $N =~ ^[0-9]+$ && $N -gt 0 && $REPEAT =~ ^[0-9]+$ && $REPEAT -gt 0 && $BACKGROUND_SECONDS =~ ^[0-9]+$ && $BACKGROUND_SECONDS -gt 0 ]] \
  || { echo "N, REPEAT and BACKGROUND_SECONDS must be positive integers" >&2; exit 2; }

source loadtests/lib/processes.sh

build_host_and_runner
HOST_DLL=src/ClusterBroker.Host/bin/Release/net10.0/ClusterBroker.Host.dll
RUNNER_DLL=loadtests/ClusterBroker.LoadTests/bin/Release/net10.0/ClusterBroker.LoadTests.dll
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
OUT=loadtests/reports/redis-cluster-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$OUT/single" "$OUT/cluster" "$OUT/commands"
log() { echo "[redis-cluster.sh $(date -u +%H:%M:%S)] $*"; }
load_mark() { printf '%s\t%s\t%s\n' "$1" "$(date -u +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg | sed 's# # / #g')" >>"$OUT/load.txt"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# $SUBSCRIBERS subscribers on '#' below the run's prefix, $RETAINED_COUNT retained messages of 64 bytes, QoS 1, at most 60 s.
RETAINED=(retained --clients "$SUBSCRIBERS" --retained "$RETAINED_COUNT" --qos 1 --payload 64 --duration 60 --no-live --max-time 180)
WARMUP=(retained --clients 10 --retained 500 --qos 1 --payload 64 --duration 30 --no-live --max-time 120)

start_node() { # NAME MQTT_PORT [options...]
  local name=$1 port=$2; shift 2
  dotnet "$HOST_DLL" --port "$port" --bind 127.0.0.1 --http-port 0 --http-bind 127.0.0.1 "$@" >"$OUT/$name.log" 2>&1 &
  PIDS+=("$!")
  eval "PID_$name=$!"
}

run_retained() { # DIR KEY LABEL ARGS...: one runner run, its report in DIR/KEY
  local dir=$1 key=$2 label=$3; shift 3
  load_mark "$(basename "$dir") $key"
  log "$(basename "$dir") $key"
  nice -n 5 dotnet "$RUNNER_DLL" "$@" --label "$label" --report "$dir/$key" >"$dir/$key.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait "$pid" || log "the runner exited with an error (see $dir/$key.log)"
  grep -E "delivered \(measured|publishing the set|per subscriber p50|lost " "$dir/$key.log" | sed 's/^/    /' || true
}

load_mark start
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- one node, in-memory ---------------------------------------------------------------------------------------
P0=$(free_port)
start_node single "$P0"
wait_for_log "$OUT/single.log" "listening on mqtt://" "$PID_single"
run_retained "$OUT/single" warm-up "1 node in-memory (warm-up)" "${WARMUP[@]}" --broker "127.0.0.1:$P0" --pid "$PID_single"
for r in $(seq 1 "$REPEAT"); do
  run_retained "$OUT/single" "run$r" "1 node in-memory" "${RETAINED[@]}" --broker "127.0.0.1:$P0" --pid "$PID_single"
done
cleanup

# ---- Redis and three nodes -------------------------------------------------------------------------------------
RP=$(free_port)
redis-server --port "$RP" --bind 127.0.0.1 --save "" --appendonly no --protected-mode yes --daemonize no \
  --logfile "$OUT/redis.log" &
PIDS+=("$!")
REDIS_PID=$!
for _ in $(seq 1 50); do redis-cli -p "$RP" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
redis-cli -p "$RP" ping | grep -q PONG || { log "redis-server did not answer on 127.0.0.1:$RP"; exit 1; }
REDIS_VERSION=$(redis-cli -p "$RP" info server | awk -F: '/^redis_version/ { sub("\r", "", $2); print $2 }')
log "redis-server $REDIS_VERSION on 127.0.0.1:$RP (pid $REDIS_PID)"

M=("$(free_port)" "$(free_port)" "$(free_port)"); C=("$(free_port)" "$(free_port)" "$(free_port)")
SEEDS="127.0.0.1:${C[0]},127.0.0.1:${C[1]},127.0.0.1:${C[2]}"
for i in 0 1 2; do
  start_node "node$((i + 1))" "${M[$i]}" --cluster-host 127.0.0.1 --cluster-port "${C[$i]}" --seed-nodes "$SEEDS" --redis "127.0.0.1:$RP"
done
for n in 1 2 3; do
  pid=$(eval echo "\$PID_node$n")
  wait_for_log "$OUT/node$n.log" "listening on mqtt://" "$pid"
  wait_for_log "$OUT/node$n.log" "3 member(s) up" "$pid"
done
log "3 nodes up (mqtt ${M[*]}, pids $PID_node1 $PID_node2 $PID_node3); load average $(cut -d' ' -f1-3 /proc/loadavg)"
BROKERS=(--broker "127.0.0.1:${M[0]}" --broker "127.0.0.1:${M[1]}" --broker "127.0.0.1:${M[2]}" --pid "$PID_node1" --pid "$PID_node2" --pid "$PID_node3")
run_retained "$OUT/cluster" warm-up "3 nodes + Redis (warm-up)" "${WARMUP[@]}" "${BROKERS[@]}"
for r in $(seq 1 "$REPEAT"); do
  run_retained "$OUT/cluster" "run$r" "3 nodes + Redis" "${RETAINED[@]}" "${BROKERS[@]}"
done

# ---- Redis commands per message --------------------------------------------------------------------------------
stats() { # FILE: "command calls" per line, from INFO commandstats (one INFO call is counted by Redis itself)
  redis-cli -p "$RP" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),.*/\1 \2/p' >"$1"
  date +%s.%N >"$1.time"
}

# received FILE...: lines in the files (messages the subscribers printed)
received() { cat "$@" 2>/dev/null | wc -l; }

# burst KIND TOPIC PUB_FLAGS SUB_FILTER SUB_NODES...: subscribers on the given nodes (1-3), an idle window, then
# N publishes through node 1; waits (bounded) until the subscribers together printed N messages.
burst() {
  local kind=$1 topic=$2 flags=$3 filter=$4; shift 4
  local dir="$OUT/commands/$kind" node subs=() files=() i=0
  mkdir -p "$dir"
  for node in "$@"; do
    i=$((i + 1))
    timeout 300 mosquitto_sub -h 127.0.0.1 -p "${M[$((node - 1))]}" -V mqttv5 -q 1 -i "redisfig-$kind-sub$i" -t "$filter" >"$dir/sub$i-node$node.txt" 2>"$dir/sub$i-node$node.err" &
    PIDS+=("$!"); subs+=("$!"); files+=("$dir/sub$i-node$node.txt")
  done
  load_mark "burst $kind"
  sleep 3 # the subscribes (and a shared member's registration in Redis) before the idle window
  log "$kind: $# subscriber(s) on node(s) $*; ${BACKGROUND_SECONDS} s without traffic"
  stats "$dir/idle-start"; sleep "$BACKGROUND_SECONDS"; stats "$dir/idle-end"
  log "$kind: $N publishes (QoS 1 $flags) to $topic through node 1"
  # MONITOR over the burst: which commands the nodes sent and which ran inside their scripts ("[0 lua]").
  timeout 300 redis-cli -p "$RP" monitor >"$dir/monitor.txt" 2>&1 &
  local monitor=$!
  PIDS+=("$monitor"); subs+=("$monitor")
  for _ in $(seq 1 50); do [ -s "$dir/monitor.txt" ] && break; sleep 0.1; done # "OK" once it is monitoring
  stats "$dir/burst-start"
  # shellcheck disable=SC2086
  seq 1 "$N" | timeout 120 mosquitto_pub -h 127.0.0.1 -p "${M[0]}" -V mqttv5 -q 1 $flags -i "redisfig-$kind-pub" -t "$topic" -l \
    || log "$kind: mosquitto_pub failed or timed out"
  for _ in $(seq 1 600); do [ "$(received "${files[@]}")" -ge "$N" ] && break; sleep 0.1; done
  sleep "$SETTLE_SECONDS"
  stats "$dir/burst-end"
  echo "$(received "${files[@]}")" >"$dir/received.txt"
  for node in "${files[@]}"; do wc -l <"$node"; done | paste -sd' ' >"$dir/received-per-subscriber.txt"
  log "$kind: subscribers received $(cat "$dir/received.txt") of $N ($(cat "$dir/received-per-subscriber.txt"))"
  kill "${subs[@]}" 2>/dev/null || true
  wait "${subs[@]}" 2>/dev/null || true
  local keep=() pid sub gone
  for pid in "${PIDS[@]}"; do
    gone=0; for sub in "${subs[@]}"; do [ "$pid" = "$sub" ] && gone=1; done
    [ "$gone" -eq 1 ] || keep+=("$pid")
  done
  PIDS=("${keep[@]}")
}

burst plain redisfig/plain "" redisfig/plain 2
burst retained redisfig/retained "-r" redisfig/retained 2
burst shared redisfig/shared "" '$share/g/redisfig/shared' 1 2 3
# Leave no retained message behind in this Redis (it is thrown away anyway).
timeout 15 mosquitto_pub -h 127.0.0.1 -p "${M[0]}" -q 1 -r -n -t redisfig/retained -i redisfig-clear || true
redis-cli -p "$RP" info commandstats | tr -d '\r' >"$OUT/commands/commandstats-final.txt"
redis-cli -p "$RP" info keyspace | tr -d '\r' >"$OUT/commands/keyspace-final.txt"
cleanup

load_mark end
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- the section -----------------------------------------------------------------------------------------------
python3 - "$OUT" "$STARTED" "$N" "$REPEAT" "$BACKGROUND_SECONDS" "$REDIS_VERSION" "$(git rev-parse --short HEAD)" "$RETAINED_COUNT" "$SUBSCRIBERS" "$SETTLE_SECONDS" <<'PY'
import json, os, re, statistics, sys
out, started, n, repeat, background, redis_version, commit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
retained_count, subscribers, settle = int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10])

def result(path):
    for root, _, files in os.walk(path):
        if "result.json" in files:
            return json.load(open(os.path.join(root, "result.json")))
    return None

def runs(setup):
    rs = [result(f"{out}/{setup}/run{r}") for r in range(1, repeat + 1)]
    return [r for r in rs if r is not None]

def ms(us): return f"{us / 1000:,.1f} ms"
def rate(x): return f"{x:,.0f}/s"

single, cluster = runs("single"), runs("cluster")
def med(rs, f): return statistics.median(f(r) for r in rs) if rs else float("nan")
figs = {
    "delivered (retained messages to subscribers)": (lambda r: r["ReceiveRate"], rate, True),
    "time until each subscriber had all, p50": (lambda r: r["Retained"]["TimeToAllPerSubscriber"]["P50"], ms, False),
    "time until each subscriber had all, p99": (lambda r: r["Retained"]["TimeToAllPerSubscriber"]["P99"], ms, False),
    "publishing the set (QoS 1, until all acknowledged)": (lambda r: r["Retained"].get("PublishRate") or (r["Retained"]["RetainedMessages"] / r["Retained"]["PublishSeconds"] if r["Retained"].get("PublishSeconds") else 0), rate, True),
}
lines = []
lines.append("## Redis")
lines.append("")
lines.append(f"Run {started[:10]} {started[11:16]} UTC on this machine (2 cores, shared with other work), branch redis-figures at {commit}, redis-server {redis_version}, loopback only.")
load = [l.rstrip("\n").split("\t") for l in open(f"{out}/load.txt")]
lines.append(f"Load average (1/5/15 min) at start {load[0][2]}, at end {load[-1][2]}; before each step:")
lines.append("")
lines.append("| step | time (UTC) | load average |")
lines.append("|---|---|---|")
for name, t, avg in load:
    lines.append(f"| {name} | {t} | {avg} |")
lines.append("")
lines.append("```")
lines.append("loadtests/redis-cluster.sh" + (f"   # N={n} REPEAT={repeat} BACKGROUND_SECONDS={background}" if (n, repeat, background) != (1000, 5, 15) else ""))
lines.append("```")
lines.append("")
lines.append(f"Reports, node and Redis logs, commandstats readings: {out}/ (not committed).")
lines.append("")
lines.append("### Retained messages: 3 nodes + Redis vs 1 node in-memory")
lines.append("")
s0 = (single or cluster or [{}])[0].get("Settings", {})
lines.append(f"The runner's `retained` scenario: one publisher stores {retained_count:,} retained messages ({retained_count:,} topics, 64-byte payloads, QoS 1, "
             f"each acknowledged, at most 64 in flight), then {subscribers} subscribers subscribe to `#` below them; measured: the rate of retained deliveries from the "
             f"subscribe until the last subscriber had all, the time until each subscriber had all {retained_count:,} (p50 / p99 over the {subscribers}), and the "
             "rate of storing the set (first PUBLISH to last PUBACK). The retained set is cleared after each run. Cluster: the publisher on "
             "node 1, subscribers round robin over nodes 1-3 (`--broker` three times), each node with `--redis 127.0.0.1:PORT` (the retained "
             "store in Redis; each node's index caches payloads up to 1 KiB, so subscribes read no payload from Redis); single node: no Redis, "
             "in-memory store. Each set-up got one unmeasured warm-up run (500 messages, 10 subscribers), then "
             f"{repeat} measured runs; the table gives the median of the runs, the one after it every run.")
lines.append("")
lines.append("| figure | 3 nodes + Redis | 1 node in-memory | 3 nodes / 1 node |")
lines.append("|---|---:|---:|---:|")
for name, (f, fmt, _) in figs.items():
    c, s = med(cluster, f), med(single, f)
    ratio = f"{c / s:.2f}x" if s and s == s and c == c else ""
    lines.append(f"| {name} | {fmt(c)} | {fmt(s)} | {ratio} |")
def lossline(rs): return " / ".join(f"{r['Delivery']['Lost']}/{r['Delivery']['Duplicates']}" for r in rs)
lines.append(f"| lost / duplicates per run | {lossline(cluster)} | {lossline(single)} | |")
def cpu(rs): return f"{med(rs, lambda r: r['BrokerCpuPercent']):.0f}% / {med(rs, lambda r: r['RunnerCpuPercent']):.0f}%"
lines.append(f"| CPU brokers / runner (of one core, while receiving) | {cpu(cluster)} | {cpu(single)} | |")
lines.append("")
lines.append("| run | set-up | delivered | p50 / p99 to all | publishing the set | complete | note |")
lines.append("|---|---|---:|---|---:|---:|---|")
for label, rs in (("3 nodes + Redis", cluster), ("1 node in-memory", single)):
    for i, r in enumerate(rs, 1):
        t = r["Retained"]
        lines.append(f"| {i} | {label} | {rate(r['ReceiveRate'])} | {ms(t['TimeToAllPerSubscriber']['P50'])} / {ms(t['TimeToAllPerSubscriber']['P99'])} | "
                     f"{rate(figs['publishing the set (QoS 1, until all acknowledged)'][0](r))} | {t['SubscribersComplete']}/{t['Subscribers']} | {r.get('Note') or ''} |")
lines.append("")

# commands per message
def read(path):
    d = {}
    for line in open(path):
        k, v = line.split()
        d[k] = int(v)
    return d, float(open(path + ".time").read())
def delta(a, b):
    (x, tx), (y, ty) = read(a), read(b)
    return {k: y.get(k, 0) - x.get(k, 0) for k in set(x) | set(y) if k != "info" and y.get(k, 0) - x.get(k, 0) != 0}, ty - tx
lines.append("### Redis commands per published message (3 nodes)")
lines.append("")
lines.append(f"`redis-cli info commandstats` read before and after each burst of N = {n} QoS 1 publishes (`seq 1 {n} | mosquitto_pub -l -q 1 -V mqttv5`, "
             "one connection to node 1, one topic), and over an idle window of "
             f"{background} s just before it with the subscribers already connected; the idle rate (periodic reconcile script of each node, "
             "the PING probe, at the default `Redis:ReconcileInterval` of 5 s) times the burst's duration is subtracted. The `info` calls "
             f"of the measurement are left out. The burst window runs from before the publisher connects until {settle} s after the last message arrived, so it includes the publisher's connect and disconnect (clean start). "
             "`redis-cli monitor` ran over the same window to tell commands the nodes sent (round trips) from those run inside their Lua scripts (`[0 lua]`); those counts are raw, without the idle subtraction. "
             "Plain: a subscriber on node 2; retained: `-r`, a subscriber on node 2; shared: `$share/g/...` with one member on each node.")
lines.append("")
lines.append("| kind | received / published | burst window | commands in burst | idle commands (per s) | net commands | **per message** | per command (net, per message) | MONITOR: sent by nodes / in scripts, per message |")
lines.append("|---|---|---:|---:|---:|---:|---:|---|---|")
for kind in ("plain", "retained", "shared"):
    d = f"{out}/commands/{kind}"
    if not os.path.exists(f"{d}/burst-end"):
        lines.append(f"| {kind} | not measured | | | | | | | |"); continue
    idle, idle_s = delta(f"{d}/idle-start", f"{d}/idle-end")
    burst, burst_s = delta(f"{d}/burst-start", f"{d}/burst-end")
    per = {}
    for k in set(idle) | set(burst):
        per[k] = burst.get(k, 0) - idle.get(k, 0) / idle_s * burst_s
    total_burst, total_idle = sum(burst.values()), sum(idle.values())
    net = total_burst - total_idle / idle_s * burst_s
    received = open(f"{d}/received.txt").read().strip()
    per_sub = open(f"{d}/received-per-subscriber.txt").read().strip().replace(" ", " + ")
    breakdown = ", ".join(f"{k} {v / n:.3f}" for k, v in sorted(per.items(), key=lambda kv: -abs(kv[1])) if abs(v) >= 0.5) or "none"
    raw = ", ".join(f"{k} {v}" for k, v in sorted(burst.items(), key=lambda kv: -kv[1])) or "none"
    idle_raw = ", ".join(f"{k} {v}" for k, v in sorted(idle.items(), key=lambda kv: -kv[1])) or "none"
    sent, lua = {}, {}
    if os.path.exists(f"{d}/monitor.txt"):
        for line in open(f"{d}/monitor.txt", errors="replace"):
            m = re.match(r'^[0-9.]+ \[\d+ ([^\]]+)\] "([^"]+)"', line)
            if not m or m.group(2).lower() == "info":
                continue
            target = lua if m.group(1) == "lua" else sent
            target[m.group(2).lower()] = target.get(m.group(2).lower(), 0) + 1
    def fmt_counts(c): return f"{sum(c.values()) / n:.3f}" + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(c.items(), key=lambda kv: -kv[1])) + ")" if c else "")
    monitor = f"{fmt_counts(sent)} / {fmt_counts(lua)}"
    lines.append(f"| {kind} | {received} / {n}" + (f" ({per_sub})" if "+" in per_sub else "") + f" | {burst_s:.1f} s | {total_burst} ({raw}) | {total_idle} in {idle_s:.1f} s ({total_idle / idle_s:.2f}; {idle_raw}) | {net:.1f} | **{net / n:.3f}** | {breakdown} | {monitor} |")
lines.append("")
section = "\n".join(lines) + "\n"
open(f"{out}/section.md", "w").write(section)

path = "loadtests/RESULTS.md"
text = open(path).read()
m = re.search(r"^## Redis\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
if m:
    text = text[:m.start()] + section + ("\n" if m.end() < len(text) else "") + text[m.end():]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
print(section)
PY
log "reports in $OUT; section written to loadtests/RESULTS.md"
