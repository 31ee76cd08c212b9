#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench.sh: benchmark pypi-fcgi behind lighttpd, nginx and Apache against a null FastCGI responder and static files.
#
# One command: bench/bench.sh. Every knob is an environment variable (see
# bench/README). Loopback only, every run bounded in time, everything it starts
# is stopped by the EXIT trap, the temp dir is removed unless KEEP=1.
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

PF_BIN=${PF_BIN:-}
PF_ARGS=${PF_ARGS:-}
BENCH_SELFTEST=${BENCH_SELFTEST:-0}
PROJECTS=${PROJECTS:-10000}
FILES=${FILES:-100000}
LARGE=${LARGE:-0}
LARGE_SIZE=${LARGE_SIZE:-2G}
SEED=${SEED:-1}
TREE=${TREE:-/var/tmp/pypi-fcgi-bench/tree-${PROJECTS}p-${FILES}f-${LARGE}x${LARGE_SIZE}-s${SEED}}
THREADS=${THREADS:-4}
NULL_THREADS=${NULL_THREADS:-$THREADS}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-2}
COLD_DURATION=${COLD_DURATION:-$DURATION}
COLD_CONNECTIONS=${COLD_CONNECTIONS:-$WRK_THREADS}
SAMPLE=${SAMPLE:-100}
REPEAT=${REPEAT:-1}
COLD_START_RUNS=${COLD_START_RUNS:-5}
COLD_START_TIMEOUT=${COLD_START_TIMEOUT:-120}
WARMUP_TIMEOUT=${WARMUP_TIMEOUT:-1800}
FRONTS=${FRONTS-nginx apache}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
WEB_USER=${WEB_USER:-www-data}
PF_USER=${PF_USER:-nobody}
EXTRAS=${EXTRAS:-1}
if [[ $BENCH_SELFTEST == 1 ]]; then BIG_MIB=${BIG_MIB:-64}; else BIG_MIB=${BIG_MIB:-1024}; fi
UPLOAD_TIMEOUT=${UPLOAD_TIMEOUT:-600}
# sha256: the digest twine always sends; all: also md5 and blake2_256, as twine <= 6.1 does
BIG_DIGESTS=${BIG_DIGESTS:-sha256}
VIS_RUNS=${VIS_RUNS:-20}
VIS_TIMEOUT=${VIS_TIMEOUT:-10}
DL_CLIENTS=${DL_CLIENTS:-32}
DL_RATES=${DL_RATES-0 4M}
LOAD_DURATION=${LOAD_DURATION:-$((DURATION < 5 ? DURATION : 5))}
LOAD_CONNECTIONS=${LOAD_CONNECTIONS:-$CONNECTIONS}
PORT=${PORT:-18480}
OUT=${OUT:-$BENCH_DIR/results.md}
KEEP=${KEEP:-0}
CATLOG=${CATLOG:-0}
CC=${CC:-cc}

# Loopback only: no proxy may see these requests; curl runs with -q (no ~/.curlrc).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

JSON_ACCEPT='application/vnd.pypi.simple.v1+json'
HTML_ACCEPT='text/html'
API_ACCEPT='application/json'
ROWS=(html json api index listing r304 file)
BACKENDS=(pf null static)
NGINX_CONF=$TOP_DIR/contrib/nginx.conf
APACHE_CONF=$TOP_DIR/contrib/apache-proxy-fcgi.conf
SPAWN=$TOP_DIR/contrib/pypi-fcgi-spawn
MKDIST=$TOP_DIR/tests/e2e/mkdist.py
MODDIR=/usr/lib/apache2/modules

T=
LT_PID=
CHILD_PIDS=()
NG_PID=
AP_PID=
FRONT_PID=
BG_PIDS=()
WARNINGS=()

log() { printf 'bench: %s\n' "$*" >&2; }
warn() { printf 'bench: WARNING: %s\n' "$*" >&2; WARNINGS+=("$*"); }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

for knob in PROJECTS FILES LARGE THREADS NULL_THREADS DURATION CONNECTIONS WRK_THREADS COLD_DURATION \
    COLD_CONNECTIONS SAMPLE REPEAT COLD_START_RUNS COLD_START_TIMEOUT WARMUP_TIMEOUT PORT EXTRAS BIG_MIB \
    UPLOAD_TIMEOUT VIS_RUNS VIS_TIMEOUT DL_CLIENTS LOAD_DURATION LOAD_CONNECTIONS; do
    [[ ${!knob} =~ ^[0-9]+$ ]] || die "$knob must be a non-negative integer, got '${!knob}'"
done
for rate in $DL_RATES; do
    [[ $rate =~ ^[0-9]+[kKmMgG]?$ ]] || die "DL_RATES lists bytes/s per client with an optional k, M or G (0: full speed), got '$rate'"
done
((CONNECTIONS >= WRK_THREADS && COLD_CONNECTIONS >= WRK_THREADS && LOAD_CONNECTIONS >= WRK_THREADS)) ||
    die "wrk needs CONNECTIONS, COLD_CONNECTIONS and LOAD_CONNECTIONS >= WRK_THREADS"
((DURATION > 0 && COLD_DURATION > 0 && SAMPLE > 0 && REPEAT > 0 && COLD_START_RUNS > 0)) ||
    die "DURATION, COLD_DURATION, SAMPLE, REPEAT and COLD_START_RUNS must be positive"
((EXTRAS == 0 || (BIG_MIB >= 2 && BIG_MIB <= 1024 && VIS_RUNS > 0 && DL_CLIENTS > 0 && LOAD_DURATION > 0))) ||
    die "BIG_MIB must be 2..1024 (pypi-fcgi's default --max-upload-size is 1 GiB); VIS_RUNS, DL_CLIENTS and LOAD_DURATION positive"
[[ $BIG_DIGESTS == sha256 || $BIG_DIGESTS == all ]] || die "BIG_DIGESTS must be sha256 or all"
for f in $FRONTS; do
    [[ $f == nginx || $f == apache ]] || die "FRONTS lists nginx and/or apache (lighttpd is always measured), got '$f'"
done

for tool in lighttpd wrk curl python3 "$CC" timeout awk ps cmp; do
    command -v "$tool" >/dev/null || die "missing program: $tool"
done
# nginx and apache2 live in /usr/sbin, which a user's PATH may lack.
NGINX=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx 2>/dev/null || true)
APACHE=$(PATH=$PATH:/usr/sbin:/sbin command -v apache2 2>/dev/null || true)
need_front() { # need_front FRONT WHAT...: dies naming what is missing
    local f=$1
    shift
    die "FRONTS has $f but $* missing (apt-get install nginx-light | apache2 libapache2-mod-xsendfile; spawn-fcgi), or set FRONTS"
}
if [[ -n $FRONTS ]]; then
    command -v spawn-fcgi >/dev/null || need_front "$FRONTS" "spawn-fcgi is"
fi
if [[ " $FRONTS " == *" nginx "* ]]; then
    [[ -n $NGINX ]] || need_front nginx "nginx is"
    [[ -f /etc/nginx/fastcgi_params && -f /etc/nginx/mime.types ]] || need_front nginx "/etc/nginx/fastcgi_params or mime.types is"
fi
if [[ " $FRONTS " == *" apache "* ]]; then
    [[ -n $APACHE ]] || need_front apache "apache2 is"
    for m in mpm_event authz_core mime dir alias proxy proxy_fcgi xsendfile; do
        [[ -f $MODDIR/mod_$m.so ]] || need_front apache "$MODDIR/mod_$m.so is"
    done
fi
if ((EXTRAS)); then
    command -v htpasswd >/dev/null || die "missing program: htpasswd (apache2-utils), or EXTRAS=0"
fi
STRACE=$(command -v strace 2>/dev/null || true)

if [[ $BENCH_SELFTEST == 1 ]]; then
    PF_LABEL='null-fcgi standing in for pypi-fcgi (BENCH_SELFTEST=1)'
else
    if [[ -z $PF_BIN ]]; then
        # The default: install what is missing and build the tree's own binary.
        "$BENCH_DIR/../scripts/deps.sh" bench
        PF_BIN=$("$BENCH_DIR/../scripts/build.sh")/src/pypi-fcgi
    fi
    if [[ ! -x $PF_BIN ]]; then
        log "pypi-fcgi is not built: $PF_BIN does not exist or is not executable."
        log "Build it, set PF_BIN, or run BENCH_SELFTEST=1 $0 to test the harness with null-fcgi on /pf/."
        exit 2
    fi
    PF_BIN=$(realpath "$PF_BIN")
    PF_LABEL="pypi-fcgi ($PF_BIN)"
fi

# ---------------------------------------------------------------- processes, cleanup

