#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""modclosure.py MODDIR MODULE...: the module files (paths relative to
MODDIR) that MODULE... need, dependencies first, from MODDIR/modules.dep.
Modules built into the kernel are not in modules.dep and are left out."""
import os
import sys


def key(path):
    return os.path.basename(path).split(".ko")[0].replace("-", "_")


def main():
    moddir, wanted = sys.argv[1], sys.argv[2:]
    deps = {}
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.rstrip("\n").partition(":")
            deps[key(path)] = (path, rest.split())
    order, seen = [], set()

    def add(name):
        name = name.replace("-", "_")
        if name in seen or name not in deps:
            return
        seen.add(name)
        for d in deps[name][1]:
            add(key(d))
        order.append(deps[name][0])

    for w in wanted:
        add(w)
    for path in order:
        if not path.endswith(".ko"):
            sys.exit("modclosure.py: %s is compressed; busybox insmod needs plain .ko files" % path)
        print(path)


main()
