#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# check_upload.py: hostile, racing and aborted uploads against a running pypi-fcgi, checked from outside.
"""Drive the upload API with bodies twine would never send.

  check_upload.py hostile --url URL --user U --password P --root ROOT --wheel W
  check_upload.py race    --url URL --user U --password P --root ROOT --wheel W --other W2
  check_upload.py abort   --url URL --user U --password P --root ROOT --wheel W
  check_upload.py body    --wheel W [--name N --version V]   (a twine-shaped
                          body on stdout, boundary BOUNDARY, for cgi-fcgi)

Prints "ok DESC" / "not ok DESC" lines (diagnostics as "# ..." lines) for
run_checks in lib.sh. Every rejected upload must leave the package tree as
it was: no file, no sidecar, no staging file.
"""
import argparse
import base64
import hashlib
import http.client
import io
import os
import socket
import sys
import threading
import urllib.parse
import zipfile

BOUNDARY = "0123456789abcdef0123456789abcdef"


def say(ok, desc, *diag):
    print(("ok " if ok else "not ok ") + desc)
    for d in diag:
        for line in str(d).splitlines():
            print("# " + line)


def tree(root):
    """Every file below root with its size and mtime."""
    out = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            if f == ".lock":
                continue  # created by readers too
            st = os.lstat(p)
            out[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns)
    return out


def part(name, value, filename=None, ctype=None, raw_header=None):
    if raw_header is not None:
        head = raw_header
    else:
        head = b'Content-Disposition: form-data; name="%s"' % name.encode()
        if filename is not None:
            head += b'; filename="' + (filename if isinstance(filename, bytes) else filename.encode()) + b'"'
        if ctype:
            head += b"\r\nContent-Type: " + ctype.encode()
    if isinstance(value, str):
        value = value.encode()
    return b"--" + BOUNDARY.encode() + b"\r\n" + head + b"\r\n\r\n" + value + b"\r\n"


def body(parts, close=True):
    b = b"".join(parts)
    if close:
        b += b"--" + BOUNDARY.encode() + b"--\r\n"
    return b


def form(name, version, data, filename, filetype=None, sha=None, extra=(), content=True, action="file_upload"):
    if filetype is None:
        filetype = "bdist_wheel" if filename.endswith(".whl") else "sdist"
    ps = [
        part("metadata_version", "2.1"),
        part("name", name),
        part("version", version),
        part("filetype", filetype),
        part("pyversion", "py3" if filetype == "bdist_wheel" else "source"),
        part("sha256_digest", sha if sha is not None else hashlib.sha256(data).hexdigest()),
        part(":action", action),
        part("protocol_version", "1"),
    ]
    ps += list(extra)
    if content:
        ps.append(part("content", data, filename=filename, ctype="application/octet-stream"))
    return ps


class Client:
    def __init__(self, url, user, password):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = u.hostname, u.port, u.path or "/"
        self.auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()

    def post(self, data, ctype=None, headers=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=60)
        h = {"Authorization": self.auth, "Content-Type": ctype or "multipart/form-data; boundary=" + BOUNDARY}
        h.update(headers or {})
        c.request("POST", self.path, body=data, headers=h)
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, r.reason, text, dict((k.lower(), v) for k, v in r.getheaders())


def zip_bytes(entries, compression=zipfile.ZIP_DEFLATED):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression) as z:
        for n, d in entries:
            z.writestr(n, d)
    return bio.getvalue()


