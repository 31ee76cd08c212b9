#!/bin/bash
# SPDX-License-Identifier: MIT
# test_nginx.sh: contrib/nginx.conf and contrib/pypi-fcgi-spawn as shipped, run with real nginx, spawn-fcgi, twine and pip.
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_nginx.sh
# (make check-e2e does this). KEEP=1 keeps the temp dir, VERBOSE=1 prints
# the logs (see lib.sh). Only 127.0.0.1 on free high ports is used.
#
# pypi-fcgi is started by contrib/pypi-fcgi-spawn with its default
# PYPI_SENDFILE; contrib/nginx.conf is rendered with only its "EDIT" lines
# changed (and its "MOUNT" lines for the root mount) and included from a
# minimal nginx.conf that stands in for Debian's /etc/nginx/nginx.conf. As
# root, pypi-fcgi runs as nobody with the socket's group set to that of
# nginx's workers (www-data), as on a real host.

# Started by a POSIX sh (make's $(SHELL) may be one): continue in bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=swap.sh
. "$HERE/swap.sh"

e2e_init
T=$E2E_TMP
CONF=$TOP_SRCDIR/contrib/nginx.conf
SPAWN=$TOP_SRCDIR/contrib/pypi-fcgi-spawn
FASTCGI_PARAMS=/etc/nginx/fastcgi_params
MIME_TYPES=/etc/nginx/mime.types

# nginx lives in /usr/sbin, which a user's PATH may lack.
NGINX=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx 2>/dev/null)
e2e_require "nginx end-to-end tests" "${NGINX:-nginx}" spawn-fcgi htpasswd curl python3
for f in "$FASTCGI_PARAMS" "$MIME_TYPES"; do
    if [ ! -f "$f" ]; then
        skip "nginx end-to-end tests" "$f is missing (not a Debian nginx?)"
        e2e_done
        exit 0
    fi
done

# ---- users: nginx workers as www-data, pypi-fcgi as nobody in www-data ---
if [ "$(id -u)" -eq 0 ]; then
    NG_USER=www-data
    id "$NG_USER" >/dev/null 2>&1 || NG_USER=nobody
    WEB_GROUP=$(id -gn "$NG_USER")
    PF_USER=nobody
    # Both must get through the temp dir (mktemp made it 0700).
    chmod 0711 "$T"
else
    NG_USER=
    WEB_GROUP=$(id -gn)
    PF_USER=$(id -un)
fi

ROOT=$T/root
SOCK=$T/run/pypi-fcgi.sock
HTPASSWD=$T/htpasswd
mkdir -p "$ROOT"
[ -n "$NG_USER" ] && chown "$PF_USER:$WEB_GROUP" "$ROOT"
if htpasswd -bcB -C 5 "$HTPASSWD" alice alice-pw >"$T/htpasswd.out" 2>&1; then
    chmod 0644 "$HTPASSWD"
    pass "htpasswd -B made a password file"
else
    fail "htpasswd -B made a password file" "$(cat "$T/htpasswd.out")"
fi

if e2e_venv "$T/venv" >"$T/venv.log" 2>&1; then
    VENV=$T/venv
else
    VENV=
    fail "a venv for pip" "$(cat "$T/venv.log")"
fi

# ---- pypi-fcgi through contrib/pypi-fcgi-spawn -------------------------
# spawn_start: the launcher in the background, its own settings left at
# their defaults except the ones every host sets. PF_PID is the launcher,
# which becomes pypi-fcgi (spawn-fcgi -n).
PF_PID=
e2e_log "$T/pypi-fcgi.log"
spawn_start() {
    env -i PATH="$PATH" PYPI_ROOT="$ROOT" PYPI_SOCKET="$SOCK" PYPI_BIN="$PF_BIN" PYPI_USER="$PF_USER" \
        PYPI_WEB_GROUP="$WEB_GROUP" PYPI_THREADS=8 PYPI_ARGS="${SPAWN_ARGS:---htpasswd $HTPASSWD}" \
        sh "$SPAWN" >>"$T/pypi-fcgi.log" 2>&1 &
    PF_PID=$!
    e2e_bg "$PF_PID"
    wait_socket "$SOCK" 10 && proc_alive "$PF_PID"
}

