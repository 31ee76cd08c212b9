#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# soak.py: the upload and download side of the soak test: clients that upload new wheels and download files
# until a deadline, then a check that every accepted upload is listed with its hash and every refused one is absent.
"""soak.py --url BASE --user U --password P --seconds S --uploaders N --downloaders M --out DIR

Uploaders post unique wheels (project soak-<k>, version 1.<i>), about one in
eight deliberately broken (a wrong digest: must be refused with 400), and
remove (remove_pkg) what they uploaded KEEP versions earlier, so the tree
stays the same size and memory can be judged flat.
Downloaders fetch the files listed in /simple/ pages. At the end the pages
are checked against what the server accepted. Prints ok/not ok lines for
run_checks, and counts in DIR/counts.json.
"""
import argparse
import base64
import hashlib
import http.client
import io
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_upload import BOUNDARY, body, form, part  # noqa: E402


def wheel(name, version):
    under = re.sub(r"[-_.]+", "_", name)
    di = "%s-%s.dist-info" % (under, version)
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("%s/__init__.py" % under, "V = %r\n" % version)
        z.writestr("%s/METADATA" % di, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version))
        z.writestr("%s/WHEEL" % di, "Wheel-Version: 1.0\nGenerator: soak\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr("%s/RECORD" % di, "")
    return "%s-%s-py3-none-any.whl" % (under, version), bio.getvalue()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.status = {}
        self.errors = []
        self.accepted = {}  # filename -> (project, sha256)
        self.refused = {}   # filename -> project
        self.removed = {}   # filename -> project

    def count(self, kind, st):
        with self.lock:
            k = "%s %s" % (kind, st)
            self.status[k] = self.status.get(k, 0) + 1


def conn(u):
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def uploader(k, a, u, deadline, st):
    auth = "Basic " + base64.b64encode(("%s:%s" % (a.user, a.password)).encode()).decode()
    project = "soak-%d" % k
    i = 0
    rnd = random.Random(k)
    while time.time() < deadline:
        i += 1
        fn, data = wheel(project, "1.%d" % i)
        broken = rnd.random() < 0.125
        sha = "0" * 64 if broken else hashlib.sha256(data).hexdigest()
        b = body(form(project, "1.%d" % i, data, fn, sha=sha))
        try:
            c = conn(u)
            c.request("POST", u.path.rstrip("/") + "/legacy/", body=b, headers={
                "Authorization": auth, "Content-Type": "multipart/form-data; boundary=" + BOUNDARY})
            r = c.getresponse()
            r.read()
            c.close()
        except Exception as e:  # noqa: BLE001 - every transport error is counted
            with st.lock:
                st.errors.append("upload %s: %r" % (fn, e))
            continue
        st.count("upload", r.status)
        with st.lock:
            if r.status == 200:
                st.accepted[fn] = (project, hashlib.sha256(data).hexdigest())
            else:
                st.refused[fn] = project
            if (r.status == 200) == broken:
                st.errors.append("upload %s: status %d for a %s upload" % (fn, r.status, "broken" if broken else "good"))
        old = i - a.keep
        oldfn = "%s-1.%d-py3-none-any.whl" % (re.sub(r"[-_.]+", "_", project), old)
        with st.lock:
            remove = old > 0 and oldfn in st.accepted
        if remove:
            rb = body([part(":action", "remove_pkg"), part("name", project), part("version", "1.%d" % old)])
            try:
                c = conn(u)
                c.request("POST", u.path.rstrip("/") + "/", body=rb, headers={
                    "Authorization": auth, "Content-Type": "multipart/form-data; boundary=" + BOUNDARY})
                r = c.getresponse()
                r.read()
                c.close()
            except Exception as e:  # noqa: BLE001
                with st.lock:
                    st.errors.append("remove %s: %r" % (oldfn, e))
                continue
            st.count("remove", r.status)
            with st.lock:
                if r.status == 200:
                    st.removed[oldfn] = project
                else:
                    st.errors.append("remove %s: status %d" % (oldfn, r.status))


def downloader(k, a, u, deadline, st, urls):
    rnd = random.Random(1000 + k)
    while time.time() < deadline:
        path = rnd.choice(urls)
        try:
            c = conn(u)
            c.request("GET", path)
            r = c.getresponse()
            n = 0
            while True:
                chunk = r.read(1 << 16)
                if not chunk:
                    break
                n += len(chunk)
            c.close()
        except Exception as e:  # noqa: BLE001
            with st.lock:
                st.errors.append("download %s: %r" % (path, e))
            continue
        st.count("download", r.status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--uploaders", type=int, default=8)
    ap.add_argument("--downloaders", type=int, default=32)
    ap.add_argument("--keep", type=int, default=20, help="versions kept per uploader")
    ap.add_argument("--files", required=True, help="file with one download path per line")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    urls = [line.strip() for line in open(a.files) if line.strip()]
    st = Stats()
    deadline = time.time() + a.seconds
    ts = [threading.Thread(target=uploader, args=(k, a, u, deadline, st)) for k in range(a.uploaders)]
    ts += [threading.Thread(target=downloader, args=(k, a, u, deadline, st, urls)) for k in range(a.downloaders)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()

    # Every accepted upload listed with its hash, every refused one absent.
    listed = {}
    for k in range(a.uploaders):
        c = conn(u)
        c.request("GET", u.path.rstrip("/") + "/simple/soak-%d/" % k)
        r = c.getresponse()
        page = r.read().decode()
        c.close()
        for m in re.finditer(r'href="[^"#]*/([^/"#]+)#sha256=([0-9a-f]{64})"', page):
            listed[m.group(1)] = m.group(2)
    lost = [fn for fn, (_, sha) in st.accepted.items() if fn not in st.removed and listed.get(fn) != sha]
    ghosts = [fn for fn in st.refused if fn in listed] + [fn for fn in st.removed if fn in listed]
    fivexx = sum(v for k, v in st.status.items() if k.split()[1].startswith("5"))
    json.dump({"status": st.status, "accepted": len(st.accepted), "refused": len(st.refused),
               "removed": len(st.removed), "errors": len(st.errors)}, open(os.path.join(a.out, "counts.json"), "w"))
    print(("ok" if not st.errors else "not ok") + " soak: no transport errors or wrong answers on uploads and downloads")
    for e in st.errors[:20]:
        print("# " + e)
    print(("ok" if fivexx == 0 else "not ok") + " soak: no 5xx on uploads and downloads (%s)" % json.dumps(st.status))
    print(("ok" if st.accepted and not lost else "not ok") +
          " soak: all %d accepted uploads not removed since are listed with the right sha256" % len(st.accepted))
    for fn in lost[:20]:
        print("# lost or wrong: " + fn)
    print(("ok" if st.refused and st.removed and not ghosts else "not ok") +
          " soak: none of the %d refused uploads and %d removed releases is listed" % (len(st.refused), len(st.removed)))
    for fn in ghosts[:20]:
        print("# listed although refused: " + fn)


if __name__ == "__main__":
    main()
