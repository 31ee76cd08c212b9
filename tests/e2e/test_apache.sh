#!/bin/bash
# SPDX-License-Identifier: MIT
# test_apache.sh: the shipped Apache configs (contrib/apache-fcgid.conf, contrib/apache-proxy-fcgi.conf) run as shipped.
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_apache.sh
# (make check-e2e does this). KEEP=1, VERBOSE=1 and E2E_WRAP as in lib.sh;
# DEPLOY_BIG_MIB sets the size of the big upload (default 100).
#
# Each contrib file is rendered by substituting its Define lines and nothing
# else, included from a minimal httpd.conf written here (what Debian's
# apache2.conf and a2enmod provide), and run with `apache2 -DFOREGROUND` on
# a free 127.0.0.1 port, mounted at /pypi/ and at /: deploy_checks, then a
# clean stop. Started as root, Apache and pypi-fcgi run as nobody.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=swap.sh
. "$HERE/swap.sh"

e2e_init
T=$E2E_TMP
MODDIR=/usr/lib/apache2/modules
FCGID_CONF=$TOP_SRCDIR/contrib/apache-fcgid.conf
PROXY_CONF=$TOP_SRCDIR/contrib/apache-proxy-fcgi.conf
SPAWN=$TOP_SRCDIR/contrib/pypi-fcgi-spawn

e2e_require "Apache deployments" apache2 curl python3 htpasswd

# Started as root, Apache's workers, the processes mod_fcgid starts and
# pypi-fcgi-spawn's pypi-fcgi run as nobody: what they read must be
# reachable (the temp dir is 0700) and the package roots theirs.
if [ "$(id -u)" -eq 0 ]; then
    RUN_USER=nobody
    RUN_GROUP=$(id -gn nobody 2>/dev/null) || RUN_GROUP=nogroup
else
    RUN_USER=
    RUN_GROUP=
fi
chmod 755 "$T"
PW=$T/htpasswd
htpasswd -cbB -C 5 "$PW" alice alice-pw 2>/dev/null
chmod 644 "$PW"
if [ -n "$RUN_USER" ] && ! setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --clear-groups test -x "$PF_BIN" 2>/dev/null; then
    # A build directory under a private home: give nobody a copy.
    mkdir -p "$T/bin"
    cp "$PF_BIN" "$T/bin/pypi-fcgi"
    PF_BIN=$T/bin/pypi-fcgi
fi

# newroot NAME: an empty package root the servers' user owns.
newroot() {
    mkdir -p "$T/$1"
    [ -n "$RUN_USER" ] && chown "$RUN_USER:$RUN_GROUP" "$T/$1"
    echo "$T/$1"
}

# Every Apache we start, and what is left of them at teardown: the parent
# gets SIGTERM from lib.sh (e2e_bg); workers and the fcgid process manager
# of a parent that had to be killed are caught here by their command line.
eval "lib_$(declare -f e2e_teardown)"
e2e_teardown() {
    lib_e2e_teardown
    local p
    for p in $(pgrep -f -- "apache2 -f $E2E_TMP/" 2>/dev/null) $(pgrep -f -- " $E2E_TMP/root-" 2>/dev/null); do
        echo "# e2e: killing leftover process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
        kill -KILL "$p" 2>/dev/null
    done
}

# our_apache DIR: pids of the apache2 processes running DIR/httpd.conf.
our_apache() { pgrep -f -- "apache2 -f $1/httpd.conf" 2>/dev/null; }

# responders_of ROOT: pids of the pypi-fcgi processes serving ROOT (their
# last argument, in both files).
responders_of() {
    local p
    for p in $(pgrep -f -- " $1\$" 2>/dev/null); do
        proc_alive "$p" && echo "$p"
    done
}

# ap_render SRC DEST NAME=VALUE...: SRC with the lines `Define NAME ...`
# replaced by `Define NAME VALUE`; fails when SRC lacks one of them.
ap_render() {
    local src=$1 dest=$2 kv name sedargs=()
    shift 2
    for kv in "$@"; do
        name=${kv%%=*}
        grep -q "^Define $name " "$src" || { echo "$src has no 'Define $name' line"; return 1; }
        sedargs+=(-e "s#^Define $name .*#Define $name ${kv#*=}#")
    done
    sed "${sedargs[@]}" "$src" >"$dest"
}

