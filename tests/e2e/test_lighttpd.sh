#!/bin/bash
# SPDX-License-Identifier: MIT
# test_lighttpd.sh: end-to-end tests of pypi-fcgi behind lighttpd, driven by real pip.
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_lighttpd.sh
# (make check-e2e does this). KEEP=1 keeps the temp dir, VERBOSE=1 prints
# the server logs, E2E_WRAP="valgrind -q" runs the servers under a wrapper
# (see lib.sh). Only 127.0.0.1 on free high ports is used.

# Started by a POSIX sh (make's $(SHELL) may be one): continue in bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=swap.sh
. "$HERE/swap.sh"

e2e_init
T=$E2E_TMP
MKDIST="$HERE/mkdist.py"
CHECK_PAGES="$HERE/check_pages.py"
PIP_ACCEPT='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
# sha256 of 2 GiB of zero bytes: what a sparse `truncate -s 2G` file holds.
ZERO_2G_SHA256=a7c744c13cc101ed66c29f672f92455547889cc586ce6d44fe76ae824958ea51

e2e_require "end-to-end tests" lighttpd curl python3

ROOT=$T/root
OUTSIDE=$T/outside
ORIG=$T/orig
mkdir -p "$ROOT/foo-bar-baz" "$ROOT/yankme" "$ROOT/tools" "$ROOT/bigpkg" "$OUTSIDE" "$ORIG"

# ---- the distributions ------------------------------------------------
# Three layouts: ROOT/<project>/ (foo-bar-baz, yankme, bigpkg), flat in
# ROOT (dep_lib, sdist_only) and a directory not named after its projects
# (tools/: setuptools, wheel and maybe pip, real wheels from Debian/Python).
mk() { python3 "$MKDIST" "$@" >>"$T/mkdist.log" 2>&1; }
build_ok=1
mk wheel --out "$ROOT/foo-bar-baz" --name Foo.Bar_baz --file-name Foo.Bar_baz --import-name foobarbaz \
    --version 1.0 --requires-python '>=3.7,<4' --requires-dist 'dep-lib>=1.0' \
    --requires-dist 'yankme; extra == "yank"' || build_ok=0
mk wheel --out "$ROOT/foo-bar-baz" --name Foo.Bar_baz --import-name foobarbaz --version 1.1rc1 \
    --requires-python '>=3.7' --requires-dist 'dep-lib>=1.0' || build_ok=0
mk sdist --out "$ROOT/foo-bar-baz" --name Foo.Bar_baz --import-name foobarbaz --version 1.0 \
    --requires-python '>=3.7' --requires-dist 'dep-lib>=1.0' || build_ok=0
mk wheel --out "$ROOT" --name dep_lib --version 1.0 || build_ok=0
mk wheel --out "$ROOT" --name dep_lib --version 1.4.0.RC1 || build_ok=0
mk wheel --out "$ROOT" --name dep_lib --version 9.0 --requires-python '<3' || build_ok=0
mk sdist --out "$ROOT" --name Sdist_Only --version 0.5 --requires-dist 'dep-lib' || build_ok=0
for v in 1.0 1.5 2.0; do
    mk wheel --out "$ROOT/yankme" --name yankme --version "$v" || build_ok=0
done
# A real wheel for the symlink test, outside the root.
mk wheel --out "$OUTSIDE" --name evil --version 1.0 || build_ok=0
have_build_wheels=1
for w in /usr/share/python-wheels/setuptools-*.whl /usr/share/python-wheels/wheel-*.whl; do
    if [ -f "$w" ]; then cp "$w" "$ROOT/tools/"; else have_build_wheels=0; fi
done
if [ $build_ok = 1 ]; then
    pass "built wheels and sdists with mkdist.py ($(find "$ROOT" -type f | wc -l) files)"
else
    fail "built wheels and sdists with mkdist.py" "$(cat "$T/mkdist.log")"
fi
check "the wheels are valid zip files with a RECORD matching their contents" python3 - "$ROOT" <<'EOF'
import base64, hashlib, os, sys, zipfile
bad = []
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        if not f.endswith(".whl") or os.path.basename(d) == "tools":
            continue
        with zipfile.ZipFile(os.path.join(d, f)) as z:
            rec = [n for n in z.namelist() if n.endswith(".dist-info/RECORD")][0]
            for line in z.read(rec).decode().splitlines():
                path, h, size = line.rsplit(",", 2)
                if path == rec:
                    continue
                data = z.read(path)
                want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                if h != want or int(size) != len(data):
                    bad.append("%s: %s" % (f, path))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF

# The newest pip wheel on this machine, so the venv's pip can be upgraded
# through the index (pip >= 23.2 reads PEP 714 core-metadata from JSON).
PIP_WHEEL=$(newest_local_pip_wheel)
[ -n "$PIP_WHEEL" ] && cp "$PIP_WHEEL" "$ROOT/tools/"

# Pristine copies for comparing downloads.
cp -a "$ROOT/." "$ORIG/"

# A 2 GiB sparse file named like a wheel (not a zip: metadata extraction
# fails and is logged).
BIG=$ROOT/bigpkg/bigpkg-1.0-py3-none-any.whl
have_big=0
if truncate -s 2G "$BIG" 2>/dev/null; then
    have_big=1
else
    rm -f "$BIG"
fi


# ---- lighttpd, mounted at / ------------------------------------------
ST=$T/lt
if lt_launch main "$TOP_SRCDIR/contrib/lighttpd.conf" "$ROOT" "$ST" /health; then
    pass "lighttpd started (contrib/lighttpd.conf rendered on port $E2E_PORT) and /health answers 200"
else
    fail "lighttpd started (contrib/lighttpd.conf) and /health answers 200" "$(lt_error)"
    e2e_done
    exit 1
fi
PORT=$E2E_PORT
BASE=http://127.0.0.1:$PORT
INDEX=$BASE/simple/
check "the rendered contrib/lighttpd.conf passes lighttpd -tt" lighttpd -tt -f "$ST/lighttpd.conf"
check "the rendered config changed only the var.pypi_* lines" \
    diff <(grep -v '^var\.pypi_\(root\|state\|bin\|port\|args\) ' "$TOP_SRCDIR/contrib/lighttpd.conf") \
    <(grep -v '^var\.pypi_\(root\|state\|bin\|port\|args\) ' "$ST/lighttpd.conf")
expect_eq "lighttpd spawned one pypi-fcgi process" 1 "$(lt_children main | wc -l)"

