#!/usr/bin/env python3
"""Makes damaged copies of a .npu file for the loader's error tests.

  npupatch.py IN OUT truncate N        drop the last N bytes
  npupatch.py IN OUT flip OFFSET       flip one byte (checksum now wrong)
  npupatch.py IN OUT version V         set the format version (checksum kept valid)
  npupatch.py IN OUT opcode V          set the first instruction's opcode, reseal
"""
import struct
import sys


def fnv(data, h=1469598103934665603):
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def reseal(d):
    d[24:32] = b"\0" * 8
    d[24:32] = struct.pack("<Q", fnv(bytes(d)))


src, dst, what = sys.argv[1], sys.argv[2], sys.argv[3]
d = bytearray(open(src, "rb").read())
if what == "truncate":
    d = d[:-int(sys.argv[4])]
elif what == "flip":
    d[int(sys.argv[4])] ^= 0x5A
elif what == "version":
    d[8:12] = struct.pack("<I", int(sys.argv[4]))
    reseal(d)
elif what == "opcode":
    nsec = struct.unpack_from("<I", d, 72)[0]
    for i in range(nsec):
        kind, _, off, _ = struct.unpack_from("<IIQQ", d, 80 + 24 * i)
        if kind == 2:
            d[off + 12:off + 14] = struct.pack("<H", int(sys.argv[4]))
            break
    reseal(d)
open(dst, "wb").write(bytes(d))
