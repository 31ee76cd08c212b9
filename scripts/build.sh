#!/bin/bash
# SPDX-License-Identifier: MIT
# build.sh: configures (once) and builds pypi-fcgi in $BUILD_DIR (default: ./build).
# CFLAGS and LDFLAGS in the environment reach configure (sanitizer builds).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
cd "$top"
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p "$build"
cd "$build"
# shellcheck disable=SC2086 # CONFIGURE_FLAGS holds several words
[ -f Makefile ] || "$top/configure" --enable-werror ${CONFIGURE_FLAGS:-} >/dev/null
make -j"$(nproc)" >/dev/null
echo "$build"
