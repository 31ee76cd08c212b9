#!/bin/bash
# SPDX-License-Identifier: MIT
# hop.sh: where a cached page's time goes on its way through the FastCGI hop.
#
# One lighttpd serves one project page three ways (pypi-fcgi, null-fcgi with
# the same bytes from memory, and the same bytes as a static file) and, for
# each, counts per request: the system calls of lighttpd and of the
# responder (strace -c over N requests), and the instructions each process
# executes (valgrind --tool=callgrind, the difference between a run of
# N + WARM requests and one of WARM, so that start-up cancels out), split by
# the object they run in (pypi-fcgi itself, libfcgi, libc, ...). Instruction
# counts do not depend on what else the machine is doing; the kernel's share
# shows as the system calls, and as the CPU time per request of lighttpd,
# the responder and wrk over a wrk run (CPU_SECONDS) at full load. Writes a
# Markdown report to OUT (default bench/hop.md). See bench/README, "The
# FastCGI hop".
#
#   bench/hop.sh                              # installs what is missing, builds pypi-fcgi
#   PF_BIN=build/src/pypi-fcgi bench/hop.sh   # a binary already built
#
# Knobs: N=2000 WARM=200 (requests per measured run), CONC=4 (ab -c),
# CPU_SECONDS=5, PORT=18580, KEEP=1 (keep the temp dir), OUT.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
N=${N:-2000}
WARM=${WARM:-200}
CONC=${CONC:-4}
PORT=${PORT:-18580}
OUT=${OUT:-$here/hop.md}
PF_BIN=${PF_BIN:-}

die() { echo "hop: $*" >&2; exit 2; }
log() { echo "hop: $*" >&2; }
if [[ -z $PF_BIN ]]; then
    # As bench.sh: install what is missing and build the tree's own binary.
    "$top/scripts/deps.sh" bench
    PF_BIN=$("$top/scripts/build.sh")/src/pypi-fcgi
fi
[[ -x $PF_BIN ]] || die "no pypi-fcgi at $PF_BIN (build it, or leave PF_BIN unset)"
for p in lighttpd strace valgrind callgrind_annotate ab wrk curl python3 cc; do
    command -v "$p" >/dev/null || die "$p is missing (Debian: lighttpd strace valgrind apache2-utils wrk curl python3 gcc)"
done
[[ $N =~ ^[0-9]+$ && $WARM =~ ^[0-9]+$ && $CONC =~ ^[0-9]+$ && $N -gt 0 && $CONC -gt 0 ]] ||
    die "N, WARM and CONC must be positive integers"

T=$(mktemp -d /tmp/pypi-fcgi-hop.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.3
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    [[ ${KEEP:-0} == 1 ]] && log "kept $T" || rm -rf "$T"
}
trap cleanup EXIT

log "tree and null-fcgi in $T"
python3 "$here/gentree.py" --projects 20 --files 200 --seed 1 "$T/tree" >/dev/null
cc -O2 -pthread "$here/null-fcgi.c" -lfcgi -o "$T/null-fcgi"
PROJECT=$(ls "$T/tree" | sort | head -n1)
PAGE=/simple/$PROJECT/

wait_sock() { # wait_sock PATH: up to 60 s (valgrind starts slowly)
    local i
    for ((i = 0; i < 600; i++)); do [[ -S $1 ]] && return 0; sleep 0.1; done
    die "no socket at $1 after 60 s"
}