# alive PID: true while PID runs (a zombie counts as gone).
alive() {
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z ]]
}
cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# stop_pid PID [SECONDS]: SIGTERM (to PID's children too: a download loop's
# curl), SIGKILL after SECONDS (default 5) with a warning; reaps PID when it
# is a child of this shell.
stop_pid() {
    local pid=$1 limit=${2:-5} i kids
    [[ -n $pid ]] || return 0
    if alive "$pid"; then
        kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
        # shellcheck disable=SC2086 # a list of pids
        kill -TERM "$pid" $kids 2>/dev/null || true
        for ((i = 0; i < limit * 10; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            warn "pid $pid ($(cmdline "$pid")) still running ${limit} s after SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

# Stops lighttpd, then any backend it left behind (a responder that ignores
# SIGTERM survives its parent as an orphan: docs/webservers.md, section "Signals and shutdown").
stop_lighttpd() {
    if [[ -n $LT_PID ]] && kill -0 "$LT_PID" 2>/dev/null; then
        kill -TERM "$LT_PID" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$LT_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$LT_PID" 2>/dev/null || true
    fi
    if [[ -n $LT_PID ]]; then wait "$LT_PID" 2>/dev/null || true; fi
    LT_PID=
    local pid left=()
    for pid in "${CHILD_PIDS[@]}"; do
        for _ in $(seq 30); do
            [[ -d /proc/$pid ]] || break
            sleep 0.1
        done
        if [[ -d /proc/$pid ]]; then left+=("$pid"); fi
    done
    for pid in "${left[@]}"; do
        warn "backend pid $pid ($(cmdline "$pid")) still running 3 s after lighttpd stopped; killing it"
        kill -TERM "$pid" 2>/dev/null || true
        sleep 1
        kill -KILL "$pid" 2>/dev/null || true
    done
    CHILD_PIDS=()
}

# stop_master VAR SIGNAL: stops the nginx or Apache parent whose pid is in
# VAR (SIGQUIT: nginx's graceful stop; SIGTERM: Apache's), its children with it.
stop_master() {
    local var=$1 sig=$2 pid=${!1} kids i
    [[ -n $pid ]] || return 0
    kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        warn "$(cmdline "$pid") did not stop within 10 s of SIG$sig; killing it"
        # shellcheck disable=SC2086 # a list of pids
        kill -KILL "$pid" $kids 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    printf -v "$var" '%s' ''
}

cleanup() {
    local rc=$? p
    trap - EXIT INT TERM HUP
    stop_lighttpd
    stop_master NG_PID QUIT
    stop_master AP_PID TERM
    for p in "${BG_PIDS[@]}"; do
        stop_pid "$p" 3
    done
    if [[ -n $T && -d $T ]]; then
        if [[ $CATLOG == 1 ]]; then
            for f in "$T"/lighttpd-*.log "$T"/lighttpd.stderr "$T"/*.log "$T"/nginx/*.log "$T"/apache/*.log; do
                if [[ -s $f ]]; then { printf '==> %s <==\n' "$f"; cat "$f"; } >&2; fi
            done
        fi
        if [[ $KEEP == 1 ]]; then
            log "kept $T"
        else
            rm -rf "$T"
        fi
    fi
    exit "$rc"
}
trap 'log "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
T=$(mktemp -d "${TMPDIR:-/tmp}/pypi-fcgi-bench.XXXXXX")
mkdir -p "$T/www/static" "$T/lists" "$T/wrk" "$T/cap" "$T/run"
echo ok >"$T/www/static/ready.txt"
# nginx's and Apache's workers and the spawned responders run as other users
# when started as root: they must get through to their sockets and pages.
chmod 0711 "$T"

# ---------------------------------------------------------------- build, tree

log "building null-fcgi"
"$CC" -O2 -Wall -Wextra -pthread "$BENCH_DIR/null-fcgi.c" -lfcgi -o "$T/null-fcgi"

[[ $TREE == /* ]] || TREE=$PWD/$TREE
ROOT=$TREE/root
STAMP=$TREE/gentree.stamp
want="projects=$PROJECTS files=$FILES large=$LARGE large_size=$LARGE_SIZE seed=$SEED"
if [[ -f $STAMP && $(cat "$STAMP") == "$want" ]]; then
    log "tree: reusing $ROOT ($want)"
elif [[ -e $TREE ]]; then
    die "$TREE exists but was not generated with: $want (remove it or set TREE)"
else
    log "tree: generating $ROOT ($want)"
    mkdir -p "$(dirname "$TREE")"
    partial=$TREE.partial.$$
    rm -rf "$partial"
    python3 "$BENCH_DIR/gentree.py" "$partial/root" --projects "$PROJECTS" --files "$FILES" \
        --large "$LARGE" --large-size "$LARGE_SIZE" --seed "$SEED" >&2
    echo "$want" >"$partial/gentree.stamp"
    mv "$partial" "$TREE"
fi
case $ROOT$T in
    *[[:space:]\"\\\#]*) die "paths must not contain spaces, quotes, backslashes or '#': $ROOT $T" ;;
esac

find "$ROOT" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' | LC_ALL=C sort >"$T/projects.txt"
NPROJ=$(wc -l <"$T/projects.txt")
((NPROJ > 0)) || die "no projects in $ROOT"
((SAMPLE <= NPROJ)) || SAMPLE=$NPROJ
# SAMPLE projects spread evenly over the sorted list: the warm pages.
awk -v n="$NPROJ" -v s="$SAMPLE" 'BEGIN { for (i = 0; i < s; i++) w[int(i * n / s) + 1] = 1 } w[NR]' \
    "$T/projects.txt" >"$T/sample.txt"
NFILES=$(find "$ROOT" -mindepth 2 -maxdepth 2 -type f | wc -l)

# snapshot FILE: every sidecar record of the tree with its inode and mtime. A
# file hashed again gets its record rewritten (a new inode, a new mtime).
snapshot() {
    find "$ROOT" -path '*/.pypi-fcgi/*' -name '*.rec' -printf '%P %i %T@\n' | LC_ALL=C sort >"$1"
}
snapshot "$T/sidecars-0.txt"
if [[ -s $T/sidecars-0.txt ]]; then SIDECARS_BEFORE=present; else SIDECARS_BEFORE=absent; fi

if [[ $BENCH_SELFTEST == 1 ]]; then
    python3 "$BENCH_DIR/mkpages.py" "$ROOT" "$T/selftest-pages" >&2
fi

# Who the responders spawned for nginx and Apache run as (spawn-fcgi refuses
# root), with the web servers' group on their sockets.
if ((EUID == 0)); then
    id "$WEB_USER" >/dev/null 2>&1 || die "WEB_USER $WEB_USER does not exist"
    id "$PF_USER" >/dev/null 2>&1 || die "PF_USER $PF_USER does not exist"
    WEB_GROUP=$(id -gn "$WEB_USER")
else
    WEB_GROUP=$(id -gn)
fi
PF_RUN_BIN=$PF_BIN
if ((EUID == 0)) && [[ -n $FRONTS && $BENCH_SELFTEST != 1 ]] &&
    ! setpriv --reuid="$PF_USER" --regid="$WEB_GROUP" --clear-groups test -x "$PF_BIN" 2>/dev/null; then
    mkdir -p "$T/bin"
    cp "$PF_BIN" "$T/bin/pypi-fcgi"
    PF_RUN_BIN=$T/bin/pypi-fcgi
fi

# ---------------------------------------------------------------- ports, URLs

# Picks a free port from PORT up (a refused connect means free).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
TAKEN=" "
# take_port VAR FROM: the first free port from FROM up that this run has not
# taken yet, into VAR.
take_port() {
    local p
    for ((p = $2; p < $2 + 100; p++)); do
        [[ $TAKEN == *" $p "* ]] && continue
        if port_free "$p"; then
            TAKEN+="$p "
            printf -v "$1" '%s' "$p"
            return 0
        fi
    done
    die "no free port found near $2"
}
take_port PORT "$PORT"
BASE=http://127.0.0.1:$PORT
# The other fronts' ports are taken now: the JSON API pages hold absolute URLs
# with the host and port the client used, and are captured for every front
# before the first run (see "capture" below).
NG_PORT=
NG_REF_PORT=
AP_PORT=
if [[ " $FRONTS " == *" nginx "* ]]; then
    take_port NG_PORT $((PORT + 1))
    take_port NG_REF_PORT $((NG_PORT + 1))
fi
if [[ " $FRONTS " == *" apache "* ]]; then take_port AP_PORT $((PORT + 3)); fi

# Where each front serves each backend: BASE_OF[FRONT.BACKEND] (scheme, host,
# port) and MOUNT_OF[FRONT.BACKEND] (the path prefix).
declare -A BASE_OF=() MOUNT_OF=() PFPID=() NULLPID=()
declare -A FRONT_LABEL=([lighttpd]=lighttpd [nginx]=nginx [apache]='Apache mod_proxy_fcgi')
set_routes() { # set_routes FRONT PF-BASE PF-MOUNT REF-BASE
    BASE_OF[$1.pf]=$2
    MOUNT_OF[$1.pf]=$3
    BASE_OF[$1.null]=$4
    MOUNT_OF[$1.null]=/null
    BASE_OF[$1.static]=$4
    MOUNT_OF[$1.static]=/static
}

# ---------------------------------------------------------------- lighttpd

pf_cmd() { # pf_cmd [LISTEN]: the pypi-fcgi (or stand-in) command line for /pf
    if [[ $BENCH_SELFTEST == 1 ]]; then
        local l=()
        if [[ $# -gt 0 ]]; then l=(-l "${1#unix:}"); fi
        echo "$T/null-fcgi" -t "$THREADS" "${l[@]}" -p /pf -p /pypi -a -x "$ROOT" "$T/selftest-pages"
    else
        local l=()
        if [[ $# -gt 0 ]]; then l=(--listen "$1"); fi
        # shellcheck disable=SC2086 # PF_ARGS is a word list by design
        echo "$PF_BIN" --threads "$THREADS" --sendfile x-sendfile "${l[@]}" $PF_ARGS "$ROOT"
    fi
}

# lighttpd_head: the server settings of every lighttpd.conf bench.sh writes.
lighttpd_head() {
    cat <<CONF
server.modules = ( "mod_fastcgi" )
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$T/lighttpd-error.log"
server.max-keep-alive-requests = 30000
server.max-connections = 1024
index-file.names = ( "index.html" )
CONF
}

# lighttpd_pypi_mount: /pypi served by the process lighttpd spawned for /pf
# (lighttpd names a spawned backend's socket SOCKET-0), so that it answers as
# mounted at /pypi, as behind nginx and Apache: the capture of the JSON API
# pages those fronts serve. The first lighttpd only; no run goes through it.
lighttpd_pypi_mount() {
    cat <<CONF
\$HTTP["url"] =~ "^/pypi(/|\$)" {
  fastcgi.server = ( "/pypi" => ((
    "socket" => "$T/pf.sock-0",
    "check-local" => "disable",
  )) )
}
CONF
}

# write_conf FILE HTML-TYPE JSON-TYPE API-TYPE [pypi]: "pypi" adds lighttpd_pypi_mount
write_conf() {
    cat >"$1" <<EOF
# Generated by bench.sh. /pf: pypi-fcgi, /null: null-fcgi, /static: files.
$(lighttpd_head)
# Static copies of the pages: captured HTML is stored as .../index.html, PEP
# 691 JSON as .../index.json and the JSON API's pages as .../<project>.api, so
# the suffix gives pypi-fcgi's Content-Type.
mimetype.assign = ( ".html" => "$2", ".json" => "$3", ".api" => "$4", "" => "application/octet-stream" )

# Guard + keys without trailing slash: docs/webservers.md, section "lighttpd mount".
$(lighttpd_fcgi_mount /pf "$T/pf.sock" "$(pf_cmd)" "$ROOT/")
$(lighttpd_fcgi_mount /null "$T/null.sock" "$T/null-fcgi -t $NULL_THREADS -p /null -x $ROOT $T/www/static" "$ROOT/")
$(if [[ ${5:-} == pypi ]]; then lighttpd_pypi_mount; fi)
EOF
}

# Prints the pids of lighttpd's children whose command line does (MODE -F) or
# does not (MODE -vF) contain STRING: child_pids MODE STRING.
child_pids() {
    local pid
    for pid in $(ps -o pid= --ppid "$LT_PID"); do
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$1" -- "$2"; then
            echo "$pid"
        fi
    done
}

# start_lighttpd CONF [BACKENDS]: foreground instance in the background, ready
# when a static file answers; records the backends' pids as PF_PID and
# NULL_PID (BACKENDS "pf": there is no null-fcgi).
start_lighttpd() {
    lighttpd -tt -f "$1" >"$T/lighttpd-check.log" 2>&1 || { cat "$T/lighttpd-check.log" >&2; die "bad lighttpd config $1"; }
    lighttpd -D -f "$1" >>"$T/lighttpd.stderr" 2>&1 &
    LT_PID=$!
    FRONT_PID=$LT_PID
    local code=
    for _ in $(seq 100); do
        kill -0 "$LT_PID" 2>/dev/null || { cat "$T/lighttpd.stderr" "$T/lighttpd-error.log" >&2 2>/dev/null; die "lighttpd exited"; }
        code=$(curl -q -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/static/ready.txt" || true)
        if [[ $code == 200 ]]; then break; fi
        sleep 0.1
    done
    [[ $code == 200 ]] || die "lighttpd did not become ready on $BASE"
    # /pf is whichever child is not null-fcgi (a wrapper script may exec anything).
    PF_PID=$(child_pids -vF ' -p /null ')
    [[ $PF_PID =~ ^[0-9]+$ ]] || die "lighttpd did not spawn exactly one /pf backend: '$PF_PID' (KEEP=1 CATLOG=1 shows the logs)"
    CHILD_PIDS=("$PF_PID")
    NULL_PID=
    if [[ ${2:-pf null} == *null* ]]; then
        NULL_PID=$(child_pids -F ' -p /null ')
        [[ $NULL_PID =~ ^[0-9]+$ ]] || die "lighttpd did not spawn exactly one null-fcgi: '$NULL_PID'"
        CHILD_PIDS+=("$NULL_PID")
    fi
}

# fetch OUT-PREFIX URL [curl args...]: body to OUT-PREFIX, headers (minus
# hop-by-hop and server-generated ones) to OUT-PREFIX.hdr; prints the status.
fetch() {
    local out=$1 url=$2 code
    shift 2
    code=$(curl -q -sS --max-time 60 -D "$out.raw" -o "$out" -w '%{http_code}' "$@" "$url") || code=000
    tr -d '\r' <"$out.raw" | awk 'NR > 1 && NF' |
        grep -viE '^(date|server|content-length|connection|keep-alive|transfer-encoding):' >"$out.hdr" || true
    rm -f "$out.raw"
    echo "$code"
}
header() { grep -i "^$1:" "$2" | head -n1 | sed 's/^[^:]*:[[:space:]]*//' || true; }

# wait_http URL SECONDS PID...: true once URL answers 200; false when a PID
# ends first or SECONDS pass.
wait_http() {
    local url=$1 limit=$2 code i p
    shift 2
    for ((i = 0; i < limit * 10; i++)); do
        for p in "$@"; do alive "$p" || return 1; done
        code=$(curl -q -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
        [[ $code == 200 ]] && return 0
        sleep 0.1
    done
    return 1
}

# wait_socket PATH SECONDS PID...: true once the unix socket PATH exists;
# false when a PID ends first or SECONDS pass.
wait_socket() {
    local path=$1 limit=$2 i p
    shift 2
    for ((i = 0; i < limit * 10; i++)); do
        for p in "$@"; do alive "$p" || return 1; done
        [[ -S $path ]] && return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- 1: warm-up and capture

log "lighttpd on $BASE: /pf -> $PF_LABEL, /null -> null-fcgi, /static -> files"
write_conf "$T/lighttpd-1.conf" 'text/html; charset=utf-8' "$JSON_ACCEPT" "$API_ACCEPT" pypi
start_lighttpd "$T/lighttpd-1.conf"

log "warm-up: all $NPROJ project pages through /pf/ (sidecars before: $SIDECARS_BEFORE)"
awk -v b="$BASE/pf/simple/" '{ printf "url = \"%s%s/\"\noutput = \"/dev/null\"\n", b, $0 }' \
    "$T/projects.txt" >"$T/warmup.curl"
t0=$(now)
timeout --foreground "$WARMUP_TIMEOUT" curl -q -s -Z --parallel-max $((THREADS * 2)) --max-time 300 \
    -H "Accept: $HTML_ACCEPT" -w '%{http_code}\n' -K "$T/warmup.curl" >"$T/warmup.codes" 2>"$T/warmup.err" || true
WARMUP_S=$(elapsed "$t0")
warm_ok=$(grep -c '^200$' "$T/warmup.codes" || true)
((warm_ok > 0)) || die "warm-up: no project page answered 200 (see $T/lighttpd-error.log; KEEP=1 CATLOG=1)"
((warm_ok == NPROJ)) || warn "warm-up: only $warm_ok of $NPROJ project pages answered 200"
log "warm-up: $warm_ok/$NPROJ pages in $WARMUP_S s"

log "capture: /simple/, /packages/ and $SAMPLE project pages (HTML, JSON and the JSON API's) from /pf/"
cap=$T/www/static
mkdir -p "$cap/simple" "$cap/packages-listing"
# The JSON API pages hold absolute URLs: scheme, the Host the client sent and
# pypi-fcgi's mount. Each front reaches pypi-fcgi on a port and mount of its
# own (lighttpd /pf, nginx and Apache /pypi), so each gets its own copy,
# api/FRONT/<project>.api, asked of this process with that front's Host
# (wrk and curl both send "127.0.0.1:PORT") through the mount it has there.
declare -A API_HOST=([lighttpd]=127.0.0.1:$PORT [nginx]=127.0.0.1:$NG_PORT [apache]=127.0.0.1:$AP_PORT)
declare -A API_VIA=([lighttpd]=/pf [nginx]=/pypi [apache]=/pypi)
read -r -a CAP_FRONTS <<<"lighttpd $FRONTS"
for s in "${CAP_FRONTS[@]}"; do mkdir -p "$cap/api/$s"; done
[[ $(fetch "$cap/simple/index.html" "$BASE/pf/simple/" -H "Accept: $HTML_ACCEPT") == 200 ]] ||
    die "capture: /pf/simple/ did not answer 200"
# The file listing: null and static serve it from packages-listing/, since
# packages/ there is the package root (the row "file").
[[ $(fetch "$cap/packages-listing/index.html" "$BASE/pf/packages/" -H "Accept: $HTML_ACCEPT") == 200 ]] ||
    die "capture: /pf/packages/ did not answer 200"
: >"$T/etags.txt"
: >"$T/files.txt"
while read -r p; do
    d=$cap/simple/$p
    mkdir -p "$d"
    [[ $(fetch "$d/index.html" "$BASE/pf/simple/$p/" -H "Accept: $HTML_ACCEPT") == 200 ]] ||
        die "capture: /pf/simple/$p/ (HTML) did not answer 200"
    [[ $(fetch "$d/index.json" "$BASE/pf/simple/$p/" -H "Accept: $JSON_ACCEPT") == 200 ]] ||
        die "capture: /pf/simple/$p/ (JSON) did not answer 200"
    for s in "${CAP_FRONTS[@]}"; do
        [[ $(fetch "$cap/api/$s/$p.api" "$BASE${API_VIA[$s]}/pypi/$p/json" -H "Host: ${API_HOST[$s]}" -H "Accept: $API_ACCEPT") == 200 ]] ||
            die "capture: ${API_VIA[$s]}/pypi/$p/json (JSON API, Host ${API_HOST[$s]}) did not answer 200"
    done
    etag=$(header etag "$d/index.html.hdr")
    if [[ -n $etag ]]; then printf '%s\t%s\n' "$p" "$etag" >>"$T/etags.txt"; fi
    # the package file of the row "file": the smallest of the project
    # (awk reads all of sort's output: head would leave it to die of SIGPIPE
    # once a project holds more than a pipe write's worth of files)
    f=$(find "$ROOT/$p" -maxdepth 1 -type f -size -1024k -printf '%s %f\n' | sort -n | awk 'NR == 1 { print $2 }')
    if [[ -n $f ]]; then echo "$p/$f" >>"$T/files.txt"; fi
done <"$T/sample.txt"
first=$(head -n1 "$T/sample.txt")
HTML_TYPE=$(header content-type "$cap/simple/$first/index.html.hdr")
JSON_TYPE=$(header content-type "$cap/simple/$first/index.json.hdr")
API_TYPE=$(header content-type "$cap/api/lighttpd/$first.api.hdr")
[[ $JSON_TYPE == *json* ]] || die "capture: /pf/simple/$first/ with Accept: $JSON_ACCEPT gave Content-Type '$JSON_TYPE'"
[[ $API_TYPE == *json* ]] || die "capture: /pf/pypi/$first/json gave Content-Type '$API_TYPE'"
[[ -n $HTML_TYPE ]] || die "capture: /pf/simple/$first/ has no Content-Type"
ln -s "$ROOT" "$cap/packages"
stop_lighttpd
snapshot "$T/sidecars-1.txt"

# ---------------------------------------------------------------- 2: cold start

log "cold start: $COLD_START_RUNS runs, exec -> first /simple/$first/ on a unix socket"
read -r -a cs_cmd <<<"$(pf_cmd "unix:$T/coldstart.sock")"
COLDSTART_JSON=$(python3 "$BENCH_DIR/coldstart.py" --socket "$T/coldstart.sock" --uri "/simple/$first/" \
    --runs "$COLD_START_RUNS" --timeout "$COLD_START_TIMEOUT" --log "$T/coldstart.log" -- "${cs_cmd[@]}") ||
    die "cold start failed (log: $T/coldstart.log; KEEP=1 CATLOG=1)"
# json_get JSON KEY: a value of a JSON object (lists joined with ", ")
json_get() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2], ""); print(", ".join(map(str, v)) if isinstance(v, list) else v)' "$1" "$2"; }
CS_MEDIAN=$(json_get "$COLDSTART_JSON" median_ms)
CS_RUNS=$(json_get "$COLDSTART_JSON" runs_ms)
CS_STOP=$(json_get "$COLDSTART_JSON" stop_ms)
CS_STOP_TIMEOUTS=$(json_get "$COLDSTART_JSON" stop_timeouts)
((CS_STOP_TIMEOUTS == 0)) || warn "cold start: $CS_STOP_TIMEOUTS of $COLD_START_RUNS runs did not exit within 5 s of SIGTERM"

# ---------------------------------------------------------------- 3: load tests (one front at a time)

declare -A ACCEPT=([html]=$HTML_ACCEPT [json]=$JSON_ACCEPT [api]=$API_ACCEPT [index]=$HTML_ACCEPT [listing]=$HTML_ACCEPT [r304]=$HTML_ACCEPT [file]='*/*' [cold]=$HTML_ACCEPT)
declare -A R=() SKIP=()
KEYS=(requests duration_us rps p50_us p90_us p99_us max_us mean_us connect_err read_err write_err status_err timeout_err sent exhausted)

# run_wrk FRONT ROW BACKEND MODE DURATION CONNECTIONS TAG: stores
# R[FRONT.ROW.BACKEND.TAG.key] from the BENCH line.
run_wrk() {
    local s=$1 row=$2 be=$3 mode=$4 dur=$5 conns=$6 tag=$7 out kv list
    out=$T/wrk/$s-$row-$be-$tag.txt
    list=$T/lists/$s/$row-$be.txt
    # wrk exits 0 on Ctrl-C, after which bash does not run the INT trap; the
    # same Ctrl-C stopped the web server, so stop here.
    kill -0 "$FRONT_PID" 2>/dev/null || die "the $s web server is gone (interrupted?)"
    log "wrk $s $row $be $tag: -t $WRK_THREADS -c $conns -d ${dur}s ($(wc -l <"$list") URLs, $mode)"
    timeout --foreground $((dur + 60)) wrk -t "$WRK_THREADS" -c "$conns" -d "${dur}s" --latency --timeout 10s \
        -s "$BENCH_DIR/rotate.lua" "${BASE_OF[$s.$be]}/" -- "$list" "$mode" "$WRK_THREADS" \
        "Accept: ${ACCEPT[$row]}" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
    grep -q '^BENCH ' "$out" || die "wrk printed no summary: $(cat "$out")"
    local -a kvs
    read -r -a kvs < <(sed -n 's/^BENCH //p' "$out")
    for kv in "${kvs[@]}"; do
        R[$s.$row.$be.$tag.${kv%%=*}]=${kv#*=}
    done
}

# pick_median FRONT ROW BACKEND: of the REPEAT runs, the one with the median
# req/s gives R[FRONT.ROW.BACKEND.key]; R[...all] lists every run's req/s.
pick_median() {
    local s=$1 row=$2 be=$3 r k mid p=$1.$2.$3
    mid=$(for ((r = 1; r <= REPEAT; r++)); do echo "${R[$p.r$r.rps]} r$r"; done | sort -g | awk -v m=$(((REPEAT + 1) / 2)) 'NR == m { print $2 }')
    for k in "${KEYS[@]}"; do
        R[$p.$k]=${R[$p.$mid.$k]:-}
    done
    R[$p.all]=$(for ((r = 1; r <= REPEAT; r++)); do printf '%.0f ' "${R[$p.r$r.rps]}"; done)
}

# make_lists FRONT: URL lists $T/lists/FRONT/ROW-BACKEND.txt, one
# "path[<TAB>etag]" per line, for the mounts of FRONT.
make_lists() {
    local s=$1 d=$T/lists/$1 be m p etag
    mkdir -p "$d"
    for be in "${BACKENDS[@]}"; do
        m=${MOUNT_OF[$s.$be]}
        sed "s|^|$m/simple/|; s|\$|/|" "$T/sample.txt" >"$d/html-$be.txt"
        if [[ $be == pf ]]; then sed "s|^|$m/pypi/|; s|\$|/json|"; else sed "s|^|$m/api/$s/|; s|\$|.api|"; fi <"$T/sample.txt" >"$d/api-$be.txt"
        echo "$m/simple/" >"$d/index-$be.txt"
        if [[ $be == pf ]]; then echo "$m/packages/"; else echo "$m/packages-listing/"; fi >"$d/listing-$be.txt"
        sed "s|^|$m/packages/|" "$T/files.txt" >"$d/file-$be.txt"
    done
    cp "$d/html-pf.txt" "$d/json-pf.txt"
    for be in null static; do
        sed "s|/\$|/index.json|" "$d/html-$be.txt" >"$d/json-$be.txt"
    done
    sed "s|^|${MOUNT_OF[$s.pf]}/simple/|; s|\t|/\t|" "$T/etags.txt" >"$d/r304-pf.txt"
    # null-fcgi serves pypi-fcgi's headers, so it revalidates with the same
    # ETag; the web server makes its own ETag for the static copy.
    sed "s|^|/null/simple/|; s|\t|/\t|" "$T/etags.txt" >"$d/r304-null.txt"
    : >"$d/r304-static.txt"
    while read -r p; do
        etag=$(curl -q -sS --max-time 30 -o /dev/null -D - "${BASE_OF[$s.static]}/static/simple/$p/" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }')
        if [[ -n $etag ]]; then printf '/static/simple/%s/\t%s\n' "$p" "$etag" >>"$d/r304-static.txt"; fi
    done <"$T/sample.txt"
    sed "s|^|${MOUNT_OF[$s.pf]}/simple/|; s|\$|/|" "$T/projects.txt" >"$d/cold-pf.txt"
}

# cold_run FRONT: the first request of each project on a /pf process that has
# rendered no project page yet; rotate.lua "once" requests each at most once.
cold_run() {
    local s=$1 k
    run_wrk "$s" cold pf once "$COLD_DURATION" "$COLD_CONNECTIONS" r1
    for k in "${KEYS[@]}"; do R[$s.cold.pf.$k]=${R[$s.cold.pf.r1.$k]}; done
    if [[ ${R[$s.cold.pf.exhausted]} != 0 ]]; then
        # The threads stopped early, so requests/duration understates the rate;
        # a closed loop of C connections runs at about C / mean latency.
        R[$s.cold.pf.rps]=$(awk -v c="$COLD_CONNECTIONS" -v m="${R[$s.cold.pf.mean_us]}" 'BEGIN { if (m > 0) printf "%.1f", c * 1e6 / m }')
        R[$s.cold.pf.approx]=1
        warn "cold ($s): all $NPROJ projects were requested before ${COLD_DURATION}s were up; req/s estimated as connections / mean latency"
    fi
}

# warm_sample FRONT: the sample pages once through FRONT's /pf mount.
warm_sample() {
    local s=$1 row
    log "warming the $SAMPLE sample pages on the new pypi-fcgi process behind $s"
    for row in html json api; do
        awk -v b="${BASE_OF[$s.pf]}" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $1 }' "$T/lists/$s/$row-pf.txt" >"$T/warm2.curl"
        curl -q -s --max-time 60 -H "Accept: ${ACCEPT[$row]}" -K "$T/warm2.curl" >/dev/null || true
    done
}

# Expected bytes of the first URL of a list, for the identity probe.
expected() { # expected ROW FRONT
    local p
    p=$(head -n1 "$T/sample.txt")
    case $1 in
        html) echo "$cap/simple/$p/index.html" ;;
        json) echo "$cap/simple/$p/index.json" ;;
        api) echo "$cap/api/$2/$p.api" ;;
        index) echo "$cap/simple/index.html" ;;
        listing) echo "$cap/packages-listing/index.html" ;;
        file) echo "$ROOT/$(head -n1 "$T/files.txt")" ;;
    esac
}

