#!/usr/bin/env bash
# Start a Prism mock server for SPEC on 127.0.0.1:PORT in the background and wait
# until it is ready.
#
#   tools/prism/start.sh SPEC PORT [--dynamic] [--errors] [-- EXTRA_PRISM_ARGS...]
#
#   --dynamic   generate responses from the schemas (prism -d) instead of
#               returning the spec's examples
#   --errors    prism --errors: a *response* that violates the spec becomes a
#               500 problem+json. NOT recommended for the conformance suite, see
#               README.md (the Telnyx spec's own examples violate its schemas).
#
# Environment:
#   PRISM_RUN_DIR        where prism-PORT.pid / prism-PORT.log go
#                        (default: <repo>/target/prism)
#   PRISM_START_TIMEOUT  seconds to wait for readiness (default 180)
#   PRISM_VERBOSE        prism log level: trace|debug|info|warn|error|fatal|silent
#                        (default info: one block of lines per request)
#   PRISM_NO_FIX=1       run the CLI without fix-query-names.cjs (see README)
#
# Prints "prism ready on http://127.0.0.1:PORT after N.Ns (pid P, log L)".
# Exits non-zero (with the log tail) if prism dies or is not ready in time.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { echo "usage: $0 SPEC PORT [--dynamic] [--errors] [-- EXTRA_PRISM_ARGS...]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
SPEC="$1"; PORT="$2"; shift 2
[[ "$PORT" =~ ^[0-9]+$ ]] || usage
[[ -f "$SPEC" ]] || { echo "prism/start.sh: spec not found: $SPEC" >&2; exit 2; }
SPEC="$(cd "$(dirname "$SPEC")" && pwd)/$(basename "$SPEC")"

args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dynamic|-d) args+=(--dynamic); shift ;;
    --errors) args+=(--errors); shift ;;
    --) shift; args+=("$@"); break ;;
    *) usage ;;
  esac
done

RUN_DIR="${PRISM_RUN_DIR:-$(cd "$DIR/../.." && pwd)/target/prism}"
TIMEOUT="${PRISM_START_TIMEOUT:-180}"
VERBOSE="${PRISM_VERBOSE:-info}"
mkdir -p "$RUN_DIR"
PID_FILE="$RUN_DIR/prism-$PORT.pid"
LOG_FILE="$RUN_DIR/prism-$PORT.log"
URL="http://127.0.0.1:$PORT"

"$DIR/install.sh"

if curl -s -o /dev/null -m 2 "$URL/"; then
  echo "prism/start.sh: something already answers on $URL (stop it first: tools/prism/stop.sh $PORT)" >&2
  exit 1
fi

preload=(--require "$DIR/fix-query-names.cjs")
[[ "${PRISM_NO_FIX:-0}" == 1 ]] && preload=()

# Bigger heap than Node's default is not needed (~300-400 MB RSS), but keep a margin.
start_ns=$(date +%s%N)
setsid node --max-old-space-size=2048 "${preload[@]}" \
  "$DIR/node_modules/@stoplight/prism-cli/dist/index.js" mock \
  --host 127.0.0.1 --port "$PORT" --verboseLevel "$VERBOSE" "${args[@]}" "$SPEC" \
  </dev/null >"$LOG_FILE" 2>&1 &
pid=$!
echo "$pid" > "$PID_FILE"

fail() {
  echo "prism/start.sh: $1" >&2
  echo "---- last 40 lines of $LOG_FILE ----" >&2
  tail -n 40 "$LOG_FILE" >&2 || true
  kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  exit 1
}

deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null && rc=0 || rc=$?
    fail "prism exited early (exit code $rc)"
  fi
  # Ready = the port answers HTTP. The CLI prints its route listing (where
  # fix-query-names.cjs runs) synchronously right after listen() resolves, so
  # by the time a request gets an answer the listing is done. ("Prism is
  # listening on" is not logged when PRISM_VERBOSE is above info.)
  if curl -s -o /dev/null -m 5 "$URL/"; then
    break
  fi
  if [[ $(date +%s) -ge $deadline ]]; then
    fail "not ready after ${TIMEOUT}s"
  fi
  sleep 0.25
done
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
printf 'prism ready on %s after %d.%01ds (pid %s, log %s)\n' "$URL" $((elapsed_ms / 1000)) $(((elapsed_ms % 1000) / 100)) "$pid" "$LOG_FILE"
