#!/usr/bin/env bash
# The chaos tests of tests/ClusterBroker.ClusterTests, longer: kill -9 of a node (the subscribers' node, then the
# publisher's node), or a network partition, under a numbered stream (QoS 2 in the subscribers'-node kill, with
# persistent subscribers at QoS 1 and QoS 2; QoS 1 otherwise) (3 nodes, one redis-server, persistent subscribers in
# 3.1.1 and 5.0), with more messages before the kill and
# after the subscribers are back than the CI run. Writes each subscriber's line (acknowledged, delivered,
# lost and duplicated counted apart, time to recovery) to loadtests/reports/chaos-<kill|partition>-<timestamp>.txt.
#
#   loadtests/chaos.sh                       # 3,000 messages before the kill, 3,000 after
#   loadtests/chaos.sh 10000 10000 600       # before, after, maximum seconds
#   CLUSTERBROKER_CHAOS_RECOVERY_CLIENTS=50 loadtests/chaos.sh   # more idle clients timed from the kill to their CONNACK (default 10)
#   loadtests/chaos.sh partition 3000 3000   # network partition instead (Network_Partition_Tests): node 3 cut off
#                                            # from nodes 1-2 with iptables, downed, healed; needs root and iptables
#   loadtests/chaos.sh roll 3                # rolling restart (the chart's 3 pods on loopback, StatefulSet_On_Loopback_Tests):
#                                            # every pod rolled 3 times under QoS 1 traffic to persistent subscribers
#   loadtests/chaos.sh redis 3000 3000       # Redis (AOF) stopped under traffic to a persistent session and started again
#                                            # (Publish_Journal_Tests): messages before the stop, after the return
#
# Loopback only; the test stops every process it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
command -v redis-server >/dev/null 2>&1 || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

mode=kill
project=tests/ClusterBroker.ClusterTests
if [ "${1:-}" = roll ]; then
  mode=roll; shift
  export CLUSTERBROKER_ROLL_ROUNDS="${1:-3}"
  project=tests/ClusterBroker.Helm.Tests
  filter="FullyQualifiedName~StatefulSet_On_Loopback"
  title="every pod of 3 rolled $CLUSTERBROKER_ROLL_ROUNDS time(s) under traffic"
elif [ "${1:-}" = redis ]; then
  mode=redis; shift
  export CLUSTERBROKER_REDIS_STOP_BEFORE="${1:-3000}"
  export CLUSTERBROKER_REDIS_STOP_AFTER="${2:-3000}"
  filter="FullyQualifiedName~With_Redis_stopped"
  title="$CLUSTERBROKER_REDIS_STOP_BEFORE messages acknowledged before Redis stops, $CLUSTERBROKER_REDIS_STOP_AFTER after it is back"
elif [ "${1:-}" = partition ]; then
  mode=partition; shift
  command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq iptables >/dev/null; }
  export CLUSTERBROKER_PARTITION_BEFORE_SPLIT="${1:-3000}"
  export CLUSTERBROKER_PARTITION_AFTER_BACK="${2:-3000}"
  export CLUSTERBROKER_PARTITION_MAX_SECONDS="${3:-300}"
  filter="FullyQualifiedName~Network_Partition_Tests"
  title="$CLUSTERBROKER_PARTITION_BEFORE_SPLIT messages per publisher before the split, $CLUSTERBROKER_PARTITION_AFTER_BACK after the subscribers are back"
else
  export CLUSTERBROKER_CHAOS_BEFORE_KILL="${1:-3000}"
  export CLUSTERBROKER_CHAOS_AFTER_BACK="${2:-3000}"
  export CLUSTERBROKER_CHAOS_MAX_SECONDS="${3:-300}"
  # the subscribers' node killed (Chaos_Kill_Tests), and the publisher's node killed (Publish_Journal_Tests)
  filter="FullyQualifiedName~Chaos_|FullyQualifiedName~Kill_9_of_the_publishers"
  title="$CLUSTERBROKER_CHAOS_BEFORE_KILL messages before the kill, $CLUSTERBROKER_CHAOS_AFTER_BACK after the subscribers are back"
fi
mkdir -p loadtests/reports
report="loadtests/reports/chaos-$mode-$(date -u +%Y%m%dT%H%M%SZ).txt"

dotnet build ClusterBroker.sln -c Release -nologo -v quiet
status=0
[ "$mode" = roll ] && bash tests/install-chart-tools.sh
dotnet test "$project" -c Release --no-build --filter "$filter" \
  --logger "console;verbosity=detailed" > "$report.log" 2>&1 || status=$?
{
  echo "chaos run ($mode) $(date -u +%FT%TZ): $title"
  grep -E "acknowledged [0-9]+, delivered|^ *split at |: acknowledged [0-9]+ \(|recovery of [0-9]+ idle|killed node 3 after|messages acknowledged \(|^ *lost: |shared group <-|acknowledged [0-9]+, refused" "$report.log" | sort -u || echo "(no subscriber line: see $report.log)"
  grep -E "^\s+(Passed|Failed|Skipped) ClusterBroker" "$report.log" || true
} | tee "$report"
echo "full output: $report.log"
exit $status
