#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# archive-bombs.py: writes the archive shapes bench/archive-bombs.sh measures, streaming (little memory).
#
#   archive-bombs.py tgz-zeros PATH [GIB]   a .tar.gz whose first member is GIB (8) GiB of zeros, then PKG-INFO
#   archive-bombs.py wheel-entries PATH [N] a wheel: METADATA first, then N (1500000) central directory
#                                           records of one-byte names that all point at it
import struct
import sys
import zlib

MIB = 1 << 20
MD = b"Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n"


def tar_header(name, size):
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    # Base-256 (GNU) as the size may need more than 11 octal digits.
    h[124:136] = bytes([0x80]) + size.to_bytes(11, "big")
    h[136:148] = b"14500000000\0"
    h[148:156] = b"        "
    h[156:157] = b"0"
    h[257:265] = b"ustar\x0000"
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def gz_member(data):
    """One gzip member; concatenated members are one gzip stream to every reader."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def tgz_zeros(path, gib):
    size = gib << 30
    zeros = gz_member(bytes(MIB))
    with open(path, "wb") as f:
        f.write(gz_member(tar_header("bomb-1.0/zeros", size)))
        for _ in range(size // MIB):
            f.write(zeros)
        f.write(gz_member(tar_header("bomb-1.0/PKG-INFO", len(MD)) + MD + bytes(-len(MD) % 512) + bytes(1024)))


def wheel_entries(path, n):
    name = b"bomb-1.0.dist-info/METADATA"
    crc = zlib.crc32(MD)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(MD), len(MD), len(name), 0))
        f.write(name + MD)
        cd = f.tell()
        f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc, len(MD), len(MD),
                            len(name), 0, 0, 0, 0, 0, 0) + name)
        rec = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) + b"x"
        chunk = rec * 10000
        left = n
        while left:
            k = min(left, 10000)
            f.write(chunk if k == 10000 else rec * k)
            left -= k
        end = f.tell()
        total = n + 1
        # zip64 end records: more than 65535 entries.
        f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, total, total, end - cd, cd))
        f.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))


def main():
    what, path = sys.argv[1], sys.argv[2]
    if what == "tgz-zeros":
        tgz_zeros(path, int(sys.argv[3]) if len(sys.argv) > 3 else 8)
    elif what == "wheel-entries":
        wheel_entries(path, int(sys.argv[3]) if len(sys.argv) > 3 else 1500000)
    else:
        sys.exit("usage: archive-bombs.py tgz-zeros|wheel-entries PATH [SIZE]")


if __name__ == "__main__":
    main()
