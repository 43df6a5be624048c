#!/usr/bin/env bash
# Builds livepage-server for release with the Swift runtime linked in, so that it runs on
# a Linux machine without a Swift toolchain, and packs it with LICENSE and README.md:
#
#     scripts/build-release.sh [OUTPUT_DIRECTORY]        # default: dist
#
# writes OUTPUT_DIRECTORY/livepage-server-VERSION-linux-ARCH.tar.gz and, beside it, its
# checksum as `sha256sum -c` reads it (ARCH is `uname -m`: x86_64 or aarch64; VERSION is
# what the built binary's --version says). It builds in .build-release, apart from the
# debug build.
#
# `--static-swift-stdlib` links the Swift runtime statically; the binary still needs the
# system's glibc (2.35 or later) and libstdc++, which every current distribution has. A
# fully static binary would need the Static Linux SDK (musl), which is not installed here.
# Tests/LivePageServerTests/ReleaseBuildTests.swift runs this script and the binary.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -d /opt/swift/usr/bin ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi

output="${1:-dist}"
build=(swift build -c release --static-swift-stdlib --product livepage-server --scratch-path .build-release)
"${build[@]}"
binary="$("${build[@]}" --show-bin-path)/livepage-server"

if ldd "$binary" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime'; then
    echo "build-release: $binary still needs the Swift runtime libraries above" >&2
    exit 1
fi

version="$("$binary" --version | awk '{ print $2 }')"
name="livepage-server-$version-linux-$(uname -m)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$binary" "$stage/$name/livepage-server"
if command -v strip >/dev/null; then strip "$stage/$name/livepage-server"; fi
cp LICENSE README.md "$stage/$name/"

# Files in a fixed order, owned by root, dated by the last commit: the same tree packs
# into the same bytes.
date="$(git log -1 --format=%ct 2>/dev/null || echo 0)"
mkdir -p "$output"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$date" -cf - "$name" | gzip -9n >"$output/$name.tar.gz"
(cd "$output" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "$output/$name.tar.gz"
