#!/bin/bash
# SPDX-License-Identifier: MIT
# test_forms.sh: end-to-end tests of the forms pypiserver's users send, through lighttpd with real curl and pip:
# urlencoded remove_pkg (curl -d) and bare uploads (curl -F content=@FILE, no name or version).
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_forms.sh
# (make check-e2e does this). KEEP=1, VERBOSE=1 and E2E_WRAP as in lib.sh.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

e2e_init
T=$E2E_TMP
MKDIST="$HERE/mkdist.py"

e2e_require "form tests" lighttpd curl python3 htpasswd

ROOT=$T/root
D=$T/dists
mkdir -p "$ROOT" "$D/bad"
mk() { python3 "$MKDIST" "$@" >>"$T/mkdist.log" 2>&1; }

PW=$T/htpasswd
htpasswd -cbB -C 5 "$PW" alice alice-pw 2>/dev/null
htpasswd -bB -C 5 "$PW" carol carol-pw 2>/dev/null
printf 'alice: *\ncarol: other-*\n' >"$T/acl"

build_ok=1
mk wheel --out "$D" --name form-demo --version 1.0 || build_ok=0
mk wheel --out "$D" --name form-demo --version 2.0 || build_ok=0
mk sdist --out "$D" --name bare-sdist --version 0.3 || build_ok=0
# A wheel whose file name says 1.0 and whose METADATA says 9.0.
mk wheel --out "$D/bad" --name liar-demo --version 9.0 || build_ok=0
mv "$D/bad/liar_demo-9.0-py3-none-any.whl" "$D/bad/liar_demo-1.0-py3-none-any.whl" 2>/dev/null || build_ok=0
W1=$D/form_demo-1.0-py3-none-any.whl
W2=$D/form_demo-2.0-py3-none-any.whl
SD=$D/bare_sdist-0.3.tar.gz
LIAR=$D/bad/liar_demo-1.0-py3-none-any.whl
if [ $build_ok = 1 ] && [ -f "$W1" ] && [ -f "$W2" ] && [ -f "$SD" ] && [ -f "$LIAR" ]; then
    pass "built the distributions to upload"
else
    fail "built the distributions to upload" "$(cat "$T/mkdist.log")"
fi

E2E_PF_ARGS="--htpasswd $PW --upload-acl $T/acl"
if lt_launch forms "$TOP_SRCDIR/contrib/lighttpd.conf" "$ROOT" "$T/lt" /health; then
    pass "lighttpd started with uploads on"
else
    fail "lighttpd started with uploads on" "$(lt_error)"
    e2e_done
    exit 1
fi
BASE=http://127.0.0.1:$E2E_PORT
INDEX=$BASE/simple/

# post OUT CURL-ARGS...: curl as alice to BASE/; prints the status.
post() {
    local out=$1
    shift
    curl -s -o "$out" -w '%{http_code}' -u alice:alice-pw "$@" "$BASE/"
}

# The tree holds no file but the ones listed (relative to ROOT), ignoring
# the sidecar directories: an answer that refused wrote nothing.
tree_is() {
    local got
    got=$(cd "$ROOT" && find . -path '*/.pypi-fcgi' -prune -o -type f -print | sed 's|^\./||' | sort | tr '\n' ' ')
    [ "$got" = "$*" ] || { echo "tree: $got"; return 1; }
}

# ---- bare uploads: curl -F content=@FILE ----------------------------------------
code=$(post "$T/b1.txt" -F ':action=file_upload' -F "content=@$W1")
expect_eq "a bare wheel upload (no name, version, filetype, digest) is 200" 200 "$code"
code=$(post "$T/b2.txt" -F ':action=file_upload' -F "content=@$W2")
expect_eq "a second bare wheel of the project is 200" 200 "$code"
code=$(post "$T/b3.txt" -F ':action=file_upload' -F "content=@$SD")
expect_eq "a bare sdist upload is 200" 200 "$code"
check "the files are stored as ROOT/<project>/<file>" tree_is \
    "bare-sdist/bare_sdist-0.3.tar.gz form-demo/form_demo-1.0-py3-none-any.whl form-demo/form_demo-2.0-py3-none-any.whl "
