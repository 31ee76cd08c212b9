#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fcgi_slow.py: raw FastCGI clients whose request bodies arrive slowly or
never, against a pypi-fcgi unix socket; each mode prints one line per
finding for the calling test to compare.

  fcgi_slow.py slots SOCK BODY AUTH N      N uploads that send part of BODY and stop;
                                           then a GET; prints "refused K", "get STATUS", "held H"
  fcgi_slow.py parked SOCK BODY AUTH N GOOD  N uploads that stop part-way, then the whole
                                           upload GOOD; prints "good STATUS" and "stalled STATUS..."
  fcgi_slow.py stall SOCK BODY AUTH        one upload that stops after part of BODY; prints its status
  fcgi_slow.py trickle SOCK BODY AUTH      one upload trickling 10 bytes every 0.2 s; prints its status
  fcgi_slow.py trickle401 SOCK BODY        an upload without a login that trickles its body
                                           on; meanwhile a GET; prints "post STATUS", "get STATUS"

Every wait is bounded (LIMIT seconds, default 30) and every socket is
closed before it exits. Nothing here measures time: a wait that runs out
is reported as "none" and the test fails on the status, not on a clock.
"""
import os
import socket
import struct
import sys
import threading
import time

LIMIT = float(os.environ.get("LIMIT", "30"))


def rec(t, body):
    return struct.pack(">BBHHBB", 1, t, 1, len(body), 0, 0) + body


def nv(k, v):
    ln = lambda n: struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(k)) + ln(len(v)) + k + v


def begin(sock_path, params):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    p = b"".join(nv(k.encode(), v.encode()) for k, v in params.items())
    s.sendall(rec(1, struct.pack(">HB5x", 1, 0)) + rec(4, p) + rec(4, b""))
    return s


def status(s, timeout):
    """The Status line of the answer, or "none" when none came in time."""
    s.settimeout(timeout)
    buf = b""
    try:
        while True:
            while len(buf) >= 8:
                _, t, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
                if len(buf) < 8 + clen + plen:
                    break
                if t == 7 and clen:
                    # The request's log lines: the caller's stderr.
                    sys.stderr.write(buf[8:8 + clen].decode(errors="replace"))
                if t == 6:
                    return buf[8:8 + clen].split(b"\r\n", 1)[0].decode()
                buf = buf[8 + clen + plen:]
            d = s.recv(65536)
            if not d:
                return "closed"
            buf += d
    except socket.timeout:
        return "none"
    except OSError as e:
        return "error " + e.__class__.__name__


def post_params(body, auth):
    p = {"REQUEST_METHOD": "POST", "REQUEST_URI": "/legacy/", "SCRIPT_NAME": "",
         "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "multipart/form-data; boundary=0123456789abcdef0123456789abcdef"}
    if auth:
        p["HTTP_AUTHORIZATION"] = auth
    return p


def get(sock_path):
    s = begin(sock_path, {"REQUEST_METHOD": "GET", "REQUEST_URI": "/simple/demo/", "SCRIPT_NAME": ""})
    s.sendall(rec(5, b""))
    st = status(s, LIMIT)
    s.close()
    return st


def main():
    mode, sock_path, body_file = sys.argv[1:4]
    body = open(body_file, "rb").read()
    auth = sys.argv[4] if len(sys.argv) > 4 and mode != "trickle401" else None
    head = rec(5, body[:200])
    if mode == "slots":
        n = int(sys.argv[5])
        want_refused = int(sys.argv[6]) if len(sys.argv) > 6 else 0
        conns = []
        for _ in range(n):
            s = begin(sock_path, post_params(body, auth))
            s.sendall(head)
            conns.append(s)
        # The one refused answers at once; the others are waiting for
        # their bodies and have nothing to say.
        refused = 0
        deadline = time.monotonic() + (LIMIT if want_refused else 1)
        pending = list(conns)
        while refused < want_refused and time.monotonic() < deadline:
            for s in list(pending):
                st = status(s, 0.05)
                if st.startswith("Status: 503"):
                    refused += 1
                    pending.remove(s)
        print("refused", refused)
        print("get", get(sock_path))
        held = sum(1 for s in pending if status(s, 0.2) == "none")
        print("held", held)
        for s in conns:
            s.close()
    elif mode == "parked":
        n = int(sys.argv[5])
        good = open(sys.argv[6], "rb").read()
        conns = []
        for _ in range(n):
            s = begin(sock_path, post_params(body, auth))
            s.sendall(head)
            conns.append(s)
        g = begin(sock_path, post_params(good, auth))
        assert len(good) < 65536, "GOOD must fit one FastCGI record"
        g.sendall(rec(5, good) + rec(5, b""))
        print("good", status(g, LIMIT))
        print("stalled", " ".join(status(s, LIMIT).split(" ")[1] for s in conns))
        g.close()
        for s in conns:
            s.close()
    elif mode == "stall":
        s = begin(sock_path, post_params(body, auth))
        s.sendall(head)
        print(status(s, LIMIT))
        s.close()
    elif mode == "trickle":
        s = begin(sock_path, post_params(body, auth))
        s.sendall(head)
        stop = threading.Event()

        def drip():
            off = 200
            while not stop.is_set() and off < len(body):
                try:
                    s.sendall(rec(5, body[off:off + 10]))
                except OSError:
                    return
                off += 10
                stop.wait(0.2)
        t = threading.Thread(target=drip)
        t.start()
        print(status(s, LIMIT))
        stop.set()
        t.join()
        s.close()
    elif mode == "trickle401":
        s = begin(sock_path, post_params(body, None))
        s.sendall(head)
        print("post", status(s, LIMIT))
        stop = threading.Event()

        def drip():
            while not stop.is_set():
                try:
                    s.sendall(rec(5, b"x" * 10))
                except OSError:
                    return
                stop.wait(0.2)
        t = threading.Thread(target=drip)
        t.start()
        print("get", get(sock_path))
        stop.set()
        t.join()
        s.close()


if __name__ == "__main__":
    main()
