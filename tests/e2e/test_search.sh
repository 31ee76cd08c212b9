#!/bin/bash
# SPDX-License-Identifier: MIT
# test_search.sh: `pip search --index` through lighttpd (contrib/lighttpd.conf): POST /RPC2 and the
# text/xml POST to the server root, by name and by Summary, under --authenticate list, and hostile
# XML-RPC bodies (entities, DOCTYPEs, oversized) refused while the server keeps serving.
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_search.sh
# (make check-e2e does this). KEEP=1, VERBOSE=1 and E2E_WRAP as in lib.sh.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

e2e_init
T=$E2E_TMP
MKDIST="$HERE/mkdist.py"

e2e_require "search tests" lighttpd curl python3 htpasswd

ROOT=$T/root
mkdir -p "$ROOT/Alpha_Widget" "$ROOT/beta-gadget"
htpasswd -cbB -C 5 "$T/htpasswd" reader reader-pw 2>/dev/null
SUM_A="Renders sprockets for tests"
SUM_B="A gadget & <thing> of the BETA kind"
# Only the latest release's Summary counts: 1.0's and 2.0rc1's are not it.
{
    python3 "$MKDIST" wheel --out "$ROOT/Alpha_Widget" --name Alpha_Widget --version 1.0 --summary "Old cogs"
    python3 "$MKDIST" wheel --out "$ROOT/Alpha_Widget" --name Alpha_Widget --version 1.2 --summary "$SUM_A"
    python3 "$MKDIST" wheel --out "$ROOT/Alpha_Widget" --name Alpha_Widget --version 2.0rc1 --summary "Pre cogs"
    python3 "$MKDIST" sdist --out "$ROOT/beta-gadget" --name beta-gadget --version 0.3 --summary "$SUM_B"
} >>"$T/mkdist.log" 2>&1

VENV=$T/venv
have_pip=0
if ! out=$(e2e_venv "$VENV"); then
    skip "pip search" "python3 -m venv failed: $out"
elif ! pip_env "$VENV/bin/python" -m pip search --help >/dev/null 2>&1; then
    skip "pip search" "this pip ($(pip_version "$VENV")) has no search command"
else
    have_pip=1
fi

# search INDEX TERM...: pip search against INDEX; its output, and its status.
search() {
    local index=$1
    shift
    pip_env timeout 120 "$VENV/bin/python" -m pip search --disable-pip-version-check --no-cache-dir \
        --retries 0 --timeout 10 --index "$index" "$@" 2>&1
}

# rpc FILE [CURL-OPTS...]: posts FILE as an XML-RPC call to /RPC2; prints the status, the body in $T/rpc.out.
rpc() {
    local f=$1
    shift
    curl -s -o "$T/rpc.out" -w '%{http_code}' --max-time 20 -H 'Content-Type: text/xml' --data-binary "@$f" \
        "$@" "$BASE/RPC2"
}

# call NAME-TERMS SUMMARY-TERMS OP: the body xmlrpc.client writes for search.
call() {
    python3 -c 'import sys, xmlrpc.client as x
n, s = (a.split(",") if a else [] for a in sys.argv[1:3])
sys.stdout.write(x.dumps(({"name": n, "summary": s}, sys.argv[3]), "search"))' "$@"
}

# answer: the hits in $T/rpc.out as "name version summary" lines, or the fault.
answer() {
    python3 -c 'import sys, xmlrpc.client as x
try:
    (r,), m = x.loads(open(sys.argv[1], "rb").read())
    for h in r: print(h["name"], h["version"], h["summary"])
except x.Fault as f:
    print("fault", f.faultCode, f.faultString)' "$T/rpc.out"
}


