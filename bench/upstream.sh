#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# upstream.sh: what the pull-through cache (--upstream) costs: cached upstream
# pages against local pages, a null FastCGI responder and static files;
# revalidation on every request (--upstream-ttl 0) against a long TTL; and a
# big file's first download through the cache against the upstream itself and
# against its second, X-Sendfile'd download. See bench/README, "The upstream
# cache: bench/upstream.sh".
#
#   PF_BIN=build/src/pypi-fcgi bench/upstream.sh           # about 4 min on 2 cores
#   PF_BIN=build/src/pypi-fcgi QUICK=1 bench/upstream.sh   # under 2 min
#
# Loopback only. Every process it starts is stopped by its PID in the EXIT
# trap; every wrk and curl run is bounded; the temp dir is removed unless KEEP=1.
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
    DURATION=${DURATION:-3}
    REPEAT=${REPEAT:-1}
    FILE_MIB=${FILE_MIB:-32}
    REPS=${REPS:-2}
else
    DURATION=${DURATION:-10}
    REPEAT=${REPEAT:-3}
    FILE_MIB=${FILE_MIB:-200}
    REPS=${REPS:-3}
fi
PAGE_FILES=${PAGE_FILES:-20}
THREADS=${THREADS:-4}
CONNECTIONS=${CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-2}
LONG_TTL=${LONG_TTL:-1d}
DL_TIMEOUT=${DL_TIMEOUT:-300}
PORT=${PORT:-18680}
OUT=${OUT:-$here/upstream.md}
KEEP=${KEEP:-0}
PF_BIN=${PF_BIN:-}
CMDLINE="$(for v in QUICK DURATION REPEAT FILE_MIB REPS PAGE_FILES THREADS CONNECTIONS WRK_THREADS LONG_TTL; do
    printf '%s=%s ' "$v" "${!v}"; done)PF_BIN=${PF_BIN:-(built)} bench/upstream.sh"

# Loopback only: no proxy may see these requests; curl runs with -q (no ~/.curlrc).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

log() { printf 'upstream-bench: %s\n' "$*" >&2; }
die() { printf 'upstream-bench: error: %s\n' "$*" >&2; exit 1; }

for knob in DURATION REPEAT FILE_MIB REPS PAGE_FILES THREADS CONNECTIONS WRK_THREADS DL_TIMEOUT PORT; do
    [[ ${!knob} =~ ^[0-9]+$ && ${!knob} -gt 0 ]] || die "$knob must be a positive integer, got '${!knob}'"
done
((CONNECTIONS >= WRK_THREADS)) || die "wrk needs CONNECTIONS >= WRK_THREADS"
((FILE_MIB >= 2)) || die "FILE_MIB must be at least 2"
[[ $LONG_TTL =~ ^[0-9]+[smhd]?$ ]] || die "LONG_TTL is a duration (s, m, h, d), got '$LONG_TTL'"
for p in lighttpd wrk curl python3 cc sha256sum timeout awk; do
    command -v "$p" >/dev/null || die "$p is missing (Debian: lighttpd wrk curl python3 gcc libfcgi-dev)"
done
if [[ -z $PF_BIN ]]; then
    "$top/scripts/deps.sh" bench
    PF_BIN=$("$top/scripts/build.sh")/src/pypi-fcgi
fi
[[ -x $PF_BIN ]] || { log "no pypi-fcgi at $PF_BIN (build it with scripts/build.sh, or leave PF_BIN unset)"; exit 2; }
PF_BIN=$(realpath "$PF_BIN")

LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
T=$(realpath "$(mktemp -d "${TMPDIR:-/tmp}/pypi-fcgi-upbench.XXXXXX")")
case $T in *[[:space:]\"\\\#]*) die "the temp dir's path must not hold spaces, quotes, backslashes or '#': $T" ;; esac
PIDS=()

# stop PID: SIGTERM, SIGKILL after 5 s; reaped.
stop() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        [[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) == Z ]] && break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$? i
    trap - EXIT INT TERM HUP
    # Last started first: the web servers before their responders.
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop "${PIDS[i]}"; done
    if [[ $KEEP == 1 ]]; then log "kept $T"; else rm -rf "$T"; fi
    exit "$rc"
}
trap 'log "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- ports, trees

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
take_port() { # take_port VAR FROM: the first free port from FROM up
    local p
    for ((p = $2; p < $2 + 100; p++)); do
        if port_free "$p"; then printf -v "$1" '%s' "$p"; return 0; fi
    done
    die "no free port near $2"
}
take_port UP_PORT "$PORT"
take_port FR_PORT $((UP_PORT + 1))
UP=http://127.0.0.1:$UP_PORT
FR=http://127.0.0.1:$FR_PORT

