#!/usr/bin/env bash
# Package telnyx-api with the crates it is made of (telnyx-api-core and the generated types
# crates), and build the packaged telnyx-api against the packaged others: what `cargo package`'s
# verify builds check (the published sources compile), in one build.
#
# `cargo package` verifies each package in turn, one build per crate: the 29 types crates are
# compiled once alone, one at a time, and again as telnyx-api's dependencies (394 s here, against
# 203 s for this script). Built together, each crate compiles once and cargo runs two at a time.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The crates take the workspace's version.
version=$(awk '/^\[/ { in_section = ($0 == "[workspace.package]") } in_section' Cargo.toml \
    | sed -n 's/^version = "\(.*\)"$/\1/p')
[ -n "$version" ] || { echo "no [workspace.package] version in Cargo.toml" >&2; exit 1; }
names=(telnyx-api telnyx-api-core)
for manifest in telnyx-api/types/*/Cargo.toml; do
    names+=("$(sed -n 's/^name = "\(.*\)"$/\1/p' "$manifest")")
done
# Packaged together, each .crate's manifest names the others by version, as on crates.io.
cargo package -q $(printf -- '-p %s ' "${names[@]}") --allow-dirty --no-verify

# A workspace of the unpacked .crate files, each found through [patch.crates-io] in place of
# crates.io (where they are not published), with the repository's lockfile for the versions of
# the other dependencies and its profile settings.
dir=target/package/verify
rm -rf "$dir"
mkdir -p "$dir"
patch=""
for name in "${names[@]}"; do
    tar -xzf "target/package/$name-$version.crate" -C "$dir"
    # (telnyx-api is the member, which nothing depends on)
    [ "$name" = telnyx-api ] || patch+="$name = { path = \"$name-$version\" }"$'\n'
done
cat > "$dir/Cargo.toml" <<TOML
[workspace]
members = ["telnyx-api-$version"]
resolver = "2"

[patch.crates-io]
$patch
$(awk '/^\[/ { keep = /^\[profile/ } keep' Cargo.toml)
TOML
cp Cargo.lock "$dir/Cargo.lock"
# (its own target directory, beside the unpacked sources: a second run rebuilds only our crates)
cargo build -q --manifest-path "$dir/Cargo.toml" --target-dir target/package/verify-target -p telnyx-api
echo "package: the packaged telnyx-api $version builds against the $((${#names[@]} - 1)) other packaged crates"
