#!/usr/bin/env bash
# Bytes the broker writes per delivered message with long topics, without and with server-to-client topic aliases.
# One ClusterBroker on a free loopback port; the same p2p run twice (MQTT 5.0, QoS 0, 10 pairs, 500 msg/s each,
# 2,000 messages per publisher, 64 B payloads, topics of about TOPIC_LENGTH characters): first with subscribers that
# announce no Topic Alias Maximum, then with subscribers that announce one (--topic-alias-maximum). The bytes the
# broker sent are its own count of MQTT bytes written ($SYS/broker/bytes/sent, whole frames, published every second
# here), read before and after each run; the difference includes the runs' connects, subscribes and the $SYS reader.
#
#   loadtests/topic-alias-bytes.sh [path/to/ClusterBroker.Host.dll]     # default: the Release build
#
# Environment: TOPIC_LENGTH (default 200), ALIASES (the announced maximum, default 10), PAIRS (10), COUNT (2000), RATE (500).
set -euo pipefail
cd "$(dirname "$0")/.."
dll=${1:-src/ClusterBroker.Host/bin/Release/net10.0/ClusterBroker.Host.dll}
topic_length=${TOPIC_LENGTH:-200}; aliases=${ALIASES:-10}; pairs=${PAIRS:-10}; count=${COUNT:-2000}; rate=${RATE:-500}
runner=loadtests/ClusterBroker.LoadTests/bin/Release/net10.0/ClusterBroker.LoadTests.dll
[ -f "$runner" ] || dotnet build loadtests/ClusterBroker.LoadTests -c Release -nologo -v quiet
[ -f "$dll" ] || dotnet build src/ClusterBroker.Host -c Release -nologo -v quiet
work=$(mktemp -d); trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dotnet "$dll" --port "$port" --bind 127.0.0.1 --log-level Warning --Broker:SysInterval 00:00:01 > "$work/broker.log" 2>&1 & pid=$!
for _ in $(seq 1 150); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done

written() { # the counter as published after at least one more $SYS interval
  sleep 1.2
  mosquitto_sub -h 127.0.0.1 -p "$port" -V mqttv311 -t '$SYS/broker/bytes/sent' -C 1 -W 10
}
run() { # $1 = announced Topic Alias Maximum
  local before after delivered
  before=$(written)
  dotnet "$runner" p2p -n "$pairs" -q 0 -r "$rate" --count "$count" -d 60 --warmup 0 --drain 3 --protocol 5.0 \
    --topic-length "$topic_length" --topic-alias-maximum "$1" -b "127.0.0.1:$port" --no-live > "$work/run-$1.txt" 2>&1
  after=$(written)
  delivered=$(grep 'delivered (unique)' "$work/run-$1.txt" | grep -oE '[0-9][0-9,]*' | tail -1 | tr -d ',')
  awk -v b=$((after - before)) -v d="$delivered" -v a="$1" 'BEGIN {
    printf "Topic Alias Maximum %5d: %d messages delivered, broker wrote %d bytes, %.1f bytes per message\n", a, d, b, b / d }'
}
echo "ClusterBroker, p2p MQTT 5.0 QoS 0, $pairs pairs x $count messages, 64 B payloads, topics of about $topic_length characters"
run 0
run "$aliases"
