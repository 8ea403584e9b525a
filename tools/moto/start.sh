#!/usr/bin/env bash
# Start the moto S3 server on 127.0.0.1:PORT (default 5000) in the background; prints its pid.
# Waits until it answers. Stop it with `kill PID`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${1:-5000}"
log="${MOTO_LOG:-$here/moto-$port.log}"
"$here/.venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
        echo "$pid"
        exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "moto/start.sh: moto_server exited; see $log" >&2
        exit 1
    fi
    sleep 0.1
done
kill "$pid" 2>/dev/null || true
echo "moto/start.sh: moto_server did not answer on port $port within 10 s; see $log" >&2
exit 1
