#!/usr/bin/env bash
# Installs the system programs the test suites drive: Debian's Chromium and Prometheus, PostgreSQL (under the
# real Unleash server the flag provider is tested against), the Kubernetes clients of other languages the
# sandbox is tested with (python3-kubernetes, ruby-kubeclient), and kubectl only when none is on PATH (an
# existing kubectl is never replaced).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v prometheus >/dev/null 2>&1 || [ -x /usr/bin/prometheus ] || missing+=(prometheus)
# test/support/unleash.ts runs initdb and pg_ctl from /usr/lib/postgresql/<version>/bin.
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || missing+=(postgresql)
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
/usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1 || missing+=(python3-kubernetes)
ruby -e 'require "kubeclient"' >/dev/null 2>&1 || missing+=(ruby-kubeclient)
# The runbook's bash scripts (test/main/sandbox/runbook-scripts.test.ts) call curl, jq and bc.
for tool in curl jq bc; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: chromium, prometheus, postgresql, kubectl, python3-kubernetes, ruby-kubeclient, curl, jq and bc are present"
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "system packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "The tests need these system packages, which this script cannot install here (it needs root on Debian):" >&2
for p in "${missing[@]}"; do
  case "$p" in
    chromium) echo "  - Chromium at /usr/bin/chromium (Debian: apt-get install chromium)" >&2 ;;
    prometheus) echo "  - Prometheus on PATH (Debian: apt-get install --no-install-recommends prometheus)" >&2 ;;
    postgresql) echo "  - PostgreSQL's server programs in /usr/lib/postgresql/<version>/bin (Debian: apt-get install --no-install-recommends postgresql)" >&2 ;;
    kubernetes-client) echo "  - kubectl on PATH (Debian: apt-get install kubernetes-client)" >&2 ;;
    python3-kubernetes) echo "  - the Kubernetes client for /usr/bin/python3 (Debian: apt-get install python3-kubernetes)" >&2 ;;
    ruby-kubeclient) echo "  - Ruby's kubeclient (Debian: apt-get install ruby-kubeclient)" >&2 ;;
    curl | jq | bc) echo "  - $p on PATH, for the runbook's scripts (Debian: apt-get install $p)" >&2 ;;
  esac
done
exit 1