# probe_rows FRONT: each backend must serve the captured bytes (or a 304)
# before it is measured; a row it cannot serve is skipped with the reason.
probe_rows() {
    local s=$1 row be list path etag code want
    for row in "${ROWS[@]}"; do
        for be in "${BACKENDS[@]}"; do
            list=$T/lists/$s/$row-$be.txt
            if [[ ! -s $list ]]; then
                SKIP[$s.$row]="no URLs for $be (no ETag or no small files)"
                continue
            fi
            IFS=$'\t' read -r path etag <"$list"
            if [[ $row == r304 ]]; then
                code=$(curl -q -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Accept: ${ACCEPT[$row]}" -H "If-None-Match: $etag" "${BASE_OF[$s.$be]}$path" || true)
                [[ $code == 304 ]] || SKIP[$s.$row]="$be answered $code, not 304, to If-None-Match"
            else
                code=$(fetch "$T/cap/probe" "${BASE_OF[$s.$be]}$path" -H "Accept: ${ACCEPT[$row]}")
                if [[ $code != 200 ]]; then
                    SKIP[$s.$row]="$be answered $code for $path"
                elif ! cmp -s "$T/cap/probe" "$(expected "$row" "$s")"; then
                    if [[ $be == pf ]]; then
                        warn "$row ($s): pypi-fcgi's bytes differ from the capture made through lighttpd before the restart (non-deterministic page?)"
                    else
                        die "$row ($s): $be does not serve the captured bytes for $path"
                    fi
                fi
                # the Content-Type too, where pypi-fcgi's was captured (not for a package file)
                want=$(expected "$row" "$s").hdr
                if [[ $code == 200 && -f $want && $(header content-type "$T/cap/probe.hdr") != "$(header content-type "$want")" ]]; then
                    warn "$row ($s): $be answered Content-Type '$(header content-type "$T/cap/probe.hdr")', pypi-fcgi '$(header content-type "$want")'"
                fi
            fi
        done
    done
}

# run_rows FRONT: every row, backends interleaved within each round, so a
# drift (thermal, neighbours) spreads over all three instead of biasing one.
run_rows() {
    local s=$1 row be r
    for row in "${ROWS[@]}"; do
        if [[ -n ${SKIP[$s.$row]:-} ]]; then
            warn "row $row ($s) skipped: ${SKIP[$s.$row]}"
            continue
        fi
        for ((r = 1; r <= REPEAT; r++)); do
            for be in "${BACKENDS[@]}"; do
                run_wrk "$s" "$row" "$be" rotate "$DURATION" "$CONNECTIONS" "r$r"
            done
        done
        for be in "${BACKENDS[@]}"; do
            pick_median "$s" "$row" "$be"
        done
    done
}

status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/status" 2>/dev/null || true; }
mib() { awk -v k="$1" 'BEGIN { if (k == "") print "?"; else printf "%.1f", k / 1024 }'; }
declare -A MEM=()
# memory FRONT: resident memory of FRONT's pypi-fcgi and null-fcgi now.
memory() {
    local s=$1
    MEM[$s.rss]=$(mib "$(status_kib VmRSS "${PFPID[$s]}")")
    MEM[$s.hwm]=$(mib "$(status_kib VmHWM "${PFPID[$s]}")")
    MEM[$s.threads]=$(status_kib Threads "${PFPID[$s]}")
    MEM[$s.null]=$(mib "$(status_kib VmRSS "${NULLPID[$s]:-}")")
}

# measure_front FRONT: all rows through FRONT, whose /pf process is new.
measure_front() {
    local s=$1
    # Its project list renders no project page, so the cold run sees only misses.
    [[ $(curl -q -s -o /dev/null -w '%{http_code}' --max-time "$COLD_START_TIMEOUT" "${BASE_OF[$s.pf]}${MOUNT_OF[$s.pf]}/simple/") == 200 ]] ||
        die "$s: ${MOUNT_OF[$s.pf]}/simple/ not answering"
    make_lists "$s"
    cold_run "$s"
    warm_sample "$s"
    probe_rows "$s"
    run_rows "$s"
    memory "$s"
}

log "lighttpd on $BASE again: a new pypi-fcgi process and a null-fcgi with the captured pages"
write_conf "$T/lighttpd-2.conf" "$HTML_TYPE" "$JSON_TYPE" "$API_TYPE"
start_lighttpd "$T/lighttpd-2.conf"
PFPID[lighttpd]=$PF_PID
NULLPID[lighttpd]=$NULL_PID
set_routes lighttpd "$BASE" /pf "$BASE"
measure_front lighttpd
stop_lighttpd

# ---------------------------------------------------------------- nginx and Apache in front

# spawn_fcgi SOCKET LOG CMD...: CMD under `spawn-fcgi -n` on a 0660 unix
# socket of the web servers' group (as PF_USER when root); SPAWNED_PID.
spawn_fcgi() {
    local args=(-n -s "$1" -M 0660) log=$2
    shift 2
    if ((EUID == 0)); then args+=(-U "$PF_USER" -G "$WEB_GROUP" -u "$PF_USER" -g "$WEB_GROUP"); fi
    spawn-fcgi "${args[@]}" -- "$@" >>"$log" 2>&1 &
    SPAWNED_PID=$!
    BG_PIDS+=("$SPAWNED_PID")
}

# spawn_pf SOCKET SENDFILE LOG MOUNT: pypi-fcgi started by
# contrib/pypi-fcgi-spawn as shipped (its settings from the environment), or
# the stand-in under spawn-fcgi in the self-test; SPAWNED_PID.
spawn_pf() {
    local sock=$1 sendfile=$2 logf=$3 mount=$4 x
    if [[ $BENCH_SELFTEST == 1 ]]; then
        x=(-x "$ROOT")
        if [[ $sendfile == x-accel-redirect:* ]]; then x=(-r "${sendfile#x-accel-redirect:}"); fi
        spawn_fcgi "$sock" "$logf" "$T/null-fcgi" -t "$THREADS" -p "$mount" -a "${x[@]}" "$T/selftest-pages"
        return
    fi
    env -i PATH="$PATH" PYPI_ROOT="$ROOT" PYPI_SOCKET="$sock" PYPI_BIN="$PF_RUN_BIN" PYPI_USER="$PF_USER" \
        PYPI_WEB_GROUP="$WEB_GROUP" PYPI_THREADS="$THREADS" PYPI_PROCS=1 PYPI_SENDFILE="$sendfile" \
        PYPI_ARGS="$PF_ARGS" sh "$SPAWN" >>"$logf" 2>&1 &
    SPAWNED_PID=$!
    BG_PIDS+=("$SPAWNED_PID")
}

# As PF_USER, pypi-fcgi keeps its sidecars in the tree only if it may write
# there; the directories and records (not the package files) become its own.
# Without that it would keep its records in memory and show no METADATA.
give_tree() {
    if ((EUID == 0)) && [[ $BENCH_SELFTEST != 1 ]]; then
        log "tree: directories and sidecar records to $PF_USER (pypi-fcgi-spawn runs pypi-fcgi as $PF_USER)"
        find "$ROOT" \( -type d -o -path '*/.pypi-fcgi/*' \) ! -user "$PF_USER" -exec chown "$PF_USER" {} +
    fi
}

# render_nginx DEST: contrib/nginx.conf with its three lines marked "EDIT"
# set to this run's port, socket and tree; nothing else changes.
render_nginx() {
    sed -e "/# EDIT/s#^\([[:space:]]*listen[[:space:]]\{1,\}\)[^;]*;#\1127.0.0.1:$NG_PORT;#" \
        -e "/# EDIT/s#^\([[:space:]]*fastcgi_pass[[:space:]]\{1,\}\)[^;]*;#\1unix:$T/run/pf-nginx.sock;#" \
        -e "/# EDIT/s#^\([[:space:]]*alias[[:space:]]\{1,\}\)[^;]*;#\1$ROOT/;#" "$NGINX_CONF" >"$1"
    [[ $(diff "$NGINX_CONF" "$1" | grep -c '^>' || true) == 3 ]] ||
        die "rendering $NGINX_CONF: expected its 3 EDIT lines to change: $(diff "$NGINX_CONF" "$1" || true)"
}

# start_nginx: pypi-fcgi and null-fcgi on their sockets, then nginx (Debian's
# nginx.conf shape) with contrib/nginx.conf on NG_PORT and the references
# (null-fcgi, the static copies) on NG_REF_PORT.
start_nginx() {
    local d=$T/nginx user=
    mkdir -p "$d/tmp"
    spawn_pf "$T/run/pf-nginx.sock" x-accel-redirect:/_pypi_files/ "$d/pypi-fcgi.log" /pypi
    PFPID[nginx]=$SPAWNED_PID
    spawn_fcgi "$T/run/null-nginx.sock" "$d/null-fcgi.log" "$T/null-fcgi" -t "$NULL_THREADS" -p /null -r /_null_files/ "$T/www/static"
    NULLPID[nginx]=$SPAWNED_PID
    # pypi-fcgi-spawn checks the configuration (pypi-fcgi -t) before it
    # takes the socket: the web server starts once both sockets are there.
    if ! wait_socket "$T/run/pf-nginx.sock" "$COLD_START_TIMEOUT" "${PFPID[nginx]}" ||
        ! wait_socket "$T/run/null-nginx.sock" 10 "${NULLPID[nginx]}"; then
        die "the responders for nginx did not start: $(tail -n 5 "$d/pypi-fcgi.log" "$d/null-fcgi.log" 2>/dev/null)"
    fi
    # contrib/nginx.conf's relative "include fastcgi_params" resolves here.
    ln -sf /etc/nginx/fastcgi_params "$d/fastcgi_params"
    render_nginx "$d/pypi-fcgi.conf"
    if ((EUID == 0)); then user="user $WEB_USER $WEB_GROUP;"; fi
    cat >"$d/nginx.conf" <<EOF
# Generated by bench.sh: the http { } of Debian's nginx.conf around
# contrib/nginx.conf (pypi-fcgi under /pypi/), and a server of references.
worker_processes $NGINX_WORKERS;
$user
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    access_log off;
    client_body_temp_path $d/tmp/body;
    fastcgi_temp_path $d/tmp/fastcgi;
    proxy_temp_path $d/tmp/proxy;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;

    include $d/pypi-fcgi.conf;

    server {
        listen 127.0.0.1:$NG_REF_PORT;
        server_name references;
        location /null/ {
            fastcgi_split_path_info ^(/null)(/.*)\$;
            include fastcgi_params;
            fastcgi_param PATH_INFO \$fastcgi_path_info;
            fastcgi_pass unix:$T/run/null-nginx.sock;
        }
        location /_null_files/ {
            internal;
            alias $ROOT/;
        }
        location /static/ {
            alias $T/www/static/;
            charset utf-8;
            types {
                text/html html;
                $JSON_TYPE json;
                $API_TYPE api;
            }
        }
    }
}
EOF
    "$NGINX" -t -p "$d/" -e "$d/error.log" -c "$d/nginx.conf" >"$d/nginx-t.log" 2>&1 ||
        die "nginx -t: $(cat "$d/nginx-t.log")"
    "$NGINX" -p "$d/" -e "$d/error.log" -c "$d/nginx.conf" -g 'daemon off;' >"$d/nginx.log" 2>&1 &
    NG_PID=$!
    FRONT_PID=$NG_PID
    wait_http "http://127.0.0.1:$NG_REF_PORT/static/ready.txt" 10 "$NG_PID" ||
        die "nginx did not start: $(cat "$d/nginx.log" "$d/error.log" 2>/dev/null | tail -n 5)"
    wait_http "http://127.0.0.1:$NG_PORT/pypi/simple/" "$COLD_START_TIMEOUT" "$NG_PID" "${PFPID[nginx]}" "${NULLPID[nginx]}" ||
        die "pypi-fcgi behind nginx does not answer /pypi/simple/: $(tail -n 5 "$d/pypi-fcgi.log" "$d/null-fcgi.log" "$d/error.log" 2>/dev/null)"
    set_routes nginx "http://127.0.0.1:$NG_PORT" /pypi "http://127.0.0.1:$NG_REF_PORT"
}