# same_but_defines SRC DEST NAME...: DEST is SRC line for line, except the
# Define lines of the NAMEs.
same_but_defines() {
    python3 - "$@" <<'EOF'
import sys
src, dest, names = sys.argv[1], sys.argv[2], set(sys.argv[3:])
a = open(src).read().split("\n")
b = open(dest).read().split("\n")
if len(a) != len(b):
    sys.exit("line count %d != %d" % (len(a), len(b)))
for n, (x, y) in enumerate(zip(a, b), 1):
    if x == y:
        continue
    wx, wy = x.split(), y.split()
    if len(wx) >= 2 and len(wy) >= 2 and wx[0] == wy[0] == "Define" and wx[1] == wy[1] and wx[1] in names:
        continue
    sys.exit("line %d differs:\n  %s\n  %s" % (n, x, y))
EOF
}

# ap_base DIR PORT MODULE...: DIR/httpd.conf, the server around DIR/pypi.conf.
ap_base() {
    local dir=$1 port=$2 m
    shift 2
    mkdir -p "$dir/logs" "$dir/www" "$dir/run"
    {
        echo "ServerRoot $dir"
        echo "PidFile $dir/httpd.pid"
        echo "DefaultRuntimeDir $dir/run"
        echo "Listen 127.0.0.1:$port"
        echo "ServerName 127.0.0.1"
        if [ -n "$RUN_USER" ]; then
            echo "User $RUN_USER"
            echo "Group $RUN_GROUP"
        fi
        echo "ErrorLog $dir/logs/error.log"
        echo "LogLevel info"
        echo "LoadModule mpm_event_module $MODDIR/mod_mpm_event.so"
        echo "LoadModule authz_core_module $MODDIR/mod_authz_core.so"
        for m in "$@"; do echo "LoadModule ${m}_module $MODDIR/mod_$m.so"; done
        echo "LogFormat \"%h %u %t \\\"%r\\\" %>s %b %D\" common"
        echo "CustomLog $dir/logs/access.log common"
        echo "DocumentRoot $dir/www"
        echo "<Directory />"
        echo "  AllowOverride None"
        echo "  Require all denied"
        echo "</Directory>"
        echo "<Directory $dir/www>"
        echo "  Require all granted"
        echo "</Directory>"
        echo "<IfModule fcgid_module>"
        echo "  FcgidIPCDir $dir/fcgidsock"
        echo "  FcgidProcessTableFile $dir/fcgid_shm"
        echo "</IfModule>"
        echo "Include $dir/pypi.conf"
    } >"$dir/httpd.conf"
}

# ap_launch LABEL DIR READY-PATH MODULE...: DIR/pypi.conf (already rendered)
# in a base config on a free port, checked with apache2 -t and started in
# the foreground; waits until READY-PATH answers 200. Another port is tried
# when the first was taken. Sets AP_PORT and AP_PID; AP_ERR says why not.
ap_launch() {
    local label=$1 dir=$2 ready=$3 try i code out
    shift 3
    AP_ERR=
    for try in 1 2 3; do
        AP_PORT=$(free_port)
        ap_base "$dir" "$AP_PORT" "$@"
        if ! out=$(apache2 -t -f "$dir/httpd.conf" 2>&1); then
            AP_ERR="apache2 -t: $out"
            return 1
        fi
        if [[ $out == *AH00111* ]]; then
            AP_ERR="apache2 -t warns of an undefined variable: $out"
            return 1
        fi
        apache2 -f "$dir/httpd.conf" -DFOREGROUND >"$dir/apache.out" 2>&1 &
        AP_PID=$!
        e2e_bg "$AP_PID"
        e2e_log "$dir/apache.out"
        e2e_log "$dir/logs/error.log"
        code=
        for ((i = 0; i < 150; i++)); do
            proc_alive "$AP_PID" || break
            code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://127.0.0.1:$AP_PORT$ready" 2>/dev/null)
            [ "$code" = 200 ] && return 0
            sleep 0.1
        done
        if proc_alive "$AP_PID"; then
            AP_ERR="$label: $ready did not answer 200 within 15 s (last: $code)"
            kill -TERM "$AP_PID"
            wait_gone 10 "$AP_PID"
            return 1
        fi
        wait "$AP_PID" 2>/dev/null
        grep -qi 'address already in use' "$dir/apache.out" "$dir/logs/error.log" 2>/dev/null || {
            AP_ERR="$label: apache2 exited at start: $(cat "$dir/apache.out" "$dir/logs/error.log" 2>/dev/null | tail -n 5)"
            return 1
        }
    done
    AP_ERR="$label: no free port in 3 tries"
    return 1
}

