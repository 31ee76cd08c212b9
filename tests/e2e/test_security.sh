#!/bin/bash
# SPDX-License-Identifier: MIT
# test_security.sh: attacks from outside and from other local users, each
# one reproduced as the attacker would try it and expected to fail: who may
# claim a user over a TCP socket, ...
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_security.sh
# Only loopback and unix sockets in the test's temp dir are used.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

e2e_init
T=$E2E_TMP
MKDIST="$HERE/mkdist.py"
CHECK_UPLOAD="$HERE/check_upload.py"
B=0123456789abcdef0123456789abcdef

e2e_require "security tests" cgi-fcgi spawn-fcgi python3 curl

ROOT=$T/root
mkdir -p "$ROOT" "$T/d"
python3 "$MKDIST" wheel --out "$T/d" --name upme --version 1.0 >/dev/null
python3 "$CHECK_UPLOAD" body --wheel "$T/d/upme-1.0-py3-none-any.whl" >"$T/upme.body"

# post_as ADDR [VAR=V...]: the upload of upme through cgi-fcgi to ADDR (a
# socket path or HOST:PORT) with the given parameters; prints the status.
post_as() {
    local addr=$1
    shift
    env -i PATH="/usr/local/bin:/usr/bin:/bin" REQUEST_METHOD=POST REQUEST_URI=/legacy/ SCRIPT_NAME= \
        CONTENT_LENGTH="$(stat -c %s "$T/upme.body")" CONTENT_TYPE="multipart/form-data; boundary=$B" "$@" \
        timeout 20 cgi-fcgi -bind -connect "$addr" <"$T/upme.body" 2>>"$T/fcgi.err" | head -n 1 | tr -d '\r'
}

# ---- REMOTE_USER over TCP ------------------------------------------------------
# Whoever can connect to a TCP socket can send REMOTE_USER and AUTH_TYPE.
# pypi-fcgi refuses to believe them there unless told so with =tcp.
PORT=$(free_port)
out=$("$PF_BIN" -t --listen "tcp:127.0.0.1:$PORT" --trust-remote-user "$ROOT" 2>&1)
rc=$?
if [ $rc -eq 2 ] && [[ $out == *"--trust-remote-user=tcp"* ]]; then
    pass "-t refuses --listen tcp: with --trust-remote-user, and says what to do"
else
    fail "-t refuses --listen tcp: with --trust-remote-user, and says what to do" "exit $rc" "$out"
fi

# spawn-fcgi -p hands over a TCP socket on fd 0: the same refusal.
e2e_log "$T/spawn-tcp.log"
spawn-fcgi -n -a 127.0.0.1 -p "$PORT" -- "$PF_BIN" --trust-remote-user "$ROOT" >>"$T/spawn-tcp.log" 2>&1 &
pid=$!
e2e_bg "$pid"
if wait_gone 10 "$pid"; then
    wait "$pid"
    rc=$?
    expect_eq "an inherited TCP socket with --trust-remote-user: pypi-fcgi exits 2" 2 "$rc"
    check "... and logs why" grep -q "trust-remote-user: the FastCGI socket is TCP" "$T/spawn-tcp.log"
else
    fail "an inherited TCP socket with --trust-remote-user: pypi-fcgi exits 2" "still serving after 10 s"
    st=$(post_as "127.0.0.1:$PORT" REMOTE_USER=alice AUTH_TYPE=Basic)
    diag "an upload claiming alice got: $st"
    kill "$pid" 2>/dev/null
    wait_gone 5 "$pid"
fi
check "nothing was stored" test ! -e "$ROOT/upme"

# Said explicitly: it starts, warns, and -t prints the choice.
PORT=$(free_port)
out=$("$PF_BIN" -t --listen "tcp:127.0.0.1:$PORT" --trust-remote-user=tcp "$ROOT" 2>&1)
if [[ $out == *"trust-remote-user = tcp"*"# WARNING: REMOTE_USER is believed from anyone"* ]]; then
    pass "-t prints trust-remote-user = tcp with a warning"
else
    fail "-t prints trust-remote-user = tcp with a warning" "$out"
fi
e2e_log "$T/tcp.log"
"$PF_BIN" --listen "tcp:127.0.0.1:$PORT" --trust-remote-user=tcp "$ROOT" 2>>"$T/tcp.log" &
pid=$!
e2e_bg "$pid"
for _ in $(seq 100); do
    grep -q "serving" "$T/tcp.log" 2>/dev/null && break
    sleep 0.05
done
check "--trust-remote-user=tcp logs a warning at start" grep -q "warn: trust-remote-user=tcp" "$T/tcp.log"
expect_eq "--trust-remote-user=tcp: REMOTE_USER with AUTH_TYPE is believed, as asked" "Status: 200 OK" \
    "$(post_as "127.0.0.1:$PORT" REMOTE_USER=alice AUTH_TYPE=Basic)"
kill -TERM "$pid" 2>/dev/null
wait_gone 10 "$pid" && pass "pypi-fcgi stopped" || fail "pypi-fcgi stopped"
rm -rf "${ROOT:?}/upme"

