#!/usr/bin/env bash
# Self-test of the Prism tooling: install, start, a few requests with known
# expected outcomes, stop. Exits non-zero on any mismatch.
#
#   tools/prism/smoke.sh [SPEC] [PORT]
#
# SPEC defaults to <repo>/../shared/spec/telnyx-2025-06-16.yml, PORT to 4910.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$DIR/../.." && pwd)"
SPEC="${1:-$REPO/../shared/spec/telnyx-2025-06-16.yml}"
PORT="${2:-${PRISM_SMOKE_PORT:-4910}}"
B="http://127.0.0.1:$PORT"
AUTH='Authorization: Bearer smoke-test-key'
UUID=497f6eca-6276-4993-bfeb-53cbbbba6f08

"$DIR/install.sh"
trap '"$DIR/stop.sh" "$PORT" >/dev/null 2>&1 || true' EXIT
"$DIR/start.sh" "$SPEC" "$PORT"

pass=0; fail=0
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"; "$DIR/stop.sh" "$PORT" >/dev/null 2>&1 || true' EXIT

# check NAME EXPECTED_STATUS JS_PREDICATE -- CURL_ARGS...
#   JS_PREDICATE is a JavaScript expression over `v` (the parsed sl-violations
#   header, [] if absent) and `b` (the parsed JSON body, null if not JSON).
#   (node, not jq: node is guaranteed to be there, jq is not.)
check() {
  local name="$1" want="$2" pred="$3"; shift 4
  local got
  got="$(curl -s -g -m 30 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@" || echo 000)"
  if [[ "$got" == "$want" ]] && node -e '
      const fs = require("fs");
      const line = fs.readFileSync(process.argv[1], "utf8").split(/\r?\n/)
        .find(l => /^sl-violations:/i.test(l));
      const v = line ? JSON.parse(line.slice(line.indexOf(":") + 1)) : [];
      let b = null; try { b = JSON.parse(fs.readFileSync(process.argv[2], "utf8")); } catch (e) {}
      const req = v.filter(x => x.location && x.location[0] === "request");
      process.exit(eval(process.argv[3]) ? 0 : 1);' "$tmp/headers" "$tmp/body" "$pred" 2>/dev/null; then
    pass=$((pass + 1)); echo "ok   $name ($got)"
  else
    fail=$((fail + 1))
    echo "FAIL $name: status $got (want $want); $(grep -i '^sl-violations:' "$tmp/headers" | tr -d '\r'); body: $(head -c 400 "$tmp/body")"
  fi
}

check 'GET /balance with bearer -> 200' 200 'req.length === 0 && b.data.record_type === "balance"' -- \
  -H "$AUTH" "$B/balance"
check 'GET /balance without Authorization -> 401' 401 'v.some(x => x.code === 401)' -- \
  "$B/balance"
check 'POST /messages valid body -> 200' 200 'req.length === 0' -- \
  -H "$AUTH" -H 'Content-Type: application/json' \
  -d '{"from":"+18445550001","to":"+18445550002","text":"hello"}' "$B/messages"
check 'POST /messages "to" is a number -> 422 + sl-violations' 422 \
  'req.some(x => x.location.join(".") === "request.body.to" && x.code === "type")' -- \
  -H "$AUTH" -H 'Content-Type: application/json' -d '{"to":5,"text":"hello"}' "$B/messages"
check 'POST /advanced_orders invalid (no 4xx in spec) -> 422 problem+json' 422 \
  'b.type === "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY" && b.validation.some(x => x.location.join(".") === "body.country_code")' -- \
  -H "$AUTH" -H 'Content-Type: application/json' -d '{"country_code":5}' "$B/advanced_orders"
# These two need fix-query-names.cjs (bracketed query names are otherwise never validated).
check 'GET page%5Bnumber%5D=abc -> 422 (bracketed query names are validated)' 422 \
  'req.some(x => x.location.join("|") === "request|query|page[number]")' -- \
  -H "$AUTH" "$B/customer_service_records?page%5Bnumber%5D=abc"
check 'GET filter[status][eq]=bogus (raw brackets) -> 422' 422 \
  'req.some(x => x.location.join("|") === "request|query|filter[status][eq]" && x.code === "enum")' -- \
  -H "$AUTH" "$B/customer_service_records?filter[status][eq]=bogus"
check 'GET repeated filter[status][in][] valid values -> 200' 200 'req.length === 0' -- \
  -H "$AUTH" "$B/customer_service_records?filter%5Bstatus%5D%5Bin%5D%5B%5D=pending&filter%5Bstatus%5D%5Bin%5D%5B%5D=failed&page%5Bnumber%5D=2"
check 'GET /messages/{id} with a non-uuid id -> 422' 422 \
  'req.some(x => x.location.join(".") === "request.path.id")' -- \
  -H "$AUTH" "$B/messages/not-a-uuid"
check 'Prefer: code=404 selects the 404 response' 404 'true' -- \
  -H "$AUTH" -H 'Prefer: code=404' "$B/messages/$UUID"

echo "prism smoke: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
