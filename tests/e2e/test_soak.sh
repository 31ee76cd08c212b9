#!/bin/bash
# SPDX-License-Identifier: MIT
# test_soak.sh: a bounded soak through lighttpd: 256 connections mixing index reads, downloads and uploads for
# SOAK_SECONDS (default 300); no 5xx, no lost or wrong upload, memory and descriptors flat.
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_soak.sh
# Loopback only; every client stops at the deadline.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

SOAK=${SOAK_SECONDS:-300}
E2E_TIMEOUT=${E2E_TIMEOUT:-$((SOAK + 300))}
e2e_init
T=$E2E_TMP
MKDIST="$HERE/mkdist.py"
READERS=200    # wrk connections on index pages
DOWNLOADERS=48 # download loops
UPLOADERS=8    # upload loops: 256 connections in all

e2e_require "soak" lighttpd wrk python3 htpasswd curl

ROOT=$T/root
mkdir -p "$ROOT"
for p in $(seq 20); do
    for v in 1.0 1.1 2.0; do
        python3 "$MKDIST" wheel --out "$ROOT/proj-$p" --name "proj-$p" --version "$v" >/dev/null || fail "mkdist proj-$p $v"
    done
done
htpasswd -cbB -C 5 "$T/htpasswd" soak soak-pw 2>/dev/null

E2E_PF_ARGS="--htpasswd $T/htpasswd"
if ! lt_launch soak "$TOP_SRCDIR/contrib/lighttpd.conf" "$ROOT" "$T/lt" /health; then
    fail "lighttpd started" "$(lt_error)"
    e2e_done
    exit 1
fi
pass "lighttpd started with uploads on"
BASE=http://127.0.0.1:$E2E_PORT
PID=$(lt_children soak | head -n 1)

# What the readers and downloaders fetch.
: >"$T/pages"
: >"$T/files"
for p in $(seq 20); do
    echo "/simple/proj-$p/" >>"$T/pages"
    curl -s "$BASE/simple/proj-$p/" | python3 -c '
import re, sys
for m in re.finditer(r"href=\"\.\./\.\./(packages/[^\"#]+)#", sys.stdin.read()):
    print("/" + m.group(1))' >>"$T/files"
done
echo "/simple/" >>"$T/pages"
expect_eq "60 files to download" 60 "$(wc -l <"$T/files")"
{
    echo 'local paths = {}'
    while read -r p; do echo "paths[#paths + 1] = \"$p\""; done <"$T/pages"
    echo 'local i = 0'
    echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
} >"$T/pages.lua"

# Resident memory and open descriptors of the responder every 5 s.
(
    while proc_alive "$PID" && [ ! -e "$T/soak.done" ]; do
        printf '%s %s %s\n' "$(date +%s)" "$(awk '/^VmRSS/ {print $2}' "/proc/$PID/status")" "$(ls "/proc/$PID/fd" | wc -l)"
        sleep 5
    done
) >"$T/samples" 2>/dev/null &
e2e_bg $!
fd0=$(ls "/proc/$PID/fd" | wc -l)

wrk -t 2 -c "$READERS" -d "${SOAK}s" --timeout 10s -s "$T/pages.lua" "$BASE" >"$T/wrk.out" 2>&1 &
WRK=$!
e2e_bg "$WRK"
run_checks python3 "$HERE/soak.py" --url "$BASE" --user soak --password soak-pw --seconds "$SOAK" \
    --uploaders "$UPLOADERS" --downloaders "$DOWNLOADERS" --files "$T/files" --out "$T"
wait "$WRK"
touch "$T/soak.done"
sleep 1
e2e_log "$T/wrk.out"
reqs=$(awk '/requests in/ {print $1}' "$T/wrk.out")
non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$T/wrk.out")
sockerr=$(grep -o 'Socket errors:.*' "$T/wrk.out")
diag "index reads: $reqs requests in ${SOAK}s over $READERS connections; ${sockerr:-no socket errors}"
diag "uploads and downloads: $(cat "$T/counts.json" 2>/dev/null)"
expect_eq "soak: every index read answered 2xx ($reqs requests)" "" "$non2xx"
expect_eq "soak: no socket errors or timeouts on index reads" "" "$sockerr"
check "soak: the same responder process served it all" proc_alive "$PID"

# Flat: from a quarter of the run (caches warm) to the end.
n=$(wc -l <"$T/samples")
q=$(sed -n "$((n / 4 + 1))p" "$T/samples")
last=$(tail -n 1 "$T/samples")
rss_q=$(echo "$q" | cut -d' ' -f2)
rss_end=$(echo "$last" | cut -d' ' -f2)
rss_max=$(cut -d' ' -f2 "$T/samples" | sort -n | tail -n 1)
fd_max=$(cut -d' ' -f3 "$T/samples" | sort -n | tail -n 1)
fd_end=$(ls "/proc/$PID/fd" | wc -l)
diag "responder RSS: $((rss_q / 1024)) MiB at a quarter, $((rss_end / 1024)) MiB at the end, $((rss_max / 1024)) MiB at most ($n samples)"
diag "responder descriptors: $fd0 before, $fd_max at most under load, $fd_end after"
if [ -n "$rss_q" ] && [ $(((rss_end - rss_q) / 1024)) -lt 16 ]; then
    pass "soak: resident memory flat (grew $(((rss_end - rss_q) / 1024)) MiB after warm-up, limit 16)"
else
    fail "soak: resident memory flat" "$(cat "$T/samples")"
fi
if [ "$fd_end" -le $((fd0 + 2)) ]; then pass "soak: descriptors back to $fd_end (from $fd0) when idle"; else fail "soak: descriptors back when idle" "$fd0 before, $fd_end after"; fi
lt_stop soak && pass "lighttpd stopped" || fail "lighttpd stopped"
e2e_done
