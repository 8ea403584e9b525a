#!/usr/bin/env bash
# The storage example's interface against a local moto S3 server: every command once, outputs
# compared with what was put. Run by .ci/run after tools/moto/install.sh and the tests.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
port="${MOTO_PORT:-5317}"
pid="$(bash tools/moto/start.sh "$port")"
trap 'kill "$pid" 2>/dev/null || true' EXIT
# With the workspace's features, as `cargo test --workspace` builds it: in CI (after the tests)
# this reuses that build instead of compiling telnyx-api once more.
cargo build -q --workspace --example storage
run() { TELNYX_API_KEY=KEYexample TELNYX_STORAGE_URL="http://127.0.0.1:$port" TELNYX_STORAGE_REGION=us-east-1 target/debug/examples/storage "$@"; }
tmp="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
printf 'hello from the storage example\n' > "$tmp/a.txt"
head -c 100000 /dev/urandom > "$tmp/b.bin"
run create-bucket example-bucket
[ "$(run list-buckets)" = "example-bucket" ] || { echo "list-buckets: unexpected output" >&2; exit 1; }
run put example-bucket docs/a.txt "$tmp/a.txt"
run put example-bucket b.bin "$tmp/b.bin"
[ "$(run list example-bucket | sort | tr '\n' ' ')" = "b.bin docs/a.txt " ] || { echo "list: unexpected output" >&2; exit 1; }
run get example-bucket b.bin > "$tmp/b.out"
cmp "$tmp/b.bin" "$tmp/b.out"
[ "$(run get example-bucket docs/a.txt)" = "hello from the storage example" ]
if run get example-bucket missing 2> "$tmp/err"; then echo "get of a missing key succeeded" >&2; exit 1; fi
grep -q '^storage: NoSuchKey: ' "$tmp/err" || { echo "no S3 code in: $(cat "$tmp/err")" >&2; exit 1; }
run delete example-bucket docs/a.txt
run delete example-bucket b.bin
[ -z "$(run list example-bucket)" ]
run delete-bucket example-bucket
[ -z "$(run list-buckets)" ]
echo "storage example: 7 commands against moto on port $port: ok"
