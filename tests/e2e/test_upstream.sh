#!/bin/bash
# SPDX-License-Identifier: MIT
# test_upstream.sh: end-to-end tests of the pull-through cache of an upstream index (--upstream),
# a second pypi-fcgi behind its own lighttpd with TLS, driven by real pip (and poetry when it can).
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_upstream.sh
# (make check-e2e does this). KEEP=1, VERBOSE=1 and E2E_WRAP as in lib.sh.
# UPSTREAM_BIG_MIB sets the size of the large upstream files (default 300).
# Only 127.0.0.1 on free high ports is used; the CA and the server certificate are made here.

# Started by a POSIX sh (make's $(SHELL) may be one): continue in bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

e2e_init
T=$E2E_TMP
MKDIST="$HERE/mkdist.py"
BIG_MIB=${UPSTREAM_BIG_MIB:-300}
# The upstream sends files whose URL has "slow" in it at this rate: a big
# file's transfer lasts about 15 s, whatever its size.
SLOW_KBPS=$((BIG_MIB * 1024 / 15))
[ "$SLOW_KBPS" -ge 64 ] || SLOW_KBPS=64
SHARED_MIB=$((BIG_MIB / 8))
[ "$SHARED_MIB" -ge 1 ] || SHARED_MIB=1

e2e_require "upstream cache tests" lighttpd curl python3 openssl