def hostile(a):
    cl = Client(a.url, a.user, a.password)
    wheel = open(a.wheel, "rb").read()
    wname = os.path.basename(a.wheel)
    proj, ver = wname.split("-")[0], wname.split("-")[1]
    bomb = zip_bytes([("%s-%s.dist-info/METADATA" % (proj, ver), b"Metadata-Version: 2.1\n" + b"\0" * (64 << 20)),
                      ("%s-%s.dist-info/WHEEL" % (proj, ver), b"Wheel-Version: 1.0\n")])
    notzip = b"this is not a zip archive\n" * 100
    many = [part("f%d" % i, "x") for i in range(10000)] + form(proj, ver, wheel, wname)
    cases = [
        ("filename with '/'", body(form(proj, ver, wheel, "../" + wname)), 400, "'/'"),
        ("filename '..'", body(form(proj, ver, wheel, "..")), 400, "starts with '.'"),
        ("filename with a backslash", body(form(proj, ver, wheel, "x\\" + wname)), 400, "'\\'"),
        ("filename with a NUL byte", body(form(proj, ver, wheel, wname.replace("-", "\0", 1))), 400, ""),
        ("filename with a leading dot", body(form(proj, ver, wheel, "." + wname)), 400, "starts with '.'"),
        ("filename not matching the form's name", body(form("other-project", ver, wheel, wname)), 400,
         "Start filename for"),
        ("filename not matching the form's version", body(form(proj, "9.9", wheel, wname)), 400,
         "Version in filename"),
        ("extension not matching filetype", body(form(proj, ver, wheel, wname, filetype="sdist")), 400,
         "Invalid file extension"),
        ("no 'content' part", body(form(proj, ver, wheel, wname, content=False)), 400, "does not have a file"),
        ("no ':action'", body([p for p in form(proj, ver, wheel, wname) if b'":action"' not in p]), 400,
         "Missing ':action'"),
        ("unknown ':action'", body(form(proj, ver, wheel, wname, action="frobnicate")), 400, "Unsupported"),
        ("no digest", body([p for p in form(proj, ver, wheel, wname) if b"sha256_digest" not in p]), 400,
         "at least one message digest"),
        ("a digest that does not match", body(form(proj, ver, wheel, wname, sha="0" * 64)), 400,
         "does not match"),
        ("an invalid project name with HTML", body(form("<script>alert(1)</script>", ver, wheel, wname)), 400,
         "invalid value for Name"),
        ("a wheel that is not a zip", body(form(proj, ver, notzip, wname)), 400, "Invalid distribution file"),
        ("a wheel whose METADATA is a decompression bomb", body(form(proj, ver, bomb, wname)), 400,
         "Invalid distribution file"),
        ("duplicate 'content' parts",
         body(form(proj, ver, wheel, wname) + [part("content", wheel, filename=wname, ctype="application/octet-stream")]),
         400, "more than one 'content'"),
        ("multipart with no closing boundary", body(form(proj, ver, wheel, wname), close=False), 400, "Malformed"),
        ("a part header of 1 MiB", body([part("x", "y", raw_header=b"X-Pad: " + b"a" * (1 << 20))] +
                                        form(proj, ver, wheel, wname)), (400, 413), "Malformed"),
        ("10,000 parts", body(many), (400, 413), "Malformed"),
        ("garbage instead of multipart", b"\x00\xff" * 5000, 400, "Malformed"),
    ]
    before = tree(a.root)
    for desc, data, want, text in cases:
        try:
            st, reason, msg, hdr = cl.post(data)
        except Exception as e:  # noqa: BLE001 - any transport error is a failure here
            say(False, "hostile upload: %s" % desc, "request failed: %r" % e)
            continue
        wants = want if isinstance(want, tuple) else (want,)
        after = tree(a.root)
        problems = []
        if st not in wants:
            problems.append("status %d, expected %s" % (st, wants))
        if text and text not in msg:
            problems.append("body lacks %r" % text)
        if not hdr.get("content-type", "").startswith("text/plain"):
            problems.append("Content-Type %r" % hdr.get("content-type"))
        if after != before:
            problems.append("the tree changed: %r" % sorted(set(after.items()) ^ set(before.items())))
        say(not problems, "hostile upload answered %s and wrote nothing: %s" % ("/".join(map(str, wants)), desc),
            *(problems + ["status line reason: %s" % reason, "body: %s" % msg[:300]]) if problems else [])
    # The HTML never gets back as markup: text/plain and nosniff.
    st, _, msg, hdr = cl.post(body(form("<b>x</b>", ver, wheel, wname)))
    say(st == 400 and hdr.get("x-content-type-options") == "nosniff" and hdr.get("content-type", "").startswith(
        "text/plain"), "a rejected HTML name comes back as text/plain with nosniff", "status %d headers %r" % (st, hdr))
    st, _, msg, _ = cl.post(b"", headers={"Content-Length": "0"})
    say(st == 400 and "empty body" in msg, "CONTENT_LENGTH 0 with an upload is refused", "status %d: %s" % (st, msg))
    # A urlencoded form is taken (pypiserver's remove_pkg); other types are not.
    st, _, msg, _ = cl.post(b"name=x", ctype="text/plain")
    say(st == 400 and "multipart" in msg, "a body neither multipart nor urlencoded is refused",
        "status %d: %s" % (st, msg))