# spawn_stop: SIGTERM; passes when the launcher exited 0 within 10 s.
# Not in a subshell: it reaps its child.
spawn_stop() {
    local rc
    kill -TERM "$PF_PID" 2>/dev/null
    if ! wait_gone 10 "$PF_PID"; then
        fail "pypi-fcgi stopped on SIGTERM (exit 0)" "still running 10 s after SIGTERM"
        return
    fi
    wait "$PF_PID"
    rc=$?
    expect_eq "pypi-fcgi stopped on SIGTERM (exit 0)" 0 "$rc"
}

if spawn_start; then
    pass "contrib/pypi-fcgi-spawn started pypi-fcgi on a unix socket"
else
    fail "contrib/pypi-fcgi-spawn started pypi-fcgi on a unix socket" "$(cat "$T/pypi-fcgi.log")"
    e2e_done
    exit 1
fi
cmd=$(tr '\0' ' ' <"/proc/$PF_PID/cmdline")
case $cmd in
*pypi-fcgi*"--sendfile x-accel-redirect:/_pypi_files/"*)
    pass "the launcher is the pypi-fcgi process, with X-Accel-Redirect to /_pypi_files/" ;;
*) fail "the launcher is the pypi-fcgi process, with X-Accel-Redirect to /_pypi_files/" "command line: $cmd" ;;
esac
if [ -n "$NG_USER" ]; then
    expect_eq "the socket is 0660, owned by pypi-fcgi's user and nginx's group" \
        "660 $PF_USER $WEB_GROUP" "$(stat -c '%a %U %G' "$SOCK")"
    expect_eq "pypi-fcgi dropped root for $PF_USER" "$PF_USER" "$(stat -c %U "/proc/$PF_PID")"
    if id daemon >/dev/null 2>&1 && command -v setpriv >/dev/null; then
        if out=$(setpriv --reuid=daemon --regid=daemon --clear-groups "$(e2e_python)" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except PermissionError:
    sys.exit(0)
print("connected")
sys.exit(1)' "$SOCK" 2>&1); then
            pass "a user outside nginx's group cannot connect to the socket"
        else
            fail "a user outside nginx's group cannot connect to the socket" "$out"
        fi
    fi
fi

# ---- nginx -------------------------------------------------------------
# render_nginx DEST PORT MOUNT [SOURCE]: contrib/nginx.conf (or SOURCE) with
# its "EDIT" lines set to this test's port, socket, root and password file,
# and for MOUNT=root its "MOUNT" lines changed as their comments say.
# Nothing else is touched.
render_nginx() {
    local dest=$1 port=$2 mount=$3 src=${4:-$CONF} args=()
    args=(-e "/# EDIT/s#^\([[:space:]]*listen[[:space:]]\{1,\}\)[^;]*;#\1127.0.0.1:$port;#"
        -e "/# EDIT/s#^\([[:space:]]*fastcgi_pass[[:space:]]\{1,\}\)[^;]*;#\1unix:$SOCK;#"
        -e "/# EDIT/s#^\([[:space:]]*alias[[:space:]]\{1,\}\)[^;]*;#\1$ROOT/;#"
        -e "/# EDIT/s#^\([[:space:]]*auth_basic_user_file[[:space:]]\{1,\}\)[^;]*;#\1$HTPASSWD;#")
    if [ "$mount" = root ]; then
        args+=(-e "/# MOUNT/s#^\([[:space:]]*location[[:space:]]\{1,\}\)/pypi/[[:space:]]*{#\1/ {#"
            -e "/# MOUNT/s#^\([[:space:]]*fastcgi_split_path_info[[:space:]]\{1,\}\)[^;]*;#\1^()(/.*)\$;#")
    fi
    sed "${args[@]}" "$src" >"$dest"
}

# ng_write DIR: the http { } around the server block, as Debian's
# /etc/nginx/nginx.conf has it, with everything in DIR. The server block's
# relative "include fastcgi_params" resolves in DIR, the config's directory.
ng_write() {
    local d=$1
    mkdir -p "$d/tmp"
    chmod 0755 "$d"
    ln -sf "$FASTCGI_PARAMS" "$d/fastcgi_params"
    {
        echo "worker_processes 1;"
        [ -n "$NG_USER" ] && echo "user $NG_USER $WEB_GROUP;"
        cat <<EOF
pid $d/nginx.pid;
error_log $d/error.log info;
events { worker_connections 256; }
http {
    include $MIME_TYPES;
    default_type application/octet-stream;
    sendfile on;
    access_log $d/access.log;
    client_body_temp_path $d/tmp/body;
    fastcgi_temp_path $d/tmp/fastcgi;
    proxy_temp_path $d/tmp/proxy;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    include $d/pypi-fcgi.conf;
}
EOF
    } >"$d/nginx.conf"
}

NG_PID=
NG_PORT=
NG_ERR=
# ng_start DIR MOUNT READY-PATH [SOURCE]: renders (SOURCE, default
# contrib/nginx.conf) and starts nginx in the foreground on a free port
# (another one when it was taken meanwhile) and waits until READY-PATH
# answers 200. NG_PID, NG_PORT; NG_ERR on failure.
ng_start() {
    local d=$1 mount=$2 ready=$3 src=${4:-$CONF} try i code
    ng_write "$d"
    e2e_log "$d/error.log"
    e2e_log "$d/nginx.out"
    for try in 1 2 3; do
        NG_PORT=$(free_port)
        render_nginx "$d/pypi-fcgi.conf" "$NG_PORT" "$mount" "$src"
        if ! "$NGINX" -t -p "$d/" -e "$d/error.log" -c "$d/nginx.conf" >"$d/nginx-t.out" 2>&1; then
            NG_ERR="nginx -t: $(cat "$d/nginx-t.out")"
            return 1
        fi
        "$NGINX" -p "$d/" -e "$d/error.log" -c "$d/nginx.conf" -g 'daemon off;' >"$d/nginx.out" 2>&1 &
        NG_PID=$!
        e2e_bg "$NG_PID"
        for ((i = 0; i < 100; i++)); do
            proc_alive "$NG_PID" || break
            code=$(http_code "http://127.0.0.1:$NG_PORT$ready" --max-time 2)
            [ "$code" = 200 ] && return 0
            sleep 0.1
        done
        if proc_alive "$NG_PID"; then
            NG_ERR="nginx did not answer $ready with 200 within 10 s (last: $code)"
            return 1
        fi
        wait "$NG_PID" 2>/dev/null
        NG_ERR="nginx exited at start: $(cat "$d/nginx.out"; tail -n 5 "$d/error.log")"
        grep -qi 'address already in use' "$d/nginx.out" "$d/error.log" 2>/dev/null || return 1
    done
    return 1
}

# ng_stop LABEL DIR: SIGQUIT (graceful); passes when the master and its
# workers ended within 10 s and the pid file is gone. Not in a subshell:
# it reaps its child.
ng_stop() {
    local label=$1 d=$2 workers
    workers=$(pgrep -P "$NG_PID" 2>/dev/null)
    kill -QUIT "$NG_PID" 2>/dev/null
    # shellcheck disable=SC2086 # a list of pids
    if ! wait_gone 10 "$NG_PID" $workers; then
        fail "$label: nginx stopped on SIGQUIT, its workers too" "still running: $NG_PID $workers"
        return
    fi
    wait "$NG_PID" 2>/dev/null
    pass "$label: nginx stopped on SIGQUIT, its workers too"
    check "$label: nginx removed its pid file" test ! -e "$d/nginx.pid"
}

# ng_static_checks FILE MOUNT: what must hold of a rendered file.
ng_static_checks() {
    local f=$1 mount=$2 want=3 changed limit tmo
    [ "$mount" = root ] && want=5
    check "$mount: the rendered file differs from contrib/nginx.conf in the marked lines only" \
        diff <(grep -v '# \(EDIT\|MOUNT\)' "$CONF") <(grep -v '# \(EDIT\|MOUNT\)' "$f")
    changed=$(diff "$CONF" "$f" | grep -c '^>')
    expect_eq "$mount: each of the $want lines marked for it was substituted" "$want" "$changed"
    # The body limit can only be seen from outside by a 1 GiB upload: read it.
    limit=$(awk '$1 == "client_max_body_size" { v = $2; sub(/;$/, "", v); n = v + 0
        u = tolower(substr(v, length(v))); if (u == "k") n *= 1024; else if (u == "m") n *= 1048576
        else if (u == "g") n *= 1073741824; print n; exit }' "$f")
    if [ -n "$limit" ] && [ "$limit" -gt $((1024 * 1048576 + 1048576)) ]; then
        pass "$mount: client_max_body_size ($limit) holds pypi-fcgi's 1 GiB upload and its form"
    else
        fail "$mount: client_max_body_size holds pypi-fcgi's 1 GiB upload and its form" "read: '$limit'"
    fi
    tmo=$(awk '$1 == "fastcgi_read_timeout" { v = $2; sub(/;$/, "", v); n = v + 0
        if (v ~ /m$/) n *= 60; print n; exit }' "$f")
    if [ -n "$tmo" ] && [ "$tmo" -ge 120 ]; then
        pass "$mount: fastcgi_read_timeout (${tmo}s) leaves time to store a 1 GiB upload"
    else
        fail "$mount: fastcgi_read_timeout leaves time to store a 1 GiB upload" "read: '$tmo'"
    fi
    check "$mount: no FastCGI keep-alive (it pins pypi-fcgi threads)" \
        test -z "$(grep -E '^[^#]*(fastcgi_keep_conn[[:space:]]+on|keepalive[[:space:]])' "$f")"
}

# ng_live_checks LABEL BASE: beyond deploy_checks, against nginx at BASE
# (its mount prefix, no trailing slash); run after deploy_checks LABEL.
ng_live_checks() {
    local label=$1 base=$2 host=http://127.0.0.1:$NG_PORT whl rel code
    code=$(fetch "$base/" "$T/welcome-$label")
    if [ "$code" = 200 ] && grep -qF "$base/simple/" "$T/welcome-$label.body"; then
        pass "$label: the welcome page shows the index URL with nginx's port"
    else
        fail "$label: the welcome page shows the index URL with nginx's port" "status $code" \
            "$(grep -F 'simple/' "$T/welcome-$label.body" | head -n 3)"
    fi
    whl=$(find "$ROOT/deploy-$label" -name '*.whl' 2>/dev/null | head -n 1)
    rel=${whl#"$ROOT"/}
    if [ -z "$whl" ]; then
        fail "$label: the uploaded wheel is in the root" "$(ls -R "$ROOT")"
        return
    fi
    code=$(fetch "$base/packages/$rel" "$T/dl-$label")
    if [ "$code" = 200 ] && cmp -s "$whl" "$T/dl-$label.body" &&
        [ -z "$(header "$T/dl-$label.hdr" X-Accel-Redirect)" ]; then
        pass "$label: a download is the whole file and hides the X-Accel-Redirect"
    else
        fail "$label: a download is the whole file and hides the X-Accel-Redirect" "status $code" "$(cat "$T/dl-$label.hdr")"
    fi
    expect_eq "$label: /_pypi_files/ asked for directly is 404 (internal)" 404 \
        "$(http_code "$host/_pypi_files/$rel")"
    # nginx refuses a declared body over client_max_body_size before
    # reading it, so no 2 GiB need to be sent.
    code=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' -u alice:alice-pw -H 'Content-Length: 2147483648' \
        -H 'Content-Type: multipart/form-data; boundary=x' --data-binary '' "$base/legacy/" 2>/dev/null)
    expect_eq "$label: a 2 GiB upload is refused by nginx with 413" 413 "$code"
}

# ---- mounted at /pypi/, as shipped ----------------------------------------
NGP=$T/ng-prefix
if ng_start "$NGP" prefix /pypi/health; then
    pass "prefix: nginx started with contrib/nginx.conf, /pypi/health answers 200"
    ng_static_checks "$NGP/pypi-fcgi.conf" prefix
    deploy_checks nginx-prefix "http://127.0.0.1:$NG_PORT/pypi" "$VENV" alice alice-pw
    ng_live_checks nginx-prefix "http://127.0.0.1:$NG_PORT/pypi"
    code=$(fetch "http://127.0.0.1:$NG_PORT/pypi" "$T/redir")
    expect_eq "prefix: /pypi is redirected to /pypi/ with the port" \
        "301 http://127.0.0.1:$NG_PORT/pypi/" "$code $(header "$T/redir.hdr" Location)"
    expect_eq "prefix: / outside the mount is not the index" 404 "$(http_code "http://127.0.0.1:$NG_PORT/simple/")"
    ng_stop prefix "$NGP"
else
    fail "prefix: nginx started with contrib/nginx.conf, /pypi/health answers 200" "$NG_ERR"
fi

# ---- mounted at /, the MOUNT lines changed ----------------------------------
NGR=$T/ng-root
if ng_start "$NGR" root /health; then
    pass "root: nginx started with contrib/nginx.conf mounted at /, /health answers 200"
    ng_static_checks "$NGR/pypi-fcgi.conf" root
    deploy_checks nginx "http://127.0.0.1:$NG_PORT" "$VENV" alice alice-pw
    ng_live_checks nginx "http://127.0.0.1:$NG_PORT"
    # A restart of pypi-fcgi: spawn-fcgi replaces the socket file the last
    # one left, and nginx connects to the new process.
    spawn_stop
    check "the socket file stays behind (spawn-fcgi replaces it)" test -S "$SOCK"
    if spawn_start; then
        code=000
        for _ in $(seq 50); do
            code=$(http_code "http://127.0.0.1:$NG_PORT/simple/deploy-nginx/")
            [ "$code" = 200 ] && break
            sleep 0.1
        done
        expect_eq "pypi-fcgi restarted over the old socket file and nginx reaches it" 200 "$code"
    else
        fail "pypi-fcgi restarted over the old socket file" "$(tail -n 20 "$T/pypi-fcgi.log")"
    fi
    ng_stop root "$NGR"
else
    fail "root: nginx started with contrib/nginx.conf mounted at /, /health answers 200" "$NG_ERR"
fi

# ---- who uploads: REMOTE_USER behind nginx -------------------------------------
# Debian's fastcgi_params sends REMOTE_USER $remote_user, which nginx decodes
# from any Authorization header whether or not auth_basic checked it.

# up_as BASE CRED PROJECT WHEEL: a twine-shaped upload with curl -u CRED;
# prints the status.
up_as() {
    local base=$1 cred=$2 proj=$3 whl=$4 sha
    sha=$(sha256sum "$whl" | cut -d' ' -f1)
    curl -s -o "$T/up-as.txt" -w '%{http_code}' --max-time 30 -u "$cred" -F ':action=file_upload' \
        -F "name=$proj" -F version=1.0 -F filetype=bdist_wheel -F pyversion=py3 -F "sha256_digest=$sha" \
        -F "content=@$whl" "$base"
}
# rm_as BASE CRED PROJECT: pypiserver's remove_pkg of version 1.0.
rm_as() {
    curl -s -o "$T/rm-as.txt" -w '%{http_code}' --max-time 30 -u "$2" -F ':action=remove_pkg' \
        -F "name=$3" -F version=1.0 "$1"
}
# uploader_of PROJECT: the uploader field of the project's wheel record.
uploader_of() {
    sed -n 's/^uploader //p' "$ROOT/$1"/.pypi-fcgi/*.whl.rec 2>/dev/null | head -n 1
}

FORGE=$T/forge
mkdir -p "$FORGE"
FWHL=$(python3 "$HERE/mkdist.py" wheel --out "$FORGE" --name forged --version 1.0 2>>"$FORGE/mkdist.log")
KWHL=$(python3 "$HERE/mkdist.py" wheel --out "$FORGE" --name kept --version 1.0 2>>"$FORGE/mkdist.log")

# contrib/nginx.conf runs no auth_basic: with --trust-remote-user and
# --htpasswd, pypi-fcgi must check the password of whatever name arrives.
proc_alive "$PF_PID" && spawn_stop
SPAWN_ARGS="--htpasswd $HTPASSWD --trust-remote-user"
if spawn_start; then
    NGT=$T/ng-trust
    if ng_start "$NGT" root /health; then
        b=http://127.0.0.1:$NG_PORT
        for url in / /legacy /legacy/; do
            for cred in alice:wrong nosuchuser:x; do
                expect_eq "nginx.conf, --trust-remote-user --htpasswd: POST $url as $cred is refused (403)" \
                    403 "$(up_as "$b$url" "$cred" forged "$FWHL")"
            done
        done
        check "nothing of the forged uploads reached the root" test ! -e "$ROOT/forged"
        expect_eq "nginx.conf, --trust-remote-user --htpasswd: alice with her password uploads" \
            200 "$(up_as "$b/" alice:alice-pw kept "$KWHL")"
        expect_eq "the record names alice as the uploader" alice "$(uploader_of kept)"
        expect_eq "nginx.conf, --trust-remote-user --htpasswd: nosuchuser:x cannot remove alice's release" \
            403 "$(rm_as "$b/" nosuchuser:x kept)"
        check "alice's release is still there" test -f "$ROOT/kept/$(basename "$KWHL")"
        check "pypi-fcgi logged the ignored REMOTE_USER" grep -q "REMOTE_USER 'nosuchuser' ignored" "$NGT/error.log"
        expect_eq "alice removes her release" 200 "$(rm_as "$b/" alice:alice-pw kept)"
        ng_stop trust "$NGT"
    else
        fail "nginx started with contrib/nginx.conf for --trust-remote-user" "$NG_ERR"
    fi
    spawn_stop
else
    fail "pypi-fcgi started with --trust-remote-user --htpasswd" "$(tail -n 20 "$T/pypi-fcgi.log")"
fi

# contrib/nginx-auth.conf: nginx checks the passwords of every method but
# GET and HEAD and says so with AUTH_TYPE; pypi-fcgi has no --htpasswd.
AUTHCONF=$TOP_SRCDIR/contrib/nginx-auth.conf
SPAWN_ARGS="--trust-remote-user"
if spawn_start; then
    NGA=$T/ng-auth
    if ng_start "$NGA" root /health "$AUTHCONF"; then
        pass "nginx started with contrib/nginx-auth.conf mounted at /"
        # Its directives, without comments, blank lines, closing braces and
        # the auth lines, are nginx.conf's: the variant does not drift.
        directives() { sed 's/ *#.*//' "$1" | grep -v '^ *}\? *$' |
            grep -v 'AUTH_TYPE\|auth_basic\|limit_except\|pypi_fcgi_auth_type\|^ *default Basic;\|^ *\(GET\|HEAD\) *"";'; }
        check "nginx-auth.conf has nginx.conf's directives and the auth lines, nothing else" \
            diff <(directives "$CONF") <(directives "$AUTHCONF")
        b=http://127.0.0.1:$NG_PORT
        for url in / /legacy /legacy/; do
            for cred in alice:wrong nosuchuser:x; do
                expect_eq "nginx-auth.conf: POST $url as $cred is refused by nginx (401)" \
                    401 "$(up_as "$b$url" "$cred" forged "$FWHL")"
            done
        done
        code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -u nosuchuser:x "$b/")
        expect_eq "nginx-auth.conf: another method with a forged login is refused by nginx (401)" 401 "$code"
        check "nothing of the forged uploads reached the root" test ! -e "$ROOT/forged"
        deploy_checks nginx-auth "$b" "$VENV" alice alice-pw
        expect_eq "nginx-auth.conf: the record names alice, whom nginx checked" alice "$(uploader_of deploy-nginx-auth)"
        expect_eq "nginx-auth.conf: nosuchuser:x cannot remove (401)" 401 "$(rm_as "$b/" nosuchuser:x deploy-nginx-auth)"
        code=$(curl -s -o /dev/null -w '%{http_code}' -u nosuchuser:x "$b/simple/deploy-nginx-auth/")
        expect_eq "nginx-auth.conf: reading stays anonymous, a forged header changes nothing" 200 "$code"
        expect_eq "nginx-auth.conf: alice removes the release" 200 "$(rm_as "$b/" alice:alice-pw deploy-nginx-auth)"
        ng_stop auth "$NGA"
    else
        fail "nginx started with contrib/nginx-auth.conf mounted at /" "$NG_ERR"
    fi
