#!/bin/bash
# SPDX-License-Identifier: MIT
# test_upload.sh: end-to-end tests of uploads, auth and removal through lighttpd with real twine and pip.
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_upload.sh
# (make check-e2e does this). KEEP=1, VERBOSE=1 and E2E_WRAP as in lib.sh.
# BIG_UPLOAD_MIB sets the size of the large upload (default 1024; 0 skips it).

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

e2e_init
T=$E2E_TMP
MKDIST="$HERE/mkdist.py"
CHECK_UPLOAD="$HERE/check_upload.py"
BIG_MIB=${BIG_UPLOAD_MIB:-1024}

e2e_require "upload tests" lighttpd curl python3 htpasswd cgi-fcgi

ROOT=$T/root
D=$T/dists
mkdir -p "$ROOT" "$D/a" "$D/b" "$D/c"
mk() { python3 "$MKDIST" "$@" >>"$T/mkdist.log" 2>&1; }

# ---- users, ACL, distributions ------------------------------------------------
# One user per htpasswd scheme, each made by htpasswd itself.
PW=$T/htpasswd
htpasswd -cbB -C 5 "$PW" alice alice-pw 2>/dev/null
htpasswd -bm "$PW" bob bob-pw 2>/dev/null
htpasswd -bs "$PW" carol carol-pw 2>/dev/null
htpasswd -b5 "$PW" dave dave-pw 2>/dev/null || true
cat >"$T/acl" <<'EOF'
# who may upload to which projects
alice: *
bob: upload-demo
carol: other-*
dave: *
EOF
expect_eq "htpasswd wrote an entry per user" 4 "$(grep -c : "$PW")"

build_ok=1
mk wheel --out "$D/a" --name upload-demo --version 1.0 --requires-python '>=3.7' || build_ok=0
mk sdist --out "$D/a" --name upload-demo --version 1.0 --requires-python '>=3.7' || build_ok=0
# Same file names, other bytes.
mk wheel --out "$D/b" --name upload-demo --version 1.0 --requires-python '>=3.8' || build_ok=0
# Requires-Python with markup: the pages must escape it.
mk wheel --out "$D/c" --name html-rp --version 1.0 --requires-python '>=3.6"><script>alert(1)</script>' || build_ok=0
mk wheel --out "$D/c" --name race-demo --version 1.0 || build_ok=0
mkdir -p "$D/c2" && mk wheel --out "$D/c2" --name race-demo --version 1.0 --requires-python '>=3' || build_ok=0
mk wheel --out "$D/c" --name gone-demo --version 2.0 || build_ok=0
mk wheel --out "$D/c" --name acl-demo --version 1.0 || build_ok=0
WHEEL=$D/a/upload_demo-1.0-py3-none-any.whl
SDIST=$D/a/upload_demo-1.0.tar.gz
if [ $build_ok = 1 ] && [ -f "$WHEEL" ] && [ -f "$SDIST" ]; then
    pass "built the distributions to upload"
else
    fail "built the distributions to upload" "$(cat "$T/mkdist.log")"
fi

# ---- lighttpd with uploads on ----------------------------------------------------
ST=$T/lt
E2E_PF_ARGS="--htpasswd $PW --upload-acl $T/acl"
if lt_launch up "$TOP_SRCDIR/contrib/lighttpd.conf" "$ROOT" "$ST" /health; then
    pass "lighttpd started with uploads on (contrib/lighttpd.conf, var.pypi_args set)"
else
    fail "lighttpd started with uploads on" "$(lt_error)"
    e2e_done
    exit 1
fi
BASE=http://127.0.0.1:$E2E_PORT
INDEX=$BASE/simple/

# ---- twine ------------------------------------------------------------------
if [ -z "$TWINE" ]; then
    skip "twine uploads" "twine is not installed"
