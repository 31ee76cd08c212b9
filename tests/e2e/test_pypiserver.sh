#!/bin/bash
# SPDX-License-Identifier: MIT
# test_pypiserver.sh: what users coming from pypiserver rely on, through
# lighttpd (contrib/lighttpd.conf) with real twine, pip and curl: the URL the
# welcome page shows behind a proxy, --overwrite on a flat root (the layout
# pypiserver keeps), the server root as an index URL (/<project>/ redirects
# to /simple/<project>/), the /packages/ listing pip's --find-links reads,
# and pypiserver's --welcome, --health-endpoint and --cache-control with the
# X-Forwarded-* headers of a --trusted-proxy (believed from it alone).
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_pypiserver.sh
# (make check-e2e does this). KEEP=1, VERBOSE=1 and E2E_WRAP as in lib.sh.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

e2e_init
T=$E2E_TMP
MKDIST="$HERE/mkdist.py"

e2e_require "pypiserver compatibility tests" lighttpd curl python3 htpasswd

ROOT=$T/root
D=$T/dists
mkdir -p "$ROOT" "$D/a" "$D/b"
htpasswd -cbB -C 5 "$T/htpasswd" alice alice-pw 2>/dev/null
# A flat root, as pypiserver keeps it, and the same file name with other bytes.
python3 "$MKDIST" wheel --out "$D/a" --name flat-demo --version 1.0 --requires-python '>=3.7' >>"$T/mkdist.log" 2>&1
python3 "$MKDIST" wheel --out "$D/b" --name flat-demo --version 1.0 --requires-python '>=3.8' >>"$T/mkdist.log" 2>&1
WHL=flat_demo-1.0-py3-none-any.whl
cp "$D/a/$WHL" "$ROOT/"
# A project in its own directory that needs the flat one, in two versions.
mkdir -p "$ROOT/sub-lib"
{
    python3 "$MKDIST" wheel --out "$ROOT/sub-lib" --name sub-lib --version 1.0
    python3 "$MKDIST" wheel --out "$ROOT/sub-lib" --name sub-lib --version 2.0 --requires-dist flat-demo
    python3 "$MKDIST" sdist --out "$ROOT/sub-lib" --name sub-lib --version 2.0
} >>"$T/mkdist.log" 2>&1

VENV=$T/venv
have_venv=0
if out=$(e2e_venv "$VENV"); then
    have_venv=1
else
    skip "pip through the server root and /packages/" "python3 -m venv failed: $out"
fi

# sha FILE: its sha256, hex.
sha() { sha256sum "$1" | cut -d' ' -f1; }

# redirect_is DESC WANT-STATUS WANT-LOCATION URL [CURL-OPTS...]
redirect_is() {
    local desc=$1 want="$2 $3" url=$4
    shift 4
    expect_eq "$desc" "$want" "$(curl -s -o /dev/null --max-time 20 -w '%{http_code} %{redirect_url}' "$@" "$url")"
}

# listed PAGE RELPATH FILE: PAGE has the /packages/ line of RELPATH.
listed() {
    grep -qF "<a href=\"$2#sha256=$(sha "$ROOT/$2")\">$3</a>" "$1"
}

