#!/bin/bash
# SPDX-License-Identifier: MIT
# test_json.sh: end-to-end tests of the JSON API (/pypi/<p>/json, /pypi/<p>/<v>/json, pypiserver's /<p>/json)
# through lighttpd, with real wheels and sdists, curl, and Python's json and urllib reading what tools read.
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_json.sh
# (make check-e2e does this). KEEP=1, VERBOSE=1 and E2E_WRAP as in lib.sh.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

e2e_init
T=$E2E_TMP
MKDIST="$HERE/mkdist.py"

e2e_require "JSON API tests" lighttpd curl python3 htpasswd

ROOT=$T/root
mkdir -p "$ROOT"
mk() { python3 "$MKDIST" "$@" --out "$ROOT" >>"$T/mkdist.log" 2>&1; }

# json-demo: 1.0 (wheel), 2.0 (wheel and sdist), 3.0rc1 (a pre-release):
# its latest release is 2.0. sdist-only: PKG-INFO is its only metadata.
# hostile-demo: metadata written to break the JSON (quotes, backslashes,
# control characters, markup) and a description folded the Metadata 1.x way.
build_ok=1
mk wheel --name json-demo --version 1.0 --summary "First release" \
    --requires-dist "requests>=2" --header "Classifier: Programming Language :: Python :: 3" || build_ok=0
mk wheel --name json-demo --version 2.0 --summary "Second release" --requires-python ">=3.8" \
    --requires-dist "requests>=2" --requires-dist "idna; extra == 'net'" \
    --header "Provides-Extra: net" --header "Project-URL: Source, https://example.invalid/src" \
    --header "Project-URL: Tracker, https://example.invalid/issues" \
    --header "Classifier: License :: OSI Approved :: MIT License" \
    --header "Classifier: Programming Language :: Python :: 3" --description "# JSON demo" || build_ok=0
mk sdist --name json-demo --version 2.0 --summary "Second release (sdist)" || build_ok=0
mk wheel --name json-demo --version 3.0rc1 --summary "A pre-release" || build_ok=0
mk sdist --name sdist-only --version 0.5 --summary "Only an sdist" || build_ok=0
mk wheel --name hostile-demo --version 1.0 --summary $'say "hi" \\ </script><b>\x01\x1f' \
    --header $'Description: line one\n        line two\n       |  three' \
    --header "Author: O'Brien & <co>" --description "" || build_ok=0
n=$(find "$ROOT" -maxdepth 1 -type f | wc -l)
if [ $build_ok = 1 ] && [ "$n" = 6 ]; then
    pass "built the distributions"
else
    fail "built the distributions" "$(cat "$T/mkdist.log")"
fi

PW=$T/htpasswd
htpasswd -cbs "$PW" reader reader-pw 2>/dev/null
E2E_PF_ARGS="--htpasswd $PW --authenticate list"
if lt_launch json "$TOP_SRCDIR/contrib/lighttpd.conf" "$ROOT" "$T/lt" /health; then
    pass "lighttpd started"
else
    fail "lighttpd started" "$(lt_error)"
    e2e_done
    exit 1
fi
BASE=http://127.0.0.1:$E2E_PORT
AUTH=(-u reader:reader-pw)

# ---- who may read ---------------------------------------------------------------
expect_eq "/pypi/<p>/json needs the list login under --authenticate list" 401 "$(http_code "$BASE/pypi/json-demo/json")"
expect_eq "pypiserver's /<p>/json needs it too" 401 "$(http_code "$BASE/json-demo/json")"
expect_eq "with the login: 200" 200 "$(http_code "$BASE/pypi/json-demo/json" "${AUTH[@]}")"

# ---- the pages, read as tools read them ------------------------------------------
# check.py BASE: fetches the pages with urllib (the login in a handler) and
# prints "ok DESC" / "not ok DESC" lines.
cat >"$T/check.py" <<'EOF'
import hashlib, json, sys, urllib.error, urllib.request

base, root = sys.argv[1], sys.argv[2]
mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
mgr.add_password(None, base, "reader", "reader-pw")
opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(mgr))

def get(path):
    try:
        with opener.open(base + path) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()

def report(desc, ok, diag=""):
    print(("ok " if ok else "not ok ") + desc)
    if not ok and diag:
        for line in str(diag).splitlines()[:20]:
            print("# " + line)

def page(path):
    st, hdr, body = get(path)
    try:
        return st, hdr, json.loads(body)
    except ValueError as e:
        report("%s is valid JSON" % path, False, "%s: %r" % (e, body[:300]))
        return st, hdr, None

