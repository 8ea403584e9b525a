#!/usr/bin/env bash
# Install the pinned moto server (an S3-compatible server, from PyPI) into tools/moto/.venv.
# Idempotent: a venv that already has the pinned version is left alone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
want="$(sed -n 's/^moto\[server\]==\(.*\)$/\1/p' "$here/requirements.txt")"
if [ -x "$venv/bin/moto_server" ] && [ "$("$venv/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" = "$want" ]; then
    echo "moto/install.sh: moto $want already installed"
    exit 0
fi
start=$(date +%s)
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
echo "moto/install.sh: installed moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)') in $(( $(date +%s) - start ))s"
