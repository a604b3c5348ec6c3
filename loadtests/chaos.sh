#!/usr/bin/env bash
# The chaos tests of tests/ClusterBroker.ClusterTests, longer: kill -9 of a node under a numbered QoS 1 stream
# (3 nodes, one redis-server, persistent subscribers in 3.1.1 and 5.0), with more messages before the kill and
# after the subscribers are back than the CI run. Writes each subscriber's line (acknowledged, delivered,
# lost and duplicated counted apart, time to recovery) to loadtests/reports/chaos-<timestamp>.txt.
#
#   loadtests/chaos.sh                       # 3,000 messages before the kill, 3,000 after
#   loadtests/chaos.sh 10000 10000 600       # before, after, maximum seconds
#
# Loopback only; the test stops every process it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
command -v redis-server >/dev/null 2>&1 || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"; $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

export CLUSTERBROKER_CHAOS_BEFORE_KILL="${1:-3000}"
export CLUSTERBROKER_CHAOS_AFTER_BACK="${2:-3000}"
export CLUSTERBROKER_CHAOS_MAX_SECONDS="${3:-300}"
mkdir -p loadtests/reports
report="loadtests/reports/chaos-$(date -u +%Y%m%dT%H%M%SZ).txt"

dotnet build ClusterBroker.sln -c Release -nologo -v quiet
status=0
dotnet test tests/ClusterBroker.ClusterTests -c Release --no-build --filter "FullyQualifiedName~Chaos_" \
  --logger "console;verbosity=detailed" > "$report.log" 2>&1 || status=$?
{
  echo "chaos run $(date -u +%FT%TZ): $CLUSTERBROKER_CHAOS_BEFORE_KILL messages before the kill, $CLUSTERBROKER_CHAOS_AFTER_BACK after the subscribers are back"
  grep -E "acknowledged [0-9]+, delivered" "$report.log" || echo "(no subscriber line: see $report.log)"
  grep -E "^\s+(Passed|Failed) ClusterBroker" "$report.log" || true
} | tee "$report"
echo "full output: $report.log"
exit $status