# render_apache DEST: contrib/apache-proxy-fcgi.conf with its PYPI_ROOT and
# PYPI_SOCKET Define lines set; PYPI_MOUNT stays /pypi/, nothing else changes.
render_apache() {
    sed -e "s#^Define PYPI_ROOT .*#Define PYPI_ROOT     $ROOT#" \
        -e "s#^Define PYPI_SOCKET .*#Define PYPI_SOCKET   $T/run/pf-apache.sock#" "$APACHE_CONF" >"$1"
    [[ $(diff "$APACHE_CONF" "$1" | grep -c '^> Define ' || true) == 2 &&
        $(diff "$APACHE_CONF" "$1" | grep -c '^>' || true) == 2 ]] ||
        die "rendering $APACHE_CONF: expected its 2 Define lines to change: $(diff "$APACHE_CONF" "$1" || true)"
}

# start_apache: pypi-fcgi and null-fcgi on their sockets, then Apache (mpm
# event with Debian's settings) with contrib/apache-proxy-fcgi.conf and the
# references, all on AP_PORT.
start_apache() {
    local d=$T/apache
    mkdir -p "$d/run" "$d/www"
    spawn_pf "$T/run/pf-apache.sock" x-sendfile "$d/pypi-fcgi.log" /pypi
    PFPID[apache]=$SPAWNED_PID
    spawn_fcgi "$T/run/null-apache.sock" "$d/null-fcgi.log" "$T/null-fcgi" -t "$NULL_THREADS" -p /null -x "$ROOT" "$T/www/static"
    NULLPID[apache]=$SPAWNED_PID
    if ! wait_socket "$T/run/pf-apache.sock" "$COLD_START_TIMEOUT" "${PFPID[apache]}" ||
        ! wait_socket "$T/run/null-apache.sock" 10 "${NULLPID[apache]}"; then
        die "the responders for Apache did not start: $(tail -n 5 "$d/pypi-fcgi.log" "$d/null-fcgi.log" 2>/dev/null)"
    fi
    render_apache "$d/pypi.conf"
    cat >"$d/httpd.conf" <<EOF
# Generated by bench.sh: Debian's apache2.conf and mpm_event.conf settings
# around contrib/apache-proxy-fcgi.conf (pypi-fcgi under /pypi/), and the references.
$(apache_conf_head "$d" "$AP_PORT" "$WEB_USER" "$WEB_GROUP" mime dir alias)
MaxConnectionsPerChild 0
TypesConfig /etc/mime.types
DocumentRoot $d/www
<Directory />
  Options FollowSymLinks
  AllowOverride None
  Require all denied
</Directory>

Include $d/pypi.conf

<Location /null/>
  ProxyPass "unix:$T/run/null-apache.sock|fcgi://null-fcgi/null/"
  Require all granted
  XSendFile On
  XSendFilePath $ROOT
</Location>
Alias /static/ $T/www/static/
<Directory $T/www/static>
  Require all granted
  DirectoryIndex index.html
  AddType "$HTML_TYPE" .html
  AddType "$JSON_TYPE" .json
  AddType "$API_TYPE" .api
</Directory>
<Directory $ROOT>
  Require all granted
</Directory>
EOF
    "$APACHE" -t -f "$d/httpd.conf" >"$d/apache-t.log" 2>&1 || die "apache2 -t: $(cat "$d/apache-t.log")"
    "$APACHE" -f "$d/httpd.conf" -DFOREGROUND >"$d/apache.log" 2>&1 &
    AP_PID=$!
    FRONT_PID=$AP_PID
    wait_http "http://127.0.0.1:$AP_PORT/static/ready.txt" 15 "$AP_PID" ||
        die "Apache did not start: $(cat "$d/apache.log" "$d/error.log" 2>/dev/null | tail -n 5)"
    wait_http "http://127.0.0.1:$AP_PORT/pypi/simple/" "$COLD_START_TIMEOUT" "$AP_PID" "${PFPID[apache]}" "${NULLPID[apache]}" ||
        die "pypi-fcgi behind Apache does not answer /pypi/simple/: $(tail -n 5 "$d/pypi-fcgi.log" "$d/null-fcgi.log" "$d/error.log" 2>/dev/null)"
    set_routes apache "http://127.0.0.1:$AP_PORT" /pypi "http://127.0.0.1:$AP_PORT"
}

