#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""probe.py DIR... : prints, for the record, what the filesystems under the
given directories (mounts of one tree) do with what pypi-fcgi relies on:
O_TMPFILE, flock(2) between two mounts, flock(LOCK_EX) on a read-only
descriptor, link(2) onto a name that exists, and whether a file made through
the first mount is seen at once through each other one (stat of the
directory, and of the name). Nothing here is a check: every line is a fact
found, or the error met."""
import errno
import fcntl
import os
import sys


def err(e):
    return "%s (%s)" % (errno.errorcode.get(e.errno, e.errno), e.strerror)


def line(label, fn):
    try:
        res = fn()
    except OSError as e:
        res = err(e)
    print("probe: %-48s %s" % (label + ":", res))


def tmpfile(d):
    fd = os.open(d, os.O_TMPFILE | os.O_RDWR, 0o644)
    os.close(fd)
    return "works"


def cross_flock(a, b, name):
    fa = os.open(os.path.join(a, name), os.O_RDWR)
    fb = os.open(os.path.join(b, name), os.O_RDWR)
    try:
        fcntl.flock(fa, fcntl.LOCK_EX)
        try:
            fcntl.flock(fb, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return "NOT exclusive: the second mount got the lock the first holds"
        except OSError as e:
            return "exclusive (second mount: %s)" % errno.errorcode.get(e.errno, e.errno)
    finally:
        os.close(fb)
        os.close(fa)


def rdonly_flock(d, name):
    fd = os.open(os.path.join(d, name), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return "works"
    finally:
        os.close(fd)


def link_over(a, b):
    src, dst = os.path.join(a, "probe-src"), os.path.join(a, "probe-dst")
    open(src, "w").close()
    open(os.path.join(b, "probe-dst"), "w").close()
    try:
        os.link(src, dst)
        return "SUCCEEDED: the name made through the other mount was replaced"
    except FileExistsError:
        return "EEXIST"
    finally:
        os.unlink(src)
        os.unlink(dst)


def seen_at_once(a, b):
    before = os.stat(b).st_mtime_ns
    os.stat(os.path.join(b, "."))
    try:
        os.stat(os.path.join(b, "probe-new"))
    except FileNotFoundError:
        pass
    open(os.path.join(a, "probe-new"), "w").close()
    try:
        dir_changed = os.stat(b).st_mtime_ns != before
        name_seen = os.path.exists(os.path.join(b, "probe-new"))
        listed = "probe-new" in os.listdir(b)
        return "directory mtime changed: %s; the name: %s; in the listing: %s" % (
            "yes" if dir_changed else "no", "found" if name_seen else "not found", "yes" if listed else "no")
    finally:
        os.unlink(os.path.join(a, "probe-new"))


def main():
    dirs = [os.path.join(d, "probe") for d in sys.argv[1:]]
    os.makedirs(dirs[0], exist_ok=True)
    open(os.path.join(dirs[0], "probe-lock"), "w").close()
    for d in dirs:
        line("O_TMPFILE in %s" % d, lambda: tmpfile(d))
    for d in dirs[1:]:
        line("flock %s vs %s" % (dirs[0], d), lambda: cross_flock(dirs[0], d, "probe-lock"))
    for d in dirs:
        line("flock LOCK_EX, O_RDONLY fd, %s" % d, lambda: rdonly_flock(d, "probe-lock"))
    for d in dirs[1:]:
        line("link onto a name made through %s" % d, lambda: link_over(dirs[0], d))
        line("a new file through %s, at once in %s" % (dirs[0], d), lambda: seen_at_once(dirs[0], d))
    os.unlink(os.path.join(dirs[0], "probe-lock"))
    os.rmdir(dirs[0])


main()
