#!/usr/bin/env bash
# Instruction counts of lenient decoding against 0.2's decoding (telnyx-api/benches/decode.rs),
# under callgrind: repeatable whatever else the machine is doing. Prints each case's
# instructions per decode and the ratios the bench's targets are about.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo bench -q -p telnyx-api --bench decode --no-default-features --features numbers,call-control --no-run 2>/dev/null
bin=$(ls -t target/release/deps/decode-* | grep -v '\.d$' | head -1)
n=200
count() { # CASE N -> instructions of the whole run
    DECODE_BENCH_CASE=$1 DECODE_BENCH_N=$2 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 \
        | sed -n 's/.*refs: *\([0-9,]*\).*/\1/p' | tr -d ,
}
base=$(count page 0)
declare -A per
for case in page page-0.2 deviating webhook webhook-0.2; do
    per[$case]=$(( ($(count "$case" $n) - base) / n ))
    printf '%-12s %10d instructions per decode\n' "$case" "${per[$case]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "conforming page, now / 0.2:      $(ratio "${per[page]}" "${per[page-0.2]}")x (target <= 1.05x)"
echo "conforming webhook, now / 0.2:   $(ratio "${per[webhook]}" "${per[webhook-0.2]}")x (target <= 1.05x)"
echo "deviating page / conforming:     $(ratio "${per[deviating]}" "${per[page]}")x (target <= 3x)"
