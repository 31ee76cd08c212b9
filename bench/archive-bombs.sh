#!/bin/bash
# SPDX-License-Identifier: MIT
# archive-bombs.sh: CPU time and peak RSS of meta_extract refusing the two archive bombs of an upload.
#
# Writes, in a temp dir removed at exit: a .tar.gz whose first member is 8 GiB of zeros (8.6 MB) and a
# fake wheel of 1.5 million central directory records (70 MB), both by bench/archive-bombs.py; builds
# bench/meta-run.c against the build's libpypi.a; runs it once on each (under a 120 s CPU limit) and
# prints its line: the answer, CPU seconds, peak RSS, bytes of the file read in sequence.
#
#   bench/archive-bombs.sh                  # BUILD=./build (scripts/build.sh builds it if absent)
#   BUILD=/tmp/other/build bench/archive-bombs.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=${BUILD:-}
[[ -n $BUILD ]] || BUILD=$("$top/scripts/build.sh")
src=$(cd "$BUILD/.." && pwd)/src
[[ -f $BUILD/src/libpypi.a ]] || { echo "archive-bombs: no $BUILD/src/libpypi.a" >&2; exit 2; }
[[ -f $src/meta.h ]] || src=$top/src
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -I"$BUILD" -I"$src" -o "$tmp/meta-run" "$here/meta-run.c" "$BUILD/src/libpypi.a" \
    $(pkg-config --libs libarchive) -lcrypto -lcrypt -lpthread
python3 "$here/archive-bombs.py" tgz-zeros "$tmp/bomb-1.0.tar.gz" 8
python3 "$here/archive-bombs.py" wheel-entries "$tmp/bomb-1.0-py3-none-any.whl" 1500000
run() { (ulimit -t 120; "$tmp/meta-run" "$@"); }
printf '%-40s %s\n' "tar.gz, 8 GiB of zeros first ($(stat -c %s "$tmp/bomb-1.0.tar.gz") B):" \
    "$(run sdist bomb "$tmp/bomb-1.0.tar.gz")"
printf '%-40s %s\n' "wheel, 1.5 M entries ($(stat -c %s "$tmp/bomb-1.0-py3-none-any.whl") B):" \
    "$(run wheel bomb "$tmp/bomb-1.0-py3-none-any.whl")"