# The backends run outside lighttpd, on unix sockets, so that each can be
# started under strace or callgrind; "wrap" is that prefix (or nothing).
start_pf() { # start_pf WRAP...
    rm -f "$T/pf.sock"
    "$@" "$PF_BIN" --threads 4 --listen "unix:$T/pf.sock" "$T/tree" 2>>"$T/pf.log" &
    PF_PID=$!
    PIDS+=("$PF_PID")
    wait_sock "$T/pf.sock"
}
start_null() {
    rm -f "$T/null.sock"
    "$@" "$T/null-fcgi" -t 4 -l "$T/null.sock" -p /null "$T/www/static" 2>>"$T/null.log" &
    NULL_PID=$!
    PIDS+=("$NULL_PID")
    wait_sock "$T/null.sock"
}
stop() { # stop PID: SIGTERM and wait (callgrind writes its file at exit)
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

mkdir -p "$T/www/static"
cat >"$T/lighttpd.conf" <<EOF
server.modules = ( "mod_fastcgi" )
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$T/lighttpd-error.log"
server.max-keep-alive-requests = 100000
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html; charset=utf-8" )
fastcgi.server = (
  "/pf" => (( "socket" => "$T/pf.sock", "check-local" => "disable" )),
  "/null" => (( "socket" => "$T/null.sock", "check-local" => "disable" )),
)
EOF
lighttpd -D -f "$T/lighttpd.conf" &
LIGHTTPD_PID=$!
PIDS+=("$LIGHTTPD_PID")
BASE=http://127.0.0.1:$PORT
for ((i = 0; i < 50; i++)); do curl -q -s -o /dev/null "$BASE/" && break; sleep 0.1; done

# The page as pypi-fcgi sends it, for null-fcgi and the static copy.
start_pf
d=$T/www/static$PAGE
mkdir -p "$d"
code=$(curl -q -sS -D "$T/page.raw" -o "$d/index.html" -w '%{http_code}' "$BASE/pf$PAGE")
[[ $code == 200 ]] || die "pypi-fcgi answered $code for $PAGE"
tr -d '\r' <"$T/page.raw" | awk 'NR > 1 && NF' |
    grep -viE '^(date|server|content-length|connection|keep-alive|transfer-encoding):' >"$d/index.html.hdr"
stop "$PF_PID"
start_null
cmp -s <(curl -q -sS "$BASE/null$PAGE") "$d/index.html" || die "null-fcgi does not serve the captured page"
stop "$NULL_PID"

URL_pf=$BASE/pf$PAGE
URL_null=$BASE/null$PAGE
URL_static=$BASE/static$PAGE

drive() { # drive URL COUNT: COUNT keep-alive requests, CONC at a time; all must be 200
    local out
    out=$(ab -q -k -n "$2" -c "$CONC" "$1" 2>&1) || die "ab failed: $out"
    grep -qE '^Non-2xx responses' <<<"$out" && die "ab got non-2xx answers from $1"
    grep -qE '^Failed requests: +0$' <<<"$out" || die "ab saw failed requests on $1"
}

# ---- system calls per request (strace -c) ----
# strace_calls FILE: "total name:count ..." from strace -c -f output.
strace_calls() {
    awk '/^------/ { sep++; next } sep == 1 && NF >= 5 { calls[$NF] = $4; tot += $4 }
         END { printf "%d", tot; for (k in calls) printf " %s:%d", k, calls[k]; print "" }' "$1"
}
declare -A SC
count_syscalls() { # count_syscalls BACKEND
    local b=$1 url_var=URL_$1 pid
    case $b in
    pf) start_pf ;;
    null) start_null ;;
    esac
    drive "${!url_var}" "$WARM"
    strace -c -f -o "$T/strace-lighttpd-$b.txt" -p "$LIGHTTPD_PID" 2>/dev/null &
    local s1=$! s2=
    if [[ $b != static ]]; then
        pid=$([[ $b == pf ]] && echo "$PF_PID" || echo "$NULL_PID")
        strace -c -f -o "$T/strace-$b.txt" -p "$pid" 2>/dev/null &
        s2=$!
    fi
    sleep 1
    drive "${!url_var}" "$N"
    kill -INT "$s1" ${s2:+"$s2"}
    wait "$s1" ${s2:+"$s2"} 2>/dev/null || true
    SC[lighttpd.$b]=$(strace_calls "$T/strace-lighttpd-$b.txt")
    [[ $b != static ]] && SC[$b]=$(strace_calls "$T/strace-$b.txt")
    case $b in
    pf) stop "$PF_PID" ;;
    null) stop "$NULL_PID" ;;
    esac
    return 0
}
for b in static null pf; do
    log "system calls: $N requests to $b"
    count_syscalls "$b"
done