else
    fail "pypi-fcgi started with --trust-remote-user" "$(tail -n 20 "$T/pypi-fcgi.log")"
fi

# ---- a symlink swapped after the listing (X-Accel-Redirect) ---------------------
# (swap.sh) nginx's alias would follow the links of the URI it is given:
# pypi-fcgi names the real path it checked at the request. pypi-fcgi runs with
# --overwrite and downloads behind a login: the cache headers as the client
# sees them. spawn_start and ng_start serve $ROOT: this root, from here on.
proc_alive "$PF_PID" && spawn_stop
ROOT=$T/swroot
SWOUT=$T/swout
if out=$(swap_tree "$ROOT" "$SWOUT"); then
    [ -n "$NG_USER" ] && chown -R "$PF_USER:$WEB_GROUP" "$ROOT"
    SPAWN_ARGS="--htpasswd $HTPASSWD --overwrite --authenticate update,download"
    if spawn_start; then
        NGS=$T/ng-swap
        if ng_start "$NGS" root /health; then
            b=http://127.0.0.1:$NG_PORT
            swap_checks "X-Accel-Redirect" "$b" "$ROOT" "$SWOUT" "$NGS/error.log" "it leads outside its root" \
                alice:alice-pw
            code=$(fetch "$b/packages/bar/bar-1.0-py3-none-any.whl" "$T/sw-cc" -u alice:alice-pw)
            expect_eq "X-Accel-Redirect, --overwrite, downloads need a login: the client sees Cache-Control: private, no-cache" \
                "200 private, no-cache" "$code $(header "$T/sw-cc.hdr" Cache-Control)"
            code=$(fetch "$b/packages/bar/bar-1.0-py3-none-any.whl.metadata" "$T/sw-md" -u alice:alice-pw)
            expect_eq "... and so does its .metadata, with X-Content-Type-Options: nosniff" \
                "200 private, no-cache nosniff" \
                "$code $(header "$T/sw-md.hdr" Cache-Control) $(header "$T/sw-md.hdr" X-Content-Type-Options)"
            ng_stop swap "$NGS"
        else
            fail "nginx started with contrib/nginx.conf on the symlink-swap root" "$NG_ERR"
        fi
        spawn_stop
    else
        fail "pypi-fcgi started on the symlink-swap root" "$(tail -n 20 "$T/pypi-fcgi.log")"
    fi
else
    fail "the symlink-swap tree was made" "$out"
fi

# ---- clean stop ---------------------------------------------------------------
proc_alive "$PF_PID" && spawn_stop
expect_eq "no pypi-fcgi process of this test is left" "" "$(our_responders)"
left=$(pgrep -f -- "$NGINX -p $T/" 2>/dev/null)
expect_eq "no nginx process of this test is left" "" "$left"

e2e_done