# Two projects of PAGE_FILES wheels each, names of the same length so that
# their pages are of about the same size: bench-upstr in the upstream's root,
# bench-local in the front's; and bench-big, one FILE_MIB MiB wheel, upstream.
LOCAL=bench-local
UPPROJ=bench-upstr
BIG=bench-big
mkdir -p "$T/up-root" "$T/front-root" "$T/cache-long" "$T/cache-ttl0" "$T/www/static" "$T/state" "$T/wrk"
log "building null-fcgi and $((2 * PAGE_FILES)) small wheels and a $FILE_MIB MiB one in $T"
cc -O2 -Wall -pthread "$here/null-fcgi.c" -lfcgi -o "$T/null-fcgi"
for ((i = 1; i <= PAGE_FILES; i++)); do
    python3 "$top/tests/e2e/mkdist.py" wheel --out "$T/up-root/$UPPROJ" --name "$UPPROJ" --version "1.0.$i" >/dev/null
    python3 "$top/tests/e2e/mkdist.py" wheel --out "$T/front-root/$LOCAL" --name "$LOCAL" --version "1.0.$i" >/dev/null
done
BIG_PATH=$(python3 "$top/tests/e2e/mkdist.py" wheel --out "$T/up-root/$BIG" --name "$BIG" --version 1.0 \
    --pad-mib "$FILE_MIB")
BIG_FILE=$(basename "$BIG_PATH")
BIG_SIZE=$(stat -c %s "$BIG_PATH")
BIG_SHA=$(sha256sum "$BIG_PATH" | cut -d' ' -f1)

# ---------------------------------------------------------------- processes

wait_sock() { # wait_sock PATH PID
    local i
    for ((i = 0; i < 300; i++)); do
        [[ -S $1 ]] && return 0
        kill -0 "$2" 2>/dev/null || die "the process for $1 exited; see $T/*.log (KEEP=1)"
        sleep 0.1
    done
    die "no socket at $1 after 30 s"
}
start_pf() { # start_pf NAME ROOT ARGS...: pypi-fcgi on unix:$T/NAME.sock, outside lighttpd
    local name=$1 root=$2
    shift 2
    "$PF_BIN" --threads "$THREADS" --listen "unix:$T/$name.sock" --sendfile x-sendfile "$@" "$root" \
        2>>"$T/$name.log" &
    PIDS+=($!)
    wait_sock "$T/$name.sock" $!
}
fcgi_block() { # fcgi_block PREFIX SOCKET DOCROOT...: a mount on a socket of its own
    local prefix=$1 sock=$2 roots='' r
    shift 2
    for r in "$@"; do roots+="${roots:+, }\"$r/\""; done
    cat <<CONF
\$HTTP["url"] =~ "^$prefix(/|\$)" {
  fastcgi.server = ( "$prefix" => ((
    "socket" => "$sock",
    "check-local" => "disable",
    "x-sendfile" => "enable",
    "x-sendfile-docroot" => ( $roots ),
  )) )
}
CONF
}
start_lighttpd() { # start_lighttpd NAME PORT MORE-CONF: lighttpd -D, up when it answers
    local name=$1 port=$2 i
    cat >"$T/$name.conf" <<CONF
server.modules = ( "mod_access", "mod_fastcgi", "mod_accesslog" )
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/$name-error.log"
server.max-keep-alive-requests = 100000
server.stream-response-body = 1
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html; charset=utf-8" )
$3
CONF
    lighttpd -D -f "$T/$name.conf" 2>>"$T/$name.stderr" &
    PIDS+=($!)
    for ((i = 0; i < 100; i++)); do
        curl -q -s -o /dev/null "http://127.0.0.1:$port/" && return 0
        kill -0 "${PIDS[-1]}" 2>/dev/null || die "lighttpd $name exited: $(cat "$T/$name-error.log" "$T/$name.stderr" 2>/dev/null)"
        sleep 0.1
    done
    die "lighttpd $name does not answer on port $port"
}