else
    out=$(twine_up alice alice-pw "$BASE/legacy/" "$WHEEL" "$SDIST")
    if [ $? -eq 0 ]; then pass "twine uploads a wheel and an sdist to /legacy/"; else fail "twine uploads a wheel and an sdist to /legacy/" "$out"; fi
    check "both files are stored as ROOT/upload-demo/<file>" \
        test -f "$ROOT/upload-demo/$(basename "$WHEEL")" -a -f "$ROOT/upload-demo/$(basename "$SDIST")"
    expect_eq "the stored wheel has the uploaded bytes" "$(sha256sum <"$WHEEL")" "$(sha256sum <"$ROOT/upload-demo/$(basename "$WHEEL")")"
    page=$(curl -s "$INDEX"upload-demo/)
    sha_w=$(sha256sum "$WHEEL" | cut -d' ' -f1)
    sha_s=$(sha256sum "$SDIST" | cut -d' ' -f1)
    if [[ $page == *"$(basename "$WHEEL")#sha256=$sha_w"* && $page == *"$(basename "$SDIST")#sha256=$sha_s"* ]]; then
        pass "the next page lists both files with their sha256"
    else
        fail "the next page lists both files with their sha256" "$page"
    fi
    if [[ $page == *'data-requires-python="&gt;=3.7"'* ]]; then pass "Requires-Python from the uploaded METADATA is on the page"; else fail "Requires-Python from the uploaded METADATA is on the page" "$page"; fi
    md_url=$(python3 -c 'import re,sys; m=re.search(r"href=\"([^\"#]*\.whl)#", sys.stdin.read()); print(m.group(1))' <<<"$page")
    curl -s -o "$T/served.metadata" "$INDEX"upload-demo/"$md_url".metadata
    python3 "$MKDIST" metadata "$WHEEL" >"$T/wheel.metadata"
    check "the wheel's METADATA is served for PEP 658" cmp "$T/wheel.metadata" "$T/served.metadata"
    json=$(curl -s -H 'Accept: application/vnd.pypi.simple.v1+json' "$INDEX"upload-demo/)
    check "the JSON page has an upload-time and core-metadata for the uploaded wheel" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
w = [f for f in d["files"] if f["filename"].endswith(".whl")][0]
assert w["upload-time"].endswith("Z") and w["core-metadata"], w
' "$json"

    out=$(twine_up alice alice-pw "$BASE/legacy/" --skip-existing "$WHEEL" "$SDIST")
    if [ $? -eq 0 ]; then pass "twine --skip-existing of the same files succeeds"; else fail "twine --skip-existing of the same files succeeds" "$out"; fi
    out=$(twine_up alice alice-pw "$BASE/" "$WHEEL")
    if [ $? -eq 0 ]; then pass "re-uploading identical bytes to / is 200 (twine's retries are safe)"; else fail "re-uploading identical bytes to / is 200" "$out"; fi
    out=$(twine_up bob bob-pw "$BASE/legacy" "$D/b/upload_demo-1.0-py3-none-any.whl")
    if [ $? -ne 0 ] && [[ $out == *409* ]]; then pass "a different file under an existing name: twine fails with 409"; else fail "a different file under an existing name: twine fails with 409" "$out"; fi
    expect_eq "the stored wheel is still the first one" "$(sha256sum <"$WHEEL")" "$(sha256sum <"$ROOT/upload-demo/$(basename "$WHEEL")")"
    out=$(twine_up alice wrong-pw "$BASE/legacy/" "$D/c/acl_demo-1.0-py3-none-any.whl")
    if [ $? -ne 0 ] && [[ $out == *403* ]]; then pass "wrong password: 403"; else fail "wrong password: 403" "$out"; fi
    out=$(twine_up carol carol-pw "$BASE/legacy/" "$D/c/acl_demo-1.0-py3-none-any.whl")
    if [ $? -ne 0 ] && [[ $out == *403* ]]; then pass "a user outside the ACL: 403"; else fail "a user outside the ACL: 403" "$out"; fi
    out=$(twine_up dave dave-pw "$BASE/legacy/" "$D/c/html_rp-1.0-py3-none-any.whl")
    if [ $? -eq 0 ]; then pass "twine upload as a user with a SHA-512-crypt entry"; else fail "twine upload as a user with a SHA-512-crypt entry" "$out"; fi
fi

# The answers themselves, with curl.
code=$(curl -s -o "$T/noauth.txt" -D "$T/noauth.h" -w '%{http_code}' -F ':action=file_upload' -F "content=@$WHEEL" "$BASE/legacy/")
expect_eq "no credentials: 401" 401 "$code"
check "the 401 carries a Basic challenge" grep -qi '^WWW-Authenticate: Basic realm=' "$T/noauth.h"
code=$(curl -s -o "$T/acl.txt" -w '%{http_code}' -u carol:carol-pw -F ':action=file_upload' -F name=acl-demo -F version=1.0 \
    -F filetype=bdist_wheel -F pyversion=py3 -F "sha256_digest=$(sha256sum "$D/c/acl_demo-1.0-py3-none-any.whl" | cut -d' ' -f1)" \
    -F "content=@$D/c/acl_demo-1.0-py3-none-any.whl" "$BASE/legacy/")
