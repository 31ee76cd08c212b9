#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""visible.py: time from an upload's 200 (through one process) to the file on another process's page.

    visible.py --upload-url URL --user U --password P --socket PATH --project NAME
               [--timeout S] [--ready-timeout S] WHEEL...

Waits (--ready-timeout) until the other process answers /health. The first
WHEEL is uploaded untimed (it creates the project). For each
further WHEEL: the other process (a FastCGI responder on the unix socket
PATH, with SCRIPT_NAME "") renders /simple/NAME/ once, so its page is
cached; the wheel is POSTed to URL (twine's multipart form, Basic auth,
sha256_digest); from the moment the whole 200 response has been read, the
page is requested from the other process back to back until it lists the
file name. Prints one JSON object: runs_ms, median_ms, max_ms, polls (per
run), upload_ms (each POST), errors.
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart import fcgi_get  # noqa: E402  (the benchmark's FastCGI client)


def multipart(fields, file_field, file_name, data):
    boundary = "pypi-fcgi-bench-" + hashlib.sha256(data).hexdigest()[:24]
    parts = []
    for k, v in fields:
        parts.append(('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                      % (boundary, k, v)).encode())
    parts.append(('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                  'Content-Type: application/octet-stream\r\n\r\n'
                  % (boundary, file_field, file_name)).encode() + data + b"\r\n")
    parts.append(("--%s--\r\n" % boundary).encode())
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


def upload(url, user, password, project, path, timeout):
    """POSTs one wheel; returns (status, body). The version is the file name's second part."""
    name = os.path.basename(path)
    version = name.split("-")[1]
    with open(path, "rb") as f:
        data = f.read()
    fields = [(":action", "file_upload"), ("protocol_version", "1"), ("name", project),
              ("version", version), ("filetype", "bdist_wheel"), ("pyversion", "py3"),
              ("metadata_version", "2.1"), ("sha256_digest", hashlib.sha256(data).hexdigest())]
    body, ctype = multipart(fields, "content", name, data)
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        auth = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        conn.request("POST", u.path, body=body, headers={
            "Content-Type": ctype, "Authorization": "Basic " + auth, "Content-Length": str(len(body))})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upload-url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--project", required=True)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--ready-timeout", type=float, default=120.0)
    ap.add_argument("wheels", nargs="+")
    a = ap.parse_args()
    if len(a.wheels) < 2:
        ap.error("need at least two wheels (the first is not timed)")
    deadline = time.monotonic() + a.ready_timeout
    while True:
        try:
            fcgi_get(a.socket, "/health", a.ready_timeout)
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.stderr.write("visible: %s does not answer\n" % a.socket)
                return 1
            time.sleep(0.01)
    uri = "/simple/%s/" % a.project
    runs, polls, uploads, errors = [], [], [], []
    for i, path in enumerate(a.wheels):
        fname = os.path.basename(path).encode()
        if i > 0:
            st, body = fcgi_get(a.socket, uri, a.timeout)
            if st != 200 or fname in body:
                errors.append("%s: before the upload the other process answered %d%s"
                              % (fname.decode(), st, " and already lists it" if st == 200 else ""))
                continue
        t0 = time.monotonic()
        st, body = upload(a.upload_url, a.user, a.password, a.project, path, a.timeout * 6)
        t1 = time.monotonic()
        if st != 200:
            errors.append("%s: upload answered %d: %s" % (fname.decode(), st, body[:200].decode("replace")))
            continue
        if i == 0:
            continue
        uploads.append(round((t1 - t0) * 1000.0, 1))
        n = 0
        while True:
            n += 1
            st, body = fcgi_get(a.socket, uri, a.timeout)
            t2 = time.monotonic()
            if st == 200 and fname in body:
                runs.append(round((t2 - t1) * 1000.0, 2))
                polls.append(n)
                break
            if t2 - t1 > a.timeout:
                errors.append("%s: not on the other process's page %.0f s after the upload's 200"
                              % (fname.decode(), a.timeout))
                runs.append(round((t2 - t1) * 1000.0, 2))
                polls.append(n)
                break
    out = {"runs_ms": runs, "polls": polls, "upload_ms": uploads, "errors": errors}
    if runs:
        out["median_ms"] = round(statistics.median(runs), 2)
        out["max_ms"] = max(runs)
    print(json.dumps(out))
    return 0 if runs and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
