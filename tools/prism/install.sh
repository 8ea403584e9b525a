#!/usr/bin/env bash
# Install the pinned Stoplight Prism (package-lock.json) into tools/prism/node_modules.
# Idempotent: a no-op (a few ms) when node_modules was installed from the same
# package.json + package-lock.json by the same major Node version.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$DIR"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "prism/install.sh: node and npm are required (Node >= 18.20.1)" >&2
  exit 1
fi
node -e '
  const [maj, min, pat] = process.versions.node.split(".").map(Number);
  if (maj < 18 || (maj === 18 && (min < 20 || (min === 20 && pat < 1)))) {
    console.error(`prism/install.sh: Node ${process.versions.node} is too old; @stoplight/prism-cli 5.14.2 needs >= 18.20.1`);
    process.exit(1);
  }'

stamp_value="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1) node-$(node -p 'process.versions.node.split(".")[0]')"
stamp_file="node_modules/.telnyx-prism-install-stamp"
if [[ -f "$stamp_file" && -x node_modules/.bin/prism && "$(cat "$stamp_file")" == "$stamp_value" ]]; then
  exit 0
fi

echo "prism/install.sh: npm ci in $DIR ..." >&2
start=$(date +%s)
# --ignore-scripts: nothing in the tree needs an install script.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2 2> >(grep -v 'Unknown user config' >&2)
printf '%s\n' "$stamp_value" > "$stamp_file"
echo "prism/install.sh: installed $(node_modules/.bin/prism --version 2>/dev/null) in $(( $(date +%s) - start ))s" >&2
