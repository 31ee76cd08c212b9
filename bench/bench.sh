#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench.sh: benchmark pypi-fcgi behind lighttpd against a null FastCGI responder and static files.
#
# One command: bench/bench.sh. Every knob is an environment variable (see
# bench/README). Loopback only, every run bounded in time, everything it starts
# is stopped by the EXIT trap, the temp dir is removed unless KEEP=1.
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

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
ROWS=(html json index r304 file)
BACKENDS=(pf null static)

T=
LT_PID=
CHILD_PIDS=()
WARNINGS=()

log() { printf 'bench: %s\n' "$*" >&2; }
warn() { printf 'bench: WARNING: %s\n' "$*" >&2; WARNINGS+=("$*"); }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

for knob in PROJECTS FILES LARGE THREADS NULL_THREADS DURATION CONNECTIONS WRK_THREADS COLD_DURATION \
    COLD_CONNECTIONS SAMPLE REPEAT COLD_START_RUNS COLD_START_TIMEOUT WARMUP_TIMEOUT PORT; do
    [[ ${!knob} =~ ^[0-9]+$ ]] || die "$knob must be a non-negative integer, got '${!knob}'"
done
((CONNECTIONS >= WRK_THREADS && COLD_CONNECTIONS >= WRK_THREADS)) ||
    die "wrk needs CONNECTIONS and COLD_CONNECTIONS >= WRK_THREADS"
((DURATION > 0 && COLD_DURATION > 0 && SAMPLE > 0 && REPEAT > 0 && COLD_START_RUNS > 0)) ||
    die "DURATION, COLD_DURATION, SAMPLE, REPEAT and COLD_START_RUNS must be positive"

for tool in lighttpd wrk curl python3 "$CC" timeout awk ps cmp; do
    command -v "$tool" >/dev/null || die "missing program: $tool"
done

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

# ---------------------------------------------------------------- cleanup

# Stops lighttpd, then any backend it left behind (a responder that ignores
# SIGTERM survives its parent as an orphan: DEPLOY-NOTES.md 0.6).
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
        warn "backend pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)) still running 3 s after lighttpd stopped; killing it"
        kill -TERM "$pid" 2>/dev/null || true
        sleep 1
        kill -KILL "$pid" 2>/dev/null || true
    done
    CHILD_PIDS=()
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    stop_lighttpd
    if [[ -n $T && -d $T ]]; then
        if [[ $CATLOG == 1 ]]; then
            for f in "$T"/lighttpd-*.log "$T"/lighttpd.stderr "$T"/coldstart.log; do
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