# ap_stop LABEL DIR ROOT [KEEP-PID]: SIGTERM to the Apache of DIR; passes
# when, within 8 s (mod_fcgid's SIGKILL deadline), no apache2 process of DIR
# and no pypi-fcgi process of ROOT but KEEP-PID is left.
ap_stop() {
    local label=$1 dir=$2 root=$3 keep=${4:-} t0 ms left p
    t0=$(date +%s%N)
    kill -TERM "$AP_PID" 2>/dev/null
    wait_gone 8 "$AP_PID"
    wait "$AP_PID" 2>/dev/null
    while :; do
        left=
        for p in $(our_apache "$dir") $(responders_of "$root"); do
            [ "$p" = "$keep" ] || left="$left $p"
        done
        [ -z "$left" ] && break
        [ $(($(date +%s%N) - t0)) -gt 8000000000 ] && break
        sleep 0.05
    done
    ms=$((($(date +%s%N) - t0) / 1000000))
    if [ -z "$left" ]; then
        pass "$label: SIGTERM stops Apache and what it started ($ms ms)"
    else
        fail "$label: SIGTERM stops Apache and what it started" "still running after $ms ms:" \
            "$(ps -o pid,ppid,user,args -p "$(echo "${left# }" | tr ' ' ,)" 2>/dev/null)"
    fi
}

# mount_checks LABEL BASE: pypi-fcgi got the mount point from Apache (its
# redirects use it).
mount_checks() {
    local loc
    loc=$(curl -s -o /dev/null -w '%{redirect_url}' "$2/simple/Deploy_$1/")
    expect_eq "$1: a redirect keeps the mount point" "$2/simple/deploy-$1/" "$loc"
}

# auth_first_checks LABEL BASE ERRLOG: Apache checks the login of a POST
# before the body goes anywhere: uploads without a login or with a wrong
# password get Apache's 401 and never reach pypi-fcgi (its log has no line
# for them), so mod_fcgid spools nothing for them (Apache reads such a body
# and drops it).
auth_first_checks() {
    local label=$1 base=$2 log=$3 cred code
    head -c 2097152 /dev/zero >"$T/zeros-2m"
    for cred in "" "-u alice:wrong"; do
        # shellcheck disable=SC2086 # cred is empty or two words
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 $cred -F ':action=file_upload' -F name=anon \
            -F version=1.0 -F "content=@$T/zeros-2m;filename=anon-1.0.tar.gz" "$base/legacy/")
        expect_eq "$label: an upload ${cred:-without a login} gets 401 from Apache" 401 "$code"
    done
    check "$label: ... and pypi-fcgi never saw them" \
        test -z "$(grep -E "no credentials: asking for a login|login failed for user 'alice'" "$log")"
}

if e2e_venv "$T/venv" >"$T/venv.log" 2>&1; then
    VENV=$T/venv
else
    fail "a venv for pip" "$(cat "$T/venv.log")"
    VENV=
fi

# ---- mod_fcgid: Apache starts pypi-fcgi ------------------------------------------
missing=
for m in alias fcgid xsendfile auth_basic authn_core authn_file authz_user; do [ -f "$MODDIR/mod_$m.so" ] || missing="$missing mod_$m"; done
if [ -n "$missing" ]; then
    skip "contrib/apache-fcgid.conf" "not installed:$missing (libapache2-mod-fcgid, libapache2-mod-xsendfile)"
