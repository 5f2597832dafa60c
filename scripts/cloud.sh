#!/usr/bin/env bash
# Brings the cloud up (or down) on this machine: builds the release binaries, starts oned in
# the background with its SQLite database in $ONE_DATA_DIR, and registers this machine as a
# host the first time.
#
#   ./scripts/cloud.sh up       build and start (prints the endpoint and where the credentials are)
#   ./scripts/cloud.sh down     stop (by PID)
#   ./scripts/cloud.sh status   is it running?
#
# Environment: ONE_DATA_DIR (default /var/lib/one), ONE_LISTEN (default 127.0.0.1:2633),
# ONE_AUTH (oneadmin's credentials file, default ~/.one/one_auth; generated if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA_DIR="${ONE_DATA_DIR:-/var/lib/one}"
LISTEN="${ONE_LISTEN:-127.0.0.1:2633}"
PID_FILE="$DATA_DIR/oned.pid"
LOG_FILE="$DATA_DIR/oned.log"
export ONE_AUTH="${ONE_AUTH:-$HOME/.one/one_auth}"

running() {
    [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

up() {
    if running; then
        echo "oned is already running (PID $(cat "$PID_FILE"))"
        return 0
    fi
    ./scripts/install-deps.sh
    cargo build --release --locked -p oned
    mkdir -p "$DATA_DIR"
    # mimalloc gives freed memory back to the system at once (RSS follows what oned holds).
    MIMALLOC_PURGE_DELAY=0 nohup ./target/release/oned --listen "$LISTEN" --data-dir "$DATA_DIR" \
        >"$DATA_DIR/oned.out" 2>"$LOG_FILE" &
    echo $! >"$PID_FILE"
    for _ in $(seq 1 100); do
        if grep -q "listening on" "$DATA_DIR/oned.out" 2>/dev/null; then
            echo "oned is up: http://$LISTEN/RPC2 (PID $(cat "$PID_FILE"), log $LOG_FILE)"
            echo "oneadmin's credentials: $ONE_AUTH"
            local_host
            return 0
        fi
        if ! running; then
            echo "oned failed to start:" >&2
            cat "$LOG_FILE" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "oned did not start listening in 10 s; see $LOG_FILE" >&2
    return 1
}

# Registers this machine as a host the first time the cloud comes up (with the simulated
# `dummy` drivers until the KVM drivers land), so VMs can be deployed at once.
local_host() {
    .venv/bin/python - "$LISTEN" "$ONE_AUTH" <<'PY'
import sys

import pyone

listen, auth = sys.argv[1], sys.argv[2]
session = open(auth).read().strip().splitlines()[0]
one = pyone.OneServer(f"http://{listen}/RPC2", session=session, protocol="xmlrpc")
if not getattr(one.hostpool.info(), "HOST", None):
    hid = one.host.allocate("localhost", "dummy", "dummy", -1)
    print(f"registered host 'localhost' (ID {hid}, simulated dummy drivers)")
PY
}

down() {
    if running; then
        kill "$(cat "$PID_FILE")"
        for _ in $(seq 1 50); do running || break; sleep 0.1; done
        running && kill -9 "$(cat "$PID_FILE")"
        echo "oned stopped"
    else
        echo "oned is not running"
    fi
    rm -f "$PID_FILE"
}

case "${1:-up}" in
    up) up ;;
    down) down ;;
    status) if running; then echo "oned is running (PID $(cat "$PID_FILE"))"; else echo "oned is not running"; exit 1; fi ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
