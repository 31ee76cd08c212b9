#!/bin/bash
# SPDX-License-Identifier: MIT
# test_faults.sh: faults the responder must survive: a full disk, an unreadable root, a corrupt sidecar, a file
# gone before its download, SIGTERM with requests in flight, the htpasswd file replaced under load, and a malformed
# FastCGI record.
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_faults.sh
# Each fault ends with a clear answer to the client, a log line, nothing partial visible, and a process (or its
# replacement) serving again.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

e2e_init
T=$E2E_TMP
MKDIST="$HERE/mkdist.py"
CHECK_UPLOAD="$HERE/check_upload.py"
B=0123456789abcdef0123456789abcdef

e2e_require "fault tests" cgi-fcgi python3 curl lighttpd setpriv

ROOT=$T/root
mkdir -p "$ROOT/demo" "$T/d"
chmod 755 "$T"
python3 "$MKDIST" wheel --out "$ROOT/demo" --name demo --version 1.0 >/dev/null
python3 "$MKDIST" wheel --out "$ROOT/demo" --name demo --version 2.0 >/dev/null
python3 "$MKDIST" wheel --out "$T/d" --name upme --version 1.0 >/dev/null
python3 "$MKDIST" wheel --out "$T/d/big" --name upbig --version 1.0 --pad-mib 8 >/dev/null
printf 'alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n' >"$T/htpasswd" # secret
AUTH="Basic $(printf alice:secret | base64)"

# pf_start NAME [ENV=V...] -- [ARGS...]: a responder on $T/NAME.sock, its log
# in $T/NAME.log; the pid in PF_PID.
pf_start() {
    local name=$1 envs=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    rm -f "$T/$name.sock"
    env "${envs[@]}" "$PF_BIN" --listen "unix:$T/$name.sock" --threads 4 --htpasswd "$T/htpasswd" "$@" \
        2>>"$T/$name.log" &
    PF_PID=$!
    e2e_bg "$PF_PID"
    e2e_log "$T/$name.log"
    wait_socket "$T/$name.sock" 10
}

# get SOCK URI [VAR=V...]: status line of a GET
get() {
    local sock=$1 uri=$2
    shift 2
    fcgi_get "$sock" "$uri" "$T/fcgi.err" "$@" | head -n 1 | tr -d '\r'
}

# upload SOCK BODYFILE: POST it; prints the whole CGI response.
upload() {
    env -i PATH="/usr/local/bin:/usr/bin:/bin" REQUEST_METHOD=POST REQUEST_URI=/legacy/ SCRIPT_NAME= \
        CONTENT_LENGTH="$(stat -c %s "$2")" CONTENT_TYPE="multipart/form-data; boundary=$B" HTTP_AUTHORIZATION="$AUTH" \
        timeout 60 cgi-fcgi -bind -connect "$1" <"$2" 2>>"$T/fcgi.err"
}

staging_left() { find "$ROOT" \( -path '*/.pypi-fcgi/tmp/*' -o -name '.pypi-fcgi-upload-*' \) -type f | wc -l; }

python3 "$CHECK_UPLOAD" body --wheel "$T/d/upme-1.0-py3-none-any.whl" >"$T/upme.body"
python3 "$CHECK_UPLOAD" body --wheel "$T/d/big/upbig-1.0-py3-none-any.whl" >"$T/upbig.body"

# ---- the disk fills during an upload (RLIMIT_FSIZE) ---------------------------------
# A 4 MiB file-size limit: the 8 MiB upload cannot be written.
for mode in tmpfile named; do
    envs=()
    [ $mode = named ] && envs=(PYPI_FCGI_NO_TMPFILE=1)
    rm -f "$T/full.sock"
    env "${envs[@]}" bash -c 'ulimit -f 4096 && exec "$@"' - "$PF_BIN" --listen "unix:$T/full.sock" --threads 4 \
        --htpasswd "$T/htpasswd" "$ROOT" 2>>"$T/full.log" &
    FULL=$!
    e2e_bg "$FULL"
    e2e_log "$T/full.log"
    wait_socket "$T/full.sock" 10
    out=$(upload "$T/full.sock" "$T/upbig.body")
    if [[ $out == "Status: 507"* ]] && [[ $out == *"no room"* ]]; then
        pass "disk full ($mode staging): 507 Insufficient Storage with a message"
    else
        fail "disk full ($mode staging): 507 Insufficient Storage with a message" "$(head -c 400 <<<"$out")"
    fi
    # Per-request lines go to the FastCGI error stream (cgi-fcgi's stderr).
    check "disk full ($mode): the log says why" grep -q "cannot write the upload upbig-1.0-py3-none-any.whl: File too large" "$T/fcgi.err"
    check "disk full ($mode): nothing of the upload is visible" test ! -e "$ROOT/upbig"
    expect_eq "disk full ($mode): no staging file left" 0 "$(staging_left)"
    expect_eq "disk full ($mode): the same process serves the next request" "Status: 200 OK" "$(get "$T/full.sock" /simple/demo/)"
    out=$(upload "$T/full.sock" "$T/upme.body")
    if [[ $out == "Status: 200"* ]]; then pass "disk full ($mode): a small upload after it works"; else fail "disk full ($mode): a small upload after it works" "$out"; fi
    rm -rf "${ROOT:?}/upme"
    kill -TERM "$FULL"
    wait "$FULL" 2>/dev/null
