#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# check_pages.py: checks served simple-index pages field by field against the files on disk.
"""Check pypi-fcgi's pages against the package directory they come from.

  check_pages.py project --base URL --root DIR --project NAME [--yanked REL=REASON]...
  check_pages.py index   --base URL --root DIR
  check_pages.py welcome --url URL --root DIR --expect-url INDEX-URL

URL/--base is the index URL ending in /simple/ (prefix included). REL is a
file's path relative to DIR; `--yanked REL=` means yanked without a reason.
Every check prints one line, "ok DESC" or "not ok DESC" followed by
"# ..." diagnostics; the exit status is 1 when any check failed.
"""
import argparse
import hashlib
import html
import html.parser
import json
import os
import re
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from datetime import datetime, timezone

PIP_ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
              "text/html; q=0.01")
CT_HTML = "text/html; charset=utf-8"
CT_V1HTML = "application/vnd.pypi.simple.v1+html"
CT_JSON = "application/vnd.pypi.simple.v1+json"
CACHE_CONTROL = "max-age=0, must-revalidate"
META_TAG = '<meta name="pypi:repository-version" content="1.1">'
UPLOAD_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")

FAILED = 0


def report(desc, problems):
    """One test line; problems is a list of diagnostic strings (empty: passed)."""
    global FAILED
    if problems:
        FAILED += 1
        print("not ok %s" % desc)
        for p in problems[:20]:
            for line in str(p).splitlines() or [""]:
                print("# %s" % line)
        if len(problems) > 20:
            print("# ... and %d more" % (len(problems) - 20))
    else:
        print("ok %s" % desc)
    sys.stdout.flush()


# ---- names and versions (PEP 503, PEP 440) ------------------------------

def normalize_name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


# The PEP 440 grammar as packaging spells it (packaging/version.py).
VERSION_RE = re.compile(r"""
    ^\s*v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_\.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?P<pre_n>[0-9]+)?)?
    (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?
    (?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?
    \s*$""", re.VERBOSE | re.IGNORECASE)


def normalize_version(v):
    m = VERSION_RE.match(v)
    if not m:
        return v
    out = ""
    if m.group("epoch") and int(m.group("epoch")):
        out += "%d!" % int(m.group("epoch"))
    out += ".".join(str(int(x)) for x in m.group("release").split("."))
    if m.group("pre"):
        letter = m.group("pre_l").lower()
        letter = {"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}.get(letter, letter)
        out += "%s%d" % (letter, int(m.group("pre_n") or 0))
    if m.group("post"):
        out += ".post%d" % int(m.group("post_n1") or m.group("post_n2") or 0)
    if m.group("dev"):
        out += ".dev%d" % int(m.group("dev_n") or 0)
    if m.group("local"):
        out += "+" + ".".join(p.lower() if not p.isdigit() else str(int(p))
                              for p in re.split(r"[-_.]", m.group("local")))
    return out


WHEEL_RE = re.compile(r"^(?P<name>[^-]+)-(?P<ver>[^-]+)(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")
SDIST_RE = re.compile(r"^(?P<name>.+)-(?P<ver>[^-]+)\.(?:tar\.gz|zip)$")


def parse_filename(fn):
    m = WHEEL_RE.match(fn)
    if m:
        return normalize_name(m.group("name")), m.group("ver"), "wheel"
    m = SDIST_RE.match(fn)
    if m:
        return normalize_name(m.group("name")), m.group("ver"), "sdist"
    return None


# ---- the files on disk ----------------------------------------------------

def skip_name(n):
    return n.startswith(".") or n.endswith("~") or n.endswith(".tmp") or n.endswith(".part")


def header_field(text, field):
    for line in text.split("\n"):
        if not line.strip():
            break
        k, _, v = line.partition(":")
        if k.strip().lower() == field.lower():
            return v.strip()
    return None


def wheel_metadata(path):
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if re.match(r"^[^/]+\.dist-info/METADATA$", n)]
            return zf.read(names[0]) if len(names) == 1 else None
    except (zipfile.BadZipFile, OSError):
        return None


