#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mkpages.py: render PEP 503/691 and JSON API pages for a tree into a null-fcgi page directory (self-test stand-in).

Only used by bench.sh when BENCH_SELFTEST=1, where null-fcgi stands in for
pypi-fcgi on /pf/: it needs a page for every project (warm-up, capture, cold
pages, the listing, the JSON API pages). Layout (see null-fcgi.c):
OUT/simple/index.html, OUT/simple/<p>/index.html, OUT/simple/<p>/index.json,
OUT/packages/index.html (every file) and OUT/pypi/<p>/json (the JSON API page,
its URLs relative: the stand-in cannot know the base it is reached at), each
with a .hdr file of headers (Content-Type, ETag, Vary). The pages are
plausible, not a reference for pypi-fcgi's output.

    mkpages.py ROOT OUT
"""

import hashlib
import html
import json
import os
import sys

HASH_LIMIT = 64 << 20  # do not hash the large sparse files


def write_page(path, body, ctype):
    with open(path, "wb") as f:
        f.write(body)
    etag = '"%s"' % hashlib.sha256(body).hexdigest()[:24]
    with open(path + ".hdr", "w") as f:
        f.write("Content-Type: %s\nETag: %s\nVary: Accept\nCache-Control: max-age=600\n" % (ctype, etag))


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: mkpages.py ROOT OUT\n")
        return 2
    root, out = argv[1], argv[2]
    projects = sorted(p for p in os.listdir(root)
                      if not p.startswith(".") and os.path.isdir(os.path.join(root, p)))
    os.makedirs(os.path.join(out, "simple"), exist_ok=True)
    head = '<!DOCTYPE html>\n<html>\n<head>\n<meta name="pypi:repository-version" content="1.1">\n'
    links = "".join('<a href="%s/">%s</a>\n' % (html.escape(p), html.escape(p)) for p in projects)
    write_page(os.path.join(out, "simple", "index.html"),
               (head + "<title>Simple index</title>\n</head>\n<body>\n" + links + "</body>\n</html>\n").encode(),
               "text/html; charset=utf-8")
    listing = []
    for p in projects:
        d = os.path.join(root, p)
        files = []
        for fn in sorted(os.listdir(d)):
            path = os.path.join(d, fn)
            if fn.startswith(".") or not os.path.isfile(path):
                continue
            size = os.path.getsize(path)
            digest = None
            if size <= HASH_LIMIT:
                with open(path, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            files.append((fn, size, digest))
        pd = os.path.join(out, "simple", p)
        os.makedirs(pd, exist_ok=True)
        body = [head, "<title>Links for %s</title>\n</head>\n<body>\n<h1>Links for %s</h1>\n"
                % (html.escape(p), html.escape(p))]
        jfiles = []
        for fn, size, digest in files:
            url = "../../packages/%s/%s" % (p, fn)
            frag = "#sha256=" + digest if digest else ""
            listing.append('<a href="%s/%s%s">%s/%s</a><br>\n'
                           % (html.escape(p), html.escape(fn), frag, html.escape(p), html.escape(fn)))
            body.append('<a href="%s%s">%s</a><br>\n' % (html.escape(url), frag, html.escape(fn)))
            jfiles.append({"filename": fn, "url": url, "hashes": {"sha256": digest} if digest else {},
                           "size": size})
        body.append("</body>\n</html>\n")
        write_page(os.path.join(pd, "index.html"), "".join(body).encode(), "text/html; charset=utf-8")
        doc = {"meta": {"api-version": "1.1"}, "name": p, "files": jfiles, "versions": []}
        write_page(os.path.join(pd, "index.json"), json.dumps(doc, separators=(",", ":")).encode(),
                   "application/vnd.pypi.simple.v1+json")
        urls = [{"filename": fn, "url": "../../../packages/%s/%s" % (p, fn), "size": size,
                 "digests": {"sha256": digest} if digest else {}} for fn, size, digest in files]
        api = {"info": {"name": p, "project_url": "../../../simple/%s/" % p}, "last_serial": 0,
               "releases": {}, "urls": urls, "vulnerabilities": []}
        ad = os.path.join(out, "pypi", p)
        os.makedirs(ad, exist_ok=True)
        write_page(os.path.join(ad, "json"), json.dumps(api, separators=(",", ":")).encode(), "application/json")
    os.makedirs(os.path.join(out, "packages"), exist_ok=True)
    write_page(os.path.join(out, "packages", "index.html"),
               (head + "<title>Files</title>\n</head>\n<body>\n" + "".join(listing) + "</body>\n</html>\n").encode(),
               "text/html; charset=utf-8")
    print("mkpages: %d project pages in %s" % (len(projects), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