open_checks() {
    local out
    # ---- the answers, read as xmlrpc.client reads them -----------------------------
    call widget "" or >"$T/c1"
    expect_eq "POST /RPC2 name 'widget': 200" 200 "$(rpc "$T/c1")"
    expect_eq "... one hit, the latest release (no pre-release) and its Summary" \
        "alpha-widget 1.2 $SUM_A" "$(answer)"
    check "... as text/xml" grep -qi '^Content-Type: text/xml' <(curl -s -D - -o /dev/null -H 'Content-Type: text/xml' \
        --data-binary "@$T/c1" "$BASE/RPC2")
    call "" SPROCKETS or >"$T/c2"
    rpc "$T/c2" >/dev/null
    expect_eq "summary 'SPROCKETS' (any case) finds alpha-widget" "alpha-widget 1.2 $SUM_A" "$(answer)"
    call "" cogs or >"$T/c2b"
    rpc "$T/c2b" >/dev/null
    expect_eq "summary 'cogs' (in releases other than the latest): none" "" "$(answer)"
    call "" "<thing>" or >"$T/c2c"
    rpc "$T/c2c" >/dev/null
    expect_eq "summary '<thing>' finds beta-gadget, its Summary read back whole" "beta-gadget 0.3 $SUM_B" "$(answer)"
    call "alpha_WIDGET" "" and >"$T/c3"
    rpc "$T/c3" >/dev/null
    expect_eq "name 'alpha_WIDGET' finds alpha-widget (separators as PEP 503)" "alpha-widget 1.2 $SUM_A" "$(answer)"
    call alpha tests and >"$T/c4"
    rpc "$T/c4" >/dev/null
    expect_eq "'and': name alpha and summary tests" "alpha-widget 1.2 $SUM_A" "$(answer)"
    call alpha gadget and >"$T/c5"
    rpc "$T/c5" >/dev/null
    expect_eq "'and': name alpha and summary gadget: none" "" "$(answer)"
    call alpha gadget or >"$T/c6"
    rpc "$T/c6" >/dev/null
    expect_eq "'or': name alpha or summary gadget: both" "alpha-widget 1.2 $SUM_A
beta-gadget 0.3 $SUM_B" "$(answer)"
    call nothing-like-this nothing-like-this or >"$T/c7"
    rpc "$T/c7" >/dev/null
    expect_eq "a term found nowhere: no hit" "" "$(answer)"
    python3 -c 'import sys, xmlrpc.client as x; sys.stdout.write(x.dumps(("a",), "list_packages"))' >"$T/c8"
    expect_eq "an unknown method: 200 with a fault" 200 "$(rpc "$T/c8")"
    expect_eq "... -32601, naming the method" \
        'fault -32601 this index answers the XML-RPC method "search" only, not "list_packages"' "$(answer)"
    python3 -c 'import sys, xmlrpc.client as x; sys.stdout.write(x.dumps(({"author": ["x"]},), "search"))' >"$T/c9"
    rpc "$T/c9" >/dev/null
    expect_eq "a field other than name and summary: a fault" \
        'fault -32602 this index searches the fields "name" and "summary" only' "$(answer)"

    # ---- hostile bodies -------------------------------------------------------------
    printf '%s' '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'\
'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'\
'<methodCall><methodName>search</methodName><params><param><value><struct><member><name>name</name>'\
'<value>&d;</value></member></struct></value></param></params></methodCall>' >"$T/h1"
    expect_eq "entity expansion (billion laughs): 400" 400 "$(rpc "$T/h1")"
    check "... saying why" grep -q 'has a DOCTYPE' "$T/rpc.out"
    printf '%s' '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><methodCall>'\
'<methodName>search</methodName><params><param><value><struct><member><name>name</name><value>&x;</value>'\
'</member></struct></value></param></params></methodCall>' >"$T/h2"
    expect_eq "an external entity (file:///etc/passwd): 400" 400 "$(rpc "$T/h2")"
    check "... nothing of the file in the answer" test -z "$(grep 'root:' "$T/rpc.out")"
    printf '%s' '<methodCall><methodName>search</methodName><params><param><value><struct>' >"$T/h3"
    expect_eq "a truncated call: 400" 400 "$(rpc "$T/h3")"
    check "... saying why" grep -q 'not well-formed' "$T/rpc.out"
    python3 -c 'import sys; sys.stdout.write("<methodCall><methodName>search</methodName>" + " " * 70000 + "</methodCall>")' \
        >"$T/h4"
    expect_eq "a call over 64 KiB: 413" 413 "$(rpc "$T/h4")"
    expect_eq "... also sent chunked (no Content-Length): 413" 413 "$(rpc "$T/h4" -H 'Transfer-Encoding: chunked')"
    check "the refusals are logged" wait_for_log "$ST/error.log" 'refused XML-RPC call: the call has a DOCTYPE'
    expect_eq "GET /RPC2: 405" 405 "$(http_code "$BASE/RPC2")"
    expect_eq "the server keeps serving: /simple/alpha-widget/ 200" 200 "$(http_code "$BASE/simple/alpha-widget/")"

    [ $have_pip = 1 ] || return 0
    # ---- real pip -------------------------------------------------------------------
    if out=$(search "$BASE" widget); then
        pass "pip search --index $BASE widget (posts /RPC2)"
        check "... shows alpha-widget (1.2) with its Summary" grep -qF "alpha-widget (1.2)  - $SUM_A" <<<"$out"
        check "... only it" test -z "$(grep -F beta-gadget <<<"$out")"
    else
        fail "pip search --index $BASE widget" "$out"
    fi
    if out=$(search "$BASE/" gadget); then
        pass "pip search --index $BASE/ gadget (posts text/xml to /)"
        check "... shows beta-gadget (0.3)" grep -qF "beta-gadget (0.3)" <<<"$out"
        check "... through POST /" wait_for_log "$ST/access.log" '"POST / HTTP/1\.1" 200 .*pip/'
    else
        fail "pip search --index $BASE/ gadget" "$out"
    fi
    if out=$(search "$BASE" sprockets kind); then
        check "pip search sprockets kind (in the summaries only) shows both" \
            test "$(grep -cE '^(alpha-widget \(1\.2\)|beta-gadget \(0\.3\)) ' <<<"$out")" = 2
        check "... beta-gadget's Summary as written" grep -qF -- "- $SUM_B" <<<"$out"
    else
        fail "pip search --index $BASE sprockets kind" "$out"
    fi
    out=$(search "$BASE" no-such-thing)
    expect_eq "pip search no-such-thing: exit 23 (no matches), nothing shown" "23 " \
        "$(search "$BASE" no-such-thing >/dev/null; echo "$? $out")"
}