ALL_FRONTS=(lighttpd)
if [[ -n $FRONTS ]]; then give_tree; fi
for s in $FRONTS; do
    ALL_FRONTS+=("$s")
    log "$s in front: pypi-fcgi and null-fcgi on their own sockets (spawn-fcgi), the static copies served by $s"
    "start_$s"
    measure_front "$s"
    if [[ $s == nginx ]]; then stop_master NG_PID QUIT; else stop_master AP_PID TERM; fi
    stop_pid "${PFPID[$s]}" 10
    stop_pid "${NULLPID[$s]}" 10
done

# ---------------------------------------------------------------- 4: hashing across a restart

# changed A B: records of snapshot A that B lacks or has with another inode or
# mtime (hashed again). new_or_changed A B: records of B that A lacks or that
# changed (hashed between A and B).
changed() { awk 'FILENAME == ARGV[1] { a[$1] = $2 " " $3; next } ($1 in a) { if (a[$1] != $2 " " $3) n++; delete a[$1] } END { print n + length(a) }' "$1" "$2"; }
new_or_changed() { awk 'FILENAME == ARGV[1] { a[$1] = $2 " " $3; next } !($1 in a) || a[$1] != $2 " " $3 { n++ } END { print n + 0 }' "$1" "$2"; }

declare -A X=() # results of the parts beyond throughput
if ((EXTRAS)) && [[ $BENCH_SELFTEST != 1 ]]; then
    log "restart: a new pypi-fcgi process on a unix socket, every project page once${STRACE:+, its open(2)s traced}"
    read -r -a rs_cmd <<<"$(pf_cmd "unix:$T/run/restart.sock")"
    rm -f "$T/run/restart.sock"
    if [[ -n $STRACE ]]; then
        # Only open/openat stop the process (seccomp filter); nothing else slows.
        "$STRACE" -f --seccomp-bpf -qq -e trace=open,openat -o "$T/restart.strace" "${rs_cmd[@]}" >>"$T/restart.log" 2>&1 &
    else
        "${rs_cmd[@]}" >>"$T/restart.log" 2>&1 &
    fi
    rs_pid=$!
    BG_PIDS+=("$rs_pid")
    X[pass2]=$(timeout --foreground "$WARMUP_TIMEOUT" python3 "$BENCH_DIR/pagepass.py" --socket "$T/run/restart.sock" \
        --projects "$T/projects.txt" --threads "$THREADS" --timeout "$COLD_START_TIMEOUT") ||
        die "restart: the page pass failed (log: $T/restart.log; KEEP=1 CATLOG=1)"
    # SIGTERM to pypi-fcgi itself; strace ends with it.
    rs_pf=$rs_pid
    if [[ -n $STRACE ]]; then rs_pf=$(ps -o pid= --ppid "$rs_pid" | head -n1 | tr -d ' '); fi
    stop_pid "$rs_pf" 10
    stop_pid "$rs_pid" 10
    snapshot "$T/sidecars-2.txt"
    X[hashed1]=$(new_or_changed "$T/sidecars-0.txt" "$T/sidecars-1.txt")
    X[rehashed]=$(changed "$T/sidecars-1.txt" "$T/sidecars-2.txt")
    X[records]=$(wc -l <"$T/sidecars-2.txt")
    X[pass2_s]=$(json_get "${X[pass2]}" seconds)
    X[pass2_ok]=$(json_get "${X[pass2]}" ok)
    X[pass2_err]=$(json_get "${X[pass2]}" errors)
    if [[ -n $STRACE ]]; then
        # package files opened: under the tree, not a sidecar, not a directory
        X[opened]=$(awk -v root="$ROOT/" '/open(at)?\(/ && !/O_DIRECTORY/ {
                if (match($0, /"[^"]*"/)) { p = substr($0, RSTART + 1, RLENGTH - 2)
                    if (index(p, root) == 1 && p !~ /\/\.pypi-fcgi\//) seen[p] = 1 } }
            END { print length(seen) }' "$T/restart.strace")
        X[recs_read]=$(grep -c '\.pypi-fcgi/[^"]*\.rec"' "$T/restart.strace" || true)
    fi
    log "restart: ${X[pass2_ok]}/$NPROJ pages in ${X[pass2_s]} s; records rewritten since the first warm-up: ${X[rehashed]}${STRACE:+; package files opened: ${X[opened]}}"
fi

# ---------------------------------------------------------------- 5: uploads and downloads (lighttpd)

# sample PID OUT: every 50 ms until PID ends, one line "EPOCH-SECONDS
# VmRSS-KiB RCHAR WCHAR" (rchar, wchar: bytes PID read and wrote, sockets
# included: /proc/PID/io).
sample() {
    local k v rest rss rchar wchar
    while [[ -r /proc/$1/status ]]; do
        rss=0 rchar=0 wchar=0
        while read -r k v rest; do
            if [[ $k == VmRSS: ]]; then
                rss=$v
                break
            fi
        done <"/proc/$1/status" || true
        while read -r k v; do
            case $k in rchar:) rchar=$v ;; wchar:) wchar=$v ;; esac
        done <"/proc/$1/io" || true
        echo "$EPOCHREALTIME $rss $rchar $wchar"
        sleep 0.05
    done >"$2"
}

# cpu_ticks PID: user and system CPU time of PID in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12, $13 }'; }

# trace_s FILE REGEX: the --trace-time stamp (as seconds since the epoch,
# today) of the first line of a curl -v trace matching REGEX.
trace_s() {
    local hms
    hms=$(awk -v re="$2" '$0 ~ re { print $1; exit }' "$1")
    if [[ -n $hms ]]; then date -d "$hms" +%s.%N; fi
}

# dl_client RATE SECONDS OUT: downloads the big file again and again for
# SECONDS (each transfer's --max-time is what is left), until a transfer
# fails; one line per transfer in OUT: "HTTP-STATUS BYTES CURL-EXIT-STATUS".
dl_client() {
    local lim=() end=$((SECONDS + $2)) rc
    if [[ $1 != 0 ]]; then lim=(--limit-rate "$1"); fi
    while ((SECONDS < end)); do
        rc=0
        curl -q -s -o /dev/null "${lim[@]}" --max-time $((end - SECONDS)) -w '%{http_code} %{size_download}' "$dl_url" || rc=$?
        echo " $rc"
        # 28: the time is up; anything else: no point in trying again
        ((rc == 0)) || break
    done >"$3" 2>&1
}

# dl_load RATE: wrk on the sample pages from pypi-fcgi, null-fcgi and the
# static copies, idle, then while DL_CLIENTS curl clients download the big
# file at RATE bytes/s each (0: as fast as they can), over and over until the
# runs are done; R[dl.html.BACKEND.idle-RATE.*], R[dl.html.BACKEND.load-RATE.*]
# and X[RATE.dl_*]. A transfer the time limit cut short ends with status 28.
dl_load() {
    local rate=$1 pids=() i p t0 be
    for be in "${BACKENDS[@]}"; do
        run_wrk dl html "$be" rotate "$LOAD_DURATION" "$LOAD_CONNECTIONS" "idle-$rate"
    done
    log "downloads: $DL_CLIENTS x $big_name ($([[ $rate == 0 ]] && echo "full speed" || echo "$rate/s each")) through X-Sendfile, and the index meanwhile"
    t0=$(now)
    for ((i = 1; i <= DL_CLIENTS; i++)); do
        dl_client "$rate" $((${#BACKENDS[@]} * (LOAD_DURATION + 1) + 4)) "$T/dl/$rate-$i.out" &
        pids+=("$!")
        BG_PIDS+=("$!")
    done
    sleep 1.5
    for be in "${BACKENDS[@]}"; do
        run_wrk dl html "$be" rotate "$LOAD_DURATION" "$LOAD_CONNECTIONS" "load-$rate"
    done
    X[$rate.dl_running]=0
    for p in "${pids[@]}"; do
        if alive "$p"; then X[$rate.dl_running]=$((X[$rate.dl_running] + 1)); fi
    done
    for p in "${pids[@]}"; do
        wait "$p" || true
    done
    X[$rate.dl_s]=$(elapsed "$t0")
    # a failed transfer: not a 200, or a curl error other than the time limit
    X[$rate.dl_err]=$(cat "$T/dl/$rate"-*.out | awk '$1 != 200 || ($3 != 0 && $3 != 28) { n++ } END { print n + 0 }')
    X[$rate.dl_n]=$(cat "$T/dl/$rate"-*.out | wc -l)
    X[$rate.dl_bytes]=$(cat "$T/dl/$rate"-*.out | awk '{ n += $2 } END { printf "%.0f", n }')
}

if ((EXTRAS)); then
    UROOT=$T/uroot
    mkdir -p "$UROOT" "$T/upload" "$T/lists/dl" "$T/dl"
    htpasswd -b -B -C 5 -c "$T/htpasswd" bench bench-pw 2>/dev/null
    if [[ $BENCH_SELFTEST == 1 ]]; then
        up_cmd="$T/null-fcgi -t $THREADS -p /pf -a -x $UROOT $T/selftest-pages"
    else
        # lighttpd splits bin-path at every space: no empty words.
        # shellcheck disable=SC2206 # PF_ARGS is a word list by design
        up_argv=("$PF_BIN" --threads "$THREADS" --sendfile x-sendfile --htpasswd "$T/htpasswd" $PF_ARGS "$UROOT" "$ROOT")
        up_cmd=${up_argv[*]}
    fi
    cat >"$T/lighttpd-3.conf" <<EOF
# Generated by bench.sh. /pf: pypi-fcgi with uploads (the upload root first, then the tree), /null: null-fcgi, /static: files.
$(lighttpd_head)
server.upload-dirs = ( "$T/upload" )
# KiB, as in contrib/lighttpd.conf: the upload and its form
server.max-request-size = $(((BIG_MIB + 64) * 1024))
$(lighttpd_fcgi_mount /pf "$T/pf3.sock" "$up_cmd" "$UROOT/" "$ROOT/")
$(lighttpd_fcgi_mount /null "$T/null3.sock" "$T/null-fcgi -t $NULL_THREADS -p /null -x $ROOT $T/www/static" "$ROOT/")
EOF
    log "lighttpd on $BASE: /pf -> pypi-fcgi with --htpasswd on $UROOT and the tree"
    start_lighttpd "$T/lighttpd-3.conf"
    PFPID[up]=$PF_PID
    NULLPID[up]=$NULL_PID
    wait_http "$BASE/pf/simple/" "$COLD_START_TIMEOUT" "$PF_PID" || die "/pf/simple/ not answering on lighttpd #3"

    # -- upload visible in another process
    if [[ $BENCH_SELFTEST != 1 ]]; then
        log "visibility: $VIS_RUNS uploads through lighttpd, each polled on a second pypi-fcgi process"
        mkdir -p "$T/vis"
        vis_wheels=()
        for ((i = 0; i <= VIS_RUNS; i++)); do
            vis_wheels+=("$(timeout 60 python3 "$MKDIST" wheel --out "$T/vis" --name bench-visible --version "1.0.$i")")
        done
        # shellcheck disable=SC2086 # PF_ARGS is a word list by design
        "$PF_BIN" --threads 2 --listen "unix:$T/run/other.sock" --sendfile x-sendfile $PF_ARGS "$UROOT" "$ROOT" >>"$T/other.log" 2>&1 &
        other_pid=$!
        BG_PIDS+=("$other_pid")
        for _ in $(seq $((COLD_START_TIMEOUT * 10))); do
            [[ -S $T/run/other.sock ]] && break
            alive "$other_pid" || die "the second pypi-fcgi exited: $(tail -n 5 "$T/other.log")"
            sleep 0.1
        done
        if ! X[vis]=$(timeout --foreground $(((VIS_RUNS + 1) * (VIS_TIMEOUT * 8) + COLD_START_TIMEOUT)) \
            python3 "$BENCH_DIR/visible.py" --upload-url "$BASE/pf/legacy/" --user bench --password bench-pw \
            --socket "$T/run/other.sock" --ready-timeout "$COLD_START_TIMEOUT" --project bench-visible \
            --timeout "$VIS_TIMEOUT" "${vis_wheels[@]}"); then
            warn "visibility: not every upload was seen on the other process (see its line below; log: $T/other.log)"
        fi
        stop_pid "$other_pid" 10
    fi

    # -- the big upload (the self-test puts the file in place instead)
    log "big upload: a $BIG_MIB MiB wheel"
    mkdir -p "$T/big"
    big=$(timeout 300 python3 "$MKDIST" wheel --out "$T/big" --name bench-upload --version 1.0 --pad-mib "$BIG_MIB")
    big_name=$(basename "$big")
    big_size=$(stat -c %s "$big")
    mkdir -p "$UROOT/bench-upload"
    if [[ $BENCH_SELFTEST == 1 ]]; then
        mv "$big" "$UROOT/bench-upload/"
    else
        sha=$(sha256sum "$big" | cut -d' ' -f1)
        digests=(-F "sha256_digest=$sha")
        if [[ $BIG_DIGESTS == all ]]; then
            digests+=(-F "md5_digest=$(md5sum "$big" | cut -d' ' -f1)" -F "blake2_256_digest=$(b2sum -l 256 "$big" | cut -d' ' -f1)")
        fi
        sync "$big" # written back now, not while the upload is timed
        X[up_before]=$(status_kib VmRSS "${PFPID[up]}")
        read -r cpu_u0 cpu_s0 < <(cpu_ticks "${PFPID[up]}")
        sample "${PFPID[up]}" "$T/sample-upload.txt" &
        sampler=$!
        BG_PIDS+=("$sampler")
        sleep 0.2
        log "upload: curl -F ... content=@$big_name ($big_size bytes) -> $BASE/pf/legacy/"
        up=$(curl -q -sS -v --trace-time --max-time "$UPLOAD_TIMEOUT" -u bench:bench-pw -F ':action=file_upload' \
            -F name=bench-upload -F version=1.0 -F filetype=bdist_wheel -F pyversion=py3 "${digests[@]}" \
            -F "content=@$big" -o "$T/upload.body" -w '%{http_code} %{time_total}' "$BASE/pf/legacy/" 2>"$T/upload.trace") ||
            warn "upload: curl failed: $(grep -v '^[0-9:.]* [<>*{}]' "$T/upload.trace" | tail -n 3)"
        sleep 0.2
        stop_pid "$sampler" 2
        read -r cpu_u1 cpu_s1 < <(cpu_ticks "${PFPID[up]}")
        hz=$(getconf CLK_TCK)
        X[up_cpu]=$(awk -v u="$((cpu_u1 - cpu_u0))" -v s="$((cpu_s1 - cpu_s0))" -v hz="$hz" 'BEGIN { printf "%.2f s user, %.2f s system", u / hz, s / hz }')
        X[up_code]=${up%% *}
        X[up_s]=${up#* }
        X[up_peak]=$(awk '$2 > m { m = $2 } END { print m }' "$T/sample-upload.txt")
        X[up_samples]=$(wc -l <"$T/sample-upload.txt")
        # Where the time went: curl's trace says when the body was sent and
        # the 200 came; pypi-fcgi's rchar says when it read the body.
        t_start=$(trace_s "$T/upload.trace" 'Trying')
        t_sent=$(trace_s "$T/upload.trace" 'completely uploaded')
        t_done=$(trace_s "$T/upload.trace" '< HTTP/1.1 200')
        if [[ -n $t_start && -n $t_sent && -n $t_done ]]; then
            X[up_phases]=$(awk -v s="$big_size" -v a="$t_start" -v b="$t_sent" -v z="$t_done" '
                # the body is being read while rchar grows by more than 8 MiB
                # per 50 ms sample (160 MB/s), far above anything else it reads
                NR > 1 && $3 - pr > 8388608 { if (!r1) r1 = pt; r2 = $1 } { pt = $1; pr = $3 }
                END { if (!r1 || !r2) exit
                    if (r1 < a) r1 = a
                    printf "curl sent the body by %.2f s; pypi-fcgi read it from about %.2f s to %.2f s (%.0f MB/s); the 200 came %.2f s after its last byte", b - a, r1 - a, r2 - a, s / (r2 - r1) / 1e6, z - r2 }' \
                "$T/sample-upload.txt")
        fi
        stored=$UROOT/bench-upload/$big_name
        if [[ ${X[up_code]} != 200 ]]; then
            warn "upload: status ${X[up_code]}: $(head -c 300 "$T/upload.body")"
        elif [[ $(stat -c %s "$stored" 2>/dev/null) != "$big_size" ]]; then
            warn "upload: answered 200 but $stored is not $big_size bytes"
            X[up_code]="200, but not stored"
        fi
        rm -f "$big"
        log "upload: status ${X[up_code]} in ${X[up_s]} s (${X[up_phases]:-no breakdown}); VmRSS ${X[up_before]} -> peak ${X[up_peak]} KiB"
    fi

    # -- index latency while the big file is downloaded DL_CLIENTS times
    dl_url=$BASE/pf/packages/bench-upload/$big_name
    if [[ -f $UROOT/bench-upload/$big_name ]]; then
        code=$(curl -q -s -r 0-99 -o "$T/dl/range.bin" -w '%{http_code}' --max-time 30 "$dl_url" || true)
        if [[ $code == 206 ]] && cmp -s "$T/dl/range.bin" <(head -c 100 "$UROOT/bench-upload/$big_name"); then
            set_routes dl "$BASE" /pf "$BASE"
            sed 's|^|/pf/simple/|; s|$|/|' "$T/sample.txt" >"$T/lists/dl/html-pf.txt"
            warm_sample_list=$T/lists/dl/html-pf.txt
            awk -v b="$BASE" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $1 }' "$warm_sample_list" >"$T/warm3.curl"
            curl -q -s --max-time 60 -H "Accept: $HTML_ACCEPT" -K "$T/warm3.curl" >/dev/null || true
            for be in null static; do
                sed "s|^|/$be/simple/|; s|\$|/|" "$T/sample.txt" >"$T/lists/dl/html-$be.txt"
            done
            X[dl_url]=$dl_url
            for rate in $DL_RATES; do
                dl_load "$rate"
            done
        else
            warn "downloads: a Range request for $dl_url answered $code, not 206 with the file's bytes"
            X[dl_skip]="the big file was not served with Range ($code)"
        fi
    else
        X[dl_skip]="the big upload did not arrive"
    fi
    memory up
    stop_lighttpd
fi

# ---------------------------------------------------------------- report

fmt_ms() { awk -v u="$1" 'BEGIN { if (u == "") print "-"; else printf "%.2f ms", u / 1000 }'; }
fmt_rps() { awk -v r="$1" 'BEGIN { if (r == "") print "-"; else printf "%.0f", r }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
kib() { awk -v b="$(wc -c <"$1")" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
avg_kib() { cat "$@" | wc -c | awk -v n="$#" '{ printf "%.1f KiB", $1 / n / 1024 }'; }
nerrs() { # nerrs PREFIX: wrk errors of R[PREFIX.*]
    local k n=0
    for k in connect_err read_err write_err status_err timeout_err; do
        n=$((n + ${R[$1.$k]:-0}))
    done
    echo "$n"
}
errs() { # errs PREFIX: " (N errors)" if any
    local n
    n=$(nerrs "$1")
    ((n == 0)) || echo " ($n errors)"
}
verdict() { if [[ $1 == 1 ]]; then echo yes; else echo "**no**"; fi; }

mapfile -t sample_html < <(sed "s|^|$cap/simple/|; s|\$|/index.html|" "$T/sample.txt")
mapfile -t sample_json < <(sed "s|^|$cap/simple/|; s|\$|/index.json|" "$T/sample.txt")
mapfile -t sample_api < <(sed "s|^|$cap/api/lighttpd/|; s|\$|.api|" "$T/sample.txt")
declare -A LABEL=(
    [html]="/simple/<project>/ HTML ($SAMPLE projects, avg $(avg_kib "${sample_html[@]}"))"
    [json]="/simple/<project>/ JSON ($SAMPLE projects, avg $(avg_kib "${sample_json[@]}"))"
    [api]="/pypi/<project>/json JSON API ($SAMPLE projects, avg $(avg_kib "${sample_api[@]}"))"
    [index]="/simple/ ($NPROJ projects, $(kib "$cap/simple/index.html"))"
    [listing]="/packages/ ($NFILES files, $(kib "$cap/packages-listing/index.html"))"
    [r304]="304 revalidation (If-None-Match, $SAMPLE project pages)"
    [file]="/packages/<file> (X-Sendfile or X-Accel-Redirect; static: the file)"
    [cold]="cold /simple/<project>/ (first request of each, sidecars present)"
)

LT_VERSION=$(lighttpd -v 2>&1 | head -n1 | sed 's/ - a light and fast webserver//')
NG_VERSION=$({ [[ -n $NGINX ]] && "$NGINX" -v 2>&1; } | head -n1 | sed 's/^nginx version: //' || true)
AP_VERSION=$({ [[ -n $APACHE ]] && "$APACHE" -v 2>&1; } | head -n1 | sed 's/^Server version: //' || true)
WRK_VERSION=$({ wrk -v 2>&1 || true; } | head -n1 | awk '{ print $1, $2 }')
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)

{
    echo "# pypi-fcgi benchmark"
    echo
    echo "pypi-fcgi: $PF_LABEL; null: null-fcgi (the same bytes from memory: the cost of the FastCGI hop);"
    echo "static: the web server serving the same bytes as files. Ratios are pypi-fcgi req/s divided by the other's."
    echo "lighttpd spawns pypi-fcgi (bin-path); nginx and Apache (contrib/nginx.conf, contrib/apache-proxy-fcgi.conf)"
    echo "talk to it on the socket of contrib/pypi-fcgi-spawn."
    echo
    echo "| page | front | pypi-fcgi req/s | p50 | p99 | null req/s | static req/s | ratio vs null | ratio vs static |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    for row in "${ROWS[@]}"; do
        for s in "${ALL_FRONTS[@]}"; do
            p=$s.$row
            if [[ -n ${SKIP[$p]:-} ]]; then
                echo "| ${LABEL[$row]} | ${FRONT_LABEL[$s]} | n/a: ${SKIP[$p]} | | | | | | |"
                continue
            fi
            echo "| ${LABEL[$row]} | ${FRONT_LABEL[$s]} | $(fmt_rps "${R[$p.pf.rps]}")$(errs "$p.pf") | $(fmt_ms "${R[$p.pf.p50_us]}") | $(fmt_ms "${R[$p.pf.p99_us]}") | $(fmt_rps "${R[$p.null.rps]}")$(errs "$p.null") | $(fmt_rps "${R[$p.static.rps]}")$(errs "$p.static") | $(ratio "${R[$p.pf.rps]}" "${R[$p.null.rps]}") | $(ratio "${R[$p.pf.rps]}" "${R[$p.static.rps]}") |"
        done
    done
    for s in "${ALL_FRONTS[@]}"; do
        p=$s.cold.pf
        echo "| ${LABEL[cold]} | ${FRONT_LABEL[$s]} | ${R[$p.approx]:+≈}$(fmt_rps "${R[$p.rps]}")$(errs "$p") | **$(fmt_ms "${R[$p.p50_us]}")** | $(fmt_ms "${R[$p.p99_us]}") | - | - | - | - |"
    done
    echo
    if ((EXTRAS)); then
        echo "| measurement | result | target | met |"
        echo "|---|---|---|---|"
        if [[ ${X[vis]:-} == \{* ]]; then
            med=$(json_get "${X[vis]}" median_ms)
            max=$(json_get "${X[vis]}" max_ms)
            nerr=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["errors"]))' "${X[vis]}")
            ok=$(awk -v m="$max" -v e="$nerr" 'BEGIN { print (m != "" && m < 50 && e == 0) ? 1 : 0 }')
            echo "| upload through lighttpd visible on another process's /simple/<p>/ ($VIS_RUNS uploads) | median **${med:-?} ms**, max **${max:-?} ms**$( ((nerr == 0)) || echo ", $nerr failed") | < 50 ms | $(verdict "$ok") |"
        else
            echo "| upload visible on another process's page | n/a$([[ $BENCH_SELFTEST == 1 ]] && echo " (BENCH_SELFTEST)") | < 50 ms | |"
        fi
        if [[ -n ${X[dl_url]:-} ]]; then
            for rate in $DL_RATES; do
                ip=${R[dl.html.pf.idle-$rate.p99_us]}
                lp=${R[dl.html.pf.load-$rate.p99_us]}
                le=$(nerrs "dl.html.pf.load-$rate")
                lt=${R[dl.html.pf.load-$rate.timeout_err]}
                de=${X[$rate.dl_err]}
                ok=$(awk -v l="$lp" -v i="$ip" -v e="$le" -v d="$de" 'BEGIN { print (l <= 2 * i && e == 0 && d == 0) ? 1 : 0 }')
                refs=
                for be in null static; do
                    a=${R[dl.html.$be.load-$rate.p99_us]}
                    b=${R[dl.html.$be.idle-$rate.p99_us]}
                    refs+="${refs:+, }$([[ $be == null ]] && echo null-fcgi || echo "static copies") $(fmt_ms "$a") vs $(fmt_ms "$b") ($(ratio "$a" "$b")×)"
                done
                echo "| index p99 (wrk -c $LOAD_CONNECTIONS, $SAMPLE project pages, lighttpd) while $DL_CLIENTS clients download a $BIG_MIB MiB file (X-Sendfile) $([[ $rate == 0 ]] && echo "as fast as they can" || echo "at $rate/s each") | **$(fmt_ms "$lp")** vs idle $(fmt_ms "$ip") (**$(ratio "$lp" "$ip")×**); $le errors, $lt timeouts; $de failed downloads. The same on $refs | ≤ 2× idle, 0 errors, 0 timeouts | $(verdict "$ok") |"
            done
        else
            echo "| index p99 while $DL_CLIENTS clients download a $BIG_MIB MiB file | n/a: ${X[dl_skip]:-not run} | ≤ 2× idle, 0 errors, 0 timeouts | |"
        fi
        if [[ -n ${X[up_code]:-} ]]; then
            if [[ ${X[up_code]} == 200 ]]; then
                mbs=$(awk -v b="$big_size" -v s="${X[up_s]}" 'BEGIN { printf "%.0f", b / s / 1e6 }')
                ok=$(awk -v m="$mbs" 'BEGIN { print (m >= 300) ? 1 : 0 }')
                echo "| upload of a $BIG_MIB MiB wheel through lighttpd, end to end (curl -F, to the 200; $([[ $BIG_DIGESTS == all ]] && echo "sha256, md5 and blake2_256 digests" || echo "sha256 digest")) | **$mbs MB/s** ($(awk -v s="${X[up_s]}" 'BEGIN { printf "%.2f", s }') s${X[up_phases]:+: ${X[up_phases]}}) | ≥ 300 MB/s | $(verdict "$ok") |"
            else
                echo "| upload of a $BIG_MIB MiB wheel through lighttpd | **failed: ${X[up_code]}** | ≥ 300 MB/s | **no** |"
            fi
            growth=$(awk -v a="${X[up_before]}" -v b="${X[up_peak]}" 'BEGIN { printf "%.1f", (b - a) / 1024 }')
            ok=$(awk -v g="$growth" 'BEGIN { print (g < 16) ? 1 : 0 }')
            echo "| pypi-fcgi resident memory during that upload (VmRSS every 50 ms, ${X[up_samples]} samples) | $(mib "${X[up_before]}") MiB before, $(mib "${X[up_peak]}") MiB peak: **+$growth MiB** (CPU: ${X[up_cpu]}) | growth < 16 MiB | $(verdict "$ok") |"
        else
            echo "| upload of a $BIG_MIB MiB wheel through lighttpd, and pypi-fcgi's memory during it | n/a$([[ $BENCH_SELFTEST == 1 ]] && echo " (BENCH_SELFTEST)") | ≥ 300 MB/s, growth < 16 MiB | |"
        fi
        if [[ -n ${X[rehashed]:-} ]]; then
            rh=${X[rehashed]}
            op=${X[opened]:-0}
            ok=$((rh == 0 && op == 0))
            echo "| files hashed twice: sidecar records rewritten after the first warm-up, over $((COLD_START_RUNS + ${#ALL_FRONTS[@]} + 1)) restarts$([[ -n $STRACE ]] && echo "; package files opened by a restarted process over a pass of every page (strace)") | **${X[rehashed]}** of ${X[records]} records$([[ -n $STRACE ]] && echo "; **${X[opened]}** files opened") | 0 | $(verdict "$ok") |"
        else
            echo "| files hashed twice across a restart | n/a$([[ $BENCH_SELFTEST == 1 ]] && echo " (BENCH_SELFTEST)") | 0 | |"
        fi
        mem=
        for s in "${ALL_FRONTS[@]}" up; do
            [[ -n ${MEM[$s.rss]:-} ]] || continue
            case $s in up) lbl="lighttpd with uploads (upload root and tree)" ;; *) lbl=${FRONT_LABEL[$s]} ;; esac
            mem+="${mem:+; }$lbl **${MEM[$s.rss]} MiB**"
        done
        echo "| resident memory per pypi-fcgi process at $NFILES files, after its runs | $mem | - | |"
        echo
    fi
    echo "- Cold page runs: $(for s in "${ALL_FRONTS[@]}"; do printf '%s %s; ' "${FRONT_LABEL[$s]}" "${R[$s.cold.pf.requests]}"; done)distinct projects requested at $COLD_CONNECTIONS connections for ${COLD_DURATION} s (≈: all $NPROJ used up before, req/s is connections / mean latency)."
    echo "- Cold start (exec to first answered /simple/$first/ on a unix socket, sidecars present, $COLD_START_RUNS runs): median **$CS_MEDIAN ms** (runs: $CS_RUNS ms; SIGTERM to exit: $CS_STOP ms)."
    for s in "${ALL_FRONTS[@]}" up; do
        [[ -n ${MEM[$s.rss]:-} ]] || continue
        case $s in up) lbl="lighttpd with uploads" ;; *) lbl=${FRONT_LABEL[$s]} ;; esac
        echo "- Resident memory after the runs, $lbl: pypi-fcgi VmRSS **${MEM[$s.rss]} MiB** (peak VmHWM ${MEM[$s.hwm]} MiB, ${MEM[$s.threads]} threads)$([[ $s != up ]] && echo "; null-fcgi VmRSS ${MEM[$s.null]} MiB")."
    done
    echo "- Warm-up pass before the runs: $warm_ok/$NPROJ project pages through /pf/ in $WARMUP_S s (sidecars before it: $SIDECARS_BEFORE; records written by it: ${X[hashed1]:-$(new_or_changed "$T/sidecars-0.txt" "$T/sidecars-1.txt")})."
    if [[ -n ${X[pass2]:-} ]]; then
        echo "- Restart: a new pypi-fcgi process answered ${X[pass2_ok]}/$NPROJ project pages in ${X[pass2_s]} s ($THREADS client threads over FastCGI)$([[ -n ${X[pass2_err]} ]] && echo "; errors: ${X[pass2_err]}")$([[ -n $STRACE ]] && echo "; sidecar records opened: ${X[recs_read]}")."
    fi
    if [[ ${X[vis]:-} == \{* ]]; then
        echo "- Visibility runs (ms from the upload's 200 to the file on the other process's page): $(json_get "${X[vis]}" runs_ms); polls needed: $(json_get "${X[vis]}" polls); each upload took $(json_get "${X[vis]}" upload_ms) ms$([[ -n $(json_get "${X[vis]}" errors) ]] && echo "; errors: $(json_get "${X[vis]}" errors)")."
    fi
    for rate in $DL_RATES; do
        [[ -n ${X[$rate.dl_s]:-} ]] || continue
        echo "- Downloads $([[ $rate == 0 ]] && echo "as fast as they can" || echo "at $rate/s each"): $DL_CLIENTS curl clients received $(awk -v b="${X[$rate.dl_bytes]}" 'BEGIN { printf "%.1f GiB", b / 1073741824 }') in ${X[$rate.dl_s]} s ($(awk -v b="${X[$rate.dl_bytes]}" -v s="${X[$rate.dl_s]}" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }'), ${X[$rate.dl_n]} transfers), ${X[$rate.dl_running]} still downloading when the index runs ended; req/s idle and meanwhile: pypi-fcgi $(fmt_rps "${R[dl.html.pf.idle-$rate.rps]}") and $(fmt_rps "${R[dl.html.pf.load-$rate.rps]}"), null-fcgi $(fmt_rps "${R[dl.html.null.idle-$rate.rps]}") and $(fmt_rps "${R[dl.html.null.load-$rate.rps]}"), static copies $(fmt_rps "${R[dl.html.static.idle-$rate.rps]}") and $(fmt_rps "${R[dl.html.static.load-$rate.rps]}") (wrk -d ${LOAD_DURATION}s each, in that order)."
    done
    echo "- Parameters: $NPROJ projects, $NFILES files ($LARGE large of $LARGE_SIZE), seed $SEED, pypi-fcgi --threads $THREADS, null-fcgi -t $NULL_THREADS;"
    echo "  wrk -t $WRK_THREADS -c $CONNECTIONS -d ${DURATION}s, median of $REPEAT run(s) per cell (cold: -c $COLD_CONNECTIONS -d ${COLD_DURATION}s), $WRK_VERSION;"
    echo "  $LT_VERSION$([[ " $FRONTS " == *" nginx "* ]] && echo "; $NG_VERSION (worker_processes $NGINX_WORKERS)")$([[ " $FRONTS " == *" apache "* ]] && echo "; $AP_VERSION (mpm_event)");"
    echo "  $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($CPU), Linux $(uname -r); tree $ROOT;"
    echo "  load average before the run $LOADAVG_START (other work on the machine: it skews the numbers), after it $(cut -d' ' -f1-3 /proc/loadavg) (this run's included)."
    for w in "${WARNINGS[@]}"; do
        echo "- WARNING: $w"
    done
    echo
    echo "<details><summary>All runs</summary>"
    echo
    echo "| page | front | backend | req/s (median run) | p50 | p90 | p99 | max | requests | errors (connect/read/write/status/timeout) | req/s of each run |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---|---|"
    for s in "${ALL_FRONTS[@]}" dl; do
        for row in "${ROWS[@]}" cold; do
            for be in "${BACKENDS[@]}"; do
                for tag in "" $(for rate in $DL_RATES; do echo "idle-$rate load-$rate"; done); do
                    p=$s.$row.$be${tag:+.$tag}
                    [[ -n ${R[$p.rps]:-} ]] || continue
                    echo "| $row${tag:+ ($tag)} | $s | $be | $(fmt_rps "${R[$p.rps]}") | $(fmt_ms "${R[$p.p50_us]}") | $(fmt_ms "${R[$p.p90_us]}") | $(fmt_ms "${R[$p.p99_us]}") | $(fmt_ms "${R[$p.max_us]}") | ${R[$p.requests]} | ${R[$p.connect_err]}/${R[$p.read_err]}/${R[$p.write_err]}/${R[$p.status_err]}/${R[$p.timeout_err]} | ${R[$p.all]:-} |"
                done
            done
        done
    done
    echo
    echo "</details>"
} >"$T/results.md"

cat "$T/results.md"
mkdir -p "$(dirname "$OUT")"
cp "$T/results.md" "$OUT"
log "results written to $OUT"
