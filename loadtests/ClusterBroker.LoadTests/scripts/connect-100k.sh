#!/usr/bin/env bash
# Checks the runner holds 100,000 concurrent connections on this machine. A process may open at most
# 20,000 files here, so the load goes to BROKERS mosquitto processes on loopback ports (each under the
# limit, max_connections -1) and comes from the runner's connect scenario spread over worker processes,
# with source addresses spread over 127.0.0.0/8. Everything stops by itself; brokers are killed on exit.
#
#   loadtests/ClusterBroker.LoadTests/scripts/connect-100k.sh            # 100,000 over 6 brokers
#   CLIENTS=20000 BROKERS=2 loadtests/ClusterBroker.LoadTests/scripts/connect-100k.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
clients=${CLIENTS:-100000}
brokers=${BROKERS:-6}
base_port=${BASE_PORT:-19100}
rate=${RATE:-2000}
hold=${HOLD:-30}

dotnet build loadtests/ClusterBroker.LoadTests -c Release -nologo -v quiet
dir=$(mktemp -d /tmp/cblt-connect.XXXXXX)
chmod 755 "$dir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

args=()
for i in $(seq 0 $((brokers - 1))); do
  port=$((base_port + i))
  {
    echo "listener $port 127.0.0.1"
    echo "allow_anonymous true"
    echo "persistence false"
    echo "log_dest none"
    echo "max_connections -1"
    [ "$(id -u)" -eq 0 ] && echo "user root"
  } > "$dir/mosquitto-$i.conf"
  bash -c "ulimit -n 20000; exec mosquitto -c '$dir/mosquitto-$i.conf'" &
  pids+=("$!")
  args+=(--broker "127.0.0.1:$port" --pid "$!")
done

for i in $(seq 0 $((brokers - 1))); do
  port=$((base_port + i))
  for attempt in $(seq 1 100); do
    mosquitto_pub -h 127.0.0.1 -p "$port" -t cblt/ready -m ready 2>/dev/null && break
    [ "$attempt" -eq 100 ] && { echo "mosquitto on $port did not start"; exit 1; }
    sleep 0.1
  done
done

per_worker=${PER_WORKER:-17000}
dotnet loadtests/ClusterBroker.LoadTests/bin/Release/net10.0/ClusterBroker.LoadTests.dll connect "${args[@]}" \
  --label "$brokers x mosquitto" --clients "$clients" --connect-rate "$rate" --duration "$hold" --keep-alive 30 \
  --clients-per-worker "$per_worker" --connect-timeout 20 --max-time 900 --no-live \
  --report "loadtests/reports/connect-$clients"
