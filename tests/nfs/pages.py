#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pages.py: what an index host lists and serves, for test_nfs.sh.

  pages.py files BASE PROJECT     one line per file on BASE/simple/PROJECT/:
                                  "NAME SHA256 URL"; nothing when the page is 404
  pages.py projects BASE          the project names on BASE/simple/, one a line
  pages.py agree BASE PROJECT [NAME...]
                                  downloads each listed file (or only the NAMEs,
                                  which must be listed) and compares its bytes'
                                  sha256 with the one the page gives: "ok NAME",
                                  or "bad NAME: ..."; exit status 1 when any is
                                  bad or the page lists none of them
Every request has a time limit (60 s); a failed request is reported, never
retried.
"""
import hashlib
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

LINK = re.compile(r'<a [^>]*href="([^"]*)"[^>]*>([^<]*)</a>')


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def files(base, project):
    url = "%s/simple/%s/" % (base, project)
    status, body = get(url)
    if status == 404:
        return []
    if status != 200:
        raise SystemExit("GET %s: status %d" % (url, status))
    out = []
    for href, text in LINK.findall(body.decode()):
        path, _, frag = href.partition("#")
        sha = frag[len("sha256="):] if frag.startswith("sha256=") else ""
        out.append((text.strip(), sha, urllib.parse.urljoin(url, path)))
    return out


def main():
    cmd, base = sys.argv[1], sys.argv[2].rstrip("/")
    if cmd == "files":
        for name, sha, url in files(base, sys.argv[3]):
            print(name, sha or "-", url)
    elif cmd == "projects":
        status, body = get(base + "/simple/")
        if status != 200:
            raise SystemExit("GET %s/simple/: status %d" % (base, status))
        for _, text in LINK.findall(body.decode()):
            print(text.strip())
    elif cmd == "agree":
        listed = files(base, sys.argv[3])
        want = sys.argv[4:]
        bad = 0
        for name in want:
            if name not in [n for n, _, _ in listed]:
                print("bad %s: not listed on %s" % (name, base))
                bad += 1
        for name, sha, url in listed:
            if want and name not in want:
                continue
            status, body = get(url)
            got = hashlib.sha256(body).hexdigest()
            if status != 200:
                print("bad %s: %s answered %d" % (name, url, status))
                bad += 1
            elif got != sha:
                print("bad %s: %s lists sha256 %s, serves bytes with sha256 %s" % (name, base, sha, got))
                bad += 1
            else:
                print("ok %s %s" % (name, sha))
        if not listed:
            print("bad: %s lists no file of %s" % (base, sys.argv[3]))
        sys.exit(1 if bad or not listed else 0)
    else:
        raise SystemExit(__doc__)


main()