# The server root as an index URL, and /packages/ (keep mode).
root_urls() {
    # ---- /<project>/ -------------------------------------------------------------
    redirect_is "/Flat_Demo/?x=1 redirects to /simple/flat-demo/, without the query" \
        301 "$BASE/simple/flat-demo/" "$BASE/Flat_Demo/?x=1"
    redirect_is "/flat-demo (no slash) redirects too" 301 "$BASE/simple/flat-demo/" "$BASE/flat-demo"
    redirect_is "HEAD /sub-lib/ redirects" 301 "$BASE/simple/sub-lib/" -I "$BASE/sub-lib/"
    redirect_is "/no-such-project/ redirects without a lookup (its page is 404)" \
        301 "$BASE/simple/no-such-project/" "$BASE/no-such-project/"
    expect_eq "... and that page is 404" 404 "$(http_code "$BASE/simple/no-such-project/")"
    redirect_is "/simple still redirects to /simple/" 301 "$BASE/simple/" "$BASE/simple"
    redirect_is "/packages redirects to /packages/" 301 "$BASE/packages/" "$BASE/packages"
    expect_eq "/health is still the health check" 200 "$(http_code "$BASE/health")"
    expect_eq "GET /legacy is still 405" 405 "$(http_code "$BASE/legacy")"
    expect_eq "/a/b/ (two segments) is 404" 404 "$(http_code "$BASE/a/b/")"
    expect_eq "/%3Cscript%3E/ (not a name) is 404" 404 "$(http_code "$BASE/%3Cscript%3E/")"

    # ---- /packages/ --------------------------------------------------------------
    local code etag
    code=$(fetch "$BASE/packages/" "$T/pk")
    expect_eq "/packages/: 200" 200 "$code"
    expect_eq "/packages/ is HTML" "text/html; charset=utf-8" "$(header "$T/pk.hdr" Content-Type)"
    check "/packages/ lists the flat wheel with its sha256" listed "$T/pk.body" "$WHL" "$WHL"
    local f
    for f in sub_lib-1.0-py3-none-any.whl sub_lib-2.0-py3-none-any.whl sub_lib-2.0.tar.gz; do
        check "/packages/ lists sub-lib/$f with its sha256" listed "$T/pk.body" "sub-lib/$f" "$f"
    done
    expect_eq "/packages/ lists the 4 files, no more" 4 "$(grep -c '<a href=' "$T/pk.body")"
    etag=$(header "$T/pk.hdr" ETag)
    expect_eq "/packages/ with If-None-Match: its ETag: 304" 304 \
        "$(http_code "$BASE/packages/" -H "If-None-Match: $etag")"

    [ $have_venv = 1 ] || return 0
    # ---- real pip ----------------------------------------------------------------
    local out
    if out=$(pip_run "$VENV" "$BASE/" download --no-deps -d "$T/dl" Flat_Demo 2>&1); then
        pass "pip download --no-deps -i $BASE/ Flat_Demo"
        check "... got the flat wheel, bytes unchanged" cmp -s "$ROOT/$WHL" "$T/dl/$WHL"
        check "... asking /flat-demo/ (301)" wait_for_log "$ST/access.log" '"GET /flat-demo/ HTTP/1\.1" 301 .*pip/'
        check "... then /simple/flat-demo/ (200)" wait_for_log "$ST/access.log" \
            '"GET /simple/flat-demo/ HTTP/1\.1" 200 .*pip/'
    else
        fail "pip download --no-deps -i $BASE/ Flat_Demo" "$(echo "$out" | tail -n 25)"
    fi
    if out=$(pip_env timeout 240 "$VENV/bin/python" -m pip install --disable-pip-version-check --no-cache-dir \
        --retries 0 --timeout 10 --no-index --find-links "$BASE/packages/" sub-lib 2>&1); then
        pass "pip install --no-index --find-links $BASE/packages/ sub-lib"
        expect_eq "... installed sub-lib 2.0 and its dependency flat-demo 1.0 from the listing" "2.0 1.0" \
            "$(pip_env "$VENV/bin/python" -c 'import sub_lib, flat_demo; print(sub_lib.__version__, flat_demo.__version__)')"
    else
        fail "pip install --no-index --find-links $BASE/packages/ sub-lib" "$(echo "$out" | tail -n 25)"
    fi
}

# up ARGS...: an upload of $D/b's wheel with curl; prints the status.
up() {
    local sha
    sha=$(sha256sum "$D/b/$WHL" | cut -d' ' -f1)
    curl -s -o "$T/up.txt" -w '%{http_code}' --max-time 30 -u alice:alice-pw -F ':action=file_upload' \
        -F name=flat-demo -F version=1.0 -F filetype=bdist_wheel -F pyversion=py3 -F "sha256_digest=$sha" \
        -F "content=@$D/b/$WHL" "$BASE/"
}