def sdist_pkg_info(path):
    try:
        with tarfile.open(path) as tf:
            for m in tf.getmembers():
                if re.match(r"^[^/]+/PKG-INFO$", m.name):
                    return tf.extractfile(m).read()
    except (tarfile.TarError, OSError):
        pass
    return None


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def disk_files(root):
    """{relpath: info} of every distribution file served from root."""
    root = os.path.realpath(root)
    out = {}
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not skip_name(x) and not os.path.islink(os.path.join(d, x)))
        for fn in sorted(files):
            if skip_name(fn):
                continue
            p = os.path.join(d, fn)
            real = os.path.realpath(p)
            if not real.startswith(root + os.sep) or not os.path.isfile(real):
                continue    # a symlink leaving the root is never served
            parsed = parse_filename(fn)
            if not parsed:
                continue
            rel = os.path.relpath(p, root)
            out[rel] = {"rel": rel, "path": p, "filename": fn, "project": parsed[0],
                        "version": parsed[1], "kind": parsed[2]}
    return out


def describe(info, full=True):
    st = os.stat(info["path"])
    info["size"] = st.st_size
    info["mtime"] = st.st_mtime
    if not full:
        return info
    info["sha256"] = sha256_file(info["path"])
    if info["kind"] == "wheel":
        md = wheel_metadata(info["path"])
    else:
        md = sdist_pkg_info(info["path"])
    info["metadata"] = md if info["kind"] == "wheel" else None
    text = md.decode("utf-8", "replace") if md else ""
    info["requires_python"] = header_field(text, "Requires-Python") if md else None
    return info