auth_checks() {
    local out
    call widget widget or >"$T/a1"
    expect_eq "--authenticate list: /RPC2 without a login: 401" 401 "$(rpc "$T/a1")"
    expect_eq "... with a wrong password: 403" 403 "$(rpc "$T/a1" -u reader:wrong)"
    expect_eq "... with the login: 200" 200 "$(rpc "$T/a1" -u reader:reader-pw)"
    expect_eq "... and the hit" "alpha-widget 1.2 $SUM_A" "$(answer)"
    expect_eq "POST / text/xml without a login: 401 (not an upload's 400)" 401 \
        "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/xml' --data-binary "@$T/a1" "$BASE/")"
    [ $have_pip = 1 ] || return 0
    if out=$(search "$BASE" widget); then
        fail "pip search without credentials is refused" "$out"
    else
        check "pip search without credentials is refused (401)" grep -q 401 <<<"$out"
    fi
    local host=${BASE#http://}
    if out=$(search "http://reader:reader-pw@$host" widget); then
        pass "pip search --index http://reader:...@$host widget"
        check "... shows alpha-widget" grep -qF "alpha-widget (1.2)" <<<"$out"
    else
        fail "pip search --index http://reader:...@$host widget" "$out"
    fi
}

for mode in open auth; do
    ST=$T/lt-$mode
    E2E_PF_ARGS=
    [ $mode = auth ] && E2E_PF_ARGS="--htpasswd $T/htpasswd --authenticate list"
    if ! lt_launch "$mode" "$TOP_SRCDIR/contrib/lighttpd.conf" "$ROOT" "$ST" /health; then
        fail "$mode: lighttpd started" "$(lt_error)"
        continue
    fi
    BASE=http://127.0.0.1:$E2E_PORT
    if [ $mode = open ]; then open_checks; else auth_checks; fi
    lt_stop "$mode" && pass "$mode: lighttpd stopped" || fail "$mode: lighttpd stopped"
done

e2e_done