# Hashing 2 GiB takes a while: let it run while the other tests do.
if [ $have_big = 1 ]; then
    curl -s --max-time 240 -o "$T/bigpage.html" -w '%{http_code}' "$INDEX"bigpkg/ >"$T/bigpage.code" 2>/dev/null &
    BIG_PAGE_PID=$!
    e2e_bg "$BIG_PAGE_PID"
fi

# ---- welcome page, project list, project pages -----------------------
run_checks python3 "$CHECK_PAGES" welcome --url "$BASE/" --root "$ROOT" --expect-url "$INDEX"
run_checks python3 "$CHECK_PAGES" index --base "$INDEX" --root "$ROOT"
for p in foo-bar-baz dep-lib sdist-only setuptools; do
    run_checks python3 "$CHECK_PAGES" project --base "$INDEX" --root "$ROOT" --project "$p"
done

# ---- redirects, 404, 406 -------------------------------------------------
# redirect_check DESC PATH EXPECTED-LOCATION
redirect_check() {
    local code loc
    code=$(fetch "$BASE$2" "$T/redir")
    loc=$(header "$T/redir.hdr" Location)
    if [ "$code" = 301 ] && [ "$loc" = "$3" ]; then
        pass "$1"
    else
        fail "$1" "GET $2: status $code, Location '$loc'; expected 301 to $3"
    fi
}
redirect_check "/simple redirects to /simple/" /simple /simple/
redirect_check "/simple/foo-bar-baz redirects to /simple/foo-bar-baz/" /simple/foo-bar-baz /simple/foo-bar-baz/
redirect_check "/simple/Foo.Bar_Baz/ redirects to /simple/foo-bar-baz/" /simple/Foo.Bar_Baz/ /simple/foo-bar-baz/
redirect_check "/simple/Foo.Bar_Baz (no slash) redirects straight to /simple/foo-bar-baz/" /simple/Foo.Bar_Baz /simple/foo-bar-baz/
r=$(curl -s -L --max-redirs 5 -o /dev/null --max-time 20 -w '%{http_code} %{num_redirects} %{url_effective}' "$BASE/simple/Foo.Bar_Baz/")
expect_eq "/simple/Foo.Bar_Baz/ reaches the normalized page in one hop" "200 1 $BASE/simple/foo-bar-baz/" "$r"
code=$(fetch "$BASE/simple/no-such-project/" "$T/nf")
if [ "$code" = 404 ] && [ -z "$(header "$T/nf.hdr" Location)" ]; then
    pass "unknown project: 404 and no Location (no fallback to another index)"
else
    fail "unknown project: 404 and no Location (no fallback to another index)" "status $code" "$(cat "$T/nf.hdr")"
fi
code=$(fetch "$BASE/simple/no-such-project/" "$T/nfj" -H "Accept: $PIP_ACCEPT")
expect_eq "unknown project with pip's Accept: 404" 404 "$code"
code=$(fetch "$BASE/simple/foo-bar-baz/" "$T/na" -H 'Accept: text/plain')
body=$(cat "$T/na.body")
if [ "$code" = 406 ] &&
    grep -q 'application/vnd.pypi.simple.v1+json' "$T/na.body" &&
    grep -q 'application/vnd.pypi.simple.v1+html' "$T/na.body" &&
    grep -qx 'text/html' "$T/na.body" && [ "$(header "$T/na.hdr" Content-Type)" = 'text/plain; charset=utf-8' ]; then
    pass "Accept: text/plain gives 406 text/plain listing the three offered types"
else
    fail "Accept: text/plain gives 406 text/plain listing the three offered types" "status $code" "$(cat "$T/na.hdr")" "$body"
fi
code=$(fetch "$BASE/simple/" "$T/na2" -H 'Accept: application/json')
expect_eq "Accept: application/json on /simple/ gives 406" 406 "$code"
code=$(fetch "$BASE/simple/foo-bar-baz/" "$T/star" -H 'Accept: */*')
expect_eq "Accept: */* gives text/html" "200 text/html; charset=utf-8" "$code $(header "$T/star.hdr" Content-Type)"
code=$(fetch "$BASE/simple/foo-bar-baz/" "$T/latest" -H 'Accept: application/vnd.pypi.simple.latest+json')
expect_eq "Accept: ...latest+json answers with the concrete v1+json type" \
    "200 application/vnd.pypi.simple.v1+json" "$code $(header "$T/latest.hdr" Content-Type)"
code=$(fetch "$BASE/simple/foo-bar-baz/" "$T/post" --data '')
expect_eq "POST on a project page: 405" 405 "$code"

# ---- downloads through X-Sendfile ------------------------------------------
F=yankme/yankme-1.5-py3-none-any.whl
code=$(fetch "$BASE/packages/$F" "$T/dl")
if [ "$code" = 200 ] && cmp -s "$T/dl.body" "$ROOT/$F"; then
    pass "GET /packages/$F: 200 with the file's bytes"
else
    fail "GET /packages/$F: 200 with the file's bytes" "status $code" "$(cat "$T/dl.hdr")"
fi
if grep -qi '^x-sendfile\|^x-lighttpd-send-file\|^x-accel-redirect' "$T/dl.hdr"; then
    fail "the X-Sendfile header does not reach the client" "$(cat "$T/dl.hdr")"
else
    pass "the X-Sendfile header does not reach the client"
fi
expect_eq "download: Content-Length is the file size" "$(stat -c %s "$ROOT/$F")" "$(header "$T/dl.hdr" Content-Length)"
expect_eq "download: no Content-Encoding" "" "$(header "$T/dl.hdr" Content-Encoding)"
code=$(fetch "$BASE/packages/$F" "$T/rng" -r 10-19)
want=$(tail -c +11 "$ROOT/$F" | head -c 10 | od -An -tx1 | tr -d ' \n')
got=$(od -An -tx1 <"$T/rng.body" | tr -d ' \n')
if [ "$code" = 206 ] && [ "$got" = "$want" ] &&
    [ "$(header "$T/rng.hdr" Content-Range)" = "bytes 10-19/$(stat -c %s "$ROOT/$F")" ]; then
    pass "curl -r 10-19: 206 with bytes 10-19 (lighttpd served the file)"
else
    fail "curl -r 10-19: 206 with bytes 10-19 (lighttpd served the file)" "status $code, got $got, want $want" "$(cat "$T/rng.hdr")"
fi
code=$(fetch "$BASE/packages/$F" "$T/head" -I)
if [ "$code" = 200 ] && [ "$(header "$T/head.hdr" Content-Length)" = "$(stat -c %s "$ROOT/$F")" ]; then
    pass "HEAD /packages/$F: 200 with the file's Content-Length"
else
    fail "HEAD /packages/$F: 200 with the file's Content-Length" "status $code" "$(cat "$T/head.hdr")"