done

# ---- the root becomes unreadable --------------------------------------------------------
# As root, permissions do not apply: the responder runs as nobody.
chown -R nobody "$ROOT"
chmod 644 "$T/htpasswd"
mkdir -p "$T/nb"
chown nobody "$T/nb"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$PF_BIN" --listen "unix:$T/nb/nb.sock" --threads 2 "$ROOT" \
    2>>"$T/nb.log" &
NB=$!
e2e_bg "$NB"
e2e_log "$T/nb.log"
wait_socket "$T/nb/nb.sock" 10
expect_eq "unreadable root: the index serves before" "Status: 200 OK" "$(get "$T/nb/nb.sock" /simple/demo/)"
chmod 000 "$ROOT"
expect_eq "unreadable root: /health is 503" "Status: 503 Service Unavailable" "$(get "$T/nb/nb.sock" /health)"
st=$(get "$T/nb/nb.sock" /simple/demo/)
if [[ $st == "Status: 200"* || $st == "Status: 404"* || $st == "Status: 503"* ]]; then
    pass "unreadable root: a page request gets a clear answer ($st), not a crash"
else
    fail "unreadable root: a page request gets a clear answer" "$st"
fi
check "unreadable root: the process is still running" proc_alive "$NB"
chmod 755 "$ROOT"
expect_eq "unreadable root: /health is 200 again once it is back" "Status: 200 OK" "$(get "$T/nb/nb.sock" /health)"
expect_eq "unreadable root: pages again" "Status: 200 OK" "$(get "$T/nb/nb.sock" /simple/demo/)"
kill -TERM "$NB"
wait "$NB" 2>/dev/null
chown -R root "$ROOT"

# ---- a corrupt sidecar record ------------------------------------------------------------
pf_start main -- "$ROOT"
W2=$ROOT/demo/demo-2.0-py3-none-any.whl
want=$(sha256sum "$W2" | cut -d' ' -f1)
page=$(fcgi_get "$T/main.sock" /simple/demo/ "$T/fcgi.err")
[[ $page == *"demo-2.0-py3-none-any.whl#sha256=$want"* ]] && pass "corrupt sidecar: the page is right before" || fail "corrupt sidecar: the page is right before" "$page"
REC=$ROOT/demo/.pypi-fcgi/demo-2.0-py3-none-any.whl.rec
printf 'garbage\x00\xff not a record' >"$REC"
touch "$ROOT/demo" # a sidecar edit alone is not a change of the directory
page=$(fcgi_get "$T/main.sock" /simple/demo/ "$T/fcgi.err")
if [[ $page == *"demo-2.0-py3-none-any.whl#sha256=$want"* ]]; then
    pass "corrupt sidecar: the next page still has the right sha256"
else
    fail "corrupt sidecar: the next page still has the right sha256" "$page"
fi
check "corrupt sidecar: logged and rebuilt" grep -q "sidecar record is corrupt; rebuilding it" "$T/main.log"
check "corrupt sidecar: the record on disk is whole again" grep -q "$want" "$REC"

# ---- a file disappears between the listing and its download ------------------------------
page=$(fcgi_get "$T/main.sock" /simple/demo/ "$T/fcgi.err")
rm -f "$ROOT/demo/demo-1.0-py3-none-any.whl"
st=$(get "$T/main.sock" /packages/demo/demo-1.0-py3-none-any.whl)
expect_eq "vanished file: its download is 404" "Status: 404 Not Found" "$st"
expect_eq "vanished file: the page no longer lists it" 0 "$(fcgi_get "$T/main.sock" /simple/demo/ "$T/fcgi.err" | grep -c 'demo-1.0-py3')"

