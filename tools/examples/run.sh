#!/usr/bin/env bash
# Run the examples a mock can answer, once each (CI runs this after `cargo test --workspace`,
# whose build it reuses):
#
#   send_sms, search_and_order_number   against Prism serving the pinned spec
#   webhook_server, call_control_ivr    served on loopback and sent signed webhooks (signed with
#                                       Node's Ed25519: the Node that runs Prism), their API
#                                       calls going to that Prism
#   text_to_speech                      against the speech WebSockets' stand-in
#                                       (speech_mock_server, `telnyx_api::testing::speech`)
#
# Fails when an example exits non-zero, when an expected line is missing from its output, when
# any example's output contains the API key, or when Prism reports a request that breaks the
# spec. Prism answers with the spec's examples, so ids and statuses are the spec's.
#
#   tools/examples/run.sh            (EXAMPLES_PRISM_PORT to choose Prism's port)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"

key="KEYexamplesRunSh0123456789SECRET"
transfer_to="+13125550100"
tmp="$(mktemp -d)"
port="${EXAMPLES_PRISM_PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}"
servers=()
cleanup() {
    for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
    PRISM_RUN_DIR="$tmp" bash tools/prism/stop.sh "$port" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "examples: $*" >&2; exit 1; }

# The spec the crate is generated from, found as the workspace tests find it.
spec_file="$(sed -n 's/^file *= *"\(.*\)"/\1/p' spec/pin.toml)"
spec="spec/cache/$spec_file"
[ -f "$spec" ] || spec="../shared/spec/$spec_file"
[ -f "$spec" ] || fail "pinned spec $spec_file not found in spec/cache/ or ../shared/spec/"

# The whole workspace, as `cargo test --workspace` builds it: the same features, so in CI this
# reuses that build instead of compiling telnyx-api once more.
cargo build -q --workspace --examples
bin="${CARGO_TARGET_DIR:-target}/debug/examples"
PRISM_RUN_DIR="$tmp" bash tools/prism/start.sh "$spec" "$port"
prism_log="$tmp/prism-$port.log"

export TELNYX_API_KEY="$key" TELNYX_BASE_URL="http://127.0.0.1:$port"
# Strict decoding (client and webhook verifier): a body that deviates from the spec fails here.
export TELNYX_STRICT_DECODING=1

# Run one example to completion; its output (stdout and stderr) is shown and kept in $tmp/NAME.out.
run() {
    local name="$1"
    shift
    echo "--- $name $*"
    "$bin/$name" "$@" >"$tmp/$name.out" 2>&1 || { cat "$tmp/$name.out"; fail "$name exited with $?"; }
    cat "$tmp/$name.out"
}
expect() { grep -Eq "$2" "$tmp/$1.out" || fail "$1: no line matching /$2/ in its output"; }

run send_sms --from +13125550000 --to +13125550001 --text "Hello from tools/examples/run.sh" --wait 0
expect send_sms '^id [0-9a-f-]{36}$'
expect send_sms '^status [a-z_]+$'
mv "$tmp/send_sms.out" "$tmp/send_sms_api_key.out"

# The same job, unchanged, with OAuth 2.0 client credentials in place of the API key: the
# client exchanges them at Prism's /oauth/token and sends the token it gets.
secret="SECRETexamplesRunShClient0123456789"
TELNYX_API_KEY="" TELNYX_CLIENT_ID="examples-client" TELNYX_CLIENT_SECRET="$secret" \
    run send_sms --from +13125550000 --to +13125550001 --text "Hello with client credentials" --wait 0
expect send_sms '^id [0-9a-f-]{36}$'
grep -q 'POST .*/oauth/token' "$prism_log" || fail "send_sms with client credentials asked Prism for no token"

run search_and_order_number --country US --area-code 312 --features sms,voice --limit 2 --order --max-orders 5
expect search_and_order_number '^available \+[0-9]+ '
expect search_and_order_number '^ordered \+[0-9]+: order [0-9a-f-]{36}, status [a-z_]+$'
expect search_and_order_number '^[0-9]+ orders from [0-9]+ page\(s\)$'

