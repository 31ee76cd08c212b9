#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# abuse.sh: index latency (/simple/<p>/ p50 and p99) while clients guess passwords or trickle uploads, behind lighttpd and Apache.
#
# One command: bench/abuse.sh (installs what is missing with scripts/deps.sh
# bench and builds pypi-fcgi when PF_BIN is unset; about 2 minutes). Loopback
# only, every run bounded in time, everything it starts is stopped by its PID
# in the EXIT trap, the temp dir is removed unless KEEP=1.
#
# For each front (lighttpd: contrib/lighttpd.conf rendered as
# tests/e2e/lib.sh render_conf does, pypi-fcgi spawned by lighttpd; apache:
# contrib/apache-proxy-fcgi.conf with its Define lines set, pypi-fcgi started
# by contrib/pypi-fcgi-spawn) and each attack, wrk measures /simple/<p>/ idle,
# then again while CLIENTS clients attack:
#   guess    wrong Basic passwords for a user with a bcrypt hash of cost COST:
#            uploads (GUESS=post) or /simple/ under --authenticate
#            update,list (GUESS=get; wrk then sends the right password, a
#            remembered login)
#   trickle  authenticated uploads sending their body at TRICKLE_RATE B/s
# A row: p50 and p99 idle and under attack (ms), their ratios, wrk's answered
# requests and timeouts, and the statuses the attackers got (a trickled
# upload cut off at the end shows none). Written to OUT.
#
# Knobs: PF_BIN PF_ARGS (more pypi-fcgi options) FRONTS="lighttpd apache"
# ATTACKS="guess trickle" GUESS=post CLIENTS=8 THREADS=4 COST=12 DURATION=10
# (each wrk run, s) WARM=2 (attack before measuring, s) CONNECTIONS=4
# TRICKLE_RATE=600 TRICKLE_KIB=64 ATTACK_NICE=19 PORT=18680 WEB_USER=www-data PF_USER=nobody
# OUT=bench/abuse.md KEEP=0
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

PF_BIN=${PF_BIN:-}
PF_ARGS=${PF_ARGS:-}
FRONTS=${FRONTS-lighttpd apache}
ATTACKS=${ATTACKS-guess trickle}
GUESS=${GUESS:-post}
CLIENTS=${CLIENTS:-8}
THREADS=${THREADS:-4}
COST=${COST:-12}
DURATION=${DURATION:-10}
WARM=${WARM:-2}
CONNECTIONS=${CONNECTIONS:-4}
TRICKLE_RATE=${TRICKLE_RATE:-600}
ATTACK_NICE=${ATTACK_NICE:-19}
TRICKLE_KIB=${TRICKLE_KIB:-64}
PORT=${PORT:-18680}
WEB_USER=${WEB_USER:-www-data}
PF_USER=${PF_USER:-nobody}
OUT=${OUT:-$BENCH_DIR/abuse.md}
KEEP=${KEEP:-0}

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

MKDIST=$TOP_DIR/tests/e2e/mkdist.py
LT_CONF=$TOP_DIR/contrib/lighttpd.conf
APACHE_CONF=$TOP_DIR/contrib/apache-proxy-fcgi.conf
SPAWN=$TOP_DIR/contrib/pypi-fcgi-spawn
MODDIR=/usr/lib/apache2/modules
PROJECT=abuse-demo

log() { printf 'abuse: %s\n' "$*" >&2; }
die() { printf 'abuse: error: %s\n' "$*" >&2; exit 1; }

for knob in CLIENTS THREADS COST DURATION WARM CONNECTIONS TRICKLE_RATE TRICKLE_KIB PORT; do
    [[ ${!knob} =~ ^[0-9]+$ ]] || die "$knob must be a non-negative integer, got '${!knob}'"
done
((CLIENTS > 0 && DURATION > 0 && CONNECTIONS >= 2 && TRICKLE_RATE > 0 && COST >= 4 && COST <= 31)) ||
    die "CLIENTS, DURATION and TRICKLE_RATE must be positive, CONNECTIONS >= 2, COST 4..31"
[[ $GUESS == post || $GUESS == get ]] || die "GUESS is post (uploads) or get (pages under --authenticate list)"
for f in $FRONTS; do [[ $f == lighttpd || $f == apache ]] || die "FRONTS lists lighttpd and/or apache, got '$f'"; done
for a in $ATTACKS; do [[ $a == guess || $a == trickle ]] || die "ATTACKS lists guess and/or trickle, got '$a'"; done