for mode in keep overwrite; do
    ST=$T/lt-$mode
    E2E_PF_ARGS="--htpasswd $T/htpasswd"
    [ $mode = overwrite ] && E2E_PF_ARGS="$E2E_PF_ARGS --overwrite"
    if ! lt_launch "$mode" "$TOP_SRCDIR/contrib/lighttpd.conf" "$ROOT" "$ST" /health; then
        fail "$mode: lighttpd started" "$(lt_error)"
        continue
    fi
    BASE=http://127.0.0.1:$E2E_PORT
    if [ $mode = keep ]; then
        # ---- the welcome page behind a proxy ----------------------------------------
        # A Host header without a port is what a load balancer on port 80
        # sends: the URL shown must not gain lighttpd's own port.
        fetch "$BASE/" "$T/welcome" -H 'Host: pypi.example.com' >/dev/null
        check "the welcome page shows http://pypi.example.com/simple/ for 'Host: pypi.example.com'" \
            grep -qF 'http://pypi.example.com/simple/' "$T/welcome.body"
        check "... and not lighttpd's port" test -z "$(grep -F "pypi.example.com:$E2E_PORT" "$T/welcome.body")"
        fetch "$BASE/" "$T/welcome2" >/dev/null
        check "with the port in Host, the URL keeps it" grep -qF "$BASE/simple/" "$T/welcome2.body"
        # Without --trusted-proxy, anyone may send X-Forwarded-*: never believed.
        fetch "$BASE/" "$T/welcome3" -H 'Host: pypi.example.com' -H 'X-Forwarded-Host: evil.example' \
            -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Prefix: /evil' >/dev/null
        check "a forged X-Forwarded-Host, -Proto and -Prefix change nothing by default" \
            grep -qF 'http://pypi.example.com/simple/' "$T/welcome3.body"
        check "... evil.example is nowhere in the page" test -z "$(grep -F evil "$T/welcome3.body")"
        root_urls
        expect_eq "without --overwrite, other bytes under the flat file's name get 409" 409 "$(up)"
        check "the flat file is unchanged" cmp -s "$D/a/$WHL" "$ROOT/$WHL"
    else
        # The listing is built before the upload, then the same file name
        # gets other bytes: it must not keep the old sha256.
        fetch "$BASE/packages/" "$T/pk1" >/dev/null
        check "/packages/ before the upload shows the old sha256" listed "$T/pk1.body" "$WHL" "$WHL"
        expect_eq "--overwrite replaces the flat file: 200" 200 "$(up)"
        check "the flat file now holds the new bytes" cmp -s "$D/b/$WHL" "$ROOT/$WHL"
        check "no second copy under ROOT/flat-demo/" test ! -e "$ROOT/flat-demo"
        page=$(curl -s "$BASE/simple/flat-demo/")
        expect_eq "the page lists the file once" 1 "$(grep -o "$WHL#" <<<"$page" | wc -l)"
        check "the page shows the new sha256" grep -q "$(sha256sum "$D/b/$WHL" | cut -d' ' -f1)" <<<"$page"
        check "the page shows the new Requires-Python" grep -q '&gt;=3.8' <<<"$page"
        fetch "$BASE/packages/" "$T/pk2" >/dev/null
        check "/packages/ shows the new sha256 of the flat file" listed "$T/pk2.body" "$WHL" "$WHL"
        expect_eq "... and lists it once" 1 "$(grep -c "$WHL#" "$T/pk2.body")"
    fi
    lt_stop "$mode" && pass "$mode: lighttpd stopped" || fail "$mode: lighttpd stopped"
done

# ---- --welcome, --health-endpoint, --cache-control, --trusted-proxy ----------
# In a -c file (lighttpd's bin-path is a command line without quoting), with
# a mount point that has a quote in it, the one HTML-special character a URL
# path keeps: the values reach the page escaped.
cat >"$T/welcome.html" <<'HTML'
<html><head><title>Our index</title></head><body>
<p>{{NUMPKGS}} files, pypi-fcgi {{ VERSION }}</p>
<pre>pip install --index-url {{URL}}simple/ PROJECT</pre>
<a href="{{PACKAGES}}">all files</a> <a href="{{ SIMPLE }}">the simple index</a>
</body></html>
HTML
cat >"$T/opts.conf" <<CONF
url-prefix = /o'k
welcome = $T/welcome.html
health-endpoint = /ops/healthz
cache-control = 3600
trusted-proxy = ::1, 127.0.0.1
CONF
ST=$T/lt-opts
E2E_PF_ARGS="-c $T/opts.conf"
if ! lt_launch opts "$TOP_SRCDIR/contrib/lighttpd.conf" "$ROOT" "$ST" "/o'k/ops/healthz"; then
    fail "opts: lighttpd started" "$(lt_error)"