else
    for mount in /pypi/ /; do
        case $mount in /pypi/) label=apache-fcgid-prefix ;; *) label=apache-fcgid-root ;; esac
        dir=$T/$label
        root=$(newroot "root-$label")
        mkdir -p "$dir"
        if ! out=$(ap_render "$FCGID_CONF" "$dir/pypi.conf" "PYPI_ROOT=$root" "PYPI_HTPASSWD=$PW" \
            "PYPI_BIN=$PF_BIN" "PYPI_MOUNT=$mount"); then
            fail "$label: contrib/apache-fcgid.conf renders" "$out"
            continue
        fi
        check "$label: the rendered file differs from contrib/apache-fcgid.conf in its Define lines only" \
            same_but_defines "$FCGID_CONF" "$dir/pypi.conf" PYPI_ROOT PYPI_HTPASSWD PYPI_BIN PYPI_MOUNT
        if ! ap_launch "$label" "$dir" "${mount}health" alias fcgid xsendfile auth_basic authn_core authn_file authz_user; then
            fail "$label: Apache starts with contrib/apache-fcgid.conf and answers ${mount}health" "$AP_ERR"
            continue
        fi
        pass "$label: Apache starts with contrib/apache-fcgid.conf and answers ${mount}health"
        base=http://127.0.0.1:$AP_PORT${mount%/}
        deploy_checks "$label" "$base" "$VENV" alice alice-pw
        rm -rf "$root/deploy-$label-big"
        mount_checks "$label" "$base"
        auth_first_checks "$label" "$base" "$dir/logs/error.log"
        # mod_fcgid sends one request at a time to a process: one thread each.
        n=0
        bad=
        for p in $(responders_of "$root"); do
            n=$((n + 1))
            tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- ' --threads 1 ' || bad="$bad $p"
        done
        if [ "$n" -gt 0 ] && [ -z "$bad" ]; then
            pass "$label: mod_fcgid runs pypi-fcgi with --threads 1 ($n processes)"
        else
            fail "$label: mod_fcgid runs pypi-fcgi with --threads 1" "$n processes, not so:$bad"
        fi
        ap_stop "$label" "$dir" "$root"
        if grep -q 'still did not exit, terminating forcefully' "$dir/logs/error.log"; then
            fail "$label: pypi-fcgi exited on mod_fcgid's SIGTERM" "$(grep -i 'fcgid' "$dir/logs/error.log" | tail -n 5)"
        else
            check "$label: pypi-fcgi exited on mod_fcgid's SIGTERM" grep -q 'terminated by calling exit(), return code: 0' "$dir/logs/error.log"
        fi
        # mod_fcgid, not pypi-fcgi, owns the sockets in FcgidIPCDir.
        diag "$label: left in FcgidIPCDir after the stop: $(find "$dir/fcgidsock" -type s 2>/dev/null | wc -l) socket(s) (mod_fcgid's)"
    done

    # The trap CGIPassAuth avoids, shown on the shipped file minus that line.
    label=apache-fcgid-nopassauth
    dir=$T/$label
    root=$(newroot "root-$label")
    mkdir -p "$dir"
    ap_render "$FCGID_CONF" "$dir/pypi.conf.full" "PYPI_ROOT=$root" "PYPI_HTPASSWD=$PW" "PYPI_BIN=$PF_BIN" \
        "PYPI_MOUNT=/pypi/" >/dev/null
    grep -v '^ *CGIPassAuth On' "$dir/pypi.conf.full" >"$dir/pypi.conf"
    if cmp -s "$dir/pypi.conf.full" "$dir/pypi.conf"; then
        fail "$label: contrib/apache-fcgid.conf has CGIPassAuth On"
    elif ap_launch "$label" "$dir" /pypi/health alias fcgid xsendfile auth_basic authn_core authn_file authz_user; then
        whl=$(python3 "$HERE/mkdist.py" wheel --out "$dir" --name passauth-demo --version 1.0 2>>"$dir/mkdist.log")
        code=$(curl -s -o "$dir/up.txt" -w '%{http_code}' -u alice:alice-pw -F ':action=file_upload' -F name=passauth-demo \
            -F version=1.0 -F filetype=bdist_wheel -F pyversion=py3 -F "sha256_digest=$(sha256sum "$whl" | cut -d' ' -f1)" \
            -F "content=@$whl" "http://127.0.0.1:$AP_PORT/pypi/legacy/")
        expect_eq "$label: without CGIPassAuth an upload with the right password is 401" 401 "$code"
        ap_stop "$label" "$dir" "$root"
    else
        fail "$label: Apache starts and answers /pypi/health" "$AP_ERR"
    fi
