#!/usr/bin/env bash
# Stop the Prism started by start.sh on PORT (pid file based).
#
#   tools/prism/stop.sh PORT
#
# SIGTERM, then SIGKILL after 10 s. Exit 0 if it is stopped (or was not running).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $# -eq 1 && "$1" =~ ^[0-9]+$ ]] || { echo "usage: $0 PORT" >&2; exit 2; }
PORT="$1"
RUN_DIR="${PRISM_RUN_DIR:-$(cd "$DIR/../.." && pwd)/target/prism}"
PID_FILE="$RUN_DIR/prism-$PORT.pid"

if [[ ! -f "$PID_FILE" ]]; then
  echo "prism/stop.sh: no pid file $PID_FILE (not running?)" >&2
  exit 0
fi
pid="$(cat "$PID_FILE")"
# Only signal the process if it still is our prism (guards against pid reuse).
if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null \
   || ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'prism-cli'; then
  rm -f "$PID_FILE"
  exit 0
fi
# start.sh runs prism under setsid, so the pid is also its process-group id.
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; exit 0; }
  sleep 0.1
done
echo "prism/stop.sh: pid $pid ignored SIGTERM for 10s, sending SIGKILL" >&2
kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
sleep 0.2
rm -f "$PID_FILE"
