#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# mkdist.py: builds real, installable test distributions (wheels, sdists) with the stdlib.
"""Build real distributions for the end-to-end tests.

  mkdist.py wheel --out DIR --name NAME --version VER [options]
  mkdist.py sdist --out DIR --name NAME --version VER [options]
  mkdist.py metadata WHEEL        (prints the METADATA bytes of a wheel)

Options:
  --file-name X        the name part of the file name (default: NAME with
                       runs of -_. turned into _, as PEP 427/625 spell it)
  --import-name PKG    the package inside (default: file name part, lowercased)
  --requires-python S  Requires-Python
  --requires-dist D    Requires-Dist (repeatable)
  --summary S          Summary (default: a line naming the distribution)
  --header 'F: V'      one more metadata field (repeatable), e.g. Project-URL
  --description TEXT   the description (the metadata's body)
  --pad-mib N          wheels: add PKG/data.bin, stored, so that the wheel is
                       just under N MiB (random bytes; for large uploads)

Wheels are zip files with PKG/__init__.py and NAME-VER.dist-info/{METADATA,
WHEEL,RECORD}, RECORD carrying urlsafe-base64 sha256 digests and sizes.
Sdists are NAME-VER.tar.gz with PKG-INFO, pyproject.toml (setuptools.build_meta),
setup.cfg and the package, so pip builds them with build isolation.
The path of the file built is printed on stdout.
"""
import argparse
import base64
import hashlib
import io
import os
import re
import sys
import tarfile
import time
import zipfile


def escaped(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def metadata_text(a):
    lines = [
        "Metadata-Version: 2.1",
        "Name: %s" % a.name,
        "Version: %s" % a.version,
        "Summary: %s" % (a.summary if a.summary is not None else
                         "pypi-fcgi end-to-end test distribution %s" % a.name),
        "License: MIT",
    ]
    if a.requires_python:
        lines.append("Requires-Python: %s" % a.requires_python)
    for d in a.requires_dist:
        lines.append("Requires-Dist: %s" % d)
    lines.extend(a.header)
    lines.append("")
    lines.append(a.description if a.description is not None else
                 "Test distribution built by tests/e2e/mkdist.py.")
    return "\n".join(lines) + "\n"


def module_text(a):
    return '"""%s, built by mkdist.py."""\n__version__ = %r\nNAME = %r\n' % (a.name, a.version, a.name)


def record_hash(data):
    d = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(d).rstrip(b"=").decode("ascii")


def zip_add(zf, path, data):
    # A fixed date inside the zip keeps wheels reproducible (zip needs >= 1980).
    zi = zipfile.ZipInfo(path, date_time=(2020, 2, 2, 0, 0, 0))
    zi.external_attr = 0o644 << 16
    zi.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(zi, data)


def build_wheel(a):
    fname = a.file_name or escaped(a.name)
    pkg = a.import_name or escaped(a.name)
    distinfo = "%s-%s.dist-info" % (fname, a.version)
    files = [
        ("%s/__init__.py" % pkg, module_text(a).encode()),
        ("%s/METADATA" % distinfo, metadata_text(a).encode()),
        ("%s/WHEEL" % distinfo,
         b"Wheel-Version: 1.0\nGenerator: mkdist.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    record = io.StringIO()
    for path, data in files:
        record.write("%s,%s,%d\n" % (path, record_hash(data), len(data)))
    record.write("%s/RECORD,,\n" % distinfo)
    files.append(("%s/RECORD" % distinfo, record.getvalue().encode()))
    out = os.path.join(a.out, "%s-%s-py3-none-any.whl" % (fname, a.version))
    with zipfile.ZipFile(out, "w") as zf:
        for path, data in files:
            zip_add(zf, path, data)
        if a.pad_mib:
            # Streamed in 1 MiB blocks: never the whole file in memory. Not
            # in RECORD (pip does not check a wheel's RECORD on install).
            block = os.urandom(1 << 20)
            zi = zipfile.ZipInfo("%s/data.bin" % pkg, date_time=(2020, 2, 2, 0, 0, 0))
            with zf.open(zi, "w", force_zip64=True) as f:
                for _ in range(a.pad_mib - 1):
                    f.write(block)
                f.write(block[: (1 << 20) - (64 << 10)])
    return out


def build_sdist(a):
    fname = a.file_name or escaped(a.name)
    pkg = a.import_name or escaped(a.name)
    top = "%s-%s" % (fname, a.version)
    setup_cfg = ["[metadata]", "name = %s" % a.name, "version = %s" % a.version,
                 "description = pypi-fcgi end-to-end test sdist", "", "[options]",
                 "packages = %s" % pkg]
    if a.requires_python:
        setup_cfg.append("python_requires = %s" % a.requires_python)
    if a.requires_dist:
        setup_cfg.append("install_requires =")
        setup_cfg.extend("    %s" % d for d in a.requires_dist)
    files = [
        ("PKG-INFO", metadata_text(a).encode()),
        ("pyproject.toml",
         b'[build-system]\nrequires = ["setuptools>=40.8.0", "wheel"]\n'
         b'build-backend = "setuptools.build_meta"\n'),
        ("setup.cfg", ("\n".join(setup_cfg) + "\n").encode()),
        ("%s/__init__.py" % pkg, module_text(a).encode()),
    ]
    out = os.path.join(a.out, "%s.tar.gz" % top)
    now = int(time.time())
    with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        dirs = sorted({top} | {"%s/%s" % (top, os.path.dirname(p)) for p, _ in files if "/" in p})
        for d in dirs:
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            ti.mtime = now
            tf.addfile(ti)
        for path, data in files:
            ti = tarfile.TarInfo("%s/%s" % (top, path))
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = now
            tf.addfile(ti, io.BytesIO(data))
    return out


def wheel_metadata(path):
    """The METADATA bytes of the single top-level *.dist-info directory."""
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if re.match(r"^[^/]+\.dist-info/METADATA$", n)]
        if len(names) != 1:
            raise SystemExit("%s: %d METADATA files" % (path, len(names)))
        return zf.read(names[0])


def main(argv):
    if len(argv) == 2 and argv[0] == "metadata":
        sys.stdout.buffer.write(wheel_metadata(argv[1]))
        return 0
    p = argparse.ArgumentParser(description="build test distributions")
    p.add_argument("kind", choices=["wheel", "sdist"])
    p.add_argument("--out", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--file-name")
    p.add_argument("--import-name")
    p.add_argument("--requires-python")
    p.add_argument("--requires-dist", action="append", default=[])
    p.add_argument("--pad-mib", type=int, default=0)
    p.add_argument("--summary")
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--description")
    a = p.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    print(build_wheel(a) if a.kind == "wheel" else build_sdist(a))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