# ---- who may upload: --authenticate lists, deleted password and ACL files, guessing ------------
ALICE="HTTP_AUTHORIZATION=Basic YWxpY2U6c2VjcmV0" # alice:secret
WRONG="HTTP_AUTHORIZATION=Basic YWxpY2U6d3Jvbmc=" # alice:wrong
printf 'alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n' >"$T/htpasswd"
printf 'alice: upme\n' >"$T/acl"

# A list that protects downloads protects uploads too; only "." opens them,
# and -t says so.
out=$("$PF_BIN" -t --htpasswd "$T/htpasswd" --authenticate download,list "$ROOT" 2>&1)
if [[ $out == *"authenticate = update,download,list"* && $out != *"WARNING: anyone may upload"* ]]; then
    pass "-t: --authenticate download,list keeps uploads behind a login"
else
    fail "-t: --authenticate download,list keeps uploads behind a login" "$out"
fi
out=$("$PF_BIN" -t --authenticate . "$ROOT" 2>&1)
if [[ $out == *"authenticate = ."*"# WARNING: anyone may upload and remove files"* ]]; then
    pass "-t: --authenticate . is printed with a warning"
else
    fail "-t: --authenticate . is printed with a warning" "$out"
fi

# sec_start NAME ARGS...: pypi-fcgi on $T/NAME.sock, its log in $T/NAME.log.
sec_start() {
    local name=$1
    shift
    e2e_log "$T/$name.log"
    "$PF_BIN" --listen "unix:$T/$name.sock" --threads 2 "$@" "$ROOT" 2>>"$T/$name.log" &
    SEC_PID=$!
    e2e_bg "$SEC_PID"
    wait_socket "$T/$name.sock" 10
}
sec_stop() {
    kill -TERM "$SEC_PID" 2>/dev/null
    wait_gone 10 "$SEC_PID" || kill -KILL "$SEC_PID" 2>/dev/null
    wait "$SEC_PID" 2>/dev/null
}

sec_start lists --htpasswd "$T/htpasswd" --authenticate download,list
st=$(post_as "$T/lists.sock")
expect_eq "--authenticate download,list: an upload without a login is refused" "Status: 401" "${st:0:11}"
check "... and nothing was stored" test ! -e "$ROOT/upme"
sec_stop

# Deleting the ACL file stops uploads; deleting the password file stops
# logins, remembered ones included; both are logged.
sec_start revoke --htpasswd "$T/htpasswd" --upload-acl "$T/acl"
expect_eq "with the files in place alice may upload" "Status: 200 OK" "$(post_as "$T/revoke.sock" "$ALICE")"
rm -rf "${ROOT:?}/upme"
rm "$T/acl"
st=$(post_as "$T/revoke.sock" "$ALICE")
expect_eq "the ACL file deleted: alice's upload is refused" "Status: 403" "${st:0:11}"
check "... and nothing was stored" test ! -e "$ROOT/upme"
check "... and the log says the ACL is taken as empty" grep -q "$T/acl: .*taken as empty" "$T/revoke.log"
rm "$T/htpasswd"
st=$(post_as "$T/revoke.sock" "$ALICE")
expect_eq "the htpasswd file deleted: alice's remembered login is refused" "Status: 403" "${st:0:11}"
check "... and the log says the password file is taken as empty" grep -q "$T/htpasswd: .*taken as empty" "$T/revoke.log"
printf 'alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n' >"$T/htpasswd"
printf 'alice: upme\n' >"$T/acl"
expect_eq "both files back: alice may upload again" "Status: 200 OK" "$(post_as "$T/revoke.sock" "$ALICE")"
rm -rf "${ROOT:?}/upme"
sec_stop

# Failed logins per client address: past --login-failures, 429 with
# Retry-After and no password check; another address is not affected.
sec_start guess --htpasswd "$T/htpasswd" --login-failures 2
codes=
for _ in 1 2 3; do
    codes+="$(post_as "$T/guess.sock" "$WRONG" REMOTE_ADDR=192.0.2.9 | cut -c9-11) "
done
expect_eq "--login-failures 2: the third wrong password from one address gets 429" "403 403 429 " "$codes"
resp=$(env -i PATH="/usr/local/bin:/usr/bin:/bin" REQUEST_METHOD=POST REQUEST_URI=/legacy/ SCRIPT_NAME= \
    CONTENT_LENGTH="$(stat -c %s "$T/upme.body")" CONTENT_TYPE="multipart/form-data; boundary=$B" "$WRONG" \
    REMOTE_ADDR=192.0.2.9 timeout 20 cgi-fcgi -bind -connect "$T/guess.sock" <"$T/upme.body" 2>>"$T/fcgi.err" | tr -d '\r')
if [[ $resp == *"Status: 429"* && $resp =~ Retry-After:\ [0-9]+ ]]; then
    pass "... with Retry-After"
else
    fail "... with Retry-After" "$resp"
fi
check "... logged" grep -q "failed logins from '192.0.2.9'" "$T/fcgi.err"
st=$(post_as "$T/guess.sock" "$WRONG" REMOTE_ADDR=192.0.2.10)
expect_eq "another address is checked as before" "Status: 403" "${st:0:11}"
sec_stop

expect_eq "no pypi-fcgi process of this test is left" "" "$(our_responders)"
e2e_done
