# SPDX-License-Identifier: MIT
# lib.sh: TAP-like reporting, temp dir, lighttpd/responder start-stop and pip helpers for the e2e tests.
# shellcheck shell=bash
#
# Sourced by tests/e2e/test_*.sh (bash).
#
# Environment:
#   PYPI_FCGI   absolute path of the pypi-fcgi binary (required)
#   TOP_SRCDIR  the source tree (default: two levels above this file)
#   KEEP=1      keep the temp dir (its path is printed)
#   VERBOSE=1   print the server logs even when everything passed
#   E2E_TIMEOUT seconds after which the whole run is aborted (default 600)
#   E2E_WRAP    a command every pypi-fcgi server runs under, e.g.
#               E2E_WRAP="valgrind -q --error-exitcode=99" (timing checks may fail)

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$E2E_LIB_DIR/../.." && pwd)}
E2E_N=0
E2E_PASS=0
E2E_FAIL=0
E2E_SKIP=0
E2E_DONE=0
E2E_TMP=
E2E_LT_NAMES=()      # lighttpd instances: name -> pid in E2E_LT_PID_<name>
E2E_BG_PIDS=()       # other background processes we started (responders, curl, watchdog)
E2E_LOGS=()          # log files printed on failure / VERBOSE
E2E_LT_ERR=          # why lt_start failed (lt_error prints it)
E2E_PORT=            # the port lt_launch used
PF_BIN=              # what servers run: $PYPI_FCGI, or a wrapper under E2E_WRAP

# ---- reporting ---------------------------------------------------------

# diag TEXT...: diagnostic lines, prefixed with "# ".
diag() {
    local line
    printf '%s\n' "$@" | while IFS= read -r line; do printf '#   %s\n' "$line"; done
}

# pass DESC
pass() {
    E2E_N=$((E2E_N + 1))
    E2E_PASS=$((E2E_PASS + 1))
    printf 'ok %d - %s\n' "$E2E_N" "$1"
}

# fail DESC [DIAGNOSTIC...]
fail() {
    E2E_N=$((E2E_N + 1))
    E2E_FAIL=$((E2E_FAIL + 1))
    printf 'not ok %d - %s\n' "$E2E_N" "$1"
    shift
    [ $# -gt 0 ] && diag "$@"
    return 0
}

# skip DESC REASON
skip() {
    E2E_N=$((E2E_N + 1))
    E2E_SKIP=$((E2E_SKIP + 1))
    printf 'ok %d - %s # SKIP %s\n' "$E2E_N" "$1" "$2"
}

# e2e_require WHAT PROG...: when a PROG is not installed, reports WHAT as
# skipped, naming it, and ends the suite there.
e2e_require() {
    local what=$1 prog
    shift
    for prog in "$@"; do
        if ! command -v "$prog" >/dev/null 2>&1; then
            skip "$what" "$prog is not installed"
            e2e_done
            exit 0
        fi
    done
}

# check DESC CMD...: passes when CMD succeeds; its output is the diagnostic.
check() {
    local desc=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        pass "$desc"
    else
        fail "$desc" "command: $*" "exit status: $rc" "$out"
    fi
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1" "expected: $2" "actual:   $3"
    fi
}

# run_checks CMD...: runs a helper that prints "ok DESC" / "not ok DESC"
# lines (diagnostics as "# ..." lines after them) and reports each as a test.
run_checks() {
    local out rc line desc='' diags=() seen=0 nfail=0
    out=$("$@" 2>&1)
    rc=$?
    _flush_check() {
        [ -n "$desc" ] || return 0
        if [ "${desc%%:*}" = pass ]; then pass "${desc#pass:}"; else fail "${desc#fail:}" "${diags[@]}"; fi
        desc=
        diags=()
    }
    while IFS= read -r line; do
        case $line in
        "ok "*) _flush_check; desc="pass:${line#ok }"; seen=$((seen + 1)) ;;
        "not ok "*) _flush_check; desc="fail:${line#not ok }"; seen=$((seen + 1)); nfail=$((nfail + 1)) ;;
        "# "*) diags+=("${line#\# }") ;;
        *) [ -n "$line" ] && diags+=("$line") ;;
        esac
    done <<<"$out"
    _flush_check
    if [ $rc -ne 0 ] && [ "$seen" -eq 0 ]; then
        fail "helper $1 ran" "exit status $rc" "$out"
    elif [ $rc -ne 0 ] && [ "$nfail" -eq 0 ]; then
        fail "helper $1 exited $rc without reporting a failure" "$out"
    fi
}