# The upstream: pypi-fcgi on the up-root behind its own lighttpd, under /up
# for the long-TTL front and under /up0 for the ttl-0 one, with an access log
# (each front's requests are counted in it by their mount, once it is complete).
start_pf upstream "$T/up-root"
start_lighttpd upstream "$UP_PORT" "accesslog.filename = \"$T/upstream-access.log\"
$(fcgi_block /up "$T/upstream.sock" "$T/up-root")
$(fcgi_block /up0 "$T/upstream.sock" "$T/up-root")"
UP_SIMPLE=$UP/up/simple/

# The front: pypi-fcgi with the upstream and a long TTL under /pf, another with
# --upstream-ttl 0 under /pf0 (its own cache), null-fcgi under /null, the
# static copy under /static.
start_pf front "$T/front-root" --upstream "$UP_SIMPLE" --upstream-cache "$T/cache-long" --upstream-ttl "$LONG_TTL"
start_pf front0 "$T/front-root" --upstream "$UP/up0/simple/" --upstream-cache "$T/cache-ttl0" --upstream-ttl 0
start_lighttpd front "$FR_PORT" "fastcgi.server = ( \"/null\" => (( \"socket\" => \"$T/null.sock\", \"check-local\" => \"disable\" )) )
$(fcgi_block /pf "$T/front.sock" "$T/front-root" "$T/cache-long/files")
$(fcgi_block /pf0 "$T/front0.sock" "$T/front-root" "$T/cache-ttl0/files")"

get() { # get URL OUT [HDR-OUT]: a 200 or dies
    local code
    code=$(curl -q -sS --max-time 60 -o "$2" ${3:+-D "$3"} -w '%{http_code}' "$1") || die "curl $1 failed"
    [[ $code == 200 ]] || die "$1 answered $code: $(head -c 300 "$2")"
}

# Warm-up: every page once (the upstream pages are fetched into the caches).
PAGE=/simple/$UPPROJ/
get "$FR/pf$PAGE" "$T/page-b.html" "$T/page-b.raw"
get "$FR/pf0$PAGE" "$T/page-b0.html"
get "$FR/pf/simple/$LOCAL/" "$T/page-a.html"
grep -q "/packages/+upstream/$UPPROJ/" "$T/page-b.html" || die "the upstream page links no /packages/+upstream/ file"
cmp -s "$T/page-b.html" "$T/page-b0.html" || log "note: /pf and /pf0 render the upstream page differently"
[[ -d $T/cache-long/pages ]] || die "no pages/ in the cache directory after the warm-up"

# The upstream page's bytes and headers for null-fcgi and the static copy (as hop.sh does).
d=$T/www/static$PAGE
mkdir -p "$d"
cp "$T/page-b.html" "$d/index.html"
tr -d '\r' <"$T/page-b.raw" | awk 'NR > 1 && NF' |
    grep -viE '^(date|server|content-length|connection|keep-alive|transfer-encoding|age):' >"$d/index.html.hdr"
"$T/null-fcgi" -t "$THREADS" -l "$T/null.sock" -p /null "$T/www/static" 2>>"$T/null.log" &
PIDS+=($!)
wait_sock "$T/null.sock" $!
get "$FR/null$PAGE" "$T/page-c.html"
get "$FR/static$PAGE" "$T/page-d.html"
cmp -s "$T/page-c.html" "$T/page-b.html" || die "null-fcgi does not serve the captured page"
cmp -s "$T/page-d.html" "$T/page-b.html" || die "the static copy differs from the captured page"

# ---------------------------------------------------------------- wrk

declare -A RPS=() P99=() ALLRPS=() RUNS=()
NRUN=0
# wrk_run KEY URL: one wrk run; its req/s into RPS[KEY] (the median of the
# runs so far is computed at the end), every non-2xx or socket error dies.
wrk_run() {
    local key=$1 url=$2 out rps p99
    NRUN=$((NRUN + 1))
    out=$T/wrk/$key.$NRUN.txt
    timeout $((DURATION + 30)) wrk --latency -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${DURATION}s" "$url" >"$out" 2>&1 ||
        die "wrk on $url failed: $(cat "$out")"
    ! grep -qE 'Non-2xx|Socket errors' "$out" || die "wrk on $url had errors: $(cat "$out")"
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p99=$(awk '$1 == "99%" { print $2 }' "$out")
    [[ -n $rps ]] || die "no req/s in $out"
    RUNS[$key]+="$rps "
    ALLRPS[$key]+="${ALLRPS[$key]:+, }$(printf '%.0f' "$rps")"
    P99[$key]+="$p99 "
}
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