fi

# ---- mod_proxy_fcgi: pypi-fcgi-spawn starts pypi-fcgi ---------------------------
missing=
for m in proxy proxy_fcgi xsendfile; do [ -f "$MODDIR/mod_$m.so" ] || missing="$missing mod_$m"; done
command -v spawn-fcgi >/dev/null 2>&1 || missing="$missing spawn-fcgi"
command -v cgi-fcgi >/dev/null 2>&1 || missing="$missing cgi-fcgi"
if [ -n "$missing" ]; then
    skip "contrib/apache-proxy-fcgi.conf" "not installed:$missing (apache2, libapache2-mod-xsendfile, spawn-fcgi, libfcgi-bin)"
else
    root=$(newroot root-apache-proxy-fcgi)
    SOCK=$T/run/pypi-fcgi.sock
    spawn_start() {
        env PYPI_ROOT="$root" PYPI_SOCKET="$SOCK" PYPI_BIN="$PF_BIN" PYPI_USER="${RUN_USER:-x}" \
            PYPI_WEB_GROUP="${RUN_GROUP:-x}" PYPI_THREADS=4 PYPI_PROCS=1 PYPI_SENDFILE=x-sendfile \
            PYPI_ARGS="${SPAWN_ARGS:---htpasswd $PW}" sh "$SPAWN" >>"$T/spawn.log" 2>&1 &
        SPAWN_PID=$!
        e2e_bg "$SPAWN_PID"
        local i
        for ((i = 0; i < 100; i++)); do
            proc_alive "$SPAWN_PID" || return 1
            fcgi_get "$SOCK" /health "$T/spawn.err" | grep -q '^Status: 200' && return 0
            sleep 0.1
        done
        return 1
    }
    e2e_log "$T/spawn.log"
    if spawn_start; then
        pass "contrib/pypi-fcgi-spawn serves on $SOCK"
        chmod 755 "$T/run"
        for mount in /pypi/ /; do
            case $mount in /pypi/) label=apache-proxy-fcgi-prefix ;; *) label=apache-proxy-fcgi-root ;; esac
            dir=$T/$label
            mkdir -p "$dir"
            if ! out=$(ap_render "$PROXY_CONF" "$dir/pypi.conf" "PYPI_ROOT=$root" "PYPI_SOCKET=$SOCK" "PYPI_MOUNT=$mount"); then
                fail "$label: contrib/apache-proxy-fcgi.conf renders" "$out"
                continue
            fi
            check "$label: the rendered file differs from contrib/apache-proxy-fcgi.conf in its Define lines only" \
                same_but_defines "$PROXY_CONF" "$dir/pypi.conf" PYPI_ROOT PYPI_SOCKET PYPI_MOUNT
            if ! ap_launch "$label" "$dir" "${mount}health" proxy proxy_fcgi xsendfile; then
                fail "$label: Apache starts with contrib/apache-proxy-fcgi.conf and answers ${mount}health" "$AP_ERR"
                continue
            fi
            pass "$label: Apache starts with contrib/apache-proxy-fcgi.conf and answers ${mount}health"
            base=http://127.0.0.1:$AP_PORT${mount%/}
            deploy_checks "$label" "$base" "$VENV" alice alice-pw
            rm -rf "$root/deploy-$label-big"
            mount_checks "$label" "$base"
            ap_stop "$label" "$dir" "$root" "$SPAWN_PID"
            check "$label: pypi-fcgi-spawn's pypi-fcgi still serves after Apache stopped" proc_alive "$SPAWN_PID"
        done
        t0=$(date +%s%N)
        kill -TERM "$SPAWN_PID"
        if wait_gone 5 "$SPAWN_PID"; then
            pass "pypi-fcgi-spawn stops on SIGTERM ($((($(date +%s%N) - t0) / 1000000)) ms)"
        else
            fail "pypi-fcgi-spawn stops on SIGTERM" "still running after 5 s"
        fi
        wait "$SPAWN_PID" 2>/dev/null
        expect_eq "no pypi-fcgi process is left" "" "$(responders_of "$root" | tr '\n' ' ')"
        if [ -S "$SOCK" ]; then
            diag "the socket file stays behind, as pypi-fcgi-spawn says: $(ls -l "$SOCK")"
            if spawn_start; then
                pass "pypi-fcgi-spawn starts again over the socket file left behind"
                kill -TERM "$SPAWN_PID"
                wait_gone 5 "$SPAWN_PID"
                wait "$SPAWN_PID" 2>/dev/null
            else
                fail "pypi-fcgi-spawn starts again over the socket file left behind" "$(tail -n 5 "$T/spawn.log")"
            fi
        else
            diag "the socket file was removed at the stop"
        fi
    else
        fail "contrib/pypi-fcgi-spawn serves on $SOCK" "$(cat "$T/spawn.log")"
    fi
