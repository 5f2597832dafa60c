#!/usr/bin/env bash
# Installs what building, running and testing need on a fresh Debian 12 machine (as root):
# Debian packages and a Python virtualenv with pyone (for the API compatibility tests).
# Idempotent and quick when everything is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: xmllint validates our XML against OpenNebula's XSDs; openssl makes
# serveradmin tokens independently of oned in the tests.
PACKAGES=(libxml2-utils python3-venv ca-certificates openssl)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# pyone in a virtualenv (.venv): 7.3.80 is the release for OpenNebula 7.4.
PYONE_VERSION=7.3.80
if ! .venv/bin/python -c "import pyone, importlib.metadata as m; assert m.version('pyone') == '$PYONE_VERSION'" 2>/dev/null; then
    echo "creating .venv with pyone $PYONE_VERSION"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check "pyone==$PYONE_VERSION"
fi