page=$(curl -s "$INDEX"form-demo/)
sha=$(sha256sum "$W1" | cut -d' ' -f1)
if [[ $page == *"form_demo-1.0-py3-none-any.whl#sha256=$sha"* ]]; then
    pass "the page lists the bare upload with the sha256 computed"
else
    fail "the page lists the bare upload with the sha256 computed" "$page"
fi
code=$(post "$T/b4.txt" -F ':action=file_upload' -F "content=@$W1")
expect_eq "the same bytes again: 200" 200 "$code"
code=$(post "$T/liar.txt" -F ':action=file_upload' -F "content=@$LIAR")
if [ "$code" = 400 ] && grep -q "liar_demo 1.0" "$T/liar.txt" && grep -q "9.0" "$T/liar.txt"; then
    pass "a bare upload whose METADATA disagrees with its file name: 400 naming both"
else
    fail "a bare upload whose METADATA disagrees with its file name: 400 naming both" "$code $(cat "$T/liar.txt")"
fi
code=$(curl -s -o "$T/acl.txt" -w '%{http_code}' -u carol:carol-pw -F ':action=file_upload' -F "content=@$W1" "$BASE/")
if [ "$code" = 403 ] && grep -q "form-demo" "$T/acl.txt"; then
    pass "the ACL holds for the project the file name gives: 403"
else
    fail "the ACL holds for the project the file name gives: 403" "$code $(cat "$T/acl.txt")"
fi
code=$(post "$T/partial.txt" -F ':action=file_upload' -F name=form-demo -F "content=@$W1")
if [ "$code" = 400 ] && grep -q "Version" "$T/partial.txt"; then
    pass "a form with a name but no version is twine's, and refused for the version"
else
    fail "a form with a name but no version is twine's, and refused for the version" "$code $(cat "$T/partial.txt")"
fi
check "nothing was written by the refused uploads" tree_is \
    "bare-sdist/bare_sdist-0.3.tar.gz form-demo/form_demo-1.0-py3-none-any.whl form-demo/form_demo-2.0-py3-none-any.whl "

# ---- pip finds the bare uploads --------------------------------------------------
have_venv=0
if e2e_venv "$T/venv" >"$T/venv.log" 2>&1; then
    have_venv=1
    out=$(pip_run "$T/venv" "$INDEX" download --no-deps -d "$T/dl" 'form-demo==1.0' 2>&1)
    if [ $? -eq 0 ] && cmp -s "$W1" "$T/dl/$(basename "$W1")"; then
        pass "pip downloads the bare wheel upload, byte for byte"
    else
        fail "pip downloads the bare wheel upload, byte for byte" "$out"
    fi
    # pip reads an sdist's metadata by building it: with the venv's own
    # setuptools and the system's wheel package, so without a network.
    whl=$(ls /usr/share/python-wheels/wheel-*.whl 2>/dev/null | tail -n 1)
    if [ -z "$whl" ]; then
        skip "pip downloads the bare sdist upload" "no wheel package in /usr/share/python-wheels to build its metadata"
    elif ! pip_env "$T/venv/bin/python" -m pip install -q --no-index "$whl" >"$T/wheel.log" 2>&1; then
        fail "the wheel package installs in the venv" "$(cat "$T/wheel.log")"
    else
        out=$(pip_run "$T/venv" "$INDEX" download --no-deps --no-build-isolation -d "$T/dl" 'bare-sdist==0.3' 2>&1)
        if [ $? -eq 0 ] && cmp -s "$SD" "$T/dl/$(basename "$SD")"; then
            pass "pip downloads the bare sdist upload, byte for byte"
        else
            fail "pip downloads the bare sdist upload, byte for byte" "$out"
        fi
    fi
else
    fail "a venv for pip" "$(cat "$T/venv.log")"
fi

# ---- urlencoded forms: curl -d ------------------------------------------------------
code=$(post "$T/rm.txt" -d ':action=remove_pkg&name=Form_Demo&version=1.0.0')
if [ "$code" = 200 ] && grep -q "Removed 1 file" "$T/rm.txt"; then
    pass "urlencoded remove_pkg (curl -d) removes the release"