log "cached pages: $((4 * REPEAT)) wrk runs of ${DURATION} s"
for ((r = 0; r < REPEAT; r++)); do
    wrk_run local "$FR/pf/simple/$LOCAL/"
    wrk_run upstream "$FR/pf$PAGE"
    wrk_run null "$FR/null$PAGE"
    wrk_run static "$FR/static$PAGE"
done

log "revalidation: $((2 * REPEAT)) wrk runs of ${DURATION} s"
for ((r = 0; r < REPEAT; r++)); do
    wrk_run ttl0 "$FR/pf0$PAGE"
    wrk_run ttllong "$FR/pf$PAGE"
done
for k in local upstream null static ttl0 ttllong; do
    RPS[$k]=$(median <<<"${RUNS[$k]}")
done
TTL0_REQS=0
for f in "$T"/wrk/ttl0.*.txt; do
    TTL0_REQS=$((TTL0_REQS + $(awk '/requests in/ { print $1 }' "$f")))
done

# ---------------------------------------------------------------- first download

# link_of PAGE-URL: the absolute URL of BIG_FILE's link on that page.
link_of() {
    local href
    href=$(curl -q -sS --max-time 60 "$1" | grep -o "href=\"[^\"#]*$BIG_FILE" | head -n1 | sed 's/^href="//')
    [[ -n $href ]] || die "no link to $BIG_FILE on $1"
    python3 -c 'import sys, urllib.parse; print(urllib.parse.urljoin(sys.argv[1], sys.argv[2]))' "$1" "$href"
}
BIG_URL=$(link_of "$FR/pf/simple/$BIG/")
[[ $BIG_URL == "$FR/pf/packages/+upstream/$BIG/$BIG_FILE" ]] || die "the cache links $BIG_FILE as $BIG_URL"
DIRECT_URL=$(link_of "$UP_SIMPLE$BIG/")
[[ $DIRECT_URL == "$UP/up/"* ]] || die "the upstream links $BIG_FILE as '$DIRECT_URL'"
CACHED=$T/cache-long/files/$BIG/$BIG_SHA/$BIG_FILE
declare -A DL=()
# dl KEY URL: one download to a file; "ttfb total speed" appended to DL[KEY];
# the bytes must be the file's.
dl() {
    local key=$1 url=$2 w code
    rm -f "$T/dl.bin"
    w=$(curl -q -sS --max-time "$DL_TIMEOUT" -o "$T/dl.bin" \
        -w '%{http_code} %{time_starttransfer} %{time_total} %{speed_download}' "$url") || die "download of $url failed"
    read -r code ttfb total speed <<<"$w"
    [[ $code == 200 ]] || die "$url answered $code"
    [[ $(stat -c %s "$T/dl.bin") == "$BIG_SIZE" && $(sha256sum "$T/dl.bin" | cut -d' ' -f1) == "$BIG_SHA" ]] ||
        die "$url: the bytes differ from $BIG_FILE"
    rm -f "$T/dl.bin"
    DL[$key.ttfb]+="$ttfb "
    DL[$key.total]+="$total "
    DL[$key.speed]+="$speed "
}
log "first downloads: $REPS x ($FILE_MIB MiB direct, first through the cache, cached)"
for ((r = 0; r < REPS; r++)); do
    rm -f "$CACHED"
    dl direct "$DIRECT_URL"
    dl first "$BIG_URL"
    [[ -f $CACHED ]] || die "the first download left no $CACHED"
    dl cached "$BIG_URL"