fi

# ---- a symlink swapped after the listing (mod_xsendfile) --------------------------
# (swap.sh) mod_xsendfile opens what it is given, links and all, anywhere
# under XSendFilePath: pypi-fcgi names the real path it checked at the
# request. pypi-fcgi (pypi-fcgi-spawn, as above) runs with --overwrite and
# downloads behind a login: the cache headers as the client sees them.
if [ -n "$missing" ]; then
    skip "a symlink swapped after the listing, behind Apache" "not installed:$missing"
else
    root=$T/root-swap
    SWOUT=$T/swout
    if out=$(swap_tree "$root" "$SWOUT"); then
        [ -n "$RUN_USER" ] && chown -R "$RUN_USER:$RUN_GROUP" "$root"
        if SPAWN_ARGS="--htpasswd $PW --overwrite --authenticate update,download" spawn_start; then
            label=apache-swap
            dir=$T/$label
            mkdir -p "$dir"
            if ap_render "$PROXY_CONF" "$dir/pypi.conf" "PYPI_ROOT=$root" "PYPI_SOCKET=$SOCK" "PYPI_MOUNT=/" >/dev/null &&
                ap_launch "$label" "$dir" /health proxy proxy_fcgi xsendfile; then
                b=http://127.0.0.1:$AP_PORT
                swap_checks "mod_xsendfile" "$b" "$root" "$SWOUT" "$dir/logs/error.log" "it leads outside its root" \
                    alice:alice-pw
                code=$(fetch "$b/packages/bar/bar-1.0-py3-none-any.whl" "$T/sw-cc" -u alice:alice-pw)
                expect_eq "mod_xsendfile, --overwrite, downloads need a login: the client sees Cache-Control: private, no-cache" \
                    "200 private, no-cache" "$code $(header "$T/sw-cc.hdr" Cache-Control)"
                code=$(fetch "$b/packages/bar/bar-1.0-py3-none-any.whl.metadata" "$T/sw-md" -u alice:alice-pw)
                expect_eq "... and so does its .metadata, with X-Content-Type-Options: nosniff" \
                    "200 private, no-cache nosniff" \
                    "$code $(header "$T/sw-md.hdr" Cache-Control) $(header "$T/sw-md.hdr" X-Content-Type-Options)"
                ap_stop "$label" "$dir" "$root" "$SPAWN_PID"
            else
                fail "$label: Apache starts with contrib/apache-proxy-fcgi.conf on the symlink-swap root" "$AP_ERR"
            fi
            kill -TERM "$SPAWN_PID"
            wait_gone 5 "$SPAWN_PID" || fail "$label: pypi-fcgi-spawn stops on SIGTERM" "still running after 5 s"
            wait "$SPAWN_PID" 2>/dev/null
        else
            fail "pypi-fcgi-spawn serves the symlink-swap root" "$(tail -n 5 "$T/spawn.log")"
        fi
    else
        fail "the symlink-swap tree was made" "$out"
    fi
fi

e2e_done