# ---- temp dir, teardown ------------------------------------------------

e2e_init() {
    if [ -z "${PYPI_FCGI:-}" ] || [ ! -x "$PYPI_FCGI" ]; then
        echo "e2e: PYPI_FCGI must name the built pypi-fcgi binary (got '${PYPI_FCGI:-}')" >&2
        exit 2
    fi
    case $PYPI_FCGI in /*) ;; *) PYPI_FCGI=$(cd "$(dirname "$PYPI_FCGI")" && pwd)/$(basename "$PYPI_FCGI") ;; esac
    # Short: unix socket paths must fit in 108 bytes.
    E2E_TMP=$(mktemp -d /tmp/pf-e2e.XXXXXX) || exit 2
    mkdir -p "$E2E_TMP/home" "$E2E_TMP/tmp"
    PF_BIN=$PYPI_FCGI
    if [ -n "${E2E_WRAP:-}" ]; then
        PF_BIN=$E2E_TMP/pypi-fcgi-wrapped
        printf '#!/bin/sh\nexec %s %s "$@"\n' "$E2E_WRAP" "$PYPI_FCGI" >"$PF_BIN"
        chmod +x "$PF_BIN"
        echo "# e2e: servers run under: $E2E_WRAP"
    fi
    trap e2e_exit EXIT
    trap 'echo "# interrupted" >&2; exit 130' INT TERM HUP
    # A hard bound on the whole run: the watchdog's TERM runs the teardown.
    local self=$$
    (
        sp=
        trap '[ -n "$sp" ] && kill "$sp" 2>/dev/null; exit 0' TERM
        sleep "${E2E_TIMEOUT:-600}" &
        sp=$!
        wait "$sp"
        echo "# e2e: timed out after ${E2E_TIMEOUT:-600}s" >&2
        kill -TERM "$self" 2>/dev/null
    ) &
    E2E_WATCHDOG=$!
    echo "# e2e: temp dir $E2E_TMP"
    echo "# e2e: pypi-fcgi $PYPI_FCGI"
}

# e2e_log FILE: printed at the end when something failed (or VERBOSE=1).
e2e_log() { E2E_LOGS+=("$1"); }

# e2e_bg PID: a background process to end at teardown.
e2e_bg() { E2E_BG_PIDS+=("$1"); }

# proc_alive PID: true while PID runs (a zombie counts as gone).
proc_alive() {
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}

# wait_gone SECONDS PID...: true when all PIDs ended within SECONDS.
wait_gone() {
    local limit=$1 deadline p alive
    shift
    deadline=$(($(date +%s%N) + limit * 1000000000))
    while :; do
        alive=0
        for p in "$@"; do proc_alive "$p" && alive=1; done
        [ $alive -eq 0 ] && return 0
        [ "$(date +%s%N)" -ge $deadline ] && return 1
        sleep 0.02
    done
}

# our_responders: pids of pypi-fcgi processes whose command line mentions our temp dir.
our_responders() {
    local p cmd
    for p in $(pgrep -f -- "$PYPI_FCGI" 2>/dev/null); do
        proc_alive "$p" || continue
        cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
        case $cmd in *"$E2E_TMP"*) echo "$p" ;; esac
    done
}

e2e_teardown() {
    local name p left
    for name in "${E2E_LT_NAMES[@]}"; do
        lt_stop "$name" >/dev/null 2>&1
    done
    for p in "${E2E_BG_PIDS[@]}"; do
        proc_alive "$p" && kill -TERM "$p" 2>/dev/null
    done
    [ ${#E2E_BG_PIDS[@]} -gt 0 ] && { wait_gone 3 "${E2E_BG_PIDS[@]}" || true; }
    for p in "${E2E_BG_PIDS[@]}"; do
        proc_alive "$p" && kill -KILL "$p" 2>/dev/null
    done
    # A safety net: anything of ours still running (lighttpd included).
    for p in $(pgrep -f -- "lighttpd -D -f $E2E_TMP/" 2>/dev/null); do
        echo "# e2e: killing leftover lighttpd $p" >&2
        kill -KILL "$p" 2>/dev/null
    done
    left=$(our_responders)
    if [ -n "$left" ]; then
        echo "# e2e: killing leftover pypi-fcgi processes: $left" >&2
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null
    fi
}

e2e_exit() {
    local rc=$? f
    trap - EXIT INT TERM HUP
    [ -n "${E2E_WATCHDOG:-}" ] && kill -TERM "$E2E_WATCHDOG" 2>/dev/null
    e2e_teardown
    if [ "$E2E_DONE" -ne 1 ]; then
        fail "the test script ran to its end" "it stopped early with status $rc"
    fi
    if [ "$E2E_FAIL" -gt 0 ] || [ "${VERBOSE:-0}" = 1 ]; then
        for f in "${E2E_LOGS[@]}"; do
            [ -s "$f" ] || continue
            echo "# ---- $f (last 60 lines) ----"
            tail -n 60 "$f" | sed 's/^/#   /'
        done
    fi
    if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
        if [ "${KEEP:-0}" = 1 ]; then
            echo "# e2e: kept $E2E_TMP"
        else
            chmod -R u+rwX "$E2E_TMP" 2>/dev/null
            rm -rf "$E2E_TMP"
        fi
    fi
    echo "e2e: $E2E_PASS passed, $E2E_FAIL failed, $E2E_SKIP skipped"
    [ "$E2E_FAIL" -eq 0 ] && exit 0
    exit 1
}

# e2e_done: the script reached its end (anything else is reported as a failure).
e2e_done() { E2E_DONE=1; }

# ---- ports, HTTP -------------------------------------------------------

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    python3 - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 60000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
EOF
}

# http_code URL [CURL-OPTS...]: prints the status code (000 when no answer).
http_code() {
    local url=$1
    shift
    curl -s -o /dev/null --max-time 20 -w '%{http_code}' "$@" "$url" 2>/dev/null || true
}

# fetch URL OUTBASE [CURL-OPTS...]: body to OUTBASE.body, headers to
# OUTBASE.hdr (CRs removed); prints the status code.
fetch() {
    local url=$1 out=$2 code
    shift 2
    code=$(curl -s --path-as-is --max-time 30 -o "$out.body" -D "$out.hdr.raw" -w '%{http_code}' "$@" "$url" 2>/dev/null) || true
    tr -d '\r' <"$out.hdr.raw" >"$out.hdr" 2>/dev/null
    echo "${code:-000}"
}

# header FILE NAME: the value of header NAME (case-insensitive) in a .hdr file.
header() {
    awk -v n="$2" 'BEGIN{n=tolower(n)} { i=index($0,":"); if (i && tolower(substr($0,1,i-1))==n) { v=substr($0,i+1); sub(/^[ \t]+/,"",v); print v; exit } }' "$1"
}

# wait_for_log FILE REGEX [SECONDS]: lighttpd flushes its logs lazily.
wait_for_log() {
    local file=$1 re=$2 limit=${3:-8} i
    for ((i = 0; i < limit * 10; i++)); do
        grep -Eq -- "$re" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# ---- lighttpd ----------------------------------------------------------

# render_conf SRC DEST ROOT STATE PORT: a shipped config with its var lines
# substituted, exactly as scripts/serve.sh does (never a copy of the config).
# E2E_PF_ARGS, when set, is appended to var.pypi_args (more pypi-fcgi options).
render_conf() {
    local src=$1 dest=$2 root=$3 state=$4 port=$5
    mkdir -p "$state/www" "$state/upload"
    sed -e "s#^var.pypi_root .*#var.pypi_root   = \"$root\"#" \
        -e "s#^var.pypi_state .*#var.pypi_state  = \"$state\"#" \
        -e "s#^var.pypi_bin .*#var.pypi_bin    = \"$PF_BIN\"#" \
        -e "s#^var.pypi_port .*#var.pypi_port   = $port#" \
        -e "s#^\(var.pypi_args *= *\"[^\"]*\)\"#\1${E2E_PF_ARGS:+ $E2E_PF_ARGS}\"#" \
        "$src" >"$dest"
}

# lt_start NAME CONF PORT [READY-PATH]: starts `lighttpd -D -f CONF` and
# waits (10 s at most) until READY-PATH (default /health) answers 200.
# Not in a subshell (it records the pid): on failure the reason is in E2E_LT_ERR.
lt_start() {
    local name=$1 conf=$2 port=$3 ready=${4:-/health} dir pid i code=
    dir=$(dirname "$conf")
    E2E_LT_ERR=
    lighttpd -D -f "$conf" >"$dir/lighttpd.out" 2>&1 &
    pid=$!
    printf -v "E2E_LT_PID_$name" '%s' "$pid"
    E2E_LT_NAMES+=("$name")
    e2e_log "$dir/lighttpd.out"
    e2e_log "$dir/error.log"
    for ((i = 0; i < 100; i++)); do
        if ! proc_alive "$pid"; then
            E2E_LT_ERR="lighttpd exited at start: $(cat "$dir/lighttpd.out" "$dir/error.log" 2>/dev/null)"
            return 1
        fi
        code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://127.0.0.1:$port$ready" 2>/dev/null)
        [ "$code" = 200 ] && return 0
        sleep 0.1
    done
    E2E_LT_ERR="lighttpd did not answer $ready with 200 within 10 s (last: $code)"
    return 1
}

# lt_launch NAME SRC-CONF ROOT STATE READY-PATH: renders SRC-CONF into
# STATE/lighttpd.conf on a free port and starts it; another port is tried
# when the first was taken in the meantime. The port is left in E2E_PORT.
lt_launch() {
    local try
    for try in 1 2 3; do
        E2E_PORT=$(free_port)
        render_conf "$2" "$4/lighttpd.conf" "$3" "$4" "$E2E_PORT"
        lt_start "$1" "$4/lighttpd.conf" "$E2E_PORT" "$5" && return 0
        lt_stop "$1"
        grep -qi 'address already in use' "$4/lighttpd.out" "$4/error.log" 2>/dev/null || return 1
        E2E_LT_ERR="$E2E_LT_ERR (attempt $try)"
    done
    return 1
}

# lt_error: why the last lt_start failed.
lt_error() { echo "$E2E_LT_ERR"; }

# lt_pid NAME: the pid of a running lighttpd instance.
lt_pid() {
    local v="E2E_LT_PID_$1"
    echo "${!v:-}"
}

# lt_children NAME: pids of the pypi-fcgi processes lighttpd spawned.
lt_children() {
    local pid
    pid=$(lt_pid "$1")
    [ -n "$pid" ] && pgrep -P "$pid" 2>/dev/null
}

# lt_stop NAME: SIGINT, wait up to 5 s (then SIGKILL); true if it ended by itself.
lt_stop() {
    local pid rc=0
    pid=$(lt_pid "$1")
    [ -n "$pid" ] || return 0
    if proc_alive "$pid"; then
        kill -INT "$pid" 2>/dev/null
        if ! wait_gone 5 "$pid"; then
            kill -KILL "$pid" 2>/dev/null
            rc=1
        fi
    fi
    wait "$pid" 2>/dev/null
    printf -v "E2E_LT_PID_$1" '%s' ""
    return $rc
}

# ---- FastCGI without a web server -------------------------------------

# fcgi_get SOCKET URI ERRFILE [VAR=VALUE...]: one GET through cgi-fcgi;
# prints the raw CGI response (Status: line, headers, body) and appends the
# FastCGI stderr stream (the request's log lines) to ERRFILE.
fcgi_get() {
    local sock=$1 uri=$2 err=$3
    shift 3
    env -i PATH="/usr/local/bin:/usr/bin:/bin" REQUEST_METHOD=GET REQUEST_URI="$uri" SCRIPT_NAME="" \
        SERVER_NAME=127.0.0.1 SERVER_PORT=80 SERVER_PROTOCOL=HTTP/1.1 "$@" \
        timeout 10 cgi-fcgi -bind -connect "$sock" 2>>"$err"
}

# wait_socket PATH [SECONDS]
wait_socket() {
    local i
    for ((i = 0; i < ${2:-5} * 20; i++)); do
        [ -S "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

# ---- Python, venv, pip -------------------------------------------------

# e2e_python: a python3 that has venv and ensurepip (Debian's first).
e2e_python() {
    local py
    for py in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
        if [ -z "$py" ] || [ ! -x "$py" ]; then continue; fi
        "$py" -c 'import venv, ensurepip' >/dev/null 2>&1 && { echo "$py"; return 0; }
    done
    return 1
}

# e2e_venv DIR: a fresh venv (pip and setuptools from the python's own bundle).
e2e_venv() {
    local py
    py=$(e2e_python) || { echo "no python3 with venv and ensurepip"; return 1; }
    timeout 120 "$py" -m venv "$1" 2>&1
}

# pip_env: the isolated environment every pip run gets.
pip_env() {
    env -i PATH="/usr/local/bin:/usr/bin:/bin" HOME="$E2E_TMP/home" TMPDIR="$E2E_TMP/tmp" \
        LANG=C.UTF-8 PIP_CONFIG_FILE=/dev/null PIP_NO_CACHE_DIR=1 PIP_NO_INPUT=1 \
        PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 "$@"
}

# pip_run VENV INDEX-URL SUBCOMMAND ARGS...: pip against INDEX-URL only.
pip_run() {
    local venv=$1 index=$2 sub=$3
    shift 3
    pip_env timeout 240 "$venv/bin/python" -m pip "$sub" --disable-pip-version-check --no-cache-dir \
        --retries 0 --timeout 10 --index-url "$index" "$@"
}

# pip_version VENV: the venv's pip version.
pip_version() {
    pip_env "$1/bin/python" -c 'import pip; print(pip.__version__)' 2>/dev/null
}

# version_ge A B: true when version A >= B (dotted numbers).
version_ge() {
    [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" = "$1" ]
}

# newest_local_pip_wheel: the newest pip wheel bundled with any python3 here.
newest_local_pip_wheel() {
    local py d
    {
        ls /usr/share/python-wheels/pip-*.whl 2>/dev/null
        for py in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
            if [ -z "$py" ] || [ ! -x "$py" ]; then continue; fi
            d=$("$py" -c 'import ensurepip, os; print(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled"))' 2>/dev/null) || continue
            ls "$d"/pip-*-py3-none-any.whl 2>/dev/null
        done
    } | awk -F/ '{ v=$NF; sub(/^pip-/,"",v); sub(/-py.*$/,"",v); print v "\t" $0 }' | sort -V -k1,1 | tail -n 1 | cut -f2
}

# ---- twine, and the checks every deployment passes ----------------------

TWINE=$(command -v twine 2>/dev/null)

# twine_up USER PASSWORD URL [twine options] FILE...: twine upload with an
# isolated HOME, no keyring, no prompts; prints its output.
twine_up() {
    local user=$1 pw=$2 url=$3
    shift 3
    env -i PATH="/usr/local/bin:/usr/bin:/bin" HOME="$E2E_TMP/home" LANG=C.UTF-8 \
        TWINE_USERNAME="$user" TWINE_PASSWORD="$pw" TWINE_NON_INTERACTIVE=1 \
        PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
        timeout 120 "$TWINE" upload --disable-progress-bar --repository-url "$url" "$@" 2>&1
}

# deploy_checks LABEL BASE-URL VENV USER PASSWORD: what every shipped
# deployment must do, against a server already running at BASE-URL (with
# its mount prefix, no trailing slash) whose responder checks USER and
# PASSWORD (any htpasswd) and offloads downloads: /health; twine uploads a
# wheel and an sdist built here (project deploy-LABEL); no password is
# 401; pip (in VENV, a venv from e2e_venv, or "" to skip) installs the
# wheel; a Range request for the wheel is 206 with the right bytes, which
# the responder never serves (it sends no ranges), so the web server sent
# them; a 100 MiB upload (DEPLOY_BIG_MIB) passes the server's body limit.
deploy_checks() {
    local label=$1 base=$2 venv=$3 user=$4 pw=$5 d proj code out href whl sdist big sha want got
    d=$E2E_TMP/deploy-$label
    proj=deploy-$label
    mkdir -p "$d"
    expect_eq "$label: /health answers 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$base/health")"
    whl=$(python3 "$E2E_LIB_DIR/mkdist.py" wheel --out "$d" --name "$proj" --version 1.0 2>>"$d/mkdist.log")
    sdist=$(python3 "$E2E_LIB_DIR/mkdist.py" sdist --out "$d" --name "$proj" --version 1.0 2>>"$d/mkdist.log")
    code=$(curl -s -o "$d/noauth.txt" -w '%{http_code}' -F ':action=file_upload' -F "content=@$whl" "$base/legacy/")
    expect_eq "$label: an upload without a password is 401" 401 "$code"
    if [ -z "$TWINE" ]; then
        skip "$label: twine upload with a password" "twine is not installed"
    else
        out=$(twine_up "$user" "$pw" "$base/legacy/" "$whl" "$sdist")
        if [ $? -eq 0 ]; then pass "$label: twine uploads a wheel and an sdist"; else fail "$label: twine uploads a wheel and an sdist" "$out"; fi
    fi
    if [ -n "$venv" ]; then
        out=$(pip_run "$venv" "$base/simple/" install --no-deps --force-reinstall "$proj==1.0" 2>&1)
        if [ $? -eq 0 ] && [[ $out == *"Successfully installed $proj-1.0"* ]]; then
            pass "$label: pip installs what was uploaded"
        else
            fail "$label: pip installs what was uploaded" "$out"
        fi
    fi
    href=$(curl -s "$base/simple/$proj/" | python3 -c 'import re,sys; m=re.search(r"href=\"([^\"#]*\.whl)#", sys.stdin.read()); print(m.group(1) if m else "")')
    code=$(curl -s -o "$d/range.bin" -w '%{http_code}' -r 10-109 "$base/simple/$proj/$href")
    want=$(tail -c +11 "$whl" | head -c 100 | sha256sum)
    got=$(sha256sum <"$d/range.bin")
    if [ "$code" = 206 ] && [ "$want" = "$got" ]; then
        pass "$label: the download is the web server's (Range gives 206 with the right bytes)"
    else
        fail "$label: the download is the web server's (Range gives 206 with the right bytes)" "status $code, href '$href'"
    fi
    big=$(python3 "$E2E_LIB_DIR/mkdist.py" wheel --out "$d/big" --name "$proj-big" --version 1.0 \
        --pad-mib "${DEPLOY_BIG_MIB:-100}" 2>>"$d/mkdist.log")
    sha=$(sha256sum "$big" | cut -d' ' -f1)
    code=$(curl -s -o "$d/big.txt" -w '%{http_code}' -u "$user:$pw" -F ':action=file_upload' -F "name=$proj-big" \
        -F version=1.0 -F filetype=bdist_wheel -F pyversion=py3 -F "sha256_digest=$sha" -F "content=@$big" "$base/legacy/")
    if [ "$code" = 200 ]; then
        pass "$label: a ${DEPLOY_BIG_MIB:-100} MiB upload passes the server's body limit"
    else
        fail "$label: a ${DEPLOY_BIG_MIB:-100} MiB upload passes the server's body limit" "status $code: $(head -c 300 "$d/big.txt")"
    fi
    rm -rf "$d/big"
}