if [ "$code" = 403 ] && grep -q "acl-demo" "$T/acl.txt"; then pass "the ACL's 403 names the project"; else fail "the ACL's 403 names the project" "$code $(cat "$T/acl.txt")"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' -u alice:alice-pw --data-binary '' -H 'Content-Type: multipart/form-data; boundary=x' "$BASE/legacy")
expect_eq "POST /legacy with an empty body is answered 400, not redirected" 400 "$code"

# The password and ACL files are read again when they change, no restart.
htpasswd -b "$PW" erin erin-pw 2>/dev/null
printf 'erin: acl-*\n' >>"$T/acl"
code=$(curl -s -o "$T/erin.txt" -w '%{http_code}' -u erin:erin-pw -F ':action=file_upload' -F name=acl-demo -F version=1.0 \
    -F filetype=bdist_wheel -F pyversion=py3 -F "sha256_digest=$(sha256sum "$D/c/acl_demo-1.0-py3-none-any.whl" | cut -d' ' -f1)" \
    -F "content=@$D/c/acl_demo-1.0-py3-none-any.whl" "$BASE/legacy/")
expect_eq "a user added to htpasswd and the ACL while serving uploads at once" 200 "$code"
htpasswd -D "$PW" erin 2>/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' -u erin:erin-pw -F ':action=remove_pkg' -F name=acl-demo -F version=1.0 "$BASE/")
expect_eq "a user deleted from htpasswd is refused at once" 403 "$code"

page=$(curl -s "$INDEX"html-rp/)
if [[ $page == *'&lt;script&gt;'* && $page != *'<script>'* ]]; then pass "markup in an uploaded Requires-Python is escaped on the page"; else fail "markup in an uploaded Requires-Python is escaped on the page" "$page"; fi

# ---- pip installs what was uploaded --------------------------------------------
if e2e_venv "$T/venv" >"$T/venv.log" 2>&1; then
    out=$(pip_run "$T/venv" "$INDEX" install --no-deps 'upload-demo==1.0' 2>&1)
    if [ $? -eq 0 ] && [[ $out == *"Successfully installed upload-demo-1.0"* ]]; then
        pass "pip installs the uploaded wheel from the index"
    else
        fail "pip installs the uploaded wheel from the index" "$out"
    fi
    href=$(curl -s "$INDEX"upload-demo/ | python3 -c 'import re,sys; print(re.search(r"href=\"([^\"#]*\.tar\.gz)#", sys.stdin.read()).group(1))')
    code=$(curl -s -o "$T/sdist.dl" -w '%{http_code}' "$INDEX"upload-demo/"$href")
    if [ "$code" = 200 ] && cmp -s "$SDIST" "$T/sdist.dl"; then
        pass "the uploaded sdist downloads byte for byte through X-Sendfile"
    else
        fail "the uploaded sdist downloads byte for byte through X-Sendfile" "status $code, href $href"
    fi
else
    fail "a venv for pip" "$(cat "$T/venv.log")"
fi

# ---- hostile bodies, races, aborts -------------------------------------------------
run_checks python3 "$CHECK_UPLOAD" hostile --url "$BASE/legacy/" --user alice --password alice-pw --root "$ROOT" \
    --wheel "$D/c/race_demo-1.0-py3-none-any.whl"
run_checks python3 "$CHECK_UPLOAD" race --url "$BASE/legacy/" --user alice --password alice-pw --root "$ROOT" \
    --wheel "$D/c/race_demo-1.0-py3-none-any.whl" --other "$D/c2/race_demo-1.0-py3-none-any.whl"
run_checks python3 "$CHECK_UPLOAD" abort --url "$BASE/legacy/" --user alice --password alice-pw --root "$ROOT" \
    --wheel "$D/c/acl_demo-1.0-py3-none-any.whl"
expect_eq "no staging file left in the root" "" "$(find "$ROOT" -path '*/.pypi-fcgi/tmp/*' -o -name '.pypi-fcgi-upload-*' | head -n 5)"

# ---- remove_pkg -------------------------------------------------------------------
curl -s -o /dev/null -u alice:alice-pw -F ':action=file_upload' -F name=gone-demo -F version=2.0 -F filetype=bdist_wheel \
    -F pyversion=py3 -F "sha256_digest=$(sha256sum "$D/c/gone_demo-2.0-py3-none-any.whl" | cut -d' ' -f1)" \
    -F "content=@$D/c/gone_demo-2.0-py3-none-any.whl" "$BASE/"