# ---- HTTP -----------------------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url, headers=None):
    """(status, headers, body); never follows redirects, never raises on 4xx/5xx."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Anchors(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors = []
        self.metas = []
        self._cur = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._cur = {"attrs": attrs, "text": ""}
            self.anchors.append(self._cur)
        elif tag == "meta":
            self.metas.append(dict(attrs))

    def handle_data(self, data):
        if self._cur is not None:
            self._cur["text"] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._cur = None


def attr_escape(s):
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def packages_path(base, rel):
    """The path a file link must resolve to: <prefix>/packages/<relpath>."""
    path = urllib.parse.urlsplit(base).path
    assert path.endswith("/simple/")
    return path[: -len("simple/")] + "packages/" + urllib.parse.quote(rel)


def relative_link_problems(page_url, link, want_path):
    probs = []
    sp = urllib.parse.urlsplit(link)
    if sp.scheme or sp.netloc or link.startswith("/"):
        probs.append("%s: not a relative link" % link)
    if sp.query:
        probs.append("%s: has a query string (breaks PEP 658 .metadata URLs)" % link)
    got = urllib.parse.urlsplit(urllib.parse.urljoin(page_url, link)).path
    if got != want_path:
        probs.append("%s resolves to %s, expected %s" % (link, got, want_path))
    return probs


def common_headers(label, status, hdrs, ctype, etag_seen):
    probs = []
    if status != 200:
        probs.append("status %s" % status)
    if hdrs.get("Content-Type") != ctype:
        probs.append("Content-Type %r, expected %r" % (hdrs.get("Content-Type"), ctype))
    report("%s: status 200 and Content-Type %s" % (label, ctype), probs)
    vary = [v.strip().lower() for v in (hdrs.get("Vary") or "").split(",")]
    report("%s: Vary: Accept" % label, [] if "accept" in vary else ["Vary: %r" % hdrs.get("Vary")])
    cc = hdrs.get("Cache-Control")
    report("%s: Cache-Control: %s" % (label, CACHE_CONTROL),
           [] if cc == CACHE_CONTROL else ["Cache-Control: %r" % cc])
    etag = hdrs.get("ETag")
    probs = []
    if not etag or not re.match(r'^(W/)?"[^"]+"$', etag):
        probs.append("ETag %r" % etag)
    elif etag in etag_seen:
        probs.append("ETag %s is the same as the one of another representation" % etag)
    report("%s: ETag present and distinct per representation" % label, probs)
    etag_seen.add(etag)
    return etag


def revalidate(label, url, headers, etag):
    if not etag:
        report("%s: If-None-Match gives 304" % label, ["no ETag to revalidate"])
        return
    h = dict(headers)
    h["If-None-Match"] = etag
    st, hd, body = get(url, h)
    probs = []
    if st != 304:
        probs.append("status %s, expected 304" % st)
    if body:
        probs.append("304 with a body of %d bytes" % len(body))
    if st == 304 and hd.get("ETag") != etag:
        probs.append("304 ETag %r, expected %r" % (hd.get("ETag"), etag))
    report("%s: If-None-Match gives 304" % label, probs)
    h["If-None-Match"] = '"not-the-etag"'
    st, _, _ = get(url, h)
    report("%s: a stale If-None-Match gives 200" % label, [] if st == 200 else ["status %s" % st])


# ---- project pages ------------------------------------------------------------

def check_project(a):
    url = urllib.parse.urljoin(a.base, a.project + "/")
    yanked = {}
    for y in a.yanked:
        rel, _, reason = y.partition("=")
        yanked[rel] = reason
    files = {r: describe(i) for r, i in disk_files(a.root).items() if i["project"] == a.project}
    by_name = {i["filename"]: i for i in files.values()}
    label = a.label or a.project
    if not files:
        report("%s: files on disk" % label, ["no file of %s under %s" % (a.project, a.root)])
        return
    unknown = [y for y in yanked if y not in files]
    if unknown:
        report("%s: yanked files given exist" % label, ["not on disk: %s" % unknown])

    # Every wheel's .metadata, as served.
    served_md = {}
    for i in files.values():
        st, _, body = get(urllib.parse.urljoin(a.base, packages_path(a.base, i["rel"]) + ".metadata"))
        served_md[i["rel"]] = (st, body)
    probs = []
    for i in files.values():
        st, body = served_md[i["rel"]]
        if i["kind"] == "wheel" and i["metadata"] is not None:
            if st != 200:
                probs.append("%s.metadata: status %s" % (i["filename"], st))
            elif body != i["metadata"]:
                probs.append("%s.metadata: %d bytes differ from the wheel's METADATA (%d bytes)"
                             % (i["filename"], len(body), len(i["metadata"])))
        elif st != 404:
            probs.append("%s.metadata: status %s for a file without metadata, expected 404" % (i["filename"], st))
    report("%s: .metadata is the wheel's METADATA byte for byte (404 for sdists)" % label, probs)

    def want_md(i):
        st, body = served_md[i["rel"]]
        if i["kind"] != "wheel" or i["metadata"] is None or st != 200:
            return None
        return hashlib.sha256(body).hexdigest()

    etags = set()
    # HTML, no Accept header.
    st, hd, body = get(url)
    etag_h = common_headers("%s html" % label, st, hd, CT_HTML, etags)
    text = body.decode("utf-8", "replace")
    p = Anchors()
    p.feed(text)
    report("%s html: <meta name=\"pypi:repository-version\" content=\"1.1\">" % label,
           [] if META_TAG in text else ["no %s in the page" % META_TAG])
    seen = {}
    for an in p.anchors:
        attrs = dict(an["attrs"])
        href = attrs.get("href") or ""
        fn = urllib.parse.unquote(urllib.parse.urlsplit(href).path.rsplit("/", 1)[-1])
        seen.setdefault(fn, []).append(an)
    probs = []
    for fn, ans in seen.items():
        if fn not in by_name:
            probs.append("listed but not on disk (or not this project's): %s" % fn)
        elif len(ans) != 1:
            probs.append("listed %d times: %s" % (len(ans), fn))
    for fn in by_name:
        if fn not in seen:
            probs.append("on disk but not listed: %s" % fn)
    report("%s html: every file listed exactly once" % label, probs)

    probs_text, probs_href, probs_hash, probs_rp, probs_rp_raw = [], [], [], [], []
    probs_yank, probs_md = [], []
    for fn, ans in seen.items():
        if fn not in by_name:
            continue
        i = by_name[fn]
        an = ans[0]
        attrs = dict(an["attrs"])
        names = [k for k, _ in an["attrs"]]
        href = attrs.get("href") or ""
        if an["text"] != fn:
            probs_text.append("anchor text %r for %s" % (an["text"], fn))
        link, _, frag = href.partition("#")
        probs_href += relative_link_problems(url, link, packages_path(a.base, i["rel"]))
        if frag != "sha256=" + i["sha256"]:
            probs_hash.append("%s: fragment %r, expected sha256=%s" % (fn, frag, i["sha256"]))
        rp = i["requires_python"]
        if rp:
            if attrs.get("data-requires-python") != rp:
                probs_rp.append("%s: data-requires-python %r, expected %r" % (fn, attrs.get("data-requires-python"), rp))
            if 'data-requires-python="%s"' % attr_escape(rp) not in text:
                probs_rp_raw.append("%s: no data-requires-python=\"%s\" in the raw HTML" % (fn, attr_escape(rp)))
        elif "data-requires-python" in names:
            probs_rp.append("%s: data-requires-python %r but the file has none" % (fn, attrs.get("data-requires-python")))
        if i["rel"] in yanked:
            reason = yanked[i["rel"]]
            if "data-yanked" not in names or attrs.get("data-yanked") is None:
                probs_yank.append("%s: yanked but no data-yanked=\"...\" (a bare data-yanked is not yanked for pip)" % fn)
            elif attrs.get("data-yanked") != reason:
                probs_yank.append("%s: data-yanked %r, expected %r" % (fn, attrs.get("data-yanked"), reason))
            elif 'data-yanked="%s"' % attr_escape(reason) not in text:
                probs_yank.append("%s: reason not escaped as data-yanked=\"%s\"" % (fn, attr_escape(reason)))
        elif "data-yanked" in names:
            probs_yank.append("%s: data-yanked=%r but not yanked" % (fn, attrs.get("data-yanked")))
        want = want_md(i)
        for k in ("data-core-metadata", "data-dist-info-metadata"):
            if want:
                if attrs.get(k) != "sha256=" + want:
                    probs_md.append("%s: %s=%r, expected sha256=%s" % (fn, k, attrs.get(k), want))
            elif k in names:
                probs_md.append("%s: %s=%r on a file without metadata" % (fn, k, attrs.get(k)))
    report("%s html: anchor text is the file name" % label, probs_text)
    report("%s html: href relative, resolving to <prefix>/packages/<relpath>" % label, probs_href)
    report("%s html: #sha256= fragment is the file's sha256" % label, probs_hash)
    report("%s html: data-requires-python is the file's Requires-Python" % label, probs_rp)
    report("%s html: data-requires-python is HTML-escaped (&lt; &gt;)" % label, probs_rp_raw)
    report("%s html: data-yanked=\"reason\" exactly on yanked files" % label, probs_yank)
    report("%s html: data-core-metadata = data-dist-info-metadata = sha256 of .metadata (wheels only)" % label,
           probs_md)
    revalidate("%s html" % label, url, {}, etag_h)

    # The same page as application/vnd.pypi.simple.v1+html.
    st, hd, body2 = get(url, {"Accept": CT_V1HTML})
    etag_v = common_headers("%s v1+html" % label, st, hd, CT_V1HTML, etags)
    report("%s v1+html: same document as text/html" % label, [] if body2 == body else ["the bodies differ"])
    revalidate("%s v1+html" % label, url, {"Accept": CT_V1HTML}, etag_v)

    # JSON with pip's exact Accept header.
    st, hd, body = get(url, {"Accept": PIP_ACCEPT})
    etag_j = common_headers("%s json" % label, st, hd, CT_JSON, etags)
    try:
        doc = json.loads(body)
    except ValueError as e:
        report("%s json: parses" % label, ["%s: %r" % (e, body[:200])])
        return
    probs = []
    if (doc.get("meta") or {}).get("api-version") != "1.1":
        probs.append("meta %r" % doc.get("meta"))
    report("%s json: meta.api-version is \"1.1\"" % label, probs)
    report("%s json: name is the normalized name" % label,
           [] if doc.get("name") == a.project else ["name %r" % doc.get("name")])
    want_versions = {normalize_version(i["version"]) for i in files.values()}
    vs = doc.get("versions")
    probs = []
    if not isinstance(vs, list):
        probs.append("versions %r is not a list" % (vs,))
    else:
        if len(vs) != len(set(vs)):
            probs.append("duplicates in %r" % vs)
        if set(vs) != want_versions:
            probs.append("versions %r, expected the set %r" % (sorted(vs), sorted(want_versions)))
    report("%s json: versions is the set of normalized versions" % label, probs)
    jfiles = doc.get("files") or []
    probs = []
    counts = {}
    for f in jfiles:
        counts[f.get("filename")] = counts.get(f.get("filename"), 0) + 1
    for fn, n in counts.items():
        if fn not in by_name:
            probs.append("listed but not on disk (or not this project's): %s" % fn)
        elif n != 1:
            probs.append("listed %d times: %s" % (n, fn))
    for fn in by_name:
        if fn not in counts:
            probs.append("on disk but not listed: %s" % fn)
    report("%s json: every file listed exactly once" % label, probs)
    pu, ph, ps, pt, prp, pmd, py = [], [], [], [], [], [], []
    for f in jfiles:
        fn = f.get("filename")
        if fn not in by_name:
            continue
        i = by_name[fn]
        pu += relative_link_problems(url, f.get("url") or "", packages_path(a.base, i["rel"]))
        h = f.get("hashes")
        if not isinstance(h, dict) or list(h.items())[:1] != [("sha256", i["sha256"])]:
            ph.append("%s: hashes %r, expected {\"sha256\": \"%s\"} first" % (fn, h, i["sha256"]))
        if f.get("size") != i["size"] or not isinstance(f.get("size"), int):
            ps.append("%s: size %r, expected %d" % (fn, f.get("size"), i["size"]))
        ut = f.get("upload-time")
        if not isinstance(ut, str) or not UPLOAD_TIME_RE.match(ut):
            pt.append("%s: upload-time %r is not YYYY-MM-DDTHH:MM:SS.ffffffZ" % (fn, ut))
        else:
            t = datetime.strptime(ut, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
            if abs(t - i["mtime"]) > 5:
                pt.append("%s: upload-time %s is %.0f s away from the file's mtime" % (fn, ut, t - i["mtime"]))
        rp = i["requires_python"]
        if rp and f.get("requires-python") != rp:
            prp.append("%s: requires-python %r, expected %r (raw, unescaped)" % (fn, f.get("requires-python"), rp))
        if not rp and f.get("requires-python") is not None:
            prp.append("%s: requires-python %r but the file has none" % (fn, f.get("requires-python")))
        want = want_md(i)
        if "dist-info-metadata" in f or "data-dist-info-metadata" in f:
            pmd.append("%s: has a dist-info-metadata key (pip 22.3-23.1 crash on it)" % fn)
        if want and f.get("core-metadata") != {"sha256": want}:
            pmd.append("%s: core-metadata %r, expected {\"sha256\": \"%s\"}" % (fn, f.get("core-metadata"), want))
        if not want and f.get("core-metadata") not in (None, False):
            pmd.append("%s: core-metadata %r on a file without metadata" % (fn, f.get("core-metadata")))
        if i["rel"] in yanked:
            reason = yanked[i["rel"]]
            if f.get("yanked") != (reason if reason else True):
                py.append("%s: yanked %r, expected %r" % (fn, f.get("yanked"), reason if reason else True))
        elif f.get("yanked") is not False:
            py.append("%s: yanked %r, expected false" % (fn, f.get("yanked")))
    report("%s json: url relative, resolving to <prefix>/packages/<relpath>" % label, pu)
    report("%s json: hashes is {\"sha256\": <file's sha256>}" % label, ph)
    report("%s json: size is the file size" % label, ps)
    report("%s json: upload-time is YYYY-MM-DDTHH:MM:SS.ffffffZ (the file's mtime)" % label, pt)
    report("%s json: requires-python raw" % label, prp)
    report("%s json: core-metadata {\"sha256\": sha256 of .metadata} for wheels, no dist-info-metadata" % label, pmd)
    report("%s json: yanked is the reason (or true) when yanked, false otherwise" % label, py)
    revalidate("%s json" % label, url, {"Accept": PIP_ACCEPT}, etag_j)


# ---- the project list -----------------------------------------------------

def check_index(a):
    want = {i["project"] for i in disk_files(a.root).values()}
    etags = set()
    st, hd, body = get(a.base)
    etag = common_headers("/simple/ html", st, hd, CT_HTML, etags)
    p = Anchors()
    text = body.decode("utf-8", "replace")
    p.feed(text)
    report("/simple/ html: <meta name=\"pypi:repository-version\" content=\"1.1\">",
           [] if META_TAG in text else ["no %s in the page" % META_TAG])
    hrefs = [dict(an["attrs"]).get("href") for an in p.anchors]
    probs = []
    for an in p.anchors:
        href = dict(an["attrs"]).get("href") or ""
        name = href.rstrip("/")
        sp = urllib.parse.urlsplit(urllib.parse.urljoin(a.base, href))
        if sp.path != urllib.parse.urlsplit(a.base).path + name + "/":
            probs.append("%s does not point at <index>/<name>/" % href)
        if normalize_name(an["text"]) != name:
            probs.append("anchor text %r for %s" % (an["text"], href))
    got = {(h or "").rstrip("/") for h in hrefs}
    if got != want or len(hrefs) != len(got):
        probs.append("projects %s, expected %s" % (sorted(hrefs, key=str), sorted(want)))
    report("/simple/ html: one link per project on disk, to its normalized page", probs)
    revalidate("/simple/ html", a.base, {}, etag)
    st, hd, body = get(a.base, {"Accept": PIP_ACCEPT})
    etag = common_headers("/simple/ json", st, hd, CT_JSON, etags)
    probs = []
    try:
        doc = json.loads(body)
        if (doc.get("meta") or {}).get("api-version") != "1.1":
            probs.append("meta %r" % doc.get("meta"))
        names = [normalize_name(x.get("name", "")) for x in doc.get("projects", [])]
        if set(names) != want or len(names) != len(want):
            probs.append("projects %s, expected %s" % (sorted(names), sorted(want)))
    except (ValueError, AttributeError) as e:
        probs.append("bad JSON: %s: %r" % (e, body[:200]))
    report("/simple/ json: api-version 1.1 and every project on disk once", probs)
    revalidate("/simple/ json", a.base, {"Accept": PIP_ACCEPT}, etag)


# ---- the welcome page -----------------------------------------------------

def check_welcome(a):
    files = disk_files(a.root)
    nproj = len({i["project"] for i in files.values()})
    st, hd, body = get(a.url)
    text = body.decode("utf-8", "replace")
    report("welcome page: 200 text/html", [] if st == 200 and (hd.get("Content-Type") or "").startswith("text/html")
           else ["status %s, Content-Type %r" % (st, hd.get("Content-Type"))])
    report("welcome page: shows the index URL %s" % a.expect_url,
           [] if html.escape(a.expect_url) in text else ["%s not in:" % a.expect_url, text[:1500]])
    probs = []
    if not re.search(r"\b%d projects?\b" % nproj, text):
        probs.append("no '%d projects' (projects on disk: %s)" % (nproj, sorted({i["project"] for i in files.values()})))
    if not re.search(r"\b%d files?\b" % len(files), text):
        probs.append("no '%d files' (files on disk: %s)" % (len(files), sorted(files)))
    if probs:
        probs.append(re.sub(r"<[^>]+>", "", text)[:600])
    report("welcome page: counts %d projects and %d files" % (nproj, len(files)), probs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["project", "index", "welcome"])
    ap.add_argument("--base", help="the index URL, ending in /simple/")
    ap.add_argument("--url", help="the welcome page URL")
    ap.add_argument("--expect-url", help="the index URL the welcome page must show")
    ap.add_argument("--root", required=True)
    ap.add_argument("--project")
    ap.add_argument("--label")
    ap.add_argument("--yanked", action="append", default=[])
    a = ap.parse_args()
    if a.mode == "project":
        check_project(a)
    elif a.mode == "index":
        check_index(a)
    else:
        check_welcome(a)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