# ---- CPU time per request (wrk, /proc/PID/stat) ----
# Where the machine's time goes at full load: user and system CPU of
# lighttpd, the responder and wrk itself over one wrk run, per request.
cpu_ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; } # utime stime, in clock ticks
declare -A CPU RPS
HZ=$(getconf CLK_TCK)
cpu_run() { # cpu_run BACKEND
    local b=$1 url_var=URL_$1 rpid= l0 l1 r0 r1 w1 reqs
    case $b in
    pf) start_pf; rpid=$PF_PID ;;
    null) start_null; rpid=$NULL_PID ;;
    esac
    drive "${!url_var}" "$WARM"
    l0=$(cpu_ticks "$LIGHTTPD_PID")
    [[ -n $rpid ]] && r0=$(cpu_ticks "$rpid")
    # wrk's own CPU: bash's time of it, in seconds, turned into ticks
    local TIMEFORMAT="%U %S"
    { time wrk -t 2 -c 32 -d "${CPU_SECONDS}s" "${!url_var}" >"$T/wrk-$b.txt" 2>&1; } 2>"$T/wrk-$b.time" ||
        die "wrk failed on $b: $(cat "$T/wrk-$b.txt")"
    w1=$(awk -v hz="$HZ" '{ printf "%d %d", $1 * hz, $2 * hz }' "$T/wrk-$b.time")
    l1=$(cpu_ticks "$LIGHTTPD_PID")
    [[ -n $rpid ]] && r1=$(cpu_ticks "$rpid")
    grep -qE 'Non-2xx|Socket errors' "$T/wrk-$b.txt" && die "wrk saw errors on $b: $(cat "$T/wrk-$b.txt")"
    reqs=$(awk '/requests in/ { print $1 }' "$T/wrk-$b.txt")
    RPS[$b]=$(awk '/^Requests\/sec/ { printf "%d", $2 }' "$T/wrk-$b.txt")
    us() { awk -v a="$1" -v b="$2" -v n="$reqs" -v hz="$HZ" 'BEGIN { split(a, x, " "); split(b, y, " ");
        printf "%.1f+%.1f", (y[1] - x[1]) * 1e6 / hz / n, (y[2] - x[2]) * 1e6 / hz / n }'; }
    CPU[lighttpd.$b]=$(us "$l0" "$l1")
    CPU[wrk.$b]=$(us "0 0" "$w1")
    [[ -n $rpid ]] && CPU[$b]=$(us "$r0" "$r1")
    case $b in
    pf) stop "$PF_PID" ;;
    null) stop "$NULL_PID" ;;
    esac
    return 0
}
CPU_SECONDS=${CPU_SECONDS:-5}
for b in static null pf; do
    log "CPU time: wrk -t 2 -c 32 -d ${CPU_SECONDS}s on $b"
    cpu_run "$b"
done

# per_req "total name:count ...": "T per request (name x, ...)" for the
# names with at least 0.5 per request.
per_req() {
    awk -v n="$N" '{ printf "%.1f", $1 / n; sep = " ("; for (i = 2; i <= NF; i++) { split($i, a, ":"); if (a[2] / n >= 0.5) { printf "%s%s %.1f", sep, a[1], a[2] / n; sep = ", " } } if (sep == ", ") printf ")"; print "" }' <<<"$1"
}

# ---- instructions per request (callgrind) ----
# objects FILE: "object instructions" lines, self cost summed per object
# (functions callgrind_annotate shows without one, inlined glibc code for
# the most part, count as "other"), and "TOTAL instructions".
objects() {
    callgrind_annotate --inclusive=no --auto=no --show-percs=no --threshold=100 "$1" 2>/dev/null |
        awk '$2 == "PROGRAM" && $3 == "TOTALS" { t = $1; gsub(",", "", t); print "TOTAL", t; next }
             /^-+$/ { sep++ } sep >= 4 && $1 ~ /^[0-9,]+$/ { ir = $1; gsub(",", "", ir);
             obj = "other"; if (match($0, /\[[^]]*\]$/)) { obj = substr($0, RSTART + 1, RLENGTH - 2);
             n = split(obj, parts, "/"); obj = parts[n]; sub(/\.so[.0-9]*$/, "", obj) } sum[obj] += ir }
             END { for (o in sum) print o, sum[o] }'
}
declare -A IR
callgrind_run() { # callgrind_run BACKEND COUNT -> file
    local b=$1 n=$2 url_var=URL_$1 f=$T/callgrind-$1-$2.out
    local wrap=(valgrind --tool=callgrind --callgrind-out-file="$f" --dump-instr=no)
    case $b in
    pf) start_pf "${wrap[@]}" ;;
    null) start_null "${wrap[@]}" ;;
    esac
    [[ $n -gt 0 ]] && drive "${!url_var}" "$n"
    case $b in
    pf) stop "$PF_PID" ;;
    null) stop "$NULL_PID" ;;
    esac
    echo "$f"
}
lighttpd_callgrind() { # lighttpd_callgrind BACKEND: lighttpd's instructions per request to BACKEND
    local b=$1 url_var=URL_$1 f0 f1
    for n in "$WARM" "$((WARM + N))"; do
        kill "$LIGHTTPD_PID"
        wait "$LIGHTTPD_PID" 2>/dev/null || true
        valgrind --tool=callgrind --callgrind-out-file="$T/callgrind-lighttpd-$b-$n.out" lighttpd -D -f "$T/lighttpd.conf" 2>>"$T/valgrind-lighttpd.log" &
        LIGHTTPD_PID=$!
        PIDS+=("$LIGHTTPD_PID")
        for ((i = 0; i < 600; i++)); do curl -q -s -o /dev/null "$BASE/" && break; sleep 0.1; done
        drive "${!url_var}" "$n"
    done
}
for b in null pf; do
    log "callgrind: $b, $WARM then $((WARM + N)) requests"
    f0=$(callgrind_run "$b" "$WARM")
    f1=$(callgrind_run "$b" "$((WARM + N))")
    IR[$b]=$(join -a1 -a2 -e 0 -o 0,1.2,2.2 <(objects "$f0" | sort) <(objects "$f1" | sort) |
        awk -v n="$N" '{ d = ($3 - $2) / n; if (d >= 1) printf "%s:%d ", $1, d }')