else
    BASE="http://127.0.0.1:$E2E_PORT/o'k"
    nfiles=$(find "$ROOT" -name '.*' -prune -o -type f \( -name '*.whl' -o -name '*.tar.gz' \) -print | wc -l)
    version=$("$PYPI_FCGI" --version | cut -d' ' -f2)
    code=$(fetch "$BASE/" "$T/wf" -H 'Host: pypi.example.com')
    expect_eq "--welcome: GET / is 200" 200 "$code"
    expect_eq "... text/html" "text/html; charset=utf-8" "$(header "$T/wf.hdr" Content-Type)"
    check "... the file's own text" grep -qF '<title>Our index</title>' "$T/wf.body"
    check "... {{NUMPKGS}} and {{ VERSION }}: $nfiles files, pypi-fcgi $version" \
        grep -qF "<p>$nfiles files, pypi-fcgi $version</p>" "$T/wf.body"
    check "... {{URL}}: the index's URL, its quote escaped" \
        grep -qF "pip install --index-url http://pypi.example.com/o&#39;k/simple/ PROJECT" "$T/wf.body"
    check "... {{PACKAGES}} and {{ SIMPLE }}: the paths, escaped" \
        grep -qF "<a href=\"/o&#39;k/packages/\">all files</a> <a href=\"/o&#39;k/simple/\">the simple index</a>" \
        "$T/wf.body"
    check "... no raw quote from a value" test -z "$(grep -F "o'k" "$T/wf.body")"

    # The proxy at 127.0.0.1 is trusted: its X-Forwarded-* make the URL.
    fetch "$BASE/" "$T/wp" -H 'Host: 127.0.0.1' -H 'X-Forwarded-Host: pypi.example.org, inner.example' \
        -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Prefix: /mirror/' >/dev/null
    check "--trusted-proxy 127.0.0.1: X-Forwarded-Host (its first value), -Proto and -Prefix make {{URL}}" \
        grep -qF "https://pypi.example.org/mirror/o&#39;k/simple/" "$T/wp.body"
    check "... and the paths" grep -qF "href=\"/mirror/o&#39;k/packages/\"" "$T/wp.body"
    # The same headers from another address (127.0.0.2 reaches 127.0.0.1 on
    # Linux's loopback) are not believed.
    if curl -s -o /dev/null --interface 127.0.0.2 "$BASE/ops/healthz" 2>/dev/null; then
        curl -s --max-time 20 --interface 127.0.0.2 -o "$T/wu.body" -H 'Host: pypi.example.com' \
            -H 'X-Forwarded-Host: evil.example' -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Prefix: /evil' "$BASE/"
        check "from 127.0.0.2, not a trusted proxy, the same headers change nothing" \
            grep -qF "http://pypi.example.com/o&#39;k/simple/" "$T/wu.body"
        check "... evil is nowhere in the page" test -z "$(grep -F evil "$T/wu.body")"
    else
        skip "X-Forwarded-* from an untrusted address" "curl cannot bind 127.0.0.2"
    fi
    # A trusted proxy's bad values: ignored, logged, never on the page.
    fetch "$BASE/" "$T/wb" -H 'Host: pypi.example.com' -H 'X-Forwarded-Host: <script>alert(1)</script>' \
        -H 'X-Forwarded-Proto: javascript' -H 'X-Forwarded-Prefix: /../<script>' >/dev/null
    check "bad X-Forwarded-* from the trusted proxy: the Host header's URL" \
        grep -qF "http://pypi.example.com/o&#39;k/simple/" "$T/wb.body"
    check "... no <script> in the page" test -z "$(grep -F '<script>' "$T/wb.body")"
    check "... X-Forwarded-Host logged as ignored" wait_for_log "$ST/error.log" 'ignored X-Forwarded-Host from a trusted proxy'
    check "... X-Forwarded-Proto too" wait_for_log "$ST/error.log" 'ignored X-Forwarded-Proto from a trusted proxy'
    check "... and X-Forwarded-Prefix" wait_for_log "$ST/error.log" 'ignored X-Forwarded-Prefix from a trusted proxy'

    # --health-endpoint: the check moves, /health is a project-name path again.
    code=$(fetch "$BASE/ops/healthz" "$T/hz")
    expect_eq "--health-endpoint /ops/healthz: 200 ok there" "200 ok" "$code $(cat "$T/hz.body")"
    redirect_is "... and /health redirects to /simple/health/, as any /<name>" \
        301 "$BASE/simple/health/" "$BASE/health"
    expect_eq "... /ops/healthz/ (another path) is 404" 404 "$(http_code "$BASE/ops/healthz/")"

    # --cache-control 3600 on a download, which lighttpd sends (X-Sendfile).
    code=$(fetch "$BASE/packages/$WHL" "$T/dl3600")
    expect_eq "--cache-control 3600: the download is 200 with Cache-Control: public, max-age=3600" \
        "200 public, max-age=3600" "$code $(header "$T/dl3600.hdr" Cache-Control)"
    check "... the file's bytes, sent by lighttpd" cmp -s "$ROOT/$WHL" "$T/dl3600.body"
    check "... offloaded: no X-Sendfile reaches the client" test -z "$(header "$T/dl3600.hdr" X-Sendfile)"
    code=$(fetch "$BASE/packages/$WHL.metadata" "$T/md3600")
    expect_eq "... and on its .metadata" "200 public, max-age=3600" "$code $(header "$T/md3600.hdr" Cache-Control)"
    code=$(fetch "$BASE/simple/flat-demo/" "$T/pg3600")
    expect_eq "... not on the pages" "200 max-age=0, must-revalidate" "$code $(header "$T/pg3600.hdr" Cache-Control)"
    lt_stop opts && pass "opts: lighttpd stopped" || fail "opts: lighttpd stopped"