T=$(mktemp -d "${TMPDIR:-/tmp}/pypi-fcgi-bench.XXXXXX")
mkdir -p "$T/www/static" "$T/lists" "$T/wrk" "$T/cap"
echo ok >"$T/www/static/ready.txt"

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
    *[[:space:]\"\\]*) die "paths must not contain spaces, quotes or backslashes: $ROOT $T" ;;
esac

find "$ROOT" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' | LC_ALL=C sort >"$T/projects.txt"
NPROJ=$(wc -l <"$T/projects.txt")
((NPROJ > 0)) || die "no projects in $ROOT"
((SAMPLE <= NPROJ)) || SAMPLE=$NPROJ
# SAMPLE projects spread evenly over the sorted list: the warm pages.
awk -v n="$NPROJ" -v s="$SAMPLE" 'BEGIN { for (i = 0; i < s; i++) w[int(i * n / s) + 1] = 1 } w[NR]' \
    "$T/projects.txt" >"$T/sample.txt"
if [[ -n $(find "$ROOT" -path '*/.pypi-fcgi/*' -name '*.rec' -print -quit) ]]; then
    SIDECARS_BEFORE=present
else
    SIDECARS_BEFORE=absent
fi

if [[ $BENCH_SELFTEST == 1 ]]; then
    python3 "$BENCH_DIR/mkpages.py" "$ROOT" "$T/selftest-pages" >&2
fi

# ---------------------------------------------------------------- lighttpd

# Picks a free port from PORT up (a refused connect means free).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 50); do
    port_free "$PORT" && break
    PORT=$((PORT + 1))
done
port_free "$PORT" || die "no free port found near $PORT"
BASE=http://127.0.0.1:$PORT

pf_cmd() { # pf_cmd [LISTEN-ARGS...]: the pypi-fcgi (or stand-in) command line
    if [[ $BENCH_SELFTEST == 1 ]]; then
        local l=()
        if [[ $# -gt 0 ]]; then l=(-l "${1#unix:}"); fi
        echo "$T/null-fcgi" -t "$THREADS" "${l[@]}" -p /pf -a -x "$ROOT" "$T/selftest-pages"
    else
        local l=()
        if [[ $# -gt 0 ]]; then l=(--listen "$1"); fi
        # shellcheck disable=SC2086 # PF_ARGS is a word list by design
        echo "$PF_BIN" --threads "$THREADS" --sendfile x-sendfile "${l[@]}" $PF_ARGS "$ROOT"
    fi
}

# write_conf FILE HTML-TYPE JSON-TYPE
write_conf() {
    cat >"$1" <<EOF
# Generated by bench.sh. /pf: pypi-fcgi, /null: null-fcgi, /static: files.
server.modules = ( "mod_fastcgi" )
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$T/lighttpd-error.log"
server.max-keep-alive-requests = 30000
server.max-connections = 1024
index-file.names = ( "index.html" )
# Static copies of the pages: captured HTML is stored as .../index.html and
# PEP 691 JSON as .../index.json, so the suffix gives pypi-fcgi's Content-Type.
mimetype.assign = ( ".html" => "$2", ".json" => "$3", "" => "application/octet-stream" )

# Guard + keys without trailing slash: DEPLOY-NOTES.md 3.1/3.2.
\$HTTP["url"] =~ "^/pf(/|\$)" {
  fastcgi.server = ( "/pf" => ((
    "socket" => "$T/pf.sock",
    "bin-path" => "$(pf_cmd)",
    "max-procs" => 1,
    "check-local" => "disable",
    "x-sendfile" => "enable",
    "x-sendfile-docroot" => ( "$ROOT/" ),
  )) )
}
\$HTTP["url"] =~ "^/null(/|\$)" {
  fastcgi.server = ( "/null" => ((
    "socket" => "$T/null.sock",
    "bin-path" => "$T/null-fcgi -t $NULL_THREADS -p /null -x $ROOT $T/www/static",
    "max-procs" => 1,
    "check-local" => "disable",
    "x-sendfile" => "enable",
    "x-sendfile-docroot" => ( "$ROOT/" ),
  )) )
}
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

# start_lighttpd CONF: foreground instance in the background, ready when a
# static file answers; records the backends' pids as PF_PID and NULL_PID.
start_lighttpd() {
    lighttpd -tt -f "$1" >"$T/lighttpd-check.log" 2>&1 || { cat "$T/lighttpd-check.log" >&2; die "bad lighttpd config $1"; }
    lighttpd -D -f "$1" >>"$T/lighttpd.stderr" 2>&1 &
    LT_PID=$!
    local code=
    for _ in $(seq 100); do
        kill -0 "$LT_PID" 2>/dev/null || { cat "$T/lighttpd.stderr" "$T/lighttpd-error.log" >&2 2>/dev/null; die "lighttpd exited"; }
        code=$(curl -q -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/static/ready.txt" || true)
        if [[ $code == 200 ]]; then break; fi
        sleep 0.1
    done
    [[ $code == 200 ]] || die "lighttpd did not become ready on $BASE"
    # /pf is whichever child is not null-fcgi (a wrapper script may exec anything).
    NULL_PID=$(child_pids -F ' -p /null ')
    PF_PID=$(child_pids -vF ' -p /null ')
    [[ $PF_PID =~ ^[0-9]+$ ]] || die "lighttpd did not spawn exactly one /pf backend: '$PF_PID' (KEEP=1 CATLOG=1 shows the logs)"
    [[ $NULL_PID =~ ^[0-9]+$ ]] || die "lighttpd did not spawn exactly one null-fcgi: '$NULL_PID'"
    CHILD_PIDS=("$PF_PID" "$NULL_PID")
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

# ---------------------------------------------------------------- 1: warm-up and capture

log "lighttpd on $BASE: /pf -> $PF_LABEL, /null -> null-fcgi, /static -> files"
write_conf "$T/lighttpd-1.conf" 'text/html; charset=utf-8' "$JSON_ACCEPT"
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

log "capture: /simple/ and $SAMPLE project pages (HTML and JSON) from /pf/"
cap=$T/www/static
mkdir -p "$cap/simple"
[[ $(fetch "$cap/simple/index.html" "$BASE/pf/simple/" -H "Accept: $HTML_ACCEPT") == 200 ]] ||
    die "capture: /pf/simple/ did not answer 200"
: >"$T/lists/r304-pf.txt"
while read -r p; do
    d=$cap/simple/$p
    mkdir -p "$d"
    [[ $(fetch "$d/index.html" "$BASE/pf/simple/$p/" -H "Accept: $HTML_ACCEPT") == 200 ]] ||
        die "capture: /pf/simple/$p/ (HTML) did not answer 200"
    [[ $(fetch "$d/index.json" "$BASE/pf/simple/$p/" -H "Accept: $JSON_ACCEPT") == 200 ]] ||
        die "capture: /pf/simple/$p/ (JSON) did not answer 200"
    etag=$(header etag "$d/index.html.hdr")
    if [[ -n $etag ]]; then printf '/pf/simple/%s/\t%s\n' "$p" "$etag" >>"$T/lists/r304-pf.txt"; fi
    # the package file of the row "file": the smallest of the project
    f=$(find "$ROOT/$p" -maxdepth 1 -type f -size -1024k -printf '%s %f\n' | sort -n | head -n1 | cut -d' ' -f2)
    if [[ -n $f ]]; then echo "$p/$f" >>"$T/files.txt"; fi
done <"$T/sample.txt"
first=$(head -n1 "$T/sample.txt")
HTML_TYPE=$(header content-type "$cap/simple/$first/index.html.hdr")
JSON_TYPE=$(header content-type "$cap/simple/$first/index.json.hdr")
[[ $JSON_TYPE == *json* ]] || die "capture: /pf/simple/$first/ with Accept: $JSON_ACCEPT gave Content-Type '$JSON_TYPE'"
[[ -n $HTML_TYPE ]] || die "capture: /pf/simple/$first/ has no Content-Type"
ln -s "$ROOT" "$cap/packages"
stop_lighttpd

# ---------------------------------------------------------------- 2: cold start

log "cold start: $COLD_START_RUNS runs, exec -> first /simple/$first/ on a unix socket"
read -r -a cs_cmd <<<"$(pf_cmd "unix:$T/coldstart.sock")"
COLDSTART_JSON=$(python3 "$BENCH_DIR/coldstart.py" --socket "$T/coldstart.sock" --uri "/simple/$first/" \
    --runs "$COLD_START_RUNS" --timeout "$COLD_START_TIMEOUT" --log "$T/coldstart.log" -- "${cs_cmd[@]}") ||
    die "cold start failed (log: $T/coldstart.log; KEEP=1 CATLOG=1)"
json_get() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print(", ".join(map(str, v)) if isinstance(v, list) else v)' "$COLDSTART_JSON" "$1"; }
CS_MEDIAN=$(json_get median_ms)
CS_RUNS=$(json_get runs_ms)
CS_STOP=$(json_get stop_ms)
CS_STOP_TIMEOUTS=$(json_get stop_timeouts)
((CS_STOP_TIMEOUTS == 0)) || warn "cold start: $CS_STOP_TIMEOUTS of $COLD_START_RUNS runs did not exit within 5 s of SIGTERM"

# ---------------------------------------------------------------- 3: load tests

write_conf "$T/lighttpd-2.conf" "$HTML_TYPE" "$JSON_TYPE"
start_lighttpd "$T/lighttpd-2.conf"
# A fresh /pf process: wait until it answers its project list, which renders
# no project page, so the cold run below sees only cache misses.
[[ $(curl -q -s -o /dev/null -w '%{http_code}' --max-time "$COLD_START_TIMEOUT" "$BASE/pf/simple/") == 200 ]] ||
    die "/pf/simple/ not answering after restart"

declare -A ACCEPT=([html]=$HTML_ACCEPT [json]=$JSON_ACCEPT [index]=$HTML_ACCEPT [r304]=$HTML_ACCEPT [file]='*/*' [cold]=$HTML_ACCEPT)
declare -A R=()
KEYS=(requests duration_us rps p50_us p90_us p99_us max_us mean_us connect_err read_err write_err status_err timeout_err sent exhausted)

# run_wrk ROW BACKEND MODE DURATION CONNECTIONS TAG: stores R[ROW.BACKEND.TAG.key] from the BENCH line.
run_wrk() {
    local row=$1 be=$2 mode=$3 dur=$4 conns=$5 tag=$6 out kv
    out=$T/wrk/$row-$be-$tag.txt
    # wrk exits 0 on Ctrl-C, after which bash does not run the INT trap; the
    # same Ctrl-C stopped lighttpd, so stop here.
    kill -0 "$LT_PID" 2>/dev/null || die "lighttpd is gone (interrupted?)"
    log "wrk $row $be $tag: -t $WRK_THREADS -c $conns -d ${dur}s ($(wc -l <"$T/lists/$row-$be.txt") URLs, $mode)"
    timeout --foreground $((dur + 60)) wrk -t "$WRK_THREADS" -c "$conns" -d "${dur}s" --latency --timeout 10s \
        -s "$BENCH_DIR/rotate.lua" "$BASE/" -- "$T/lists/$row-$be.txt" "$mode" "$WRK_THREADS" \
        "Accept: ${ACCEPT[$row]}" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
    grep -q '^BENCH ' "$out" || die "wrk printed no summary: $(cat "$out")"
    local -a kvs
    read -r -a kvs < <(sed -n 's/^BENCH //p' "$out")
    for kv in "${kvs[@]}"; do
        R[$row.$be.$tag.${kv%%=*}]=${kv#*=}
    done
}

# pick_median ROW BACKEND: of the REPEAT runs, the one with the median req/s
# gives R[ROW.BACKEND.key]; R[ROW.BACKEND.all] lists every run's req/s.
pick_median() {
    local row=$1 be=$2 r k mid
    mid=$(for ((r = 1; r <= REPEAT; r++)); do echo "${R[$row.$be.r$r.rps]} r$r"; done | sort -g | awk -v m=$(((REPEAT + 1) / 2)) 'NR == m { print $2 }')
    for k in "${KEYS[@]}"; do
        R[$row.$be.$k]=${R[$row.$be.$mid.$k]:-}
    done
    R[$row.$be.all]=$(for ((r = 1; r <= REPEAT; r++)); do printf '%.0f ' "${R[$row.$be.r$r.rps]}"; done)
}

# The cold run comes first: since this /pf process started it has rendered
# no project page, and rotate.lua "once" requests each project at most once.
sed 's|^|/pf/simple/|; s|$|/|' "$T/projects.txt" >"$T/lists/cold-pf.txt"
run_wrk cold pf once "$COLD_DURATION" "$COLD_CONNECTIONS" r1
for k in "${KEYS[@]}"; do R[cold.pf.$k]=${R[cold.pf.r1.$k]}; done
if [[ ${R[cold.pf.exhausted]} != 0 ]]; then
    # The threads stopped early, so requests/duration understates the rate;
    # a closed loop of C connections runs at about C / mean latency.
    R[cold.pf.rps]=$(awk -v c="$COLD_CONNECTIONS" -v m="${R[cold.pf.mean_us]}" 'BEGIN { if (m > 0) printf "%.1f", c * 1e6 / m }')
    R[cold.pf.approx]=1
    warn "cold: all $NPROJ projects were requested before ${COLD_DURATION}s were up; req/s estimated as connections / mean latency"
fi

# URL lists: lists/ROW-BACKEND.txt, one "path[<TAB>etag]" per line.
for be in "${BACKENDS[@]}"; do
    sed "s|^|/$be/simple/|; s|\$|/|" "$T/sample.txt" >"$T/lists/html-$be.txt"
    echo "/$be/simple/" >"$T/lists/index-$be.txt"
    if [[ -s $T/files.txt ]]; then sed "s|^|/$be/packages/|" "$T/files.txt" >"$T/lists/file-$be.txt"; fi
done
cp "$T/lists/html-pf.txt" "$T/lists/json-pf.txt"
for be in null static; do
    sed "s|/\$|/index.json|" "$T/lists/html-$be.txt" >"$T/lists/json-$be.txt"
done
# null-fcgi serves pypi-fcgi's headers, so it revalidates with the same ETag;
# lighttpd makes its own ETag for the static copy.
sed 's|^/pf/|/null/|' "$T/lists/r304-pf.txt" >"$T/lists/r304-null.txt"
: >"$T/lists/r304-static.txt"
while read -r p; do
    etag=$(curl -q -sS --max-time 30 -o /dev/null -D - "$BASE/static/simple/$p/" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }')
    if [[ -n $etag ]]; then printf '/static/simple/%s/\t%s\n' "$p" "$etag" >>"$T/lists/r304-static.txt"; fi
done <"$T/sample.txt"

log "warming the $SAMPLE sample pages on the new /pf process"
for row in html json; do
    awk -v b="$BASE" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $1 }' "$T/lists/$row-pf.txt" >"$T/warm2.curl"
    curl -q -s --max-time 60 -H "Accept: ${ACCEPT[$row]}" -K "$T/warm2.curl" >/dev/null || true
done

declare -A SKIP=()
# Expected bytes of the first URL of a list, for the identity probe.
expected() { # expected ROW
    local p
    p=$(head -n1 "$T/sample.txt")
    case $1 in
        html) echo "$cap/simple/$p/index.html" ;;
        json) echo "$cap/simple/$p/index.json" ;;
        index) echo "$cap/simple/index.html" ;;
        file) echo "$ROOT/$(head -n1 "$T/files.txt")" ;;
    esac
}

# Probe: each backend must serve the captured bytes (or a 304) before it is
# measured; a row pypi-fcgi cannot serve yet is skipped with the reason.
for row in "${ROWS[@]}"; do
    for be in "${BACKENDS[@]}"; do
        list=$T/lists/$row-$be.txt
        if [[ ! -s $list ]]; then
            SKIP[$row]="no URLs for $be (no ETag or no small files)"
            continue
        fi
        IFS=$'\t' read -r path etag <"$list"
        if [[ $row == r304 ]]; then
            code=$(curl -q -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Accept: ${ACCEPT[$row]}" -H "If-None-Match: $etag" "$BASE$path" || true)
            [[ $code == 304 ]] || SKIP[$row]="$be answered $code, not 304, to If-None-Match"
        else
            code=$(fetch "$T/cap/probe" "$BASE$path" -H "Accept: ${ACCEPT[$row]}")
            if [[ $code != 200 ]]; then
                SKIP[$row]="$be answered $code for $path"
            elif ! cmp -s "$T/cap/probe" "$(expected "$row")"; then
                if [[ $be == pf ]]; then
                    warn "$row: /pf/ bytes differ from the capture made before the restart (non-deterministic page?)"
                else
                    die "$row: $be does not serve the captured bytes for $path"
                fi
            fi
        fi
    done
done

# Backends interleaved within each round, so a drift (thermal, neighbours)
# spreads over all three instead of biasing one.
for row in "${ROWS[@]}"; do
    if [[ -n ${SKIP[$row]:-} ]]; then
        warn "row $row skipped: ${SKIP[$row]}"
        continue
    fi
    for ((r = 1; r <= REPEAT; r++)); do
        for be in "${BACKENDS[@]}"; do
            run_wrk "$row" "$be" rotate "$DURATION" "$CONNECTIONS" "r$r"
        done
    done
    for be in "${BACKENDS[@]}"; do
        pick_median "$row" "$be"
    done
done

# ---------------------------------------------------------------- 4: memory

status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/status" 2>/dev/null || true; }
mib() { awk -v k="$1" 'BEGIN { if (k == "") print "?"; else printf "%.1f", k / 1024 }'; }
PF_RSS=$(mib "$(status_kib VmRSS "$PF_PID")")
PF_HWM=$(mib "$(status_kib VmHWM "$PF_PID")")
PF_NTHREADS=$(status_kib Threads "$PF_PID")
NULL_RSS=$(mib "$(status_kib VmRSS "$NULL_PID")")
stop_lighttpd

# ---------------------------------------------------------------- report

fmt_ms() { awk -v u="$1" 'BEGIN { if (u == "") print "-"; else printf "%.2f ms", u / 1000 }'; }
fmt_rps() { awk -v r="$1" 'BEGIN { if (r == "") print "-"; else printf "%.0f", r }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
kib() { awk -v b="$(wc -c <"$1")" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
avg_kib() { cat "$@" | wc -c | awk -v n="$#" '{ printf "%.1f KiB", $1 / n / 1024 }'; }
errs() { # errs ROW BACKEND: wrk errors, if any
    local k n=0
    for k in connect_err read_err write_err status_err timeout_err; do
        n=$((n + ${R[$1.$2.$k]:-0}))
    done
    ((n == 0)) || echo " ($n errors)"
}

mapfile -t sample_html < <(sed "s|^|$cap/simple/|; s|\$|/index.html|" "$T/sample.txt")
mapfile -t sample_json < <(sed "s|^|$cap/simple/|; s|\$|/index.json|" "$T/sample.txt")
declare -A LABEL=(
    [html]="/simple/<project>/ HTML ($SAMPLE projects, avg $(avg_kib "${sample_html[@]}"))"
    [json]="/simple/<project>/ JSON ($SAMPLE projects, avg $(avg_kib "${sample_json[@]}"))"
    [index]="/simple/ ($NPROJ projects, $(kib "$cap/simple/index.html"))"
    [r304]="304 revalidation (If-None-Match, $SAMPLE project pages)"
    [file]="/packages/<file> (X-Sendfile; static: the file)"
    [cold]="cold /simple/<project>/ (first request of each, sidecars present)"
)

LT_VERSION=$(lighttpd -v 2>&1 | head -n1)
WRK_VERSION=$({ wrk -v 2>&1 || true; } | head -n1 | awk '{ print $1, $2 }')
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
NFILES=$(find "$ROOT" -mindepth 2 -maxdepth 2 -type f | wc -l)

{
    echo "# pypi-fcgi benchmark"
    echo
    echo "/pf: $PF_LABEL; /null: null-fcgi (the same bytes from memory: the cost of the FastCGI hop);"
    echo "/static: lighttpd serving the same bytes as files. Ratios are pypi-fcgi req/s divided by the other's."
    echo
    echo "| page | pypi-fcgi req/s | p50 | p99 | null req/s | static req/s | ratio vs null | ratio vs static |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for row in "${ROWS[@]}"; do
        if [[ -n ${SKIP[$row]:-} ]]; then
            echo "| ${LABEL[$row]} | n/a: ${SKIP[$row]} | | | | | | |"
            continue
        fi
        echo "| ${LABEL[$row]} | $(fmt_rps "${R[$row.pf.rps]}")$(errs "$row" pf) | $(fmt_ms "${R[$row.pf.p50_us]}") | $(fmt_ms "${R[$row.pf.p99_us]}") | $(fmt_rps "${R[$row.null.rps]}")$(errs "$row" null) | $(fmt_rps "${R[$row.static.rps]}")$(errs "$row" static) | $(ratio "${R[$row.pf.rps]}" "${R[$row.null.rps]}") | $(ratio "${R[$row.pf.rps]}" "${R[$row.static.rps]}") |"
    done
    echo "| ${LABEL[cold]} | ${R[cold.pf.approx]:+≈}$(fmt_rps "${R[cold.pf.rps]}")$(errs cold pf) | **$(fmt_ms "${R[cold.pf.p50_us]}")** | $(fmt_ms "${R[cold.pf.p99_us]}") | - | - | - | - |"
    echo
    echo "- Cold page run: ${R[cold.pf.requests]} distinct projects requested at $COLD_CONNECTIONS connections$( [[ ${R[cold.pf.exhausted]} == 0 ]] || echo "; all $NPROJ were used up before ${COLD_DURATION} s, so req/s is connections / mean latency")."
    echo "- Cold start (exec to first answered /simple/$first/ on a unix socket, sidecars present, $COLD_START_RUNS runs): median **$CS_MEDIAN ms** (runs: $CS_RUNS ms; SIGTERM to exit: $CS_STOP ms)."
    echo "- Resident memory after the runs: pypi-fcgi VmRSS **$PF_RSS MiB** (peak VmHWM $PF_HWM MiB, $PF_NTHREADS threads); null-fcgi VmRSS $NULL_RSS MiB."
    echo "- Warm-up pass before the runs: $warm_ok/$NPROJ project pages through /pf/ in $WARMUP_S s (sidecars before it: $SIDECARS_BEFORE)."
    echo "- Parameters: $NPROJ projects, $NFILES files ($LARGE large of $LARGE_SIZE), seed $SEED, pypi-fcgi --threads $THREADS, null-fcgi -t $NULL_THREADS;"
    echo "  wrk -t $WRK_THREADS -c $CONNECTIONS -d ${DURATION}s, median of $REPEAT run(s) per cell (cold: -c $COLD_CONNECTIONS -d ${COLD_DURATION}s), $WRK_VERSION; $LT_VERSION;"
    echo "  $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($CPU), Linux $(uname -r); tree $ROOT."
    for w in "${WARNINGS[@]}"; do
        echo "- WARNING: $w"
    done
    echo
    echo "<details><summary>All runs</summary>"
    echo
    echo "| page | backend | req/s (median run) | p50 | p90 | p99 | max | requests | errors (connect/read/write/status/timeout) | req/s of each run |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---|---|"
    for row in "${ROWS[@]}" cold; do
        for be in "${BACKENDS[@]}"; do
            [[ -n ${R[$row.$be.rps]:-} ]] || continue
            echo "| $row | $be | $(fmt_rps "${R[$row.$be.rps]}") | $(fmt_ms "${R[$row.$be.p50_us]}") | $(fmt_ms "${R[$row.$be.p90_us]}") | $(fmt_ms "${R[$row.$be.p99_us]}") | $(fmt_ms "${R[$row.$be.max_us]}") | ${R[$row.$be.requests]} | ${R[$row.$be.connect_err]}/${R[$row.$be.read_err]}/${R[$row.$be.write_err]}/${R[$row.$be.status_err]}/${R[$row.$be.timeout_err]} | ${R[$row.$be.all]:-} |"
        done
    done
    echo
    echo "</details>"
} >"$T/results.md"

cat "$T/results.md"
mkdir -p "$(dirname "$OUT")"
cp "$T/results.md" "$OUT"
log "results written to $OUT"