else
    fail "urlencoded remove_pkg (curl -d) removes the release" "$code $(cat "$T/rm.txt")"
fi
check "its file is gone, the other release's is not" tree_is \
    "bare-sdist/bare_sdist-0.3.tar.gz form-demo/form_demo-2.0-py3-none-any.whl "
page=$(curl -s "$INDEX"form-demo/)
if [[ $page != *"form_demo-1.0"* && $page == *"form_demo-2.0"* ]]; then
    pass "the simple page no longer lists the removed release"
else
    fail "the simple page no longer lists the removed release" "$page"
fi
if [ $have_venv = 1 ]; then
    out=$(pip_run "$T/venv" "$INDEX" download --no-deps -d "$T/dl2" 'form-demo==1.0' 2>&1)
    if [ $? -ne 0 ] && [[ $out == *"No matching distribution"* ]]; then
        pass "pip cannot find the removed release"
    else
        fail "pip cannot find the removed release" "$out"
    fi
fi
code=$(post "$T/rm2.txt" --data-urlencode ':action=remove_pkg' --data-urlencode 'name=form demo' -d version=2.0)
expect_eq "an escaped name that is no project's: 404" 404 "$code"
code=$(post "$T/rm3.txt" -d ':action=remove_pkg&name=form-demo&version=9.9')
expect_eq "urlencoded remove_pkg of a release that is not there: 404" 404 "$code"
code=$(curl -s -o "$T/rm4.txt" -w '%{http_code}' -u carol:carol-pw -d ':action=remove_pkg&name=form-demo&version=2.0' "$BASE/")
expect_eq "urlencoded remove_pkg outside the ACL: 403" 403 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -d ':action=remove_pkg&name=form-demo&version=2.0' "$BASE/")
expect_eq "urlencoded remove_pkg without credentials: 401" 401 "$code"

# Hostile urlencoded forms: each answered with a message, nothing removed.
bad() {
    local what=$1 want=$2 msg=$3 code
    shift 3
    code=$(post "$T/bad.txt" "$@")
    if [ "$code" = "$want" ] && grep -q -- "$msg" "$T/bad.txt"; then
        pass "$what: $want"
    else
        fail "$what: $want" "$code $(head -c 300 "$T/bad.txt")"
    fi
}
bad "a bad %-escape" 400 "not followed by two hex digits" -d ':action=remove_pkg&name=form-demo&version=2.0%zz'
bad "a truncated %-escape" 400 "not followed by two hex digits" -d ':action=remove_pkg&name=form-demo&version=2.0%4'
bad "a %00 in a field" 400 "contains a NUL byte" -d ':action=remove_pkg&name=form-demo%00&version=2.0'
bad "a field given twice with two values" 400 "given twice" -d ':action=remove_pkg&name=form-demo&name=x&version=2.0'
bad "';' is not a separator" 400 "Unsupported ':action'" -d ':action=remove_pkg;name=form-demo;version=2.0'
bad "twine's file_upload without a file" 400 "does not have a file" \
    -d ":action=file_upload&name=form-demo&version=3.0&filetype=sdist&sha256_digest=$(printf '0%.0s' {1..64})"
bad "a bare file_upload without a file" 400 "does not have a file" -d ':action=file_upload'
python3 -c 'print(":action=remove_pkg&version=2.0&name=" + "n" * 2000, end="")' >"$T/longfield"
bad "a field over 1 KiB" 400 "longer than 1024 bytes" --data-binary "@$T/longfield"
python3 -c 'print(":action=remove_pkg" + "".join("&f%d=1" % i for i in range(1100)), end="")' >"$T/manyfields"
bad "more than 1024 fields" 413 "more than 1024 fields" --data-binary "@$T/manyfields"
head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' 'x' >"$T/huge"
bad "a form over 16 MiB" 413 "larger than 16 MiB" -H 'Expect:' --data-binary "@$T/huge"
check "the hostile forms removed nothing" tree_is \
    "bare-sdist/bare_sdist-0.3.tar.gz form-demo/form_demo-2.0-py3-none-any.whl "

e2e_done