fi

# A bad --welcome or --health-endpoint stops the start with the reason.
printf 'ok\n%% for p in packages:\n' >"$T/code.html"
out=$("$PYPI_FCGI" --welcome "$T/code.html" -t "$ROOT" 2>&1)
expect_eq "--welcome with bottle code exits 2" 2 "$?"
check "... naming the file and line" grep -qF "welcome: $T/code.html:2: a line of template code" <<<"$out"
out=$("$PYPI_FCGI" --welcome "$T/missing.html" -t "$ROOT" 2>&1)
expect_eq "--welcome with a missing file exits 2" 2 "$?"
out=$("$PYPI_FCGI" --health-endpoint /simple/ping -t "$ROOT" 2>&1)
expect_eq "--health-endpoint /simple/ping exits 2" 2 "$?"
check "... it would hide /simple" grep -qF "would hide /simple" <<<"$out"

# pypiserver's command lines: what they mean here, or exit 2 with what to
# use instead (the unit tests hold every option; this is the real binary).
out=$("$PYPI_FCGI" run -p 8080 "$ROOT" 2>&1)
expect_eq "pypi-fcgi run -p 8080 ROOT exits 2" 2 "$?"
check "... naming --listen and the web server" grep -q -- "--listen" <<<"$out"
out=$("$PYPI_FCGI" run -P "$T/htpasswd" -a update,download,list -o --disable-fallback -t "$ROOT" 2>&1)
check "pypiserver's -a, -o and --disable-fallback are taken (-t)" grep -q '^authenticate = update,download,list$' <<<"$out"
check "... -o is --overwrite" grep -q '^overwrite = yes$' <<<"$out"
out=$("$PYPI_FCGI" run --welcome "$T/welcome.html" --health-endpoint /healthz --cache-control 600 -t "$ROOT" 2>&1)
check "pypiserver's --welcome, --health-endpoint and --cache-control are taken (-t)" \
    grep -qF "welcome = $T/welcome.html" <<<"$out"
check "... --health-endpoint" grep -q '^health-endpoint = /healthz$' <<<"$out"
check "... --cache-control" grep -q '^cache-control = 600$' <<<"$out"

expect_eq "no pypi-fcgi process of this test is left" "" "$(our_responders)"
e2e_done
