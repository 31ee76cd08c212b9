#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""coldstart.py: time from exec of a FastCGI responder to its first answered page.

    coldstart.py --socket PATH --uri /simple/p/ [--runs N] [--timeout S] [--log FILE] -- CMD [ARGS...]

Each run removes PATH, starts CMD (which must listen on the unix socket PATH),
then connects as soon as the socket accepts and sends one FastCGI GET for URI
(SCRIPT_NAME "", PATH_INFO and REQUEST_URI = URI), retrying until a response
with status 200 and a non-empty body arrives. The time from just before exec
to the end of that response is one sample. The process then gets SIGTERM and
is given 5 s to exit (SIGKILL after that; counted as a stop timeout).
Prints one JSON object on stdout: runs_ms, median_ms, stop_ms, stop_timeouts.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


def _record(rtype, content, rid=1):
    return struct.pack("!BBHHBB", 1, rtype, rid, len(content), 0, 0) + content


def _nvlen(n):
    return struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)


def fcgi_get(path, uri, timeout):
    """One FastCGI GET over the unix socket at path. Returns (status, body) or
    raises OSError when the socket does not accept yet."""
    params = {
        "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "REQUEST_URI": uri,
        "SCRIPT_NAME": "", "PATH_INFO": uri, "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1", "REQUEST_SCHEME": "http", "HTTP_ACCEPT": "text/html",
    }
    pb = b"".join(_nvlen(len(k)) + _nvlen(len(v.encode())) + k.encode() + v.encode()
                  for k, v in params.items())
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(_record(FCGI_BEGIN_REQUEST, struct.pack("!HB5x", 1, 0)) + _record(FCGI_PARAMS, pb)
                  + _record(FCGI_PARAMS, b"") + _record(FCGI_STDIN, b""))
        buf, out = b"", []
        while True:
            while len(buf) >= 8:
                _, rtype, _, clen, plen, _ = struct.unpack("!BBHHBB", buf[:8])
                if len(buf) < 8 + clen + plen:
                    break
                content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
                if rtype == FCGI_STDOUT:
                    out.append(content)
                elif rtype == FCGI_END_REQUEST:
                    return _parse_cgi(b"".join(out))
            chunk = s.recv(65536)
            if not chunk:
                return _parse_cgi(b"".join(out))
            buf += chunk
    finally:
        s.close()


def _parse_cgi(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    status = 200
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            status = int(line.split()[1])
    return status, body


def one_run(cmd, path, uri, timeout, log):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    deadline = t0 + timeout
    try:
        while True:
            if time.monotonic() > deadline:
                raise RuntimeError("no page within %.0f s" % timeout)
            if proc.poll() is not None:
                raise RuntimeError("exited with status %d before answering" % proc.returncode)
            try:
                status, body = fcgi_get(path, uri, max(0.1, deadline - time.monotonic()))
            except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError, BrokenPipeError):
                time.sleep(0.0005)  # not listening yet, or closed on us while starting
                continue
            except socket.timeout:
                raise RuntimeError("no page within %.0f s" % timeout)
            if status == 200 and body:
                elapsed = (time.monotonic() - t0) * 1000.0
                break
            time.sleep(0.001)
    finally:
        ts = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
            stopped = True
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            stopped = False
        stop_ms = (time.monotonic() - ts) * 1000.0
    return elapsed, stop_ms, stopped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--uri", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--log", default=os.devnull)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("missing CMD")
    runs, stops, timeouts = [], [], 0
    with open(a.log, "ab") as log:
        for i in range(a.runs):
            ms, stop_ms, stopped = one_run(cmd, a.socket, a.uri, a.timeout, log)
            runs.append(round(ms, 1))
            stops.append(round(stop_ms, 1))
            timeouts += not stopped
            sys.stderr.write("coldstart: run %d: %.1f ms to first page, stop %.1f ms%s\n"
                             % (i + 1, ms, stop_ms, "" if stopped else " (SIGKILL)"))
    print(json.dumps({"runs_ms": runs, "median_ms": round(statistics.median(runs), 1),
                      "stop_ms": stops, "stop_timeouts": timeouts}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        sys.stderr.write("coldstart: %s\n" % e)
        sys.exit(1)