# ---- SIGTERM with requests in flight: they complete ----------------------------------------
# An upload whose body arrives in two halves, 2 s apart; SIGTERM in between.
half=$(( $(stat -c %s "$T/upbig.body") / 2 ))
( head -c "$half" "$T/upbig.body"; sleep 2; tail -c +$((half + 1)) "$T/upbig.body" ) |
    env -i PATH="/usr/local/bin:/usr/bin:/bin" REQUEST_METHOD=POST REQUEST_URI=/legacy/ SCRIPT_NAME= \
        CONTENT_LENGTH="$(stat -c %s "$T/upbig.body")" CONTENT_TYPE="multipart/form-data; boundary=$B" \
        HTTP_AUTHORIZATION="$AUTH" timeout 30 cgi-fcgi -bind -connect "$T/main.sock" >"$T/inflight.out" 2>&1 &
FEED=$!
sleep 1
kill -TERM "$PF_PID"
t0=$(date +%s.%N)
wait "$FEED"
check "SIGTERM in flight: the upload still gets its 200" grep -q '^Status: 200' "$T/inflight.out"
check "SIGTERM in flight: the file is stored whole" cmp "$T/d/big/upbig-1.0-py3-none-any.whl" "$ROOT/upbig/upbig-1.0-py3-none-any.whl"
if wait_gone 3 "$PF_PID"; then pass "SIGTERM in flight: the process exits once it is done"; else fail "SIGTERM in flight: the process exits once it is done"; fi
check "SIGTERM in flight: the log has the signal and the exit" grep -q "finishing requests in flight" "$T/main.log"

# ---- the htpasswd file replaced while logins run ---------------------------------------------
# Downloads need a login; 4 clients loop while the file is replaced (by
# rename, as editors and config management do) 200 times; alice's password
# stays the same.
pf_start auth -- --authenticate download "$ROOT"
cp "$T/htpasswd" "$T/htpasswd.a"
{ cat "$T/htpasswd"; printf 'bob:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n'; } >"$T/htpasswd.b"
for c in 1 2 3 4; do
    (
        for _ in $(seq 60); do
            fcgi_get "$T/auth.sock" /packages/demo/demo-2.0-py3-none-any.whl "$T/fcgi.err" \
                HTTP_AUTHORIZATION="$AUTH" | head -n 1 | tr -d '\r'
        done >"$T/swap.$c"
    ) &
    e2e_bg $!
done
for i in $(seq 200); do
    if [ $((i % 2)) = 0 ]; then cp "$T/htpasswd.a" "$T/htpasswd.new"; else cp "$T/htpasswd.b" "$T/htpasswd.new"; fi
    mv "$T/htpasswd.new" "$T/htpasswd"
done
for _ in $(seq 600); do
    [ "$(cat "$T"/swap.* 2>/dev/null | wc -l)" -ge 240 ] && break
    sleep 0.1
done
total=$(cat "$T"/swap.* | wc -l)
ok=$(cat "$T"/swap.* | grep -c '^Status: 200')
expect_eq "htpasswd swapped under load: every login answered 200 ($total requests)" "$total" "$ok"
check "htpasswd swapped: the process is still running" proc_alive "$PF_PID"
printf 'alice:{SHA}AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n' >"$T/htpasswd.c"
mv "$T/htpasswd.c" "$T/htpasswd"
st=$(get "$T/auth.sock" /packages/demo/demo-2.0-py3-none-any.whl HTTP_AUTHORIZATION="$AUTH")
expect_eq "htpasswd: a changed password is refused at the next request" "Status: 403" "${st:0:11}"
kill -TERM "$PF_PID"
wait "$PF_PID" 2>/dev/null

# ---- how the connection ends after the answer ------------------------------------------------
# A bodiless request read to its end is closed at once (a plain close); a
# request answered before its body was read still reads and discards what
# the web server sends (for 5 s at most, see fcgi_slow.py trickle401).
pf_start close -- "$ROOT"
python3 - "$T/close.sock" "$HERE" >"$T/close.out" <<'EOF'
import socket, struct, sys, time
sys.path.insert(0, sys.argv[2])
from fcgi_slow import nv, rec

