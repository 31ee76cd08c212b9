#!/bin/bash
# SPDX-License-Identifier: MIT
# serve.sh: builds pypi-fcgi and serves a package directory through lighttpd
# at http://127.0.0.1:PORT/ (lighttpd spawns pypi-fcgi, X-Sendfile on).
# Usage: scripts/serve.sh [PACKAGE_DIR] [PORT]    (default: ./packages 8080)
# PYPI_FCGI_ARGS adds pypi-fcgi options, e.g. "--htpasswd /path/htpasswd" to
# allow uploads. Stop it with Ctrl-C.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
root=$(realpath -m "${1:-$top/packages}")
port=${2:-8080}
"$top/scripts/deps.sh" serve
build=$("$top/scripts/build.sh")
mkdir -p "$root"
state=${STATE_DIR:-$top/build/serve}
mkdir -p "$state/www" "$state/upload"
sed -e "s#^var.pypi_root .*#var.pypi_root   = \"$root\"#" \
    -e "s#^var.pypi_state .*#var.pypi_state  = \"$state\"#" \
    -e "s#^var.pypi_bin .*#var.pypi_bin    = \"$build/src/pypi-fcgi\"#" \
    -e "s#^var.pypi_port .*#var.pypi_port   = $port#" \
    -e "s#^\(var.pypi_args *= *\"[^\"]*\)\"#\1${PYPI_FCGI_ARGS:+ $PYPI_FCGI_ARGS}\"#" \
    "$top/contrib/lighttpd.conf" > "$state/lighttpd.conf"
lighttpd -tt -f "$state/lighttpd.conf"
echo "serving $root at http://127.0.0.1:$port/ (logs in $state; Ctrl-C stops)"
exec lighttpd -D -f "$state/lighttpd.conf"
