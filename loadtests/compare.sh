#!/usr/bin/env bash
# Side by side on this machine: ClusterBroker (Release build), Mosquitto (Debian package, its own config)
# and an MQTTnet server (loadtests/ClusterBroker.PeerBroker), started one after the other on free loopback
# ports; the same scenario set against each; one table with absolute figures and ClusterBroker / other
# ratios, written to loadtests/RESULTS.md under "## Comparison" (other sections are left alone).
# Reports of every run (Markdown, HTML with charts, JSON) go to loadtests/reports/<timestamp>/.
#
#   loadtests/compare.sh                                  # all three brokers
#   loadtests/compare.sh --brokers mosquitto mqttnet      # a subset
#
# A broker that is not built or does not accept MQTT connections shows "not available".
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mosquitto >/dev/null
fi
# The Debian package may start a system mosquitto on 1883; we never use it, so it must not share our cores.
if command -v systemctl >/dev/null 2>&1; then systemctl stop mosquitto >/dev/null 2>&1 || true; fi

# A process may open at most 20,000 files here: take the hard limit (brokers inherit it).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

dotnet build loadtests/ClusterBroker.LoadTests -c Release -nologo -v quiet
dotnet build loadtests/ClusterBroker.PeerBroker -c Release -nologo -v quiet
if [ -f src/ClusterBroker.Host/ClusterBroker.Host.csproj ]; then
  dotnet build src/ClusterBroker.Host -c Release -nologo -v quiet \
    || echo "ClusterBroker.Host did not build: its column will read 'not available'"
fi

args=("$@")
command_text="loadtests/compare.sh${args[*]:+ ${args[*]}}"
exec dotnet loadtests/ClusterBroker.LoadTests/bin/Release/net10.0/ClusterBroker.LoadTests.dll compare \
  --results loadtests/RESULTS.md --command-text "$command_text" "${args[@]}"