def ask(params, stdin):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(5)
    p = b"".join(nv(k.encode(), v.encode()) for k, v in params.items())
    s.sendall(rec(1, struct.pack(">HB5x", 1, 0)) + rec(4, p) + rec(4, b"") + stdin)
    buf, status = b"", b"?"
    while True:
        while len(buf) >= 8:
            _, t, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            if t == 6 and status == b"?":
                status = buf[8:8 + clen].split(b"\r\n", 1)[0]
            buf = buf[8 + clen + plen:]
            if t == 3:
                return s, status.decode()
        d = s.recv(65536)
        if not d:
            return s, "closed before END_REQUEST"
        buf += d

def still_reading(s):
    time.sleep(0.3)
    try:
        for _ in range(8):
            s.send(b"\0" * 4096)
        return "reading"
    except (BrokenPipeError, ConnectionResetError):
        return "closed"

s, st = ask({"REQUEST_METHOD": "GET", "REQUEST_URI": "/simple/demo/", "SCRIPT_NAME": ""}, rec(5, b""))
print("get", st, still_reading(s))
s, st = ask({"REQUEST_METHOD": "POST", "REQUEST_URI": "/legacy/", "SCRIPT_NAME": "",
             "CONTENT_LENGTH": str(4 << 30), "CONTENT_TYPE": "multipart/form-data; boundary=x"},
            rec(5, b"--x\r\n" + b"y" * 1000))
print("post", st, still_reading(s))
EOF
expect_eq "a GET read to its end: answered, then closed at once" "get Status: 200 OK closed" "$(grep '^get' "$T/close.out")"
expect_eq "a POST answered (4xx) before its body: the unread body is still drained" "post 4xx reading" \
    "$(grep '^post' "$T/close.out" | sed 's/^post Status: 4[0-9][0-9] .* \(reading\|closed\)$/post 4xx \1/')"
kill -TERM "$PF_PID"
wait "$PF_PID" 2>/dev/null

# ---- request bodies that arrive slowly or never ------------------------------------------
# Behind Apache mod_proxy_fcgi a body reaches pypi-fcgi as the client sends
# it. Bodies never take every thread, a body must keep coming, and a refused
# upload's body is drained for a bounded time only.
SLOW=$HERE/fcgi_slow.py
cp "$T/htpasswd.a" "$T/htpasswd"
rm -rf "${ROOT:?}/upbig"
pf_start slots -- --threads 4 "$ROOT"
python3 "$SLOW" slots "$T/slots.sock" "$T/upbig.body" "$AUTH" 4 >"$T/slots.out" 2>&1
expect_eq "4 threads, 4 uploads that stall: the index still answers" "get Status: 200 OK" \
    "$(grep '^get' "$T/slots.out")"
expect_eq "... none is refused: the fourth waits, holding no thread" "refused 0 held 4" \
    "$(grep -E '^(refused|held)' "$T/slots.out" | tr '\n' ' ' | sed 's/ $//')"
# 3 threads read bodies, 4 x 16 may wait: the next one is refused at once.
python3 "$SLOW" slots "$T/slots.sock" "$T/upbig.body" "$AUTH" 68 1 >"$T/slots68.out" 2>&1
expect_eq "68 uploads that stall: one is refused at once (503)" "refused 1" "$(grep '^refused' "$T/slots68.out")"
expect_eq "... the index still answers" "get Status: 200 OK" "$(grep '^get' "$T/slots68.out")"
check "... the refusal is logged" grep -q "refused: every thread that may read a request body is busy" "$T/slots68.out"
kill -TERM "$PF_PID"
wait "$PF_PID" 2>/dev/null

# Waiting uploads are taken up as threads come free: 3 stall until the
# 2-second --upload-timeout ends them, a whole one waits behind them.
pf_start park -- --threads 4 --upload-timeout 2 "$ROOT"
python3 "$SLOW" parked "$T/park.sock" "$T/upbig.body" "$AUTH" 3 "$T/upme.body" >"$T/park.out" 2>>"$T/park.err"
expect_eq "an upload waiting behind 3 stalled ones is stored once they end" "good Status: 200 OK" \
    "$(grep '^good' "$T/park.out")"
expect_eq "... and the stalled ones got 408" "stalled 408 408 408" "$(grep '^stalled' "$T/park.out")"
check "... the waiting upload is in the tree" test -f "$ROOT/upme/upme-1.0-py3-none-any.whl"
rm -rf "${ROOT:?}/upme"
kill -TERM "$PF_PID"
wait "$PF_PID" 2>/dev/null