expect_eq "uploaded gone-demo with curl -F" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$INDEX"gone-demo/)"
code=$(curl -s -o "$T/rm.txt" -w '%{http_code}' -u carol:carol-pw -F ':action=remove_pkg' -F name=Gone_Demo -F version=2.0 "$BASE/")
expect_eq "remove_pkg by a user outside the ACL: 403" 403 "$code"
code=$(curl -s -o "$T/rm.txt" -w '%{http_code}' -u alice:alice-pw -F ':action=remove_pkg' -F name=Gone_Demo -F version=2.0.0 "$BASE/")
expect_eq "remove_pkg (name normalized, version PEP 440-equal): 200" 200 "$code"
check "the file and its sidecar record are gone" test ! -e "$ROOT/gone-demo/gone_demo-2.0-py3-none-any.whl" -a \
    ! -e "$ROOT/gone-demo/.pypi-fcgi/gone_demo-2.0-py3-none-any.whl.rec"
expect_eq "the next page request no longer finds the project" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$INDEX"gone-demo/)"
code=$(curl -s -o "$T/rm.txt" -w '%{http_code}' -u alice:alice-pw -F ':action=remove_pkg' -F name=gone-demo -F version=2.0 "$BASE/")
if [ "$code" = 404 ] && grep -q 'gone-demo (2.0) not found' "$T/rm.txt"; then pass "remove_pkg of nothing: 404"; else fail "remove_pkg of nothing: 404" "$code $(cat "$T/rm.txt")"; fi

