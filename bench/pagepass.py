#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pagepass.py: request every project page once from a FastCGI responder on a unix socket.

    pagepass.py --socket PATH --projects FILE [--threads N] [--timeout S]

FILE holds one project name per line; each /simple/<name>/ is requested once
(HTML, SCRIPT_NAME ""), spread over N client threads. Waits up to --timeout
seconds for the socket to answer first. Prints one JSON object: pages, ok
(status 200), errors (first few), seconds.
"""

import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coldstart import fcgi_get  # noqa: E402  (the benchmark's FastCGI client)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--projects", required=True)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=60.0)
    a = ap.parse_args()
    with open(a.projects) as f:
        names = [line.strip() for line in f if line.strip()]
    deadline = time.monotonic() + a.timeout
    while True:
        try:
            fcgi_get(a.socket, "/health", 5.0)
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.stderr.write("pagepass: %s does not answer\n" % a.socket)
                return 1
            time.sleep(0.01)
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "errors": []}

    def work():
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(names):
                return
            try:
                st, _ = fcgi_get(a.socket, "/simple/%s/" % names[i], a.timeout)
                err = None if st == 200 else "%s: status %d" % (names[i], st)
            except OSError as e:
                err = "%s: %s" % (names[i], e)
            with lock:
                if err is None:
                    state["ok"] += 1
                elif len(state["errors"]) < 5:
                    state["errors"].append(err)

    t0 = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(max(1, a.threads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"pages": len(names), "ok": state["ok"], "errors": state["errors"],
                      "seconds": round(time.monotonic() - t0, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