def race(a):
    cl = Client(a.url, a.user, a.password)
    one, two = open(a.wheel, "rb").read(), open(a.other, "rb").read()
    wname = os.path.basename(a.wheel)
    assert wname == os.path.basename(a.other) and one != two
    proj, ver = wname.split("-")[0], wname.split("-")[1]
    results = {}

    def go(key, data):
        try:
            results[key] = cl.post(body(form(proj, ver, data, wname)))[0]
        except Exception as e:  # noqa: BLE001
            results[key] = repr(e)

    ts = [threading.Thread(target=go, args=(k, d)) for k, d in (("one", one), ("two", two))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    st = sorted(str(v) for v in results.values())
    say(st == ["200", "409"], "two racing uploads of one filename: one 200, one 409", "statuses: %r" % results)
    found = [os.path.join(d, f) for d, _, fs in os.walk(a.root) for f in fs if f == wname]
    winner = one if results.get("one") == 200 else two
    ok = len(found) == 1 and open(found[0], "rb").read() == winner
    say(ok, "the stored file is the winner's bytes", "found: %r" % found)


def abort(a):
    """Headers and half the body, then the connection closes."""
    wheel = open(a.wheel, "rb").read()
    wname = os.path.basename(a.wheel)
    proj, ver = wname.split("-")[0], wname.split("-")[1]
    data = body(form(proj, ver, wheel, wname))
    u = urllib.parse.urlsplit(a.url)
    before = tree(a.root)
    auth = base64.b64encode(("%s:%s" % (a.user, a.password)).encode()).decode()
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    head = ("POST %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Basic %s\r\n"
            "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n" %
            (u.path, u.hostname, u.port, auth, BOUNDARY, len(data)))
    s.sendall(head.encode() + data[: len(data) // 2])
    s.close()
    # The server notices on its own time; the check is that nothing appears.
    import time
    time.sleep(1.0)
    after = tree(a.root)
    say(after == before, "a client that hangs up mid-body leaves the tree as it was",
        "changed: %r" % sorted(set(after.items()) ^ set(before.items())))


def make_body(a):
    data = open(a.wheel, "rb").read()
    wname = os.path.basename(a.wheel)
    name = a.name or wname.split("-")[0]
    version = a.version or wname.split("-")[1]
    sys.stdout.buffer.write(body(form(name, version, data, wname)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["hostile", "race", "abort", "body"])
    ap.add_argument("--url")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--root")
    ap.add_argument("--wheel", required=True)
    ap.add_argument("--other")
    ap.add_argument("--name")
    ap.add_argument("--version")
    a = ap.parse_args()
    if a.what != "body" and not (a.url and a.user and a.password and a.root):
        ap.error("--url, --user, --password and --root are needed")
    {"hostile": hostile, "race": race, "abort": abort, "body": make_body}[a.what](a)


if __name__ == "__main__":
    main()