# ---- a large upload: flat memory --------------------------------------------------
pid=$(lt_children up | head -n 1)
if [ "$BIG_MIB" -gt 0 ] && [ -n "$pid" ]; then
    BIGW=$(python3 "$MKDIST" wheel --out "$D/big" --name big-upload --version 1.0 --pad-mib "$BIG_MIB")
    size=$(stat -c %s "$BIGW")
    sha=$(sha256sum "$BIGW" | cut -d' ' -f1)
    rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    # Peak during the upload, sampled from outside every 50 ms.
    ( peak=0; while [ -e "/proc/$pid/status" ] && [ ! -e "$T/big.done" ]; do
          r=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null); [ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
          echo "$peak" >"$T/big.peak"; sleep 0.05; done ) &
    e2e_bg $!
    out=$(curl -s -o "$T/big.txt" -w '%{http_code} %{time_total}' -u alice:alice-pw -F ':action=file_upload' -F name=big-upload \
        -F version=1.0 -F filetype=bdist_wheel -F pyversion=py3 -F "sha256_digest=$sha" -F "content=@$BIGW" "$BASE/legacy/")
    touch "$T/big.done"
    sleep 0.2
    peak=$(cat "$T/big.peak" 2>/dev/null || echo 0)
    code=${out%% *}
    secs=${out#* }
    [ "$code" = 200 ] || diag "answer: $(head -c 300 "$T/big.txt")"
    expect_eq "a $BIG_MIB MiB upload through lighttpd: 200" 200 "$code"
    growth=$(( (peak - rss0) / 1024 ))
    diag "$BIG_MIB MiB upload: $(python3 -c "print('%.0f MB/s end to end (%.2f s for %d bytes)' % ($size / 1e6 / $secs, $secs, $size))"), responder RSS $((rss0 / 1024)) MiB before, peak $((peak / 1024)) MiB during (growth $growth MiB)"
    if [ "$growth" -lt 16 ]; then pass "the responder's resident memory grew by less than 16 MiB during it ($growth MiB)"; else fail "the responder's resident memory grew by less than 16 MiB during it" "grew by $growth MiB"; fi
    expect_eq "the stored big file has the uploaded sha256" "$sha" "$(sha256sum "$ROOT/big-upload/$(basename "$BIGW")" 2>/dev/null | cut -d' ' -f1)"
    rm -f "$BIGW" "$ROOT/big-upload/$(basename "$BIGW")"
else
    skip "a large upload with flat memory" "BIG_UPLOAD_MIB=0 or no responder pid"
fi

# ---- the shipped lighttpd configs as deployments ------------------------------------
if [ -x "$T/venv/bin/python" ]; then VENV=$T/venv; else VENV=; fi
deploy_checks lighttpd "$BASE" "$VENV" alice alice-pw
lt_stop up && pass "lighttpd stopped" || fail "lighttpd stopped"

ST2=$T/ltp
if lt_launch pfx "$TOP_SRCDIR/contrib/lighttpd-prefix.conf" "$ROOT" "$ST2" /pypi/health; then
    pass "lighttpd started with contrib/lighttpd-prefix.conf and uploads on"
    deploy_checks lighttpd-prefix "http://127.0.0.1:$E2E_PORT/pypi" "$VENV" dave dave-pw
    lt_stop pfx && pass "lighttpd (prefix) stopped" || fail "lighttpd (prefix) stopped"
else
    fail "lighttpd started with contrib/lighttpd-prefix.conf and uploads on" "$(lt_error)"
fi

# ---- SIGKILL mid-upload, without a web server -----------------------------------------
# The responder alone on a unix socket, fed by cgi-fcgi from a slow pipe,
# staging into named files (the path taken where O_TMPFILE is missing).
SOCK=$T/kill.sock
start_alone() {
    env PYPI_FCGI_NO_TMPFILE=1 "$PF_BIN" --listen "unix:$SOCK" --threads 2 --htpasswd "$PW" "$ROOT" 2>>"$T/alone.log" &
    ALONE=$!
    e2e_bg "$ALONE"
    wait_socket "$SOCK" 5
}
e2e_log "$T/alone.log"
if start_alone; then
    KW=$D/c/race_demo-1.0-py3-none-any.whl
    python3 - "$KW" >"$T/kill.body" <<'EOF'
import hashlib, sys
data = open(sys.argv[1], "rb").read()
b = "0123456789abcdef0123456789abcdef"
parts = [("name", "kill-demo"), ("version", "1.0"), ("filetype", "bdist_wheel"), ("pyversion", "py3"),
         ("sha256_digest", hashlib.sha256(data).hexdigest()), (":action", "file_upload")]
out = b"".join(b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (b.encode(), k.encode(), v.encode()) for k, v in parts)
out += b"--%s\r\nContent-Disposition: form-data; name=\"content\"; filename=\"kill_demo-1.0-py3-none-any.whl\"\r\nContent-Type: application/octet-stream\r\n\r\n" % b.encode()
sys.stdout.buffer.write(out + b"\0" * (8 << 20))
EOF
    len=$(( $(stat -c %s "$T/kill.body") + 4096 ))
    # Sends the first 8 MiB, then stalls with the body unfinished.
    ( cat "$T/kill.body"; sleep 30 ) | env -i REQUEST_METHOD=POST REQUEST_URI=/ SCRIPT_NAME= CONTENT_LENGTH=$len \
        CONTENT_TYPE="multipart/form-data; boundary=0123456789abcdef0123456789abcdef" \
        HTTP_AUTHORIZATION="Basic $(printf alice:alice-pw | base64)" timeout 40 cgi-fcgi -bind -connect "$SOCK" >/dev/null 2>&1 &
    FEED=$!
    e2e_bg "$FEED"
    staged=
    for _ in $(seq 100); do
        staged=$(find "$ROOT/.pypi-fcgi/tmp" -name 'upload-*' -size +1M 2>/dev/null | head -n 1)
        [ -n "$staged" ] && break
        sleep 0.1
    done
    if [ -n "$staged" ]; then pass "an upload in progress is staged as a named file"; else fail "an upload in progress is staged as a named file" "$(ls -la "$ROOT/.pypi-fcgi/tmp" 2>&1)"; fi
    # Another process on the same root lists what was uploaded through lighttpd.
    fcgi_get "$SOCK" /simple/acl-demo/ "$T/alone.err" >"$T/alone.page"
    if grep -q '^Status: 200' "$T/alone.page" && grep -q 'acl_demo-1.0-py3-none-any.whl#sha256=' "$T/alone.page"; then
        pass "a second responder process lists the uploaded file"
    else
        fail "a second responder process lists the uploaded file" "$(head -c 600 "$T/alone.page")"
    fi
    kill -KILL "$ALONE"
    wait "$ALONE" 2>/dev/null
    kill "$FEED" 2>/dev/null
    check "after SIGKILL nothing of the upload is visible" test ! -e "$ROOT/kill-demo"
    rm -f "$SOCK"
    if start_alone; then
        remaining=$(find "$ROOT/.pypi-fcgi/tmp" -type f 2>/dev/null | wc -l)
        expect_eq "the next start removes the staging file the killed process left" 0 "$remaining"
        check "the log says so" grep -q "removed an upload left unfinished" "$T/alone.log"
        kill -TERM "$ALONE"
        wait "$ALONE" 2>/dev/null
    else
        fail "the responder starts again after SIGKILL" "$(cat "$T/alone.log")"
    fi
else
    fail "the responder starts alone on a unix socket" "$(cat "$T/alone.log")"
fi

e2e_done