APACHE=$(PATH=$PATH:/usr/sbin:/sbin command -v apache2 2>/dev/null || true)
if [[ -z $PF_BIN ]]; then
    "$TOP_DIR/scripts/deps.sh" bench
    PF_BIN=$("$TOP_DIR/scripts/build.sh")/src/pypi-fcgi
fi
for tool in wrk curl python3 htpasswd timeout awk; do
    command -v "$tool" >/dev/null || die "missing program: $tool (scripts/deps.sh bench installs it)"
done
[[ " $FRONTS " != *" lighttpd "* ]] || command -v lighttpd >/dev/null || die "missing program: lighttpd"
if [[ " $FRONTS " == *" apache "* ]]; then
    [[ -n $APACHE ]] || die "missing program: apache2"
    command -v spawn-fcgi >/dev/null || die "missing program: spawn-fcgi"
    for m in mpm_event authz_core proxy proxy_fcgi xsendfile; do
        [[ -f $MODDIR/mod_$m.so ]] || die "missing $MODDIR/mod_$m.so"
    done
fi
[[ -x $PF_BIN ]] || die "pypi-fcgi is not built: $PF_BIN"
PF_BIN=$(realpath "$PF_BIN")

# ---------------------------------------------------------------- processes

T=
PIDS=()
alive() {
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z ]]
}
# stop PID [SIGNAL]: the signal (TERM), then KILL after 10 s; reaps it.
stop() {
    local pid=$1 sig=${2:-TERM} i
    [[ -n $pid ]] || return 0
    if alive "$pid"; then
        kill "-$sig" "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do alive "$pid" || break; sleep 0.1; done
        if alive "$pid"; then
            log "pid $pid still running 10 s after SIG$sig; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}
# The children of a front (the pypi-fcgi lighttpd spawned), to stop after it.
kids() { ps -o pid= --ppid "$1" 2>/dev/null || true; }
cleanup() {
    local rc=$? p
    trap - EXIT INT TERM HUP
    for p in "${PIDS[@]}"; do stop "$p"; done
    if [[ -n $T ]]; then
        if [[ $KEEP == 1 ]]; then log "kept $T"; else rm -rf "$T"; fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
next_port() {
    local p=$1
    while ! port_free "$p"; do p=$((p + 1)); done
    echo "$p"
}
wait_http() { # wait_http URL SECONDS
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        [[ $(curl -qs -o /dev/null --max-time 2 -w '%{http_code}' "$1" || true) == 200 ]] && return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- the tree and the users

T=$(mktemp -d /tmp/pypi-fcgi-abuse.XXXXXX)
chmod 0711 "$T"
ROOT=$T/root
mkdir -p "$ROOT/$PROJECT" "$T/d" "$T/run"
python3 "$MKDIST" wheel --out "$ROOT/$PROJECT" --name "$PROJECT" --version 1.0 >/dev/null
python3 "$MKDIST" wheel --out "$T/d" --name "$PROJECT" --version 9.9 >/dev/null
UPWHL=$(ls "$T/d"/*.whl)
# The trickled upload: a wheel padded to TRICKLE_KIB, sent at TRICKLE_RATE.
mkdir -p "$T/d/big"
python3 "$MKDIST" wheel --out "$T/d/big" --name "$PROJECT" --version 8.8 --pad-mib 1 >/dev/null 2>&1 ||
    python3 "$MKDIST" wheel --out "$T/d/big" --name "$PROJECT" --version 8.8 >/dev/null
head -c $((TRICKLE_KIB * 1024)) "$(ls "$T/d/big"/*.whl)" >"$T/d/trickle.bin"
htpasswd -cbB -C "$COST" "$T/htpasswd" alice alice-pw 2>/dev/null
chmod 0644 "$T/htpasswd"
if ((EUID == 0)); then chown -R "$PF_USER" "$ROOT"; fi
AUTH_ARGS="--threads $THREADS --htpasswd $T/htpasswd"
if [[ $GUESS == get ]]; then AUTH_ARGS+=" --authenticate update,list"; fi
GOOD="Authorization: Basic $(printf 'alice:alice-pw' | base64)"

# ---------------------------------------------------------------- fronts

FRONT_PID=
BASE=
start_lighttpd() {
    local d=$T/lt
    mkdir -p "$d"
    LT_PORT=$(next_port "$PORT")
    # As tests/e2e/lib.sh render_conf does: the var lines, nothing else.
    mkdir -p "$d/www" "$d/upload"
    sed -e "s#^var.pypi_root .*#var.pypi_root   = \"$ROOT\"#" \
        -e "s#^var.pypi_state .*#var.pypi_state  = \"$d\"#" \
        -e "s#^var.pypi_bin .*#var.pypi_bin    = \"$PF_BIN\"#" \
        -e "s#^var.pypi_port .*#var.pypi_port   = $LT_PORT#" \
        -e "s#^\(var.pypi_args *= *\"[^\"]*\)\"#\1 $AUTH_ARGS${PF_ARGS:+ $PF_ARGS}\"#" \
        "$LT_CONF" >"$d/lighttpd.conf"
    lighttpd -tt -f "$d/lighttpd.conf" >"$d/check.log" 2>&1 || die "lighttpd -tt: $(cat "$d/check.log")"
    lighttpd -D -f "$d/lighttpd.conf" >"$d/lighttpd.out" 2>&1 &
    FRONT_PID=$!
    PIDS+=("$FRONT_PID")
    BASE=http://127.0.0.1:$LT_PORT
    wait_http "$BASE/health" 20 || die "lighttpd did not start: $(tail -n 5 "$d/lighttpd.out" "$d/error.log" 2>/dev/null)"
}

start_apache() {
    local d=$T/apache
    mkdir -p "$d/run" "$d/www"
    AP_PORT=$(next_port "$PORT")
    env -i PATH="$PATH" PYPI_ROOT="$ROOT" PYPI_SOCKET="$T/run/pf.sock" PYPI_BIN="$PF_BIN" PYPI_USER="$PF_USER" \
        PYPI_WEB_GROUP="$WEB_USER" PYPI_THREADS="$THREADS" PYPI_PROCS=1 PYPI_SENDFILE=x-sendfile \
        PYPI_ARGS="$AUTH_ARGS $PF_ARGS" sh "$SPAWN" >>"$d/pypi-fcgi.log" 2>&1 &
    SPAWN_PID=$!
    PIDS+=("$SPAWN_PID")
    for _ in $(seq 100); do [[ -S $T/run/pf.sock ]] && break; sleep 0.1; done
    [[ -S $T/run/pf.sock ]] || die "pypi-fcgi-spawn did not start: $(tail -n 5 "$d/pypi-fcgi.log")"
    sed -e "s#^Define PYPI_ROOT .*#Define PYPI_ROOT     $ROOT#" \
        -e "s#^Define PYPI_SOCKET .*#Define PYPI_SOCKET   $T/run/pf.sock#" "$APACHE_CONF" >"$d/pypi.conf"
    # Debian's apache2.conf and mpm_event.conf settings, as bench.sh uses (bench/lib.sh).
    cat >"$d/httpd.conf" <<EOF
$(apache_conf_head "$d" "$AP_PORT" "$WEB_USER" "$WEB_USER")
DocumentRoot $d/www
Include $d/pypi.conf
EOF
    "$APACHE" -t -f "$d/httpd.conf" >"$d/apache-t.log" 2>&1 || die "apache2 -t: $(cat "$d/apache-t.log")"
    "$APACHE" -f "$d/httpd.conf" -DFOREGROUND >"$d/apache.log" 2>&1 &
    FRONT_PID=$!
    PIDS+=("$FRONT_PID")
    BASE=http://127.0.0.1:$AP_PORT/pypi
    wait_http "$BASE/health" 20 || die "Apache did not start: $(tail -n 5 "$d/apache.log" "$d/error.log" 2>/dev/null)"
}

stop_front() {
    local k
    k=$(kids "$FRONT_PID")
    if [[ $1 == apache ]]; then stop "$FRONT_PID" TERM; stop "$SPAWN_PID" TERM; else stop "$FRONT_PID" INT; fi
    # shellcheck disable=SC2086 # a list of pids
    for p in $k; do stop "$p"; done
}

# ---------------------------------------------------------------- load and measurement

# wrk_page OUT: wrk on the project page; prints "p50 p99 answered timeouts"
# (ms; "-" when nothing was answered).
wrk_page() {
    local hdr=()
    if [[ $GUESS == get ]]; then hdr=(-H "$GOOD"); fi
    timeout $((DURATION + 30)) wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency "${hdr[@]}" \
        "$BASE/simple/$PROJECT/" >"$1" 2>&1 || true
    awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
         $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
         / requests in / { n = $1 } /timeout/ { sub(/.*timeout /, ""); t = $0 + 0 }
         END { if (n == 0) p50 = p99 = ""
               printf "%s %s %d %d\n", (p50 == "" ? "-" : p50), (p99 == "" ? "-" : p99), n, t }' "$1"
}

ATTACK_PIDS=()
# attacker N KIND: one client looping until the run ends, one status per line in $T/codes.N.
attacker() {
    local n=$1 kind=$2 deadline=$((DURATION + WARM + 5)) i=0
    : >"$T/codes.$n"
    (
        # A curl per request: on one machine the attackers' own CPU would
        # take the cores from the server, as a remote attacker's does not.
        renice -n "$ATTACK_NICE" -p "$BASHPID" >/dev/null 2>&1 || true
        end=$((SECONDS + deadline))
        while ((SECONDS < end)); do
            i=$((i + 1))
            case $kind in
            guess-post)
                curl -qs -o /dev/null --max-time 10 -w '%{http_code}\n' -u "alice:guess-$n-$i" \
                    -F ':action=file_upload' -F "name=$PROJECT" -F version=9.9 -F filetype=bdist_wheel \
                    -F pyversion=py3 -F "content=@$UPWHL" "$BASE/legacy/" ;;
            guess-get)
                curl -qs -o /dev/null --max-time 10 -w '%{http_code}\n' -u "alice:guess-$n-$i" "$BASE/simple/" ;;
            trickle)
                # A new version each time, so that no 409 ends it early.
                curl -qs -o /dev/null --max-time "$deadline" --limit-rate "$TRICKLE_RATE" -w '%{http_code}\n' \
                    -H "$GOOD" -F ':action=file_upload' -F "name=$PROJECT" -F "version=7.$n.$i" \
                    -F filetype=bdist_wheel -F pyversion=py3 \
                    -F "content=@$T/d/trickle.bin;filename=${PROJECT//-/_}-7.$n.$i-py3-none-any.whl" \
                    "$BASE/legacy/" ;;
            esac
        done >>"$T/codes.$n" 2>/dev/null
    ) &
    ATTACK_PIDS+=($!)
    PIDS+=($!)
}

tally() { cat "$T"/codes.* 2>/dev/null | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

ROWS=()
measure() { # measure FRONT ATTACK
    local front=$1 attack=$2 idle under n kind p
    rm -f "$T"/codes.*
    # So that the measured client's own login is remembered, as pip's is.
    if [[ $GUESS == get ]]; then curl -qs -o /dev/null --max-time 30 -H "$GOOD" "$BASE/simple/$PROJECT/" || true; fi
    idle=$(wrk_page "$T/wrk-$front-$attack-idle.txt")
    kind=$attack
    if [[ $attack == guess ]]; then kind=guess-$GUESS; fi
    ATTACK_PIDS=()
    for ((n = 1; n <= CLIENTS; n++)); do attacker "$n" "$kind"; done
    sleep "$WARM"
    under=$(wrk_page "$T/wrk-$front-$attack-under.txt")
    for p in "${ATTACK_PIDS[@]}"; do
        # shellcheck disable=SC2046 # a list of pids
        kill $(kids "$p") "$p" 2>/dev/null || true
        stop "$p"
    done
    read -r i50 i99 in it <<<"$idle"
    read -r u50 u99 un ut <<<"$under"
    ROWS+=("| $front | $attack | $i50 | $i99 | $u50 | $u99 | $(ratio "$u50" "$i50") | $(ratio "$u99" "$i99") | $in/$it | $un/$ut | $(tally) |")
    log "$front $attack: idle p50 $i50 p99 $i99 ms; under attack p50 $u50 p99 $u99 ms ($un answered, $ut timeouts); attackers: $(tally)"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for front in $FRONTS; do
    log "$front: pypi-fcgi $AUTH_ARGS $PF_ARGS"
    "start_$front"
    curl -qs -o /dev/null --max-time 5 "$BASE/simple/$PROJECT/" || true
    for attack in $ATTACKS; do measure "$front" "$attack"; done
    stop_front "$front"
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

{
    echo "# pypi-fcgi under abuse"
    echo
    echo "pypi-fcgi: $PF_BIN ($AUTH_ARGS${PF_ARGS:+ $PF_ARGS}); bcrypt cost $COST; $CLIENTS attacking clients;"
    echo "wrk -t2 -c$CONNECTIONS -d${DURATION}s on /simple/$PROJECT/, idle then under attack (after ${WARM} s)."
    echo "guess: $GUESS with wrong Basic passwords; trickle: authenticated uploads at $TRICKLE_RATE B/s."
    echo "Attacking clients run at nice $ATTACK_NICE (ATTACK_NICE; 0 lets their own curl processes compete for the cores)."
    echo "Load average before: $LOAD0; after: $LOAD1."
    echo
    echo "| front | attack | idle p50 ms | idle p99 ms | attack p50 ms | attack p99 ms | p50 ratio | p99 ratio | answered/timeouts idle | under attack | attackers' answers |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for r in "${ROWS[@]}"; do echo "$r"; done
} | tee "$OUT"