done
# The upstream's requests, from its access log (lighttpd writes it at least
# once a second): count LINE-PART STATUS.
sleep 2
count() { awk -v p="$1" -v st="$2" 'index($0, p) && $9 == st' "$T/upstream-access.log" | wc -l; }
UP_PF_200=$(count "\"GET /up/simple/$UPPROJ/ " 200)
UP_PF_304=$(count "\"GET /up/simple/$UPPROJ/ " 304)
UP_PF0_200=$(count "\"GET /up0/simple/$UPPROJ/ " 200)
UP_PF0_304=$(count "\"GET /up0/simple/$UPPROJ/ " 304)
UP_PF0_ALL=$(grep -c "\"GET /up0/simple/$UPPROJ/ " "$T/upstream-access.log" || true)
BIG_FETCHES=$(grep "/packages/$BIG/$BIG_FILE " "$T/upstream-access.log" | grep -c '"pypi-fcgi/' || true)
for k in direct first cached; do
    for m in ttfb total speed; do
        DL[$k.$m.med]=$(median <<<"${DL[$k.$m]}")
    done
done
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
mbs() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1e6 }'; }
runs_ms() { local x o=''; for x in $1; do o+="${o:+, }$(ms "$x")"; done; echo "$o"; }
runs_s() { local x o=''; for x in $1; do o+="${o:+, }$(printf '%.3f' "$x")"; done; echo "$o"; }
runs_mbs() { local x o=''; for x in $1; do o+="${o:+, }$(mbs "$x")"; done; echo "$o"; }

# ---------------------------------------------------------------- report