st, hdr, d = page("/pypi/json-demo/json")
report("/pypi/json-demo/json: 200 application/json", st == 200 and hdr.get("Content-Type") == "application/json", (st, hdr))
info = d["info"]
report("info: the latest release, not the pre-release", info["version"] == "2.0", info["version"])
report("info: its wheel's METADATA (Summary, Requires-Python)",
       info["summary"] == "Second release" and info["requires_python"] == ">=3.8", info)
report("info: Requires-Dist in order", info["requires_dist"] == ["requests>=2", "idna; extra == 'net'"], info["requires_dist"])
report("info: Provides-Extra, classifiers", info["provides_extra"] == ["net"] and info["classifiers"] ==
       ["License :: OSI Approved :: MIT License", "Programming Language :: Python :: 3"], info)
report("info: project_urls by label", info["project_urls"] ==
       {"Source": "https://example.invalid/src", "Tracker": "https://example.invalid/issues"}, info["project_urls"])
report("info: the description is the body", info["description"] == "# JSON demo", repr(info["description"]))
report("info: name, not yanked", info["name"] == "json-demo" and info["yanked"] is False and info["yanked_reason"] is None, info)
report("releases: every version", sorted(d["releases"]) == ["1.0", "2.0", "3.0rc1"], sorted(d["releases"]))
report("releases: 2.0 has its wheel and its sdist",
       sorted(f["filename"] for f in d["releases"]["2.0"]) == ["json_demo-2.0-py3-none-any.whl", "json_demo-2.0.tar.gz"],
       d["releases"]["2.0"])
report("urls: the latest release's files", sorted(f["filename"] for f in d["urls"]) ==
       ["json_demo-2.0-py3-none-any.whl", "json_demo-2.0.tar.gz"], d["urls"])
bad = []
for v, files in d["releases"].items():
    for f in files:
        with open("%s/%s" % (root, f["filename"]), "rb") as fh:
            data = fh.read()
        if f["digests"]["sha256"] != hashlib.sha256(data).hexdigest() or f["size"] != len(data):
            bad.append("%s: digest or size" % f["filename"])
        if not f["url"].startswith(base + "/packages/"):
            bad.append("%s: url %s" % (f["filename"], f["url"]))
        st2, _, got = get(f["url"][len(base):])
        if st2 != 200 or got != data:
            bad.append("%s: the url gives %d, %d bytes" % (f["filename"], st2, len(got)))
        kind = "bdist_wheel" if f["filename"].endswith(".whl") else "sdist"
        pyv = "py3" if kind == "bdist_wheel" else "source"
        if f["packagetype"] != kind or f["python_version"] != pyv:
            bad.append("%s: %s %s" % (f["filename"], f["packagetype"], f["python_version"]))
        if len(f["upload_time"]) != 19 or not f["upload_time_iso_8601"].endswith("Z") or \
           not f["upload_time_iso_8601"].startswith(f["upload_time"]):
            bad.append("%s: upload times %s %s" % (f["filename"], f["upload_time"], f["upload_time_iso_8601"]))
report("every file: sha256 and size of the bytes on disk, an absolute url the web server sends them from, "
       "packagetype, python_version, upload times", not bad, "\n".join(bad))

st, _, v1 = page("/pypi/json-demo/1.0/json")
report("/pypi/json-demo/1.0/json: 1.0's info and files, no releases", st == 200 and v1["info"]["version"] == "1.0" and
       v1["info"]["summary"] == "First release" and "releases" not in v1 and
       [f["filename"] for f in v1["urls"]] == ["json_demo-1.0-py3-none-any.whl"], v1)
st, _, vrc = page("/pypi/json-demo/3.0rc1/json")
report("a pre-release's page by its version", st == 200 and vrc["info"]["summary"] == "A pre-release", vrc)
st, _, vrc2 = page("/pypi/json-demo/3.0.0-rc.1/json")
report("a version written another way finds the same release", st == 200 and vrc2 == vrc, st)

st, _, pyps = page("/json-demo/json")
report("pypiserver's /json-demo/json: the same page, info.version and releases with urls",
       st == 200 and pyps == d, st)

st, _, s = page("/pypi/sdist-only/json")
report("an sdist's PKG-INFO gives info", st == 200 and s["info"]["summary"] == "Only an sdist" and
       s["urls"][0]["packagetype"] == "sdist" and s["urls"][0]["python_version"] == "source", s)

st, _, h = page("/pypi/hostile-demo/json")
i = h["info"] if h else {}
report("hostile metadata: valid JSON with the text as written",
       st == 200 and i.get("summary") == 'say "hi" \\ </script><b>\x01\x1f' and i.get("author") == "O'Brien & <co>", i)
report("a Metadata 1.x Description field: its lines without their indent",
       i.get("description") == "line one\nline two\n  three", repr(i.get("description")))
raw = get("/pypi/hostile-demo/json")[2]
report("no raw markup or control byte in the JSON bytes",
       b"</script>" not in raw and b"<b>" not in raw and not any(c < 0x20 and c != 0x0a for c in raw), raw[:300])

