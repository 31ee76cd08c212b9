#!/bin/bash
# SPDX-License-Identifier: MIT
# test_systemd.sh: the systemd units, pypi-fcgi-spawn, the example config and make install, as shipped.
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_systemd.sh
# (make check-e2e does this). KEEP=1 keeps the temp dir, VERBOSE=1 prints
# the logs (see lib.sh).
#
# systemd is not PID 1 on the test machines, so the units are not started by
# systemd. Each file of contrib/systemd/ is rendered into the temp dir with
# its paths moved under it (/usr/local/, /run/, /srv/ get the temp dir as a
# prefix; nothing else changes, which is checked), passes systemd-analyze
# verify, and is run the way systemd runs it: its Environment= and ExecStart=
# are read from the rendered file, the listening socket is handed over the
# way the socket unit says. The unit's user "pypi" is replaced by "nobody"
# when no such user exists (the test creates no accounts).

# Started by a POSIX sh (make's $(SHELL) may be one): continue in bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

e2e_init
T=$E2E_TMP
SYS=$TOP_SRCDIR/contrib/systemd
# What a systemd service starts with.
SYSTEMD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

e2e_require "systemd and install tests" python3 cgi-fcgi setpriv

# ---- helpers -------------------------------------------------------------

# unit_words FILE SECTION KEY: the values of KEY in [SECTION], each split into
# words with systemd's quoting (close to the shell's), one word per line.
# Repeated keys add up, as Environment= does.
unit_words() {
    python3 - "$@" <<'EOF'
import shlex, sys
path, section, key = sys.argv[1:4]
cur = None
for line in open(path):
    s = line.strip()
    if not s or s[0] in "#;":
        continue
    if s.startswith("[") and s.endswith("]"):
        cur = s[1:-1]
        continue
    k, sep, v = s.partition("=")
    if sep and cur == section and k.strip() == key:
        for w in shlex.split(v.strip()):
            print(w)
EOF
}