LT_VERSION=$(lighttpd -v 2>&1 | head -n1)
WRK_VERSION=$( (wrk -v 2>&1 || true) | head -n1 | awk '{ print $1, $2 }')
rps() { printf '%.0f' "${RPS[$1]}"; }
p99s() { echo "${P99[$1]}" | sed 's/ *$//; s/ /, /g'; }
{
    echo "# pypi-fcgi upstream cache benchmark"
    echo
    echo "Command: \`$CMDLINE\`"
    echo
    echo "Machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), Linux $(uname -r);" \
        "$LT_VERSION; $WRK_VERSION; $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo "Load average before the run $LOADAVG_START, after it $(cut -d' ' -f1-3 /proc/loadavg) (this run's included):"
    echo "a shared machine, other work ran meanwhile and skews every number; the ratios, measured side by side, transfer better."
    echo
    echo "## Cached pages"
    echo
    echo "One lighttpd, wrk -t $WRK_THREADS -c $CONNECTIONS -d ${DURATION}s, median of $REPEAT run(s) per row (runs interleaved);"
    echo "pypi-fcgi --threads $THREADS on a unix socket; the upstream page kept with --upstream-ttl $LONG_TTL."
    echo
    echo "| row | page | bytes | req/s | runs | p99 of each run |"
    echo "|---|---|---:|---:|---|---|"
    echo "| (a) local | pypi-fcgi /simple/$LOCAL/ ($PAGE_FILES files) | $(stat -c %s "$T/page-a.html") | **$(rps local)** | ${ALLRPS[local]} | $(p99s local) |"
    echo "| (b) upstream, cached | pypi-fcgi /simple/$UPPROJ/ from the cache ($PAGE_FILES files) | $(stat -c %s "$T/page-b.html") | **$(rps upstream)** | ${ALLRPS[upstream]} | $(p99s upstream) |"
    echo "| (c) null | null-fcgi, (b)'s bytes and headers | $(stat -c %s "$T/page-c.html") | **$(rps null)** | ${ALLRPS[null]} | $(p99s null) |"
    echo "| (d) static | lighttpd, (b)'s bytes as a file | $(stat -c %s "$T/page-d.html") | **$(rps static)** | ${ALLRPS[static]} | $(p99s static) |"
    echo
    echo "| ratio | value |"
    echo "|---|---:|"
    echo "| (b)/(c) upstream page vs the FastCGI ceiling | **$(ratio "${RPS[upstream]}" "${RPS[null]}")** |"
    echo "| (a)/(c) local page vs the FastCGI ceiling | **$(ratio "${RPS[local]}" "${RPS[null]}")** |"
    echo "| (b)/(a) upstream page vs local page | **$(ratio "${RPS[upstream]}" "${RPS[local]}")** |"
    echo "| (b)/(d) upstream page vs static (reference) | $(ratio "${RPS[upstream]}" "${RPS[static]}") |"
    echo "| (c)/(d) null vs static (reference) | $(ratio "${RPS[null]}" "${RPS[static]}") |"
    echo
    echo "The long-TTL front's requests for the page at the upstream, in the whole run: $UP_PF_200 answered 200"
    echo "(1 expected: the warm-up), $UP_PF_304 answered 304 (0 expected: no revalidation)."
    echo
    echo "## Revalidation"
    echo
    echo "The same upstream page, from a pypi-fcgi with --upstream-ttl 0 (/pf0, its own cache) and from the one with"
    echo "--upstream-ttl $LONG_TTL (/pf); runs interleaved, same wrk settings."
    echo
    echo "| row | req/s | runs | p99 of each run |"
    echo "|---|---:|---|---|"
    echo "| --upstream-ttl 0 | **$(rps ttl0)** | ${ALLRPS[ttl0]} | $(p99s ttl0) |"
    echo "| --upstream-ttl $LONG_TTL | **$(rps ttllong)** | ${ALLRPS[ttllong]} | $(p99s ttllong) |"
    echo "| ratio ttl 0 / long | **$(ratio "${RPS[ttl0]}" "${RPS[ttllong]}")** | | |"
    echo
    echo "During the ttl-0 runs the front answered $TTL0_REQS requests; the ttl-0 front asked the upstream for the page"
    echo "$UP_PF0_ALL times in the whole run ($(ratio "$UP_PF0_ALL" "$TTL0_REQS") per front request): $UP_PF0_304 answered 304,"
    echo "$UP_PF0_200 answered 200 (the warm-up's fetch)."
    echo "Fewer upstream requests than front requests means concurrent requests were served the kept copy while"
    echo "one revalidated."
    echo
    echo "## First download of a $FILE_MIB MiB file"
    echo
    echo "$BIG_FILE ($BIG_SIZE bytes), curl on loopback, $REPS rep(s), medians; each rep: the upstream directly, then"
    echo "through the cache with the cached copy removed (first download: fetched from the upstream and streamed),"
    echo "then again (cached: X-Sendfile from the cache). Every download is checked (200, size, sha256)."
    echo
    echo "| download | time to first byte (ms) | total (s) | MB/s | runs: total s | runs: MB/s |"
    echo "|---|---:|---:|---:|---|---|"
    for k in direct first cached; do
        case $k in
            direct) lbl="upstream directly" ;;
            first) lbl="first, through the cache" ;;
            cached) lbl="second, cached (X-Sendfile)" ;;
        esac
        echo "| $lbl | $(ms "${DL[$k.ttfb.med]}") | $(printf '%.3f' "${DL[$k.total.med]}") | **$(mbs "${DL[$k.speed.med]}")** | $(runs_s "${DL[$k.total]}") | $(runs_mbs "${DL[$k.speed]}") |"
    done
    echo
    echo "| ratio (medians) | value |"
    echo "|---|---:|"
    echo "| first / direct, total time | **$(ratio "${DL[first.total.med]}" "${DL[direct.total.med]}")** |"
    echo "| first / direct, time to first byte | $(ratio "${DL[first.ttfb.med]}" "${DL[direct.ttfb.med]}") |"
    echo "| cached / direct, total time | **$(ratio "${DL[cached.total.med]}" "${DL[direct.total.med]}")** |"
    echo "| cached / first, throughput | $(ratio "${DL[cached.speed.med]}" "${DL[first.speed.med]}") |"
    echo
    echo "The cache's requests for the file at the upstream: $BIG_FETCHES ($REPS expected: one per first download, none for the cached ones)."
    echo "Time to first byte of each run (ms): direct $(runs_ms "${DL[direct.ttfb]}"); first $(runs_ms "${DL[first.ttfb]}"); cached $(runs_ms "${DL[cached.ttfb]}")."
    echo "All files are in the page cache (just written): this is CPU and copying, not disk."
} >"$T/report.md"

((BIG_FETCHES == REPS)) || log "warning: the cache asked the upstream $BIG_FETCHES times for $BIG_FILE ($REPS expected)"
((UP_PF_304 == 0 && UP_PF_200 == 1)) || log "warning: the long-TTL front asked the upstream for the page again"
cat "$T/report.md"
mkdir -p "$(dirname "$OUT")"
cp "$T/report.md" "$OUT"
log "report written to $OUT"