UROOT=$T/uroot          # the upstream's packages
LROOT=$T/lroot          # the downstream's own (private) packages
UST=$T/up               # the upstream lighttpd's state
AST=$T/a                # downstream A: the main one, a long TTL
EST=$T/e                # downstream E: --upstream-min-age 3d
CST=$T/c                # downstreams C and D: one cache, a 2 s TTL
DST=$T/d
SHARED=$T/shared-upstream
PKI=$T/pki
D=$T/dists
mkdir -p "$UROOT" "$LROOT" "$UST" "$AST" "$EST" "$CST" "$DST" "$SHARED" "$PKI" "$D"
mk() { python3 "$MKDIST" "$@" 2>>"$T/mkdist.log"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- certificates -------------------------------------------------------------
{
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 2 \
        -subj "/CN=pypi-fcgi e2e CA" &&
        openssl req -newkey rsa:2048 -nodes -keyout "$PKI/server.key" -out "$PKI/server.csr" -subj "/CN=127.0.0.1" &&
        printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$PKI/ext" &&
        openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
            -out "$PKI/server.pem" -days 2 -extfile "$PKI/ext"
} >"$PKI/openssl.log" 2>&1
check "openssl made a CA and a server certificate for IP 127.0.0.1" \
    openssl verify -CAfile "$PKI/ca.pem" "$PKI/server.pem"
CA=$PKI/ca.pem

# ---- distributions ------------------------------------------------------------
build_ok=1
# 1: a private package needing an upstream one, which needs another.
mk wheel --out "$LROOT/privpkg" --name privpkg --version 1.0 --requires-dist 'uplib>=1.0' >/dev/null || build_ok=0
mk wheel --out "$UROOT/uplib" --name uplib --version 1.0 --requires-dist 'updep' >/dev/null || build_ok=0
mk wheel --out "$UROOT/updep" --name updep --version 2.0 >/dev/null || build_ok=0
mk wheel --out "$UROOT/poetrypkg" --name poetrypkg --version 1.2 >/dev/null || build_ok=0
# 2: owned names.
mk wheel --out "$LROOT/ownedpkg" --name ownedpkg --version 1.0 >/dev/null || build_ok=0
mk wheel --out "$UROOT/ownedpkg" --name ownedpkg --version 9.9 >/dev/null || build_ok=0
mk wheel --out "$UROOT/acme-tools" --name acme-tools --version 1.0 >/dev/null || build_ok=0
mk wheel --out "$UROOT/denied-pkg" --name denied-pkg --version 1.0 >/dev/null || build_ok=0
printf '# names kept for local use\nacme-*\n' >"$T/claims"
# 3: a project nobody asked for before the upstream stops.
mk wheel --out "$UROOT/neverseen" --name neverseen --version 1.0 >/dev/null || build_ok=0
# 4: a file whose bytes change upstream (the other bytes built aside).
HASH_WHL=$(mk wheel --out "$UROOT/hashpkg" --name hashpkg --version 1.0 --pad-mib 4) || build_ok=0
mkdir -p "$D/hash-other"
HASH_OTHER=$(mk wheel --out "$D/hash-other" --name hashpkg --version 1.0 --pad-mib 4 --summary other) || build_ok=0
cp "$HASH_WHL" "$D/hashpkg.orig" || build_ok=0
# 5, 6, 9: big files; names with "slow" are sent slowly by the upstream (lighttpd's rate
# limit), so that first downloads overlap the upstream transfer.
BIG1=$(mk wheel --out "$UROOT/slowone" --name slowone --version 1.0 --pad-mib "$BIG_MIB") || build_ok=0
BIG2=$(mk wheel --out "$UROOT/slowtwo" --name slowtwo --version 1.0 --pad-mib "$BIG_MIB") || build_ok=0
BIG3=$(mk wheel --out "$UROOT/slowthree" --name slowthree --version 1.0 --pad-mib "$BIG_MIB") || build_ok=0
# 7: an old and a young file of one project (pypi-fcgi's upload-time is the
# file's mtime when it first indexes it, if that is in the past).
OLD_WHL=$(mk wheel --out "$UROOT/coolpkg" --name coolpkg --version 1.0) || build_ok=0
NEW_WHL=$(mk wheel --out "$UROOT/coolpkg" --name coolpkg --version 2.0) || build_ok=0
touch -d '10 days ago' "$OLD_WHL" || build_ok=0
# 8: shared by two downstreams.
SHARED_WHL=$(mk wheel --out "$UROOT/slowshared" --name slowshared --version 1.0 --pad-mib "$SHARED_MIB") || build_ok=0
mk wheel --out "$UROOT/burstpkg" --name burstpkg --version 1.0 >/dev/null || build_ok=0
if [ $build_ok = 1 ] && [ -f "$BIG3" ] && [ -f "$HASH_OTHER" ] && [ -f "$SHARED_WHL" ]; then
    pass "built the distributions (big files: $BIG_MIB MiB)"
else
    fail "built the distributions" "$(cat "$T/mkdist.log")"
fi
BIG1_SHA=$(sha_of "$BIG1")
BIG3_SHA=$(sha_of "$BIG3")
SHARED_SHA=$(sha_of "$SHARED_WHL")
HASH_SHA=$(sha_of "$HASH_WHL")

# ---- servers ------------------------------------------------------------------

# launch NAME ROOT STATE [HOOK]: contrib/lighttpd.conf rendered into
# STATE/lighttpd.conf on a free port, HOOK CONF run on it, then started;
# another port is tried when the first was taken. The port is left in E2E_PORT.
launch() {
    local name=$1 root=$2 state=$3 hook=${4:-} try
    for try in 1 2 3; do
        E2E_PORT=$(free_port)
        render_conf "$TOP_SRCDIR/contrib/lighttpd.conf" "$state/lighttpd.conf" "$root" "$state" "$E2E_PORT"
        if [ -n "$hook" ]; then "$hook" "$state/lighttpd.conf"; fi
        lt_start "$name" "$state/lighttpd.conf" "$E2E_PORT" /health && return 0
        lt_stop "$name"
        grep -qi 'address already in use' "$state/lighttpd.out" "$state/error.log" 2>/dev/null || return 1
        E2E_LT_ERR="$E2E_LT_ERR (attempt $try)"
    done
    return 1
}

# The upstream: plain HTTP on its server.port (for readiness and log
# markers), TLS on a second socket, which is what the downstreams ask.
upstream_tls() {
    UP_TLS=$(free_port)
    cat >>"$1" <<EOF
server.modules += ( "mod_openssl" )
\$SERVER["socket"] == "127.0.0.1:$UP_TLS" {
    ssl.engine  = "enable"
    ssl.pemfile = "$PKI/server.pem"
    ssl.privkey = "$PKI/server.key"
}
\$HTTP["url"] =~ "slow" {
    connection.kbytes-per-second = $SLOW_KBPS
}
EOF
}
E2E_PF_ARGS="--threads 8"
if launch up "$UROOT" "$UST" upstream_tls; then
    pass "the upstream lighttpd started (contrib/lighttpd.conf plus TLS)"
else
    fail "the upstream lighttpd started" "$(lt_error)"
    e2e_done
    exit 1
fi
UP_PLAIN=$E2E_PORT
UPURL=https://127.0.0.1:$UP_TLS/simple/
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "${UPURL}uplib/")
expect_eq "the upstream answers over TLS with the test CA" 200 "$code"

# up_sync: waits until the upstream's access log holds every request made
# so far (a marker request, logged after them; unique, as this often runs
# in a subshell).
up_sync() {
    local m
    m=$(date +%s%N)-$RANDOM
    curl -s -o /dev/null "http://127.0.0.1:$UP_PLAIN/health?sync=$m"
    wait_for_log "$UST/access.log" "sync=$m " 15
}
# up_gets REGEX: how many GETs of a path matching REGEX the upstream logged.
up_gets() {
    up_sync
    grep -cE "\"GET $1 HTTP" "$UST/access.log"
}
# up_file_gets FILE: GETs of the upstream file FILE (not its .metadata).
up_file_gets() { up_gets "[^ \"]*/$1"; }