done

# lighttpd's own instructions per request: it is restarted under callgrind
# (pf and null stay up, not measured); static, then the FastCGI path.
start_pf
start_null
for b in static pf; do
    log "callgrind: lighttpd in front of $b"
    lighttpd_callgrind "$b"
done
kill "$LIGHTTPD_PID"
wait "$LIGHTTPD_PID" 2>/dev/null || true
for b in static pf; do
    IR[lighttpd.$b]=$(join -a1 -a2 -e 0 -o 0,1.2,2.2 <(objects "$T/callgrind-lighttpd-$b-$WARM.out" | sort) \
        <(objects "$T/callgrind-lighttpd-$b-$((WARM + N)).out" | sort) |
        awk -v n="$N" '{ d = ($3 - $2) / n; if (d >= 1) printf "%s:%d ", $1, d }')
done

ir_total() { tr ' ' '\n' <<<"$1" | awk -F: '$1 == "TOTAL" { print $2 }'; }
ir_split() { tr ' ' '\n' <<<"$1" | awk -F: 'NF == 2 && $1 != "TOTAL" && $2 >= 50 { print $2, $1 }' | sort -rn | awk '{ printf "%s%s %d", sep, $2, $1; sep = ", " } END { print "" }'; }

{
    echo "# The FastCGI hop, per request"
    echo
    echo "One cached project page ($PAGE, $(stat -c %s "$d/index.html") bytes), lighttpd $(lighttpd -v 2>/dev/null | head -n1 | awk '{ print $1 }' | sed 's/.*\///') on 127.0.0.1,"
    echo "ab -k -c $CONC, $N requests measured after $WARM. Instructions: callgrind, the difference between runs of"
    echo "$((WARM + N)) and $WARM requests, divided by $N (start-up cancels out; repeatable on a busy machine)."
    echo "System calls: strace -c -f attached for the $N requests."
    echo
    echo "| path | lighttpd syscalls/req | lighttpd instructions/req | responder syscalls/req | responder instructions/req |"
    echo "|---|---|---:|---|---:|"
    echo "| static file | $(per_req "${SC[lighttpd.static]}") | $(ir_total "${IR[lighttpd.static]}") | - | - |"
    echo "| null-fcgi (the hop alone) | $(per_req "${SC[lighttpd.null]}") | (as pypi-fcgi's row) | $(per_req "${SC[null]}") | $(ir_total "${IR[null]}") |"
    echo "| pypi-fcgi | $(per_req "${SC[lighttpd.pf]}") | $(ir_total "${IR[lighttpd.pf]}") | $(per_req "${SC[pf]}") | $(ir_total "${IR[pf]}") |"
    echo
    echo "CPU time per request at full load (wrk -t 2 -c 32 -d ${CPU_SECONDS}s, one run each; microseconds user+system,"
    echo "from /proc/PID/stat, so ±1 tick over the run):"
    echo
    echo "| path | req/s | lighttpd | responder | wrk |"
    echo "|---|---:|---:|---:|---:|"
    echo "| static file | ${RPS[static]} | ${CPU[lighttpd.static]} | - | ${CPU[wrk.static]} |"
    echo "| null-fcgi | ${RPS[null]} | ${CPU[lighttpd.null]} | ${CPU[null]} | ${CPU[wrk.null]} |"
    echo "| pypi-fcgi | ${RPS[pf]} | ${CPU[lighttpd.pf]} | ${CPU[pf]} | ${CPU[wrk.pf]} |"
    echo
    echo "Instructions per request by object:"
    echo
    echo "- lighttpd, static: $(ir_split "${IR[lighttpd.static]}")"
    echo "- lighttpd, FastCGI: $(ir_split "${IR[lighttpd.pf]}")"
    echo "- null-fcgi: $(ir_split "${IR[null]}")"
    echo "- pypi-fcgi: $(ir_split "${IR[pf]}")"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; $(uname -sr); valgrind $(valgrind --version | sed 's/valgrind-//')."
} >"$OUT"
cat "$OUT"
log "report written to $OUT"