fi
etag=$(header "$T/dl.hdr" ETag)
code=$(fetch "$BASE/packages/$F" "$T/dl304" -H "If-None-Match: $etag")
expect_eq "download with If-None-Match of its ETag: 304" 304 "$code"
code=$(fetch "$BASE/packages/yankme/yankme-7.0-py3-none-any.whl" "$T/dl404")
expect_eq "download of a file that does not exist: 404" 404 "$code"
code=$(fetch "$BASE/packages/dep_lib-1.0-py3-none-any.whl" "$T/flat")
if [ "$code" = 200 ] && cmp -s "$T/flat.body" "$ROOT/dep_lib-1.0-py3-none-any.whl"; then
    pass "a flat file (ROOT/dep_lib-1.0-py3-none-any.whl) downloads"
else
    fail "a flat file (ROOT/dep_lib-1.0-py3-none-any.whl) downloads" "status $code"
fi

# ---- pip ------------------------------------------------------------------
VENV=$T/venv
have_venv=0
if out=$(e2e_venv "$VENV"); then
    have_venv=1
    pass "venv created with $(e2e_python) (pip $(pip_version "$VENV"))"
else
    skip "venv for pip" "python3 -m venv failed: $out"
fi
# pip_ok DESC SUBCOMMAND ARGS...: a pip run through our index that must succeed.
pip_ok() {
    local desc=$1 out
    shift
    if out=$(pip_run "$VENV" "$INDEX" "$@" 2>&1); then
        pass "$desc"
        return 0
    fi
    fail "$desc" "pip $*" "$(echo "$out" | tail -n 25)"
    return 1
}
# dir_has DIR FILE...: DIR holds exactly these files, each with its original's sha256.
dir_has() {
    local dir=$1 f rel a b probs=()
    shift
    for f in "$@"; do
        rel=$(cd "$ORIG" && find . -name "$f" | head -n 1)
        if [ ! -f "$dir/$f" ]; then
            probs+=("missing $f")
        elif [ -z "$rel" ]; then
            probs+=("$f: no original of that name")
        else
            a=$(sha256sum <"$dir/$f" | cut -d' ' -f1)
            b=$(sha256sum <"$ORIG/$rel" | cut -d' ' -f1)
            [ "$a" = "$b" ] || probs+=("$f: sha256 $a, the original's is $b")
        fi
    done
    [ "$(find "$dir" -type f | wc -l)" = $# ] || probs+=("files: $(find "$dir" -type f -printf '%f ')")
    printf '%s\n' "${probs[@]}"
    [ ${#probs[@]} -eq 0 ]
}
pipver=
if [ $have_venv = 1 ]; then
    pipver=$(pip_version "$VENV")
    if [ -n "$PIP_WHEEL" ] && ! version_ge "$pipver" "$(basename "$PIP_WHEEL" | sed 's/^pip-//; s/-py.*//')"; then
        if pip_ok "pip upgrades itself through the index ($(basename "$PIP_WHEEL"))" install --upgrade pip; then
            pipver=$(pip_version "$VENV")
        fi
    fi
    D=$T/dl1
    if pip_ok "pip download --no-deps Foo.Bar_baz (a wheel)" download --no-deps -d "$D" Foo.Bar_baz; then
        check "pip download --no-deps got Foo.Bar_baz 1.0 (not the 1.1rc1 pre-release), bytes unchanged" \
            dir_has "$D" Foo.Bar_baz-1.0-py3-none-any.whl
    fi
    D=$T/dl2
    if pip_ok "pip download Foo.Bar_baz with its dependency" download -d "$D" Foo.Bar_baz; then
        check "pip download got Foo.Bar_baz 1.0 and dep_lib 1.0 (not 9.0: Requires-Python <3; not 1.4.0.RC1)" \
            dir_has "$D" Foo.Bar_baz-1.0-py3-none-any.whl dep_lib-1.0-py3-none-any.whl
    fi
    D=$T/dl3
    if pip_ok "pip download --pre --no-deps foo-bar-baz" download --pre --no-deps -d "$D" foo-bar-baz; then
        check "pip download --pre got the pre-release 1.1rc1" dir_has "$D" foo_bar_baz-1.1rc1-py3-none-any.whl
    fi
    D=$T/dl4
    if pip_ok "pip download --no-deps sdist-only (an sdist, metadata built with build isolation)" \
        download --no-deps -d "$D" sdist-only; then
        check "pip download --no-deps got sdist_only-0.5.tar.gz unchanged" dir_has "$D" sdist_only-0.5.tar.gz
    fi
    D=$T/dl5
    if pip_ok "pip download Sdist_Only with its dependency" download -d "$D" Sdist_Only; then
        check "pip download got the sdist and dep_lib 1.0" dir_has "$D" sdist_only-0.5.tar.gz dep_lib-1.0-py3-none-any.whl
    fi
    D=$T/dl6
    if pip_ok "pip download --no-binary foo-bar-baz Foo.Bar_baz (the sdist of a project in its own directory)" \
        download --no-deps --no-binary foo-bar-baz -d "$D" Foo.Bar_baz; then
        check "pip download --no-binary got foo_bar_baz-1.0.tar.gz unchanged" dir_has "$D" foo_bar_baz-1.0.tar.gz
    fi

    # lighttpd writes its access log lazily: a marker request splits it.
    marker=/e2e-mark-$RANDOM$RANDOM
    curl -s -o /dev/null --max-time 10 "$BASE$marker"
    if pip_ok "pip install Foo.Bar_baz (wheel with a dependency)" install Foo.Bar_baz; then
        check "import foobarbaz, dep_lib: versions 1.0 and 1.0" \
            test "$(pip_env "$VENV/bin/python" -c 'import foobarbaz, dep_lib; print(foobarbaz.__version__, dep_lib.__version__)')" = "1.0 1.0"
    fi
    # PEP 658: pip >= 23.2 resolves from the .metadata file (pip 23.0 and
    # 23.1 read only the pre-PEP 714 JSON key, which must not be served).
    if version_ge "$pipver" 23.2; then
        want_re='"GET /packages/(foo-bar-baz/Foo\.Bar_baz|dep_lib)-1\.0-py3-none-any\.whl(\.metadata)? HTTP/1\.1" [0-9]+ .*pip/'
        lines=
        for ((n = 0; n < 80; n++)); do
            lines=$(sed -n "\\#GET $marker #,\$p" "$ST/access.log" | grep -E "$want_re" | sed 's/^.*"GET \([^ ]*\) HTTP\/1.1" \([0-9]*\) .*$/\1 \2/')
            [ "$(echo "$lines" | grep -c .)" -ge 4 ] && break
            sleep 0.1
        done
        # Both .metadata files first (in any order), then both wheels.
        got=$( (echo "$lines" | head -n 2 | sort; echo "$lines" | tail -n +3 | sort) | tr '\n' ' ')
        want='/packages/dep_lib-1.0-py3-none-any.whl.metadata 200 /packages/foo-bar-baz/Foo.Bar_baz-1.0-py3-none-any.whl.metadata 200 /packages/dep_lib-1.0-py3-none-any.whl 200 /packages/foo-bar-baz/Foo.Bar_baz-1.0-py3-none-any.whl 200 '
        if [ "$got" = "$want" ]; then
            pass "PEP 658: pip fetched the .metadata of both wheels (200) during resolution, then the wheels"
        else
            fail "PEP 658: pip fetched the .metadata of both wheels (200) during resolution, then the wheels" \
                "expected in the access log (metadata first, then wheels):" "$want" "got (after $marker):" "$lines"
        fi
    else
        skip "PEP 658: pip fetches .metadata" "pip $pipver reads no core-metadata from JSON (needs >= 23.2; no newer pip wheel here)"
    fi
    for w in foo-bar-baz/Foo.Bar_baz-1.0-py3-none-any.whl dep_lib-1.0-py3-none-any.whl tools/$(basename /usr/share/python-wheels/setuptools-*.whl); do
        [ -f "$ROOT/$w" ] || continue
        curl -s --max-time 20 -o "$T/md.served" "$BASE/packages/$w.metadata"
        python3 "$MKDIST" metadata "$ROOT/$w" >"$T/md.wheel" 2>&1
        check "served $(basename "$w").metadata equals the METADATA inside the wheel" cmp "$T/md.served" "$T/md.wheel"
    done
    if [ $have_build_wheels = 1 ]; then
        if pip_ok "pip install sdist-only (sdist built with setuptools and wheel from this index)" install sdist-only; then
            check "import sdist_only" pip_env "$VENV/bin/python" -c 'import sdist_only'
            check "the sdist build fetched setuptools and wheel from the index" \
                wait_for_log "$ST/access.log" '"GET /packages/tools/wheel-[^ ]*\.whl HTTP/1\.1" 200 .*pip/'
        fi
    else
        skip "pip install of an sdist" "no setuptools/wheel wheels in /usr/share/python-wheels (python3-setuptools-whl, python3-wheel-whl)"
    fi
fi

# ---- yank ---------------------------------------------------------------------
Y2=$ROOT/yankme/yankme-2.0-py3-none-any.whl
Y1=$ROOT/yankme/yankme-1.0-py3-none-any.whl
Y1_REASON='bad "build" <1.0> & co'
check "pypi-fcgi yank --reason broken yankme-2.0" "$PYPI_FCGI" yank --reason broken "$Y2"
check "pypi-fcgi yank --reason with quotes, <, > and & (yankme-1.0)" "$PYPI_FCGI" yank --reason "$Y1_REASON" "$Y1"
check "pypi-fcgi yank without a reason (dep_lib-9.0)" "$PYPI_FCGI" yank "$ROOT/dep_lib-9.0-py3-none-any.whl"
run_checks python3 "$CHECK_PAGES" project --base "$INDEX" --root "$ROOT" --project yankme --label "yankme (yanked)" \
    --yanked "yankme/yankme-2.0-py3-none-any.whl=broken" --yanked "yankme/yankme-1.0-py3-none-any.whl=$Y1_REASON"
run_checks python3 "$CHECK_PAGES" project --base "$INDEX" --root "$ROOT" --project dep-lib --label "dep-lib (9.0 yanked)" \
    --yanked "dep_lib-9.0-py3-none-any.whl="
if [ $have_venv = 1 ]; then
    if pip_ok "pip install yankme with 2.0 and 1.0 yanked" install yankme; then
        expect_eq "pip picked yankme 1.5" 1.5 "$(pip_env "$VENV/bin/python" -c 'import yankme; print(yankme.__version__)')"
    fi
    if pip_ok "pip install yankme==2.0 (pinned, yanked)" install yankme==2.0; then
        expect_eq "the pinned yanked yankme 2.0 was installed" 2.0 "$(pip_env "$VENV/bin/python" -c 'import yankme; print(yankme.__version__)')"
    fi
fi
check "pypi-fcgi unyank yankme-2.0 yankme-1.0 dep_lib-9.0" "$PYPI_FCGI" unyank "$Y2" "$Y1" "$ROOT/dep_lib-9.0-py3-none-any.whl"
check "after unyank the pages show nothing yanked" python3 - "$INDEX" "$PIP_ACCEPT" <<'EOF'
import json, sys, urllib.request
bad = []
for p in ("yankme", "dep-lib"):
    url = sys.argv[1] + p + "/"
    html = urllib.request.urlopen(url, timeout=20).read().decode()
    if "data-yanked" in html:
        bad.append("%s html still has data-yanked" % p)
    req = urllib.request.Request(url, headers={"Accept": sys.argv[2]})
    doc = json.load(urllib.request.urlopen(req, timeout=20))
    bad += ["%s %s yanked=%r" % (p, f["filename"], f.get("yanked")) for f in doc["files"] if f.get("yanked") is not False]
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
if [ $have_venv = 1 ]; then
    D=$T/dl7
    if pip_ok "pip download --no-deps yankme after unyank" download --no-deps -d "$D" yankme; then
        check "pip picked yankme 2.0 again" dir_has "$D" yankme-2.0-py3-none-any.whl
    fi
fi

# ---- traversal and symlinks ------------------------------------------------------
mkdir -p "$ROOT/evil"
ln -s "$OUTSIDE/evil-1.0-py3-none-any.whl" "$ROOT/evil/evil-1.0-py3-none-any.whl"
ln -s "$OUTSIDE/evil-1.0-py3-none-any.whl" "$ROOT/evil-2.0-py3-none-any.whl"
REC=$(find "$ROOT/foo-bar-baz/.pypi-fcgi" -name '*.rec' 2>/dev/null | sort | head -n 1)
REC_URL=/packages/foo-bar-baz/.pypi-fcgi/$(basename "${REC:-Foo.Bar_baz-1.0-py3-none-any.whl.rec}")
if [ -n "$REC" ]; then
    pass "sidecar records are written to DIR/.pypi-fcgi/<file>.rec"
else
    fail "sidecar records are written to DIR/.pypi-fcgi/<file>.rec" "$(ls -la "$ROOT/foo-bar-baz" "$ROOT/foo-bar-baz/.pypi-fcgi" 2>&1)"
fi
evil_sha=$(sha256sum "$OUTSIDE/evil-1.0-py3-none-any.whl" | cut -d' ' -f1)
# leaked FILE: true if FILE holds any of the protected contents.
leaked() {
    grep -q 'root:x:0:0' "$1" && return 0
    [ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$evil_sha" ] && return 0
    [ -n "$REC" ] && [ -s "$1" ] && cmp -s "$1" "$REC" && return 0
    return 1
}
# Paths that reach pypi-fcgi through lighttpd: 404, never the content,
# and a pypi-fcgi line naming the request in lighttpd's error log.
i=0
for u in '/packages/../../../../etc/passwd' '/packages/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd' \
    '/packages/..%2f..%2f..%2f..%2fetc/passwd' '/packages/foo-bar-baz%2fFoo.Bar_baz-1.0-py3-none-any.whl' \
    '/packages/..\..\..\..\etc\passwd' '/packages/%5c..%5c..%5cetc%5cpasswd' \
    '/packages//etc/passwd' '/packages/%2fetc%2fpasswd' "$REC_URL"; do
    i=$((i + 1))
    code=$(fetch "$BASE$u" "$T/trav$i")
    if [ "$code" = 404 ] && ! leaked "$T/trav$i.body"; then
        pass "traversal $u: 404"
    elif leaked "$T/trav$i.body"; then
        fail "traversal $u: 404" "status $code WITH THE PROTECTED CONTENT"
    else
        fail "traversal $u: 404" "status $code: $(head -c 200 "$T/trav$i.body")"
    fi
    if wait_for_log "$ST/error.log" "pypi-fcgi\[[0-9]+\]: [a-z]+: GET $(printf '%s' "$u" | sed 's/[][\.*^$\\+?(){}|]/\\&/g')[: ]" 3; then
        pass "traversal $u: logged by pypi-fcgi in lighttpd's error log"
    else
        fail "traversal $u: logged by pypi-fcgi in lighttpd's error log" "$(tail -n 5 "$ST/error.log")"
    fi
done
# lighttpd itself answers these before pypi-fcgi sees them (400 for %00, 404 off-route).
for u in '/packages/dep_lib-1.0-py3-none-any.whl%00' '/packages/%00/../../etc/passwd' '//etc/passwd' '/../../etc/passwd'; do
    i=$((i + 1))
    code=$(fetch "$BASE$u" "$T/trav$i")
    if [ "$code" != 200 ] && [ "${code#4}" != "$code" ] && ! leaked "$T/trav$i.body"; then
        pass "traversal $u: 4xx ($code) without the content"
    else
        fail "traversal $u: 4xx without the content" "status $code"
    fi
done
for u in /packages/evil/evil-1.0-py3-none-any.whl /packages/evil-2.0-py3-none-any.whl \
    /packages/evil/evil-1.0-py3-none-any.whl.metadata; do
    i=$((i + 1))
    code=$(fetch "$BASE$u" "$T/trav$i")
    if [ "$code" = 404 ] && ! leaked "$T/trav$i.body"; then
        pass "symlink leaving the root, $u: 404"
    else
        fail "symlink leaving the root, $u: 404" "status $code$(leaked "$T/trav$i.body" && echo ' WITH THE OUTSIDE FILE')"
    fi
done
code=$(fetch "$INDEX"evil/ "$T/evilpage")
if [ "$code" = 404 ] || ! grep -q 'evil-' "$T/evilpage.body"; then
    pass "a symlink leaving the root is not listed on its project page"
else
    fail "a symlink leaving the root is not listed on its project page" "$(cat "$T/evilpage.body")"
fi
if wait_for_log "$ST/lighttpd.out" "pypi-fcgi\[[0-9]+\]: .*$ROOT/evil/evil-1\.0-py3-none-any\.whl.*outside" 3 ||
    wait_for_log "$ST/error.log" "pypi-fcgi\[[0-9]+\]: .*evil/evil-1\.0-py3-none-any\.whl.*outside" 1; then
    pass "the refused symlink is logged by pypi-fcgi (lighttpd's error log or stderr)"
else
    fail "the refused symlink is logged by pypi-fcgi (lighttpd's error log or stderr)" \
        "$(tail -n 5 "$ST/error.log")" "$(tail -n 5 "$ST/lighttpd.out")"
fi
if wait_for_log "$ST/error.log" 'pypi-fcgi\[[0-9]+\]: [a-z]+: GET /packages/evil/evil-1\.0-py3-none-any\.whl' 2; then
    pass "a request for the out-of-root symlink leaves a pypi-fcgi line in lighttpd's error log"
else
    fail "a request for the out-of-root symlink leaves a pypi-fcgi line in lighttpd's error log" \
        "no FastCGI-stderr line for GET /packages/evil/evil-1.0-py3-none-any.whl;" \
        "the only trace is the indexing warning on pypi-fcgi's stderr (lighttpd's stdout/stderr, not server.errorlog):" \
        "$(grep -h 'evil' "$ST/error.log" "$ST/lighttpd.out" | tail -n 3)"
fi
code=$(fetch "$INDEX" "$T/rootlist")
if grep -q 'href="evil/"' "$T/rootlist.body"; then
    fail "/simple/ does not list a project whose only files are symlinks leaving the root" \
        "/simple/ links evil/, but GET /simple/evil/ answers $(http_code "$INDEX"evil/)"
else
    pass "/simple/ does not list a project whose only files are symlinks leaving the root"
fi

# The same paths straight to pypi-fcgi over FastCGI, where no web server
# cleans anything up first (--sendfile none: it would stream the file itself).
if command -v cgi-fcgi >/dev/null 2>&1; then
    DSOCK=$T/direct.sock
    "$PF_BIN" --threads 2 --listen "unix:$DSOCK" --sendfile none "$ROOT" 2>"$T/direct.log" &
    DPID=$!
    e2e_bg $DPID
    e2e_log "$T/direct.log"
    if wait_socket "$DSOCK"; then
        for u in '/packages/../../../../etc/passwd' '/packages/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd' \
            '/packages/foo-bar-baz%2f..%2f..%2f..%2fetc%2fpasswd' '/packages/..\..\..\..\etc\passwd' \
            '/packages/%5c..%5c..%5c..%5cetc%5cpasswd' '/packages/dep_lib-1.0-py3-none-any.whl%00' \
            '/packages/%00/../../../../etc/passwd' '/packages//etc/passwd' '/packages/%2fetc%2fpasswd' \
            "$REC_URL" /packages/evil/evil-1.0-py3-none-any.whl /packages/evil-2.0-py3-none-any.whl; do
            i=$((i + 1))
            : >"$T/trav$i.err"
            fcgi_get "$DSOCK" "$u" "$T/trav$i.err" >"$T/trav$i.body"
            st=$(sed -n '1s/\r$//p' "$T/trav$i.body")
            if [ "$st" = "Status: 404 Not Found" ] && ! leaked "$T/trav$i.body"; then
                pass "direct FastCGI $u: 404"
            else
                fail "direct FastCGI $u: 404" "got '$st'$(leaked "$T/trav$i.body" && echo ' WITH THE PROTECTED CONTENT')"
            fi
            case $u in
            /packages/evil*) ;; # refused at indexing time, checked below
            *)
                # Per-request log lines travel on the FastCGI stderr stream.
                if grep -qF "pypi-fcgi[" "$T/trav$i.err" && grep -qF "GET $u" "$T/trav$i.err"; then
                    pass "direct FastCGI $u: logged on the FastCGI stderr stream"
                else
                    fail "direct FastCGI $u: logged on the FastCGI stderr stream" "stderr: $(cat "$T/trav$i.err")"
                fi
                ;;
            esac
        done
        check "direct FastCGI: the symlinks leaving the root are logged as refused" \
            grep -q "evil/evil-1.0-py3-none-any.whl.*outside" "$T/direct.log"
        fcgi_get "$DSOCK" /packages/dep_lib-1.0-py3-none-any.whl "$T/direct.err" >"$T/direct.ok"
        if [ "$(sed -n '1s/\r$//p' "$T/direct.ok")" = "Status: 200 OK" ] &&
            grep -q "^Content-Length: $(stat -c %s "$ROOT/dep_lib-1.0-py3-none-any.whl")"$'\r'"\$" "$T/direct.ok"; then
            pass "direct FastCGI with --sendfile none streams a good file (the refusals above are not blanket)"
        else
            fail "direct FastCGI with --sendfile none streams a good file" "$(head -c 300 "$T/direct.ok")"
        fi
        kill -TERM "$DPID"
        wait_gone 2 "$DPID" || fail "direct pypi-fcgi exits on SIGTERM" "still running after 2 s"
        wait "$DPID" 2>/dev/null
    else
        fail "direct pypi-fcgi --listen unix:$DSOCK started" "$(cat "$T/direct.log")"
    fi
else
    skip "traversal straight over FastCGI" "cgi-fcgi is not installed (libfcgi-bin)"
fi

# Later checks (counts, project lists) are about a clean tree again.
rm -f "$ROOT/evil/evil-1.0-py3-none-any.whl" "$ROOT/evil-2.0-py3-none-any.whl"
rmdir "$ROOT/evil" 2>/dev/null

# ---- the 2 GiB file -----------------------------------------------------------
if [ $have_big = 1 ]; then
    wait "$BIG_PAGE_PID" 2>/dev/null
    code=$(cat "$T/bigpage.code" 2>/dev/null)
    if [ "$code" = 200 ] && grep -q "bigpkg-1.0-py3-none-any.whl#sha256=$ZERO_2G_SHA256" "$T/bigpage.html"; then
        pass "2 GiB sparse wheel listed with its sha256"
    else
        fail "2 GiB sparse wheel listed with its sha256" "status $code" "$(head -c 600 "$T/bigpage.html" 2>/dev/null)"
    fi
    check "2 GiB wheel: JSON size 2147483648 and no core-metadata (not a zip)" python3 - "$INDEX" "$PIP_ACCEPT" <<'EOF'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "bigpkg/", headers={"Accept": sys.argv[2]})
f = json.load(urllib.request.urlopen(req, timeout=60))["files"][0]
ok = f["size"] == 2147483648 and f.get("core-metadata") in (None, False)
print(f)
sys.exit(0 if ok else 1)
EOF
    check "2 GiB wheel: the failed metadata extraction is logged" \
        wait_for_log "$ST/lighttpd.out" "pypi-fcgi\[[0-9]+\]: .*bigpkg-1\.0-py3-none-any\.whl.*METADATA" 3
    code=$(fetch "$BASE/packages/bigpkg/bigpkg-1.0-py3-none-any.whl" "$T/bigr" -r 2147483000-2147483647)
    if [ "$code" = 206 ] && [ "$(stat -c %s "$T/bigr.body")" = 648 ] &&
        [ "$(header "$T/bigr.hdr" Content-Range)" = "bytes 2147483000-2147483647/2147483648" ] &&
        [ -z "$(tr -d '\0' <"$T/bigr.body")" ]; then
        pass "2 GiB wheel: curl -r 2147483000-2147483647 gives 206 with 648 zero bytes"
    else
        fail "2 GiB wheel: curl -r 2147483000-2147483647 gives 206 with 648 zero bytes" "status $code" "$(cat "$T/bigr.hdr")"
    fi
    # A full download that lasts several seconds, and index pages meanwhile.
    curl -s --limit-rate 300M --max-time 120 -o /dev/null -w '%{http_code} %{size_download} %{time_total}' \
        "$BASE/packages/bigpkg/bigpkg-1.0-py3-none-any.whl" >"$T/bigdl.out" 2>&1 &
    DL_PID=$!
    e2e_bg "$DL_PID"
    sleep 0.5
    slow=()
    pages=(/simple/foo-bar-baz/ /simple/ /simple/dep-lib/ /simple/yankme/ /simple/sdist-only/)
    for n in $(seq 0 23); do
        pg=${pages[$((n % ${#pages[@]}))]}
        hdr=()
        [ $((n % 2)) = 1 ] && hdr=(-H "Accept: $PIP_ACCEPT")
        r=$(curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}' "${hdr[@]}" "$BASE$pg")
        case $r in
        "200 0."*) ;;
        *) slow+=("$pg: $r") ;;
        esac
    done
    dl_running=0
    proc_alive "$DL_PID" && dl_running=1
    if [ ${#slow[@]} -eq 0 ]; then
        pass "24 index pages during the 2 GiB download: each 200 in under 1 s"
    else
        fail "24 index pages during the 2 GiB download: each 200 in under 1 s" "${slow[@]}"
    fi
    expect_eq "the 2 GiB download was still running after the page requests" 1 "$dl_running"
    wait "$DL_PID" 2>/dev/null
    read -r dcode dsize dtime <"$T/bigdl.out"
    expect_eq "full 2 GiB download: 200 with 2147483648 bytes (took ${dtime:-?} s)" "200 2147483648" "$dcode $dsize"
else
    skip "2 GiB sparse file tests" "truncate -s 2G failed in $ROOT"
fi

# ---- two responder processes on one root -------------------------------------------
if command -v cgi-fcgi >/dev/null 2>&1; then
    R2=$T/root2
    mkdir -p "$R2/alpha"
    mk wheel --out "$R2/alpha" --name alpha --version 1.0
    SA=$T/a.sock
    SB=$T/b.sock
    "$PF_BIN" --threads 2 --listen "unix:$SA" --sendfile x-sendfile "$R2" 2>"$T/a.log" &
    PA=$!
    "$PF_BIN" --threads 2 --listen "unix:$SB" --sendfile x-sendfile "$R2" 2>"$T/b.log" &
    PB=$!
    e2e_bg $PA
    e2e_bg $PB
    e2e_log "$T/a.log"
    e2e_log "$T/b.log"
    if wait_socket "$SA" && wait_socket "$SB"; then
        pass "two pypi-fcgi --listen unix: processes on one root started"
    else
        fail "two pypi-fcgi --listen unix: processes on one root started" "$(cat "$T/a.log" "$T/b.log")"
    fi
    # both_list DESC URI PATTERN yes|no
    both_list() {
        local s out probs=()
        for s in "$SA" "$SB"; do
            out=$(fcgi_get "$s" "$2" "$T/fcgi.err")
            case $out in "Status: 200 OK"*) ;; *) probs+=("$(basename "$s"): $(echo "$out" | head -n 1)") ;; esac
            if [ "$4" = yes ] && ! grep -q -- "$3" <<<"$out"; then probs+=("$(basename "$s"): no $3"); fi
            if [ "$4" = no ] && grep -q -- "$3" <<<"$out"; then probs+=("$(basename "$s"): still lists $3"); fi
        done
        if [ ${#probs[@]} -eq 0 ]; then pass "$1"; else fail "$1" "${probs[@]}"; fi
    }
    both_list "both responders list alpha 1.0" /simple/alpha/ 'alpha-1.0-py3-none-any.whl' yes
    mk wheel --out "$R2/alpha" --name alpha --version 2.0
    both_list "a file added to the project directory is listed by both on the next request" \
        /simple/alpha/ 'alpha-2.0-py3-none-any.whl' yes
    both_list "... with its PEP 658 metadata" /simple/alpha/ 'alpha-2.0-py3-none-any.whl#sha256=[0-9a-f]*" data-dist-info-metadata="sha256=' yes
    rm -f "$R2/alpha/alpha-2.0-py3-none-any.whl"
    both_list "a removed file is dropped by both on the next request" /simple/alpha/ 'alpha-2.0' no
    mkdir -p "$R2/beta"
    mk wheel --out "$R2/beta" --name beta --version 0.1
    both_list "a new project directory shows in /simple/ on both" /simple/ 'href="beta/"' yes
    both_list "... and its page answers on both" /simple/beta/ 'beta-0.1-py3-none-any.whl' yes
    out=$(fcgi_get "$SA" /packages/alpha/alpha-1.0-py3-none-any.whl "$T/fcgi.err")
    if grep -q "^X-Sendfile: $R2/alpha/alpha-1.0-py3-none-any.whl" <<<"$(tr -d '\r' <<<"$out")"; then
        pass "with --sendfile x-sendfile pypi-fcgi answers a download with X-Sendfile: <absolute path>"
    else
        fail "with --sendfile x-sendfile pypi-fcgi answers a download with X-Sendfile: <absolute path>" "$out"
    fi
    t0=$(date +%s%N)
    kill -TERM "$PA" "$PB"
    if wait_gone 1 "$PA" "$PB"; then
        pass "SIGTERM: both responders exited within 1 s ($((($(date +%s%N) - t0) / 1000000)) ms)"
    else
        fail "SIGTERM: both responders exited within 1 s"
    fi
    wait "$PA"
    ra=$?
    wait "$PB"
    rb=$?
    expect_eq "SIGTERM: exit status 0 for both" "0 0" "$ra $rb"
    if [ ! -e "$SA" ] && [ ! -e "$SB" ]; then
        pass "SIGTERM: both removed their socket files"
    else
        fail "SIGTERM: both removed their socket files" "$(ls -la "$SA" "$SB" 2>&1)"
    fi
else
    skip "two responder processes on one root" "cgi-fcgi is not installed (libfcgi-bin)"
fi

# ---- the /pypi/ prefix ------------------------------------------------------------
SP=$T/ltp
if lt_launch prefix "$TOP_SRCDIR/contrib/lighttpd-prefix.conf" "$ROOT" "$SP" /pypi/health; then
    PPORT=$E2E_PORT
    PBASE=http://127.0.0.1:$PPORT
    pass "lighttpd started (contrib/lighttpd-prefix.conf rendered on port $PPORT) and /pypi/health answers 200"
    check "the rendered contrib/lighttpd-prefix.conf passes lighttpd -tt" lighttpd -tt -f "$SP/lighttpd.conf"
    run_checks python3 "$CHECK_PAGES" welcome --url "$PBASE/pypi/" --root "$ROOT" --expect-url "$PBASE/pypi/simple/"
    run_checks python3 "$CHECK_PAGES" project --base "$PBASE/pypi/simple/" --root "$ROOT" --project foo-bar-baz \
        --label "foo-bar-baz under /pypi/"
    predirect_check() {
        local code loc
        code=$(fetch "$PBASE$2" "$T/predir")
        loc=$(header "$T/predir.hdr" Location)
        if [ "$code" = 301 ] && [ "$loc" = "$3" ]; then pass "$1"; else fail "$1" "GET $2: status $code, Location '$loc'"; fi
    }
    predirect_check "/pypi redirects to /pypi/" /pypi /pypi/
    predirect_check "/pypi/simple redirects to /pypi/simple/" /pypi/simple /pypi/simple/
    predirect_check "/pypi/simple/foo-bar-baz redirects to /pypi/simple/foo-bar-baz/" /pypi/simple/foo-bar-baz /pypi/simple/foo-bar-baz/
    predirect_check "/pypi/simple/Foo.Bar_Baz/ redirects to /pypi/simple/foo-bar-baz/" /pypi/simple/Foo.Bar_Baz/ /pypi/simple/foo-bar-baz/
    for u in /pypix/simple/ /pypix/simple/foo-bar-baz/ /pypi.txt /simple/foo-bar-baz/; do
        code=$(fetch "$PBASE$u" "$T/pnr")
        if [ "$code" = 404 ] && [ -z "$(header "$T/pnr.hdr" Vary)" ] && ! grep -q 'Links for\|Not Found: no' "$T/pnr.body"; then
            pass "$u is not routed to pypi-fcgi (lighttpd's own 404)"
        else
            fail "$u is not routed to pypi-fcgi (lighttpd's own 404)" "status $code" "$(cat "$T/pnr.hdr")"
        fi
    done
    code=$(fetch "$PBASE/pypi/packages/$F" "$T/prng" -r 10-19)
    expect_eq "/pypi/packages/...: 206 for a range (X-Sendfile under the prefix)" 206 "$code"
    if [ $have_venv = 1 ]; then
        PT=$T/ptarget
        if out=$(pip_run "$VENV" "$PBASE/pypi/simple/" install --target "$PT" Foo.Bar_baz 2>&1); then
            pass "pip install --target through $PBASE/pypi/simple/"
            if [ -f "$PT/foobarbaz/__init__.py" ] && [ -f "$PT/dep_lib/__init__.py" ]; then
                pass "pip installed foobarbaz and dep_lib from /pypi/"
            else
                fail "pip installed foobarbaz and dep_lib from /pypi/" "$(ls "$PT")"
            fi
            check "pip downloaded under /pypi/packages/" \
                wait_for_log "$SP/access.log" '"GET /pypi/packages/foo-bar-baz/Foo\.Bar_baz-1\.0-py3-none-any\.whl HTTP/1\.1" 200 .*pip/'
        else
            fail "pip install --target through $PBASE/pypi/simple/" "$(echo "$out" | tail -n 20)"
        fi
    fi
    kids=$(lt_children prefix)
    # shellcheck disable=SC2086
    if lt_stop prefix && { [ -z "$kids" ] || wait_gone 2 $kids; }; then
        pass "prefix lighttpd stopped with SIGINT, its pypi-fcgi gone"
    else
        fail "prefix lighttpd stopped with SIGINT, its pypi-fcgi gone" "left: $kids"
    fi
else
    fail "lighttpd started (contrib/lighttpd-prefix.conf) and /pypi/health answers 200" "$(lt_error)"
fi

# ---- a symlink swapped after the listing ------------------------------------------
# (swap.sh): with X-Sendfile pypi-fcgi must name a path without links that
# it checked at the request; with --sendfile none it opens the file beneath
# the root itself.
SW=$T/swroot
SWOUT=$T/swout
if ! out=$(swap_tree "$SW" "$SWOUT") || ! htpasswd -bcB -C 5 "$T/sw.htpasswd" alice alice-pw >/dev/null 2>&1; then
    fail "the symlink-swap tree and a password file were made" "$out"
else
    # As contrib/lighttpd.conf ships it, with --overwrite and downloads
    # behind a login: the cache headers as the client sees them.
    if E2E_PF_ARGS="--overwrite --htpasswd $T/sw.htpasswd --authenticate update,download" \
        lt_launch swap "$TOP_SRCDIR/contrib/lighttpd.conf" "$SW" "$T/ltsw" /health; then
        SWB=http://127.0.0.1:$E2E_PORT
        swap_checks "X-Sendfile" "$SWB" "$SW" "$SWOUT" "$T/ltsw/error.log" "it leads outside its root" alice:alice-pw
        code=$(fetch "$SWB/packages/bar/bar-1.0-py3-none-any.whl" "$T/sw-cc" -u alice:alice-pw)
        expect_eq "X-Sendfile, --overwrite, downloads need a login: the client sees Cache-Control: private, no-cache" \
            "200 private, no-cache" "$code $(header "$T/sw-cc.hdr" Cache-Control)"
        code=$(fetch "$SWB/packages/bar/bar-1.0-py3-none-any.whl.metadata" "$T/sw-md" -u alice:alice-pw)
        expect_eq "... and so does its .metadata, with X-Content-Type-Options: nosniff" \
            "200 private, no-cache nosniff" \
            "$code $(header "$T/sw-md.hdr" Cache-Control) $(header "$T/sw-md.hdr" X-Content-Type-Options)"
        lt_stop swap
    else
        fail "lighttpd started with contrib/lighttpd.conf on the symlink-swap root" "$(lt_error)"
    fi
    # --sendfile none (the last --sendfile given wins).
    if E2E_PF_ARGS="--sendfile none --htpasswd $T/sw.htpasswd --authenticate update,download" \
        lt_launch swapnone "$TOP_SRCDIR/contrib/lighttpd.conf" "$SW" "$T/ltswn" /health; then
        swap_checks "--sendfile none" "http://127.0.0.1:$E2E_PORT" "$SW" "$SWOUT" "$T/ltswn/error.log" \
            "it leads outside its root" alice:alice-pw
        lt_stop swapnone
    else
        fail "lighttpd started with contrib/lighttpd.conf and --sendfile none" "$(lt_error)"
    fi
fi

# ---- /health ---------------------------------------------------------------------
code=$(fetch "$BASE/health" "$T/h1")
expect_eq "/health: 200 ok" "200 ok" "$code $(cat "$T/h1.body")"
mv "$ROOT" "$ROOT.away"
code=$(fetch "$BASE/health" "$T/h2")
mv "$ROOT.away" "$ROOT"
# /health answers without a login: the root's path goes to the log only.
if [ "$code" = 503 ] && ! grep -qF "$ROOT" "$T/h2.body"; then
    pass "/health with the root renamed away: 503, without the root's path"
else
    fail "/health with the root renamed away: 503, without the root's path" "status $code: $(cat "$T/h2.body")"
fi
check "... which is in pypi-fcgi's log line" \
    wait_for_log "$ST/error.log" "GET /health: health check failed: package root $ROOT was removed or replaced" 3
code=$(fetch "$BASE/health" "$T/h3")
expect_eq "/health with the root back: 200" 200 "$code"
code=$(fetch "$INDEX"foo-bar-baz/ "$T/h4")
expect_eq "pages still served after the root came back" 200 "$code"

# ---- clean stop ------------------------------------------------------------------
kids=$(lt_children main)
if [ -z "$kids" ]; then
    fail "lighttpd's pypi-fcgi process is running before the stop" "no child of lighttpd"
fi
if lt_stop main; then
    pass "lighttpd stopped with SIGINT"
else
    fail "lighttpd stopped with SIGINT" "needed SIGKILL after 5 s"
fi
# shellcheck disable=SC2086
if { [ -z "$kids" ] || wait_gone 2 $kids; } && [ -z "$(our_responders)" ]; then
    pass "no pypi-fcgi process left 2 s after lighttpd stopped"
else
    fail "no pypi-fcgi process left 2 s after lighttpd stopped" "$(ps -o pid,ppid,stat,args -p "$(our_responders | tr '\n' ',' | sed 's/,$//')" 2>&1)"
fi
e2e_done