DOWN_ARGS="--threads 24 --upstream $UPURL --upstream-ca $CA --upstream-claims $T/claims --upstream-deny denied-pkg"
E2E_PF_ARGS="$DOWN_ARGS --upstream-cache $AST/upstream --upstream-ttl 1h"
if launch a "$LROOT" "$AST"; then
    pass "downstream A started (contrib/lighttpd.conf, --upstream over TLS)"
else
    fail "downstream A started" "$(lt_error)"
    e2e_done
    exit 1
fi
A=http://127.0.0.1:$E2E_PORT
AF=$AST/upstream/files
# cached PROJECT NAME: where the cache keeps NAME of PROJECT
# (files/PROJECT/SHA256/NAME), or a path that does not exist.
cached() {
    local m
    for m in "$AF/$1"/*/"$2"; do
        printf '%s' "$m"
        return
    done
}

# link_of PAGE-URL FILE: the absolute URL (no fragment) of FILE's link on a page.
link_of() {
    curl -s --max-time 60 "$1" | python3 -c '
import re, sys, urllib.parse
page, fn = sys.argv[1], sys.argv[2]
for h in re.findall(r"href=\"([^\"]*)\"", sys.stdin.read()):
    u = urllib.parse.urljoin(page, h.replace("&amp;", "&")).split("#")[0]
    if urllib.parse.urlsplit(u).path.rsplit("/", 1)[-1] == fn:
        print(u)
        break
' "$1" "$2"
}

# dl_bg URL OUT [CURL-OPTS...]: a background download whose body goes
# through a fifo into sha256sum (OUT.sha); curl's status code in OUT.code.
# The pids are tracked (e2e_bg) and the curl's added to DL_CURLS.
DL_CURLS=()
dl_bg() {
    local url=$1 out=$2
    shift 2
    mkfifo "$out.fifo"
    sha256sum <"$out.fifo" >"$out.sha" 2>/dev/null &
    e2e_bg $!
    DL_SUMS+=($!)
    curl -s --max-time 400 -o "$out.fifo" -w '%{http_code}' "$@" "$url" >"$out.code" 2>/dev/null &
    e2e_bg $!
    DL_CURLS+=($!)
}
# dl_end SECONDS: waits for the background downloads; ends the sha256sums
# whose curl never wrote (no body); empties the lists.
dl_end() {
    wait_gone "$1" "${DL_CURLS[@]}"
    local p
    for p in "${DL_CURLS[@]}"; do proc_alive "$p" && kill -TERM "$p" 2>/dev/null; done
    wait_gone 5 "${DL_SUMS[@]}"
    for p in "${DL_SUMS[@]}"; do proc_alive "$p" && kill -TERM "$p" 2>/dev/null; done
    DL_CURLS=()
    DL_SUMS=()
}

# ---- 1: one URL, private and upstream packages ---------------------------------
VENV=$T/venv
out=$(e2e_venv "$VENV")
if [ $? -eq 0 ] && [ -x "$VENV/bin/python" ]; then
    pass "made a venv for pip ($(pip_version "$VENV"))"
else
    fail "made a venv for pip" "$out"
    VENV=
fi
if [ -n "$VENV" ]; then
    out=$(pip_run "$VENV" "$A/simple/" install privpkg 2>&1)
    if [ $? -eq 0 ] && [[ $out == *"Successfully installed"* && $out == *privpkg-1.0* && $out == *uplib-1.0* && $out == *updep-2.0* ]]; then
        pass "pip installs a private package and its upstream dependencies through one index URL"
    else
        fail "pip installs a private package and its upstream dependencies through one index URL" "$out"
    fi
fi
check "the upstream files pip took are stored in the cache" \
    test -f "$(cached uplib uplib-1.0-py3-none-any.whl)" -a -f "$(cached updep updep-2.0-py3-none-any.whl)"
check "nothing of the private package was asked of the upstream" test "$(up_gets '/simple/privpkg/')" = 0
url=$(link_of "$A/simple/uplib/" uplib-1.0-py3-none-any.whl)
code=$(curl -s -o "$T/range.bin" -w '%{http_code}' -r 10-109 "$url")
want=$(tail -c +11 "$UROOT/uplib/uplib-1.0-py3-none-any.whl" | head -c 100 | sha256sum)
if [ "$code" = 206 ] && [ "$want" = "$(sha256sum <"$T/range.bin")" ]; then
    pass "a cached upstream file is sent by lighttpd (Range: 206 with the right bytes)"
else
    fail "a cached upstream file is sent by lighttpd (Range: 206 with the right bytes)" "url '$url', status $code"
fi
expect_eq "the second download did not ask the upstream again" 1 "$(up_file_gets uplib-1.0-py3-none-any.whl)"

# poetry: a throwaway project whose only source is our index.
poetry_run() {
    (cd "$T/poetry/proj" && env -i PATH="/usr/local/bin:/usr/bin:/bin" HOME="$T/poetry/home" LANG=C.UTF-8 \
        XDG_CONFIG_HOME="$T/poetry/config" XDG_CACHE_HOME="$T/poetry/cache" XDG_DATA_HOME="$T/poetry/data" \
        POETRY_VIRTUALENVS_IN_PROJECT=true POETRY_NO_INTERACTION=1 TMPDIR="$E2E_TMP/tmp" \
        PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring timeout 300 poetry "$@" 2>&1)
}
if ! command -v poetry >/dev/null 2>&1; then
    skip "poetry resolves and installs an upstream package" "poetry is not installed"
else
    mkdir -p "$T/poetry/proj" "$T/poetry/home"
    cat >"$T/poetry/proj/pyproject.toml" <<EOF
[tool.poetry]
name = "poetry-consumer"
version = "0.1.0"
description = "uses an upstream package through pypi-fcgi"
authors = ["e2e <e2e@example.invalid>"]

[tool.poetry.dependencies]
python = "^3.7"
poetrypkg = "^1.2"

[[tool.poetry.source]]
name = "ours"
url = "$A/simple/"
default = true
secondary = false

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
EOF
    out=$(poetry_run lock --no-update)
    if [ $? -eq 0 ] && grep -q 'name = "poetrypkg"' "$T/poetry/proj/poetry.lock"; then
        pass "poetry resolves an upstream package through our index (poetry.lock names it)"
        out=$(poetry_run install --no-root)
        if [ $? -eq 0 ] && [[ $out == *poetrypkg* ]] && ls "$T"/poetry/proj/.venv/lib/python3*/site-packages/poetrypkg* >/dev/null 2>&1; then
            pass "poetry installs the upstream package into its venv"
        else
            fail "poetry installs the upstream package into its venv" "$out"
        fi
    else
        fail "poetry resolves an upstream package through our index (poetry.lock names it)" "$out"
    fi
fi

# ---- 2: owned, claimed and denied names -----------------------------------------
page=$(curl -s "$A/simple/ownedpkg/")
if [[ $page == *ownedpkg-1.0-py3* && $page != *9.9* ]]; then
    pass "a project with local files: the page is the local one only (1.0, not upstream's 9.9)"
else
    fail "a project with local files: the page is the local one only (1.0, not upstream's 9.9)" "$page"
fi
if [ -n "$VENV" ]; then
    out=$(pip_run "$VENV" "$A/simple/" install --force-reinstall ownedpkg 2>&1)
    if [ $? -eq 0 ] && [[ $out == *"Successfully installed ownedpkg-1.0"* ]]; then
        pass "pip installs the local ownedpkg 1.0, not upstream's 9.9"
    else
        fail "pip installs the local ownedpkg 1.0, not upstream's 9.9" "$out"
    fi
fi
expect_eq "the upstream has acme-tools" 200 "$(http_code "${UPURL}acme-tools/" --cacert "$CA")"
expect_eq "a name claimed by a glob (acme-*) with no local file: 404" 404 "$(http_code "$A/simple/acme-tools/")"
expect_eq "the upstream has denied-pkg" 200 "$(http_code "${UPURL}denied-pkg/" --cacert "$CA")"
expect_eq "a name in --upstream-deny: 404" 404 "$(http_code "$A/simple/denied-pkg/")"
expect_eq "neither was asked of the upstream by the downstream" 1:1 \
    "$(up_gets '/simple/acme-tools/'):$(up_gets '/simple/denied-pkg/')"

# ---- 7: cooldown (--upstream-min-age) ---------------------------------------------
E2E_PF_ARGS="$DOWN_ARGS --upstream-cache $EST/upstream --upstream-min-age 3d"
if launch e "$LROOT" "$EST"; then
    E=http://127.0.0.1:$E2E_PORT
    json=$(curl -s --cacert "$CA" -H 'Accept: application/vnd.pypi.simple.v1+json' "${UPURL}coolpkg/")
    check "the upstream gives coolpkg 1.0 an upload-time days old and 2.0 a recent one" python3 -c '
import json, sys, datetime
d = json.loads(sys.argv[1])
t = {f["filename"]: datetime.datetime.strptime(f["upload-time"][:19], "%Y-%m-%dT%H:%M:%S") for f in d["files"]}
now = datetime.datetime.utcnow()
assert (now - t["coolpkg-1.0-py3-none-any.whl"]).days >= 9, t
assert (now - t["coolpkg-2.0-py3-none-any.whl"]).days < 1, t
' "$json"
    page=$(curl -s "$E/simple/coolpkg/")
    if [[ $page == *"$(basename "$OLD_WHL")"* && $page != *"$(basename "$NEW_WHL")"* ]]; then
        pass "--upstream-min-age 3d: the old file is on the page, the young one is not"
    else
        fail "--upstream-min-age 3d: the old file is on the page, the young one is not" "$page"
    fi
    page=$(curl -s "$A/simple/coolpkg/")
    if [[ $page == *coolpkg-1.0-py3-none-any.whl* && $page == *coolpkg-2.0-py3-none-any.whl* ]]; then
        pass "without --upstream-min-age both files are on the page"
    else
        fail "without --upstream-min-age both files are on the page" "$page"
    fi
    lt_stop e
else
    fail "downstream E (--upstream-min-age 3d) started" "$(lt_error)"
fi

# ---- 10: yanking upstream files (pypi-fcgi yank --upstream) --------------------------
ynew=$(basename "$NEW_WHL")
asked_before=$(up_gets '/simple/coolpkg/')
mkdir -p "$T/notacache"
out=$("$PYPI_FCGI" yank --upstream --upstream-cache "$T/notacache" "$ynew" 2>&1)
check "yank --upstream refuses a directory no serving process has opened as its cache, and makes nothing there" \
    test $? -eq 2 -a -z "$(ls -A "$T/notacache")"
out=$(umask 077 && "$PYPI_FCGI" yank --upstream --upstream-cache "$AST/upstream" --reason 'breaks on arm64' "$ynew" 2>&1)
check "pypi-fcgi yank --upstream marks coolpkg 2.0 in A's cache (the list 0644 under umask 077)" \
    test $? -eq 0 -a "$(stat -c %a "$AST/upstream/yanked/coolpkg" 2>&1)" = 644
json=$(curl -s -H 'Accept: application/vnd.pypi.simple.v1+json' "$A/simple/coolpkg/")
check "A's page says coolpkg 2.0 is yanked, with the reason, at the next request" python3 -c '
import json, sys
f = {f["filename"]: f for f in json.loads(sys.argv[1])["files"]}
assert f[sys.argv[2]]["yanked"] == "breaks on arm64", f
assert f["coolpkg-1.0-py3-none-any.whl"]["yanked"] is False, f
' "$json" "$ynew"
if [ -n "$VENV" ]; then
    out=$(pip_run "$VENV" "$A/simple/" install --force-reinstall coolpkg 2>&1)
    if [ $? -eq 0 ] && [[ $out == *"Successfully installed coolpkg-1.0"* ]]; then
        pass "pip skips the yanked upstream coolpkg 2.0 and installs 1.0"
    else
        fail "pip skips the yanked upstream coolpkg 2.0 and installs 1.0" "$out"
    fi
    out=$(pip_run "$VENV" "$A/simple/" install --force-reinstall coolpkg==2.0 2>&1)
    if [ $? -eq 0 ] && [[ $out == *"Successfully installed coolpkg-2.0"* ]]; then
        pass "pinned, the yanked upstream coolpkg 2.0 still installs (PEP 592)"
    else
        fail "pinned, the yanked upstream coolpkg 2.0 still installs (PEP 592)" "$out"
    fi
fi
out=$("$PYPI_FCGI" unyank --upstream --upstream-cache "$AST/upstream" "$ynew" 2>&1)
check "pypi-fcgi unyank --upstream takes the mark away (the list is left with none)" \
    test $? -eq 0 -a "$(grep -c '^file ' "$AST/upstream/yanked/coolpkg")" = 0
page=$(curl -s "$A/simple/coolpkg/")
if [[ $page == *"$ynew"* && $page != *data-yanked* ]]; then
    pass "A's page has coolpkg 2.0 not yanked again"
else
    fail "A's page has coolpkg 2.0 not yanked again" "$page"
fi
expect_eq "none of it asked the upstream for the page again" "$asked_before" "$(up_gets '/simple/coolpkg/')"

# ---- 8: two downstreams on one cache ------------------------------------------------
shared_cache() { sed -i "s#^var.pypi_upstream_cache .*#var.pypi_upstream_cache = \"$SHARED\"#" "$1"; }
E2E_PF_ARGS="$DOWN_ARGS --upstream-cache $SHARED --upstream-ttl 2s"
C='' DD=''
if launch c "$LROOT" "$CST" shared_cache; then C=http://127.0.0.1:$E2E_PORT; fi
if launch d "$LROOT" "$DST" shared_cache; then DD=http://127.0.0.1:$E2E_PORT; fi
if [ -n "$C" ] && [ -n "$DD" ]; then
    pass "downstreams C and D started on one --upstream-cache"
    fn=$(basename "$SHARED_WHL")
    uc=$(link_of "$C/simple/slowshared/" "$fn")
    ud=$(link_of "$DD/simple/slowshared/" "$fn")
    dl_bg "$uc" "$T/sh-c"
    dl_bg "$ud" "$T/sh-d"
    dl_end 200
    if [ "$(cut -d' ' -f1 "$T/sh-c.sha")" = "$SHARED_SHA" ] && [ "$(cut -d' ' -f1 "$T/sh-d.sha")" = "$SHARED_SHA" ]; then
        pass "first downloads through C and D at once both get the right bytes"
    else
        fail "first downloads through C and D at once both get the right bytes" \
            "C: $(cat "$T/sh-c.code") $(cat "$T/sh-c.sha")" "D: $(cat "$T/sh-d.code") $(cat "$T/sh-d.sha")" "want $SHARED_SHA"
    fi
    expect_eq "... and the upstream was asked for the file once" 1 "$(up_file_gets "$fn")"
    # Bursts of page requests after the TTL ran out.
    for p in burstpkg uplib; do
        curl -s -o /dev/null "$C/simple/$p/"
    done
    bad=
    for round in 1 2 3 4; do
        sleep 2.5
        before_b=$(up_gets '/simple/burstpkg/')
        before_u=$(up_gets '/simple/uplib/')
        t0=$(date +%s%N)
        pids=()
        for i in 1 2 3 4 5 6; do
            for base in "$C" "$DD"; do
                for p in burstpkg uplib; do
                    curl -s -o "$T/burst-$round-$i-${base##*:}-$p" -w '%{http_code}\n' "$base/simple/$p/" >>"$T/burst-codes" &
                    pids+=($!)
                    e2e_bg $!
                done
            done
        done
        wait_gone 60 "${pids[@]}"
        t1=$(date +%s%N)
        # pypi-fcgi counts ages in whole seconds: a page checked in second c
        # is fresh in seconds c and c+1 (TTL 2 s), so a burst over seconds
        # s0..s1 may see one revalidation per two of them.
        allowed=$((1 + (t1 / 1000000000 - t0 / 1000000000) / 2))
        nb=$(($(up_gets '/simple/burstpkg/') - before_b))
        nu=$(($(up_gets '/simple/uplib/') - before_u))
        if [ "$nb" -gt "$allowed" ] || [ "$nu" -gt "$allowed" ] || [ "$nb" -lt 1 ] || [ "$nu" -lt 1 ]; then
            bad="$bad round $round: burstpkg $nb, uplib $nu page GETs upstream (allowed 1..$allowed);"
        fi
    done
    if [ -z "$bad" ]; then
        pass "bursts of 24 page requests to C and D past the TTL: one upstream page GET per project and TTL"
    else
        fail "bursts of 24 page requests to C and D past the TTL: one upstream page GET per project and TTL" "$bad"
    fi
    expect_eq "every burst request got 200" 96 "$(grep -c '^200$' "$T/burst-codes")"
else
    fail "downstreams C and D started on one --upstream-cache" "$(lt_error)"
fi

# ---- 3: the upstream stops --------------------------------------------------------
lt_stop up
expect_eq "the upstream is stopped" 000 "$(http_code "${UPURL}uplib/" --cacert "$CA")"
if [ -n "$VENV" ]; then
    out=$(pip_run "$VENV" "$A/simple/" install --force-reinstall privpkg 2>&1)
    if [ $? -eq 0 ] && [[ $out == *uplib-1.0* && $out == *updep-2.0* ]]; then
        pass "upstream down: pip installs again from the cache (A: pages within their TTL)"
    else
        fail "upstream down: pip installs again from the cache (A: pages within their TTL)" "$out"
    fi
    if [ -n "$C" ]; then
        sleep 2.5
        out=$(pip_run "$VENV" "$C/simple/" install --force-reinstall --no-deps slowshared 2>&1)
        if [ $? -eq 0 ] && [[ $out == *"Successfully installed slowshared-1.0"* ]]; then
            pass "upstream down: pip installs from the cache past the TTL (C: a stale page)"
        else
            fail "upstream down: pip installs from the cache past the TTL (C: a stale page)" "$out"
        fi
        code=$(fetch "$C/simple/uplib/" "$T/stale")
        age=$(header "$T/stale.hdr" Age)
        if [ "$code" = 200 ] && [ -n "$age" ]; then
            pass "upstream down: the stale page has an Age header ($age)"
        else
            fail "upstream down: the stale page has an Age header" "status $code" "$(cat "$T/stale.hdr")"
        fi
        check "upstream down: C logged that it served an old copy of the page" \
            wait_for_log "$CST/error.log" "served the copy of slowshared from [0-9]+ s ago"
    fi
fi
code=$(fetch "$A/simple/neverseen/" "$T/never")
if { [ "$code" = 502 ] || [ "$code" = 504 ]; } && grep -qi upstream "$T/never.body"; then
    pass "upstream down: a never-seen project is $code, saying the upstream could not be asked"
else
    fail "upstream down: a never-seen project is 502 or 504, saying the upstream could not be asked" \
        "status $code" "$(head -c 400 "$T/never.body")"
fi
code=$(fetch "$A/health" "$T/health")
if [ "$code" = 200 ] && grep -q '^upstream: unreachable' "$T/health.body"; then
    pass "upstream down: /health is 200 with 'upstream: unreachable ...'"
else
    fail "upstream down: /health is 200 with 'upstream: unreachable ...'" "status $code" "$(cat "$T/health.body")"
fi
if lt_start up "$UST/lighttpd.conf" "$UP_PLAIN" /health; then
    pass "the upstream started again"
else
    fail "the upstream started again" "$(lt_error)"
fi
expect_eq "after the restart the never-seen project is served" 200 "$(http_code "$A/simple/neverseen/")"
code=$(fetch "$A/health" "$T/health2")
if [ "$code" = 200 ] && grep -q '^upstream: reachable' "$T/health2.body"; then
    pass "/health says 'upstream: reachable' again"
else
    fail "/health says 'upstream: reachable' again" "status $code" "$(cat "$T/health2.body")"
fi

# ---- 4: bytes that fail the hash ---------------------------------------------------
hfn=$(basename "$HASH_WHL")
hurl=$(link_of "$A/simple/hashpkg/" "$hfn")
page=$(curl -s "$A/simple/hashpkg/")
check "A's page (cached for 1 h) has the file's sha256" grep -q "$hfn#sha256=$HASH_SHA" <<<"$page"
cp "$HASH_OTHER" "$UROOT/hashpkg/$hfn.new" && mv "$UROOT/hashpkg/$hfn.new" "$UROOT/hashpkg/$hfn"
code=$(curl -s -o "$T/hash1.bin" -w '%{http_code}' --max-time 60 "$hurl")
rc=$?
got=$(sha_of "$T/hash1.bin")
if [ $rc -ne 0 ] && [ "$got" != "$HASH_SHA" ]; then
    pass "upstream bytes that fail the hash: the download ends in an error (curl $rc, status $code)"
else
    fail "upstream bytes that fail the hash: the download ends in an error" "curl exit $rc, status $code, sha $got"
fi
check "... and nothing is stored under files/hashpkg/" test ! -e "$(cached hashpkg $hfn)"
if [ -n "$VENV" ]; then
    out=$(pip_run "$VENV" "$A/simple/" install --force-reinstall --no-deps hashpkg 2>&1)
    if [ $? -ne 0 ]; then pass "pip fails on it too"; else fail "pip fails on it too" "$out"; fi
fi
check "... and still nothing is stored" test ! -e "$(cached hashpkg $hfn)"
cp "$D/hashpkg.orig" "$UROOT/hashpkg/$hfn.new" && mv "$UROOT/hashpkg/$hfn.new" "$UROOT/hashpkg/$hfn"
before=$(up_file_gets "$hfn")
code=$(curl -s -o "$T/hash2.bin" -w '%{http_code}' --max-time 60 "$hurl")
rc=$?
if [ $rc -eq 0 ] && [ "$code" = 200 ] && [ "$(sha_of "$T/hash2.bin")" = "$HASH_SHA" ]; then
    pass "with the original bytes back upstream the next download works"
else
    fail "with the original bytes back upstream the next download works" "curl exit $rc, status $code"
fi
if [ -f "$(cached hashpkg $hfn)" ] && [ "$(sha_of "$(cached hashpkg $hfn)")" = "$HASH_SHA" ]; then
    pass "... and is stored with the right bytes"
else
    fail "... and is stored with the right bytes" "$(ls -laR "$AF/hashpkg" 2>&1)"
fi
expect_eq "... and was fetched from the upstream again" $((before + 1)) "$(up_file_gets "$hfn")"

# ---- 5: concurrent first downloads ---------------------------------------------------
b1=$(basename "$BIG1")
u1=$(link_of "$A/simple/slowone/" "$b1")
for i in 1 2 3 4 5 6 7 8; do dl_bg "$u1" "$T/big1-$i"; done
dl_end 300
good=0
for i in 1 2 3 4 5 6 7 8; do
    [ "$(cut -d' ' -f1 "$T/big1-$i.sha" 2>/dev/null)" = "$BIG1_SHA" ] && [ "$(cat "$T/big1-$i.code")" = 200 ] && good=$((good + 1))
done
if [ $good = 8 ]; then
    pass "8 concurrent first downloads of a $BIG_MIB MiB file all get the right bytes"
else
    fail "8 concurrent first downloads of a $BIG_MIB MiB file all get the right bytes" "$good of 8" \
        "$(for i in 1 2 3 4 5 6 7 8; do echo "$i: $(cat "$T/big1-$i.code") $(cat "$T/big1-$i.sha")"; done)"
fi
expect_eq "... and the upstream was asked for the file once" 1 "$(up_file_gets "$b1")"
check "... and the file is stored" test -f "$(cached slowone $b1)"

b2=$(basename "$BIG2")
u2=$(link_of "$A/simple/slowtwo/" "$b2")
# Clients slow enough to take a minute (they are ended after the check).
for i in $(seq 1 16); do dl_bg "$u2" "$T/big2-$i" --limit-rate "$((BIG_MIB * 1024 / 60 + 1))K"; done
# Until the upstream transfer has begun (bounded).
for ((i = 0; i < 300; i++)); do
    [ -e "$(cached slowtwo .$b2.part)" ] || [ -e "$(cached slowtwo $b2)" ] && break
    sleep 0.05
done
codes=
for p in privpkg uplib updep ownedpkg coolpkg; do codes="$codes $(http_code "$A/simple/$p/")"; done
alive=0
for p in "${DL_CURLS[@]}"; do proc_alive "$p" && alive=$((alive + 1)); done
if [ "$codes" = " 200 200 200 200 200" ] && [ $alive -gt 0 ]; then
    pass "while 16 first downloads run ($alive still running after), pages answer 200"
else
    fail "while 16 first downloads run, pages answer 200" "codes:$codes, downloads still running: $alive"
fi
# They were only there to keep the threads busy.
for p in "${DL_CURLS[@]}"; do proc_alive "$p" && kill -TERM "$p" 2>/dev/null; done
dl_end 10

# ---- 6 and 9: a first download streams; the responder is killed under it ------------
b3=$(basename "$BIG3")
u3=$(link_of "$A/simple/slowthree/" "$b3")
# A's responder(s), found before the download so that the kill follows the
# observation at once.
victims=
for p in $(our_responders); do
    grep -qF -- "$AST/upstream" "/proc/$p/cmdline" 2>/dev/null && victims="$victims $p"
done
curl -s --max-time 400 --limit-rate 4M -o "$T/big3.bin" "$u3" 2>/dev/null &
slowcurl=$!
e2e_bg $slowcurl
seen=0 partsz='' clientsz=''
for ((i = 0; i < 1500; i++)); do
    if [ -s "$T/big3.bin" ] && [ -e "$(cached slowthree .$b3.part)" ] && [ ! -e "$(cached slowthree $b3)" ]; then
        seen=1
        # 9: kill -9 the responder in the middle of the upstream transfer.
        # shellcheck disable=SC2086
        [ -n "$victims" ] && kill -KILL $victims
        partsz=$(stat -c %s "$(cached slowthree .$b3.part)" 2>/dev/null)
        clientsz=$(stat -c %s "$T/big3.bin" 2>/dev/null)
        break
    fi
    proc_alive $slowcurl || break
    sleep 0.02
done
if [ $seen = 1 ]; then
    pass "a first download streams: the client has bytes while only the .part exists ($clientsz and $partsz of $(stat -c %s "$BIG3") bytes)"
else
    fail "a first download streams: the client has bytes while only the .part exists" \
        "client has $(stat -c %s "$T/big3.bin" 2>/dev/null) bytes" "$(ls -laR "$AF/slowthree" 2>&1)"
fi
if [ -n "$victims" ] && [ $seen = 1 ]; then
    # shellcheck disable=SC2086
    wait_gone 10 $victims
    wait_gone 30 $slowcurl
    if [ "$(sha_of "$T/big3.bin")" != "$BIG3_SHA" ] && [ ! -e "$(cached slowthree $b3)" ]; then
        pass "kill -9 of A's responder mid-fetch: the client's copy is incomplete and nothing is stored"
    else
        fail "kill -9 of A's responder mid-fetch: the client's copy is incomplete and nothing is stored" \
            "$(ls -laR "$AF/slowthree" 2>&1)"
    fi
    # lighttpd starts a new responder on the next requests.
    code=000
    for ((i = 0; i < 40; i++)); do
        code=$(http_code "$A/simple/slowthree/")
        [ "$code" = 200 ] && break
        sleep 0.25
    done
    expect_eq "a new responder answers after the kill" 200 "$code"
    code=$(curl -s --max-time 300 -o "$T/big3b.bin" -w '%{http_code}' "$u3")
    if [ "$code" = 200 ] && [ "$(sha_of "$T/big3b.bin")" = "$BIG3_SHA" ]; then
        pass "the download after the kill is complete"
    else
        fail "the download after the kill is complete" "status $code, $(stat -c %s "$T/big3b.bin" 2>/dev/null) bytes"
    fi
    if [ -f "$(cached slowthree $b3)" ] && [ "$(sha_of "$(cached slowthree $b3)")" = "$BIG3_SHA" ]; then
        pass "... and the stored file is complete"
    else
        fail "... and the stored file is complete" "$(ls -laR "$AF/slowthree" 2>&1)"
    fi
else
    fail "kill -9 of A's responder mid-fetch" "responders: '$victims', mid-fetch state seen: $seen"
fi
rm -f "$T"/big3*.bin

e2e_done