pf_start rate -- --threads 2 --upload-timeout 2 --upload-min-rate 1K "$ROOT"
out=$(python3 "$SLOW" stall "$T/rate.sock" "$T/upbig.body" "$AUTH" 2>>"$T/rate.out")
expect_eq "an upload whose body stalls gets 408" "Status: 408 The upload arrived too slowly" "${out:0:41}"
out=$(python3 "$SLOW" trickle "$T/rate.sock" "$T/upbig.body" "$AUTH" 2>>"$T/rate.out")
expect_eq "an upload trickling 50 bytes/s under a 1K/s floor gets 408" "Status: 408 The upload arrived too slowly" \
    "${out:0:41}"
check "... and the log says so" grep -q "upload refused (408): The upload arrived too slowly" "$T/rate.out"
check "nothing of the slow uploads is visible" test ! -e "$ROOT/upbig"
expect_eq "no staging file left after the slow uploads" 0 "$(staging_left)"
expect_eq "the process serves on" "Status: 200 OK" "$(get "$T/rate.sock" /simple/demo/)"
kill -TERM "$PF_PID"
wait "$PF_PID" 2>/dev/null

# One thread: an upload refused for want of a login whose body trickles on
# must not keep that thread beyond the bounded drain.
pf_start one -- --threads 1 "$ROOT"
python3 "$SLOW" trickle401 "$T/one.sock" "$T/upbig.body" >"$T/one.out" 2>&1
expect_eq "one thread: an upload without a login is answered 401 at once" "post Status: 401" \
    "$(grep '^post' "$T/one.out" | cut -c1-16)"
expect_eq "... and while its body trickles on, a GET is answered" "get Status: 200 OK" "$(grep '^get' "$T/one.out")"
kill -TERM "$PF_PID"
wait "$PF_PID" 2>/dev/null

# ---- a malformed FastCGI record kills at most one process; the pool recovers ----------------
# lighttpd spawns two processes, each on its own socket; one gets a params
# record whose lengths overflow libfcgi 2.4.2: docs/webservers.md, section "Malformed records (CVE-2025-23016)".
ST=$T/lt
cp "$T/htpasswd.a" "$T/htpasswd"
sed -e 's#"max-procs"\( *\)=> 1#"max-procs"\1=> 2#' "$TOP_SRCDIR/contrib/lighttpd.conf" >"$T/lighttpd-2procs.conf"
if grep -q '"max-procs" *=> 2' "$T/lighttpd-2procs.conf" && lt_launch faults "$T/lighttpd-2procs.conf" "$ROOT" "$ST" /health; then
    pass "lighttpd with two responder processes started"
    BASE=http://127.0.0.1:$E2E_PORT
    mapfile -t kids < <(lt_children faults)
    expect_eq "two pypi-fcgi processes" 2 "${#kids[@]}"
    sock=$(ls "$ST"/pypi-fcgi.sock-* 2>/dev/null | head -n 1)
    python3 - "$sock" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
def rec(t, body, rid=1):
    return struct.pack(">BBHHBB", 1, t, rid, len(body), 0, 0) + body
begin = rec(1, struct.pack(">HB5x", 1, 0))            # FCGI_BEGIN_REQUEST, responder
# Name and value lengths of 0x7ffffffe each: their sum overflows int.
evil = struct.pack(">II", 0x7ffffffe | 0x80000000, 0x7ffffffe | 0x80000000) + b"A" * 64
s.sendall(begin + rec(4, evil))
s.settimeout(3)
try:
    s.recv(100)
except Exception:
    pass
EOF
    sleep 1
    alive=0
    for k in "${kids[@]}"; do proc_alive "$k" && alive=$((alive + 1)); done
    if [ "$alive" -ge 1 ]; then pass "the malformed record killed at most one of the two ($alive alive)"; else fail "the malformed record killed at most one of the two"; fi
    ok=0
    for _ in $(seq 10); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/simple/demo/")" = 200 ] && ok=$((ok + 1))
        sleep 0.2
    done
    expect_eq "the pool answers every request afterwards (10 of 10)" 10 "$ok"
    expect_eq "lighttpd keeps two processes (the dead one replaced)" 2 "$(lt_children faults | wc -l)"
    lt_stop faults && pass "lighttpd stopped" || fail "lighttpd stopped"
else
    fail "lighttpd with two responder processes started" "$(lt_error)"
fi

e2e_done