# unit_value FILE SECTION KEY: the last value of KEY in [SECTION], as written.
unit_value() {
    awk -v sec="[$2]" -v key="$3" '
        /^[ \t]*[#;]/ { next }
        /^\[/ { cur = $0; next }
        cur == sec { i = index($0, "="); if (i && substr($0, 1, i - 1) == key) v = substr($0, i + 1) }
        END { print v }' "$1"
}

# render SRC DEST: SRC with /usr/local/, /run/ and /srv/ moved under $T.
render() {
    sed -e "s#/usr/local/#$T/usr/local/#g" -e "s#/run/#$T/run/#g" -e "s#/srv/#$T/srv/#g" "$1" >"$2"
}

# fcgi_as USER SOCKET URI: a GET through cgi-fcgi run as USER (its groups
# included); prints the raw response, returns cgi-fcgi's status.
fcgi_as() {
    env -i PATH="$SYSTEMD_PATH" REQUEST_METHOD=GET REQUEST_URI="$3" SCRIPT_NAME="" SERVER_NAME=127.0.0.1 \
        SERVER_PORT=80 SERVER_PROTOCOL=HTTP/1.1 \
        setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups timeout 10 cgi-fcgi -bind -connect "$2" 2>&1
}

# serves SOCKET LABEL: /health and /simple/ through cgi-fcgi, as root.
serves() {
    local out
    out=$(fcgi_get "$1" /health "$T/fcgi.err")
    if [[ $out == "Status: 200"* ]] && [[ $out == *$'\r\n\r\nok'* ]]; then
        pass "$2: /health answers 200 ok"
    else
        fail "$2: /health answers 200 ok" "$(head -c 400 <<<"$out")"
    fi
    out=$(fcgi_get "$1" /simple/ "$T/fcgi.err")
    if [[ $out == "Status: 200"* ]] && [[ $out == *'href="sysd-demo/"'* ]]; then
        pass "$2: /simple/ lists the project in the root"
    else
        fail "$2: /simple/ lists the project in the root" "$(head -c 600 <<<"$out")"
    fi
}

# stop_within PID SECONDS LABEL: SIGTERM; passes when PID exits 0 within SECONDS.
stop_within() {
    local pid=$1 limit=$2 label=$3 t0 ms rc
    t0=$(date +%s%N)
    kill -TERM "$pid" 2>/dev/null
    if wait_gone "$limit" "$pid"; then
        ms=$((($(date +%s%N) - t0) / 1000000))
        wait "$pid" 2>/dev/null
        rc=$?
        expect_eq "$label: SIGTERM stops it within ${limit} s ($ms ms), with status 0" 0 "$rc"
    else
        fail "$label: SIGTERM stops it within ${limit} s" "still running after ${limit} s"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
}

# none_left LABEL: no process of this test runs a program from the temp dir
# (those found are killed: lib.sh's teardown looks for $PYPI_FCGI only).
none_left() {
    local left
    left=$(pgrep -f -- "$T/" 2>/dev/null | grep -vx "$$" | xargs)
    expect_eq "$1: no process is left" "" "$left"
    # shellcheck disable=SC2086
    [ -n "$left" ] && kill -KILL $left 2>/dev/null
    return 0
}

# ---- the tree the rendered units point to ----------------------------------
# The paths make install uses, under $T: the binary and the launcher in
# $T/usr/local/sbin, a package root in $T/srv/pypi. The services drop to
# nobody, who must reach them.
chmod 0755 "$T"
mkdir -p "$T/usr/local/sbin" "$T/srv/pypi/sysd-demo" "$T/run" "$T/units"
install -m 0755 "$PF_BIN" "$T/usr/local/sbin/pypi-fcgi"
install -m 0755 "$TOP_SRCDIR/contrib/pypi-fcgi-spawn" "$T/usr/local/sbin/pypi-fcgi-spawn"
python3 "$HERE/mkdist.py" wheel --out "$T/srv/pypi/sysd-demo" --name sysd-demo --version 1.0 >"$T/mkdist.log" 2>&1 ||
    fail "built a wheel for the package root" "$(cat "$T/mkdist.log")"
chown -R nobody "$T/srv/pypi"
# The unit's user, or nobody when it does not exist here.
as_user() { if id -u "$1" >/dev/null 2>&1; then echo "$1"; else echo nobody; fi; }

UNITS=()
for f in "$SYS"/*.service "$SYS"/*.socket; do
    [ -f "$f" ] || continue
    UNITS+=("$(basename "$f")")
    render "$f" "$T/units/$(basename "$f")"
done
expect_eq "contrib/systemd holds the three units" \
    "pypi-fcgi-activated.service pypi-fcgi.service pypi-fcgi.socket" "$(printf '%s\n' "${UNITS[@]}" | sort | xargs)"
for u in "${UNITS[@]}"; do
    check "$u: the rendered unit differs from the shipped one in paths only" \
        diff <(sed "s#$T##g" "$T/units/$u") "$SYS/$u"
done

# ---- make install --------------------------------------------------------------
# From the build directory that holds PYPI_FCGI, into a DESTDIR.
BUILD=$(cd "$(dirname "$PYPI_FCGI")/.." && pwd)
MANPATH_INST=
INSTALLED=0
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$BUILD" "$@"; }
if [ -f "$BUILD/Makefile" ] && grep -q '^PACKAGE_TARNAME = pypi-fcgi$' "$BUILD/Makefile"; then
    D=$T/inst
    # mkvar VAR: a make variable of the build, expanded.
    # shellcheck disable=SC2016 # $(VAR) is for make
    mkvar() { printf 'pf-print-var:\n\t@echo $(%s)\n' "$1" | mk -f Makefile -f - pf-print-var; }
    if mk install DESTDIR="$D" >"$T/install.log" 2>&1; then
        pass "make install DESTDIR=... ran in $BUILD"
        sbindir=$(mkvar sbindir) docdir=$(mkvar docdir) mandir=$(mkvar mandir)
        check "pypi-fcgi is installed in sbindir, executable" test -x "$D$sbindir/pypi-fcgi"
        # shellcheck disable=SC2016 # expanded by sh -c
        check "pypi-fcgi-spawn is installed in sbindir, executable, as shipped" \
            sh -c 'test -x "$1" && cmp "$1" "$2"' - "$D$sbindir/pypi-fcgi-spawn" "$TOP_SRCDIR/contrib/pypi-fcgi-spawn"
        check "pypi-fcgi(8) is installed in man8" cmp "$D$mandir/man8/pypi-fcgi.8" "$TOP_SRCDIR/man/pypi-fcgi.8"
        check "pypi-fcgi.conf(5) is installed in man5" cmp "$D$mandir/man5/pypi-fcgi.conf.5" "$TOP_SRCDIR/man/pypi-fcgi.conf.5"
        # Every file of contrib/ (a new one too: it belongs in CONTRIB_FILES or
        # CONTRIB_EXEC_FILES in Makefile.am), byte for byte, executable where
        # the source is.
        expect_eq "every file of contrib/ is installed under docdir/contrib, and nothing else" \
            "$(cd "$TOP_SRCDIR/contrib" && find . -type f | sort)" \
            "$(cd "$D$docdir/contrib" 2>/dev/null && find . -type f | sort)"
        bad=
        while IFS= read -r f; do
            cmp -s "$TOP_SRCDIR/contrib/$f" "$D$docdir/contrib/$f" || bad="$bad $f(content)"
            src_x=0 inst_x=0
            [ -x "$TOP_SRCDIR/contrib/$f" ] && src_x=1
            [ -x "$D$docdir/contrib/$f" ] && inst_x=1
            [ $src_x = $inst_x ] || bad="$bad $f(mode)"
        done < <(cd "$TOP_SRCDIR/contrib" && find . -type f)
        expect_eq "the installed contrib files are the shipped ones, executable where the source is" "" "$bad"
        [ -d "$D$mandir" ] && MANPATH_INST=$D$mandir
        INSTALLED=1
    else
        fail "make install DESTDIR=... ran in $BUILD" "$(tail -n 20 "$T/install.log")"
    fi
else
    skip "make install DESTDIR=..." "no pypi-fcgi build directory above $PYPI_FCGI"
fi

# ---- systemd-analyze verify ------------------------------------------------------
# Documentation= man pages are looked up among those make install put in
# the DESTDIR; without them that check is off.
if command -v systemd-analyze >/dev/null 2>&1; then
    man_opt=--man=no
    [ -n "$MANPATH_INST" ] && command -v man >/dev/null 2>&1 && man_opt=--man=yes
    # The socket unit names its service: verify them together.
    for group in "pypi-fcgi.service" "pypi-fcgi.socket pypi-fcgi-activated.service"; do
        args=()
        for u in $group; do args+=("$T/units/$u"); done
        out=$(cd "$T/units" && env MANPATH="$MANPATH_INST" SYSTEMD_COLORS=0 systemd-analyze verify "$man_opt" "${args[@]}" 2>&1)
        rc=$?
        # Unknown keys and bad values are only warnings: any line about our units fails.
        if [ $rc -eq 0 ] && ! grep -q 'pypi-fcgi' <<<"$out"; then
            pass "systemd-analyze verify $man_opt: $group"
        else
            fail "systemd-analyze verify $man_opt: $group" "exit status $rc" "$out"
        fi
    done
else
    skip "systemd-analyze verify of the units" "systemd-analyze is not installed"
fi
if [ $INSTALLED = 1 ]; then
    if mk uninstall DESTDIR="$D" >>"$T/install.log" 2>&1; then
        expect_eq "make uninstall removes every installed file" "" "$(find "$D" -type f)"
    else
        fail "make uninstall DESTDIR=..." "$(tail -n 20 "$T/install.log")"
    fi
fi

# ---- what the units promise ----------------------------------------------------
SVC=$SYS/pypi-fcgi.service
SOCKU=$SYS/pypi-fcgi.socket
ACT=$SYS/pypi-fcgi-activated.service
spawn_sock=$(unit_words "$SVC" Service Environment | sed -n 's/^PYPI_SOCKET=//p' | tail -n 1)
rundir=$(unit_value "$SVC" Service RuntimeDirectory)
expect_eq "pypi-fcgi.service: the socket is in its RuntimeDirectory, which systemd removes at stop" \
    "/run/$rundir" "$(dirname "$spawn_sock")"
expect_eq "both ways listen on the same path, so one web-server config fits both" \
    "$spawn_sock" "$(unit_value "$SOCKU" Socket ListenStream)"
expect_eq "pypi-fcgi.socket: mode 0660, group www-data" "0660 www-data" \
    "$(unit_value "$SOCKU" Socket SocketMode) $(unit_value "$SOCKU" Socket SocketGroup)"
expect_eq "pypi-fcgi.socket: systemd removes the socket file when the socket stops" yes \
    "$(unit_value "$SOCKU" Socket RemoveOnStop)"

# ---- the example configuration file --------------------------------------------
render "$TOP_SRCDIR/contrib/pypi-fcgi.conf" "$T/pypi-fcgi.conf"
check "contrib/pypi-fcgi.conf: the rendered file differs in paths only" \
    diff <(sed "s#$T##g" "$T/pypi-fcgi.conf") "$TOP_SRCDIR/contrib/pypi-fcgi.conf"
"$PF_BIN" -c "$T/pypi-fcgi.conf" -t >"$T/conf-t.out" 2>"$T/conf-t.err"
rc=$?
"$PF_BIN" -t "$T/srv/pypi" >"$T/plain-t.out" 2>/dev/null
if [ $rc -eq 0 ] && cmp -s "$T/conf-t.out" "$T/plain-t.out"; then
    pass "pypi-fcgi -c pypi-fcgi.conf -t: valid, and the same configuration as the defaults with that root"
else
    fail "pypi-fcgi -c pypi-fcgi.conf -t: valid, and the same configuration as the defaults with that root" \
        "exit status $rc" "$(cat "$T/conf-t.err")" "$(diff "$T/plain-t.out" "$T/conf-t.out")"
fi

# ---- socket activation with systemd-socket-activate --------------------------------
# It listens, and at the first connection execs the command with the socket
# as fd 3 and LISTEN_FDS=1, LISTEN_PID=its pid, as systemd does for
# pypi-fcgi-activated.service; the group and mode are pypi-fcgi.socket's.
mapfile -t act_cmd < <(unit_words "$T/units/pypi-fcgi-activated.service" Service ExecStart)
act_user=$(as_user "$(unit_value "$ACT" Service User)")
act_group=$(id -gn "$act_user")
SOCK=$(unit_value "$T/units/pypi-fcgi.socket" Socket ListenStream)
sock_mode=$(unit_value "$SOCKU" Socket SocketMode)
sock_group=$(unit_value "$SOCKU" Socket SocketGroup)
if ! command -v systemd-socket-activate >/dev/null 2>&1; then
    skip "socket activation with systemd-socket-activate" "systemd-socket-activate is not installed"
elif ! getent group "$sock_group" >/dev/null; then
    skip "socket activation with systemd-socket-activate" "no group $sock_group here"
else
    mkdir -p "$(dirname "$SOCK")"
    e2e_log "$T/activate.log"
    systemd-socket-activate -l "$SOCK" \
        setpriv --reuid="$act_user" --regid="$act_group" --clear-groups "${act_cmd[@]}" \
        </dev/null >/dev/null 2>"$T/activate.log" &
    APID=$!
    e2e_bg "$APID"
    if wait_socket "$SOCK" 5; then
        chgrp "$sock_group" "$SOCK" && chmod "$sock_mode" "$SOCK"
        pass "systemd-socket-activate listens on the unit's ListenStream"
        serves "$SOCK" "activated ($act_user)"
        read -r pcomm <"/proc/$APID/comm" 2>/dev/null
        expect_eq "activated: the unit's ExecStart runs in the pid that got the socket, as $act_user" \
            "pypi-fcgi $act_user" "$pcomm $(ps -o user= -p "$APID" 2>/dev/null)"
        out=$(fcgi_as www-data "$SOCK" /health)
        if [[ $out == "Status: 200"* ]]; then pass "activated: the web server's group may connect"; else fail "activated: the web server's group may connect" "$out"; fi
        stop_within "$APID" 2 activated
        check "activated: it logged its exit" grep -q 'info: exiting' "$T/activate.log"
        none_left activated
    else
        fail "systemd-socket-activate listens on the unit's ListenStream" "$(cat "$T/activate.log")"
    fi
    rm -f "$SOCK"
fi

# ---- two activations on the socket systemd keeps ------------------------------
# systemd keeps the listening socket while the service stops and starts
# again. This does what systemd does (fd 3 and LISTEN_FDS, or fd 0 with
# StandardInput=socket, whichever the unit says) twice on one socket.
cat >"$T/activate2.py" <<'EOF'
import grp, os, pwd, signal, socket, subprocess, sys, time
path, mode, group, user, stdin_socket = sys.argv[1:6]
cmd = sys.argv[6:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if os.path.exists(path):
    os.unlink(path)
s.bind(path)
s.listen(128)
os.chown(path, 0, grp.getgrnam(group).gr_gid)
os.chmod(path, int(mode, 8))
pw = pwd.getpwnam(user)
log = open(os.environ["ACT_LOG"], "ab")

def start():
    pid = os.fork()
    if pid == 0:
        try:
            env = {"PATH": os.environ["PATH"]}
            fd = 0 if stdin_socket == "yes" else 3
            if s.fileno() != fd:
                os.dup2(s.fileno(), fd)
            os.set_inheritable(fd, True)
            if fd == 3:
                env.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
            os.dup2(log.fileno(), 2)
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            os.execve(cmd[0], cmd, env)
        finally:
            os._exit(127)
    return pid

def health():
    env = {"PATH": os.environ["PATH"], "REQUEST_METHOD": "GET", "REQUEST_URI": "/health", "SCRIPT_NAME": ""}
    r = subprocess.run(["timeout", "10", "cgi-fcgi", "-bind", "-connect", path], env=env, capture_output=True)
    return r.stdout

for n in (1, 2):
    pid = start()
    out = health()
    print(("ok" if out.startswith(b"Status: 200") else "not ok") + " activation %d: /health answers 200" % n)
    if not out.startswith(b"Status: 200"):
        print("# %r" % out[:300])
    os.kill(pid, signal.SIGTERM)
    t0 = time.time()
    while time.time() - t0 < 2:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        print("not ok activation %d: SIGTERM stops it within 2 s\n# still running" % n)
        continue
    code = os.waitstatus_to_exitcode(status)
    print(("ok" if code == 0 else "not ok") + " activation %d: SIGTERM stops it within 2 s (%d ms), status 0" % (n, (time.time() - t0) * 1000))
    if code:
        print("# status %d" % code)
s.close()
os.unlink(path)
EOF
if getent group "$sock_group" >/dev/null; then
    stdin_socket=no
    [ "$(unit_value "$ACT" Service StandardInput)" = socket ] && stdin_socket=yes
    e2e_log "$T/activate2.log"
    ACT_LOG=$T/activate2.log PATH=$SYSTEMD_PATH run_checks timeout 60 python3 "$T/activate2.py" \
        "$SOCK" "$sock_mode" "$sock_group" "$act_user" "$stdin_socket" "${act_cmd[@]}"
    none_left "two activations"
else
    skip "two activations on one socket" "no group $sock_group here"
fi

# ---- pypi-fcgi-spawn as pypi-fcgi.service runs it ------------------------------
# As root, with only the unit's Environment=, from /, after systemd made the
# RuntimeDirectory; spawn-fcgi -n keeps it in the foreground as pypi-fcgi.
mapfile -t svc_env < <(unit_words "$T/units/pypi-fcgi.service" Service Environment)
mapfile -t svc_cmd < <(unit_words "$T/units/pypi-fcgi.service" Service ExecStart)
web_group=
svc_user=
for i in "${!svc_env[@]}"; do
    case ${svc_env[$i]} in
    PYPI_USER=*) svc_user=$(as_user "${svc_env[$i]#PYPI_USER=}"); svc_env[i]=PYPI_USER=$svc_user ;;
    PYPI_WEB_GROUP=*) web_group=${svc_env[$i]#PYPI_WEB_GROUP=} ;;
    esac
done
SSOCK=$T$spawn_sock
if ! command -v spawn-fcgi >/dev/null 2>&1; then
    skip "pypi-fcgi-spawn as pypi-fcgi.service runs it" "spawn-fcgi is not installed"
elif ! getent group "$web_group" >/dev/null; then
    skip "pypi-fcgi-spawn as pypi-fcgi.service runs it" "no group $web_group here"
else
    rdmode=$(unit_value "$SVC" Service RuntimeDirectoryMode)
    rm -rf "${T:?}/run/$rundir"
    mkdir -m "${rdmode:-0755}" "$T/run/$rundir"
    e2e_log "$T/spawn.log"
    (cd / && exec env -i PATH="$SYSTEMD_PATH" "${svc_env[@]}" "${svc_cmd[@]}") </dev/null >/dev/null 2>"$T/spawn.log" &
    SPID=$!
    e2e_bg "$SPID"
    if wait_socket "$SSOCK" 10; then
        pass "pypi-fcgi-spawn created the socket $spawn_sock (rendered)"
        # The socket appears before the exec of pypi-fcgi.
        for _ in $(seq 50); do
            [ "$(cat "/proc/$SPID/comm" 2>/dev/null)" = pypi-fcgi ] && break
            sleep 0.1
        done
        expect_eq "spawn: the service's main pid is pypi-fcgi itself (foreground, no fork)" pypi-fcgi \
            "$(cat "/proc/$SPID/comm" 2>/dev/null)"
        expect_eq "spawn: pypi-fcgi runs as PYPI_USER with group PYPI_WEB_GROUP" "$svc_user $web_group" \
            "$(ps -o user=,group= -p "$SPID" 2>/dev/null | xargs)"
        expect_eq "spawn: the socket is mode 0660, owned by PYPI_USER:PYPI_WEB_GROUP" \
            "660 $svc_user $web_group" "$(stat -c '%a %U %G' "$SSOCK")"
        serves "$SSOCK" spawn
        out=$(fcgi_as www-data "$SSOCK" /health)
        if [[ $out == "Status: 200"* ]]; then pass "spawn: the web server's group may connect"; else fail "spawn: the web server's group may connect" "$out"; fi
        out=$(fcgi_as daemon "$SSOCK" /health)
        rc=$?
        if [ $rc -ne 0 ] && [[ $out != *Status:* ]]; then
            pass "spawn: a user outside that group may not connect (cgi-fcgi status $rc)"
        else
            fail "spawn: a user outside that group may not connect" "$out"
        fi
        stop_within "$SPID" 2 spawn
        none_left spawn
    else
        fail "pypi-fcgi-spawn created the socket $spawn_sock (rendered)" "$(cat "$T/spawn.log")"
    fi
    # What systemd does at stop: the RuntimeDirectory goes, with the socket.
    rm -rf "${T:?}/run/$rundir"
fi

# ---- PYPI_PROCS=2: processes sharing one socket stop one at a time ----------------
# spawn-fcgi -F forks them and returns. SIGTERM to one must not take the
# shared socket away from the other.
if command -v spawn-fcgi >/dev/null 2>&1; then
    FSOCK=$T/run/forked.sock
    env -i PATH="$SYSTEMD_PATH" PYPI_ROOT="$T/srv/pypi" PYPI_SOCKET="$FSOCK" PYPI_BIN="$PYPI_FCGI" PYPI_USER=nobody \
        PYPI_WEB_GROUP=nogroup PYPI_THREADS=2 PYPI_PROCS=2 "$TOP_SRCDIR/contrib/pypi-fcgi-spawn" >"$T/forked.log" 2>&1
    e2e_log "$T/forked.log"
    mapfile -t fpids < <(pgrep -f -- "--threads 2 .*$T/srv/pypi" 2>/dev/null)
    for p in "${fpids[@]}"; do e2e_bg "$p"; done
    expect_eq "PYPI_PROCS=2 forks two pypi-fcgi processes on one socket" 2 "${#fpids[@]}"
    if [ "${#fpids[@]}" = 2 ]; then
        kill -TERM "${fpids[0]}"
        wait_gone 3 "${fpids[0]}"
        ok=0
        for _ in 1 2 3 4 5; do
            [[ $(fcgi_get "$FSOCK" /health "$T/forked.err") == "Status: 200"* ]] && ok=$((ok + 1))
        done
        expect_eq "after SIGTERM to one, the other still answers on the shared socket (5 of 5)" 5 "$ok"
        kill -TERM "${fpids[1]}"
        if wait_gone 3 "${fpids[1]}"; then pass "the second stops on SIGTERM too"; else fail "the second stops on SIGTERM too"; fi
    fi
fi

e2e_done