# Signed webhooks: `node sign.cjs keygen` writes a key pair and prints the public key as
# TELNYX_PUBLIC_KEY holds it; `node sign.cjs post URL EVENT_TYPE PAYLOAD [forge]` posts one
# delivery (forged: signed by another key) and prints the HTTP status.
cat >"$tmp/sign.cjs" <<'EOF'
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const [cmd, url, eventType, payload, mode] = process.argv.slice(2);
const keyFile = path.join(__dirname, "webhook-key.pem");
if (cmd === "keygen") {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  fs.writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
  // An Ed25519 SPKI document ends with the 32 raw key bytes.
  console.log(publicKey.export({ type: "spki", format: "der" }).subarray(-32).toString("base64"));
} else {
  const key = mode === "forge" ? crypto.generateKeyPairSync("ed25519").privateKey
                               : crypto.createPrivateKey(fs.readFileSync(keyFile));
  const body = JSON.stringify({
    data: { event_type: eventType, id: crypto.randomUUID(), occurred_at: new Date().toISOString(),
            payload: JSON.parse(payload), record_type: "event" },
    meta: { attempt: 1, delivered_to: url },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = crypto.sign(null, Buffer.from(`${timestamp}|${body}`), key).toString("base64");
  fetch(url, { method: "POST", body, headers: { "content-type": "application/json",
      "telnyx-signature-ed25519": signature, "telnyx-timestamp": timestamp } })
    .then((r) => console.log(r.status))
    .catch((e) => { console.error(`post to ${url}: ${e.message}`); process.exit(1); });
}
EOF
export TELNYX_PUBLIC_KEY="$(node "$tmp/sign.cjs" keygen)"
export TELNYX_IVR_TRANSFER_TO="$transfer_to"

# Start a server example on a free port; sets $url to the URL it prints.
serve() {
    local name="$1"
    echo "--- $name (${2:-sent signed webhooks})"
    "$bin/$name" 127.0.0.1:0 >"$tmp/$name.out" 2>&1 &
    servers+=("$!")
    for _ in $(seq 1 100); do
        url="$(sed -n 's/^listening on \(http:.*\)$/\1/p' "$tmp/$name.out")"
        [ -n "$url" ] && return 0
        kill -0 "$!" 2>/dev/null || break
        sleep 0.1
    done
    cat "$tmp/$name.out"
    fail "$name did not start"
}
# Post one signed delivery and check the status it gets.
deliver() {
    local want="$1"
    shift
    local got
    got="$(node "$tmp/sign.cjs" post "$url" "$@")"
    [ "$got" = "$want" ] || { cat "$tmp/$name.out"; fail "$name answered $1 with $got, not $want"; }
}

name=webhook_server
serve "$name"
deliver 200 message.received '{"direction":"inbound","from":{"phone_number":"+13125550001"},"to":[{"phone_number":"+13125550000"}],"text":"hi","type":"SMS"}'
deliver 200 call.initiated '{"call_control_id":"v3:examples-run","direction":"incoming","from":"+13125550001","to":"+13125550000"}'
deliver 400 call.initiated '{"call_control_id":"v3:forged"}' forge
cat "$tmp/$name.out"
expect "$name" '^message\.received from \+13125550001: "hi" -> replied with message [0-9a-f-]{36}$'
expect "$name" '^call\.initiated v3:examples-run from \+13125550001 to \+13125550000 \(incoming\)$'
expect "$name" '^rejected: signature does not match'

name=call_control_ivr
serve "$name"
b64() { printf '%s' "$1" | base64 | tr -d '\n'; }
call='"call_control_id":"v3:examples-run","from":"+13125550001","to":"+13125550000"'
deliver 200 call.initiated "{$call,\"direction\":\"incoming\"}"
deliver 200 call.answered "{$call,\"client_state\":\"$(b64 '{"leg":"caller","tries":0}')\"}"
deliver 200 call.gather.ended "{$call,\"client_state\":\"$(b64 '{"leg":"caller","tries":1}')\",\"digits\":\"1\",\"status\":\"valid\"}"
deliver 400 call.initiated "{$call,\"direction\":\"incoming\"}" forge
cat "$tmp/$name.out"
expect "$name" '^call\.initiated v3:examples-run -> answer$'
expect "$name" '^call\.answered v3:examples-run -> gather_using_speak \(menu\)$'
expect "$name" "^call\.gather\.ended v3:examples-run -> transfer to \\$transfer_to\$"
expect "$name" '^rejected: '
grep -q 'command failed' "$tmp/$name.out" && fail "$name: a Call Control command failed against Prism"

# text_to_speech over the WebSocket, against the speech stand-in (`telnyx_api::testing::speech`),
# which speaks each word as 0xFF 0xF3 then the word (`testing::speech::tts_audio`).
serve speech_mock_server "the speech WebSockets' stand-in"
prism_url="$TELNYX_BASE_URL"
export TELNYX_BASE_URL="$url"
run text_to_speech --voice Telnyx.NaturalHD.astra --audio-format mp3 --out "$tmp/tts.mp3" Hello from run.sh
expect text_to_speech "^wrote 21 bytes to $tmp/tts.mp3\$"
printf '\xff\xf3Hello\xff\xf3from\xff\xf3run.sh' | cmp -s - "$tmp/tts.mp3" || fail "text_to_speech: $tmp/tts.mp3 is not the audio the server sent"
echo "--- text_to_speech --voice error (an error frame: exit 1)"
if "$bin/text_to_speech" --voice error --out "$tmp/error.mp3" Hello >"$tmp/text_to_speech_error.out" 2>&1; then
    cat "$tmp/text_to_speech_error.out"
    fail "text_to_speech exited 0 on an error frame"
fi
cat "$tmp/text_to_speech_error.out"
expect text_to_speech_error '^text_to_speech: the server sent an error frame: Invalid voice_id specified$'
export TELNYX_BASE_URL="$prism_url"

# No example may print the API key or the client secret, whatever happened.
for out in "$tmp"/*.out; do
    if grep -qF "$key" "$out"; then fail "$(basename "$out" .out) printed the API key"; fi
    if grep -qF "$secret" "$out"; then fail "$(basename "$out" .out) printed the OAuth client secret"; fi
done
# Prism validates every request against the spec; a violation is the SDK's or an example's fault.
if grep -q 'Violation: request' "$prism_log"; then
    grep -B2 'Violation: request' "$prism_log" >&2
    fail "Prism found requests that break the spec (log: above)"
fi
echo "examples: 5 passed (send_sms with an API key and with client credentials; text_to_speech with its audio and with an error frame), 0 failed"