for path, want in (("/pypi/no-such-project/json", 404), ("/pypi/json-demo/9.9/json", 404),
                   ("/pypi/json-demo/not..a..version/json", 404), ("/pypi/json-demo/", 404),
                   ("/pypi/json-demo/1.0/extra/json", 404), ("/no-such-project/json", 404)):
    st, _, body = get(path)
    report("%s: %d with a message" % (path, want), st == want and len(body) > 0, (st, body[:200]))
EOF
run_checks python3 "$T/check.py" "$BASE" "$ROOT"

# ---- redirects, validators -----------------------------------------------------
code=$(fetch "$BASE/pypi/JSON_Demo/json" "$T/r1" "${AUTH[@]}")
expect_eq "/pypi/JSON_Demo/json: 301" 301 "$code"
expect_eq "... to the normalized name" /pypi/json-demo/json "$(header "$T/r1.hdr" Location)"
code=$(fetch "$BASE/pypi/Json.Demo/1.0/json" "$T/r2" "${AUTH[@]}")
expect_eq "/pypi/Json.Demo/1.0/json: 301 to the normalized name, version kept" "301 /pypi/json-demo/1.0/json" \
    "$code $(header "$T/r2.hdr" Location)"
code=$(fetch "$BASE/Json_Demo/json" "$T/r3" "${AUTH[@]}")
expect_eq "pypiserver's /Json_Demo/json: 301 to /json-demo/json" "301 /json-demo/json" "$code $(header "$T/r3.hdr" Location)"

code=$(fetch "$BASE/pypi/json-demo/json" "$T/e1" "${AUTH[@]}")
etag=$(header "$T/e1.hdr" ETag)
check "the page has an ETag" test -n "$etag"
expect_eq "If-None-Match with it: 304" 304 "$(http_code "$BASE/pypi/json-demo/json" "${AUTH[@]}" -H "If-None-Match: $etag")"

# The URLs follow the host the client asked for, also once the page is cached.
curl -s "${AUTH[@]}" -H "Host: index.example.invalid:8080" "$BASE/pypi/json-demo/json" >"$T/other-host.json"
check "another Host header: the URLs name it" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(f["url"].startswith("http://index.example.invalid:8080/packages/") for f in d["urls"]), d["urls"]' \
    "$T/other-host.json"
curl -s "${AUTH[@]}" "$BASE/pypi/json-demo/json" >"$T/own-host.json"
check "... and the next request under the first host gets its own again" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(f["url"].startswith(sys.argv[2] + "/packages/") for f in d["urls"]), d["urls"]' \
    "$T/own-host.json" "$BASE"
# Two bases are kept per page; a third is rendered for its request alone.
for h in third.example fourth.example:81; do
    curl -s "${AUTH[@]}" -H "Host: $h" "$BASE/pypi/json-demo/json" >"$T/host-$h.json"
    check "Host $h: the URLs name it" \
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(f["url"].startswith("http://" + sys.argv[2] + "/packages/") for f in d["urls"]), d["urls"]' \
        "$T/host-$h.json" "$h"
done
curl -s "${AUTH[@]}" -H "Host: index.example.invalid:8080" "$BASE/pypi/json-demo/json" >"$T/other-host2.json"
check "... and the second host's page is still its own" cmp "$T/other-host.json" "$T/other-host2.json"

# ---- a yank moves the latest release ---------------------------------------------
"$PYPI_FCGI" yank --reason "broken build" "$ROOT/json_demo-2.0-py3-none-any.whl" "$ROOT/json_demo-2.0.tar.gz" \
    >"$T/yank.log" 2>&1
check "pypi-fcgi yank of both 2.0 files" test $? = 0
cat >"$T/yank.py" <<'EOF'
import json, sys, time, urllib.request
base = sys.argv[1]
req = urllib.request.Request(base + "/pypi/json-demo/json")
req.add_header("Authorization", "Basic cmVhZGVyOnJlYWRlci1wdw==")
d = json.load(urllib.request.urlopen(req))
assert d["info"]["version"] == "1.0", d["info"]["version"]
assert all(f["yanked"] and f["yanked_reason"] == "broken build" for f in d["releases"]["2.0"]), d["releases"]["2.0"]
req = urllib.request.Request(base + "/pypi/json-demo/2.0/json")
req.add_header("Authorization", "Basic cmVhZGVyOnJlYWRlci1wdw==")
d = json.load(urllib.request.urlopen(req))
assert d["info"]["yanked"] is True and d["info"]["yanked_reason"] == "broken build", d["info"]
EOF
check "after the yank: the latest release is 1.0; 2.0 says it is yanked and why" python3 "$T/yank.py" "$BASE"

lt_stop
e2e_done
