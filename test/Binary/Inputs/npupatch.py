#!/usr/bin/env python3
"""Makes damaged copies of a .npu file for the loader's error tests.

  npupatch.py IN OUT truncate N        drop the last N bytes
  npupatch.py IN OUT flip OFFSET       flip one byte (checksum now wrong)
  npupatch.py IN OUT version V         set the format version (checksum kept valid, as
                                       that version computes it)
  npupatch.py IN OUT opcode V          set the first instruction's opcode, reseal
  npupatch.py IN OUT shares S V        set stream S's `shares` (version 5), reseal
  npupatch.py IN OUT debugcount N      set the debug map's first run's count (version 6), reseal
  npupatch.py IN OUT sargindex V       set the argument index of stream 0's first
                                       instruction (an sarg), reseal
"""
import struct
import sys


def fnv(data, h=1469598103934665603):
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


M = 0xFFFFFFFFFFFFFFFF
P1, P2, P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
P4, P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def xround(acc, v):
    return rotl((acc + v * P2) & M, 31) * P1 & M


def xxh64(data, seed=0):
    """XXH64, as lib/Support/Hash.cpp (the checksum since format version 4)."""
    n, p = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while p + 32 <= n:
            for i in range(4):
                v[i] = xround(v[i], struct.unpack_from("<Q", data, p + 8 * i)[0])
            p += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for x in v:
            h = ((h ^ xround(0, x)) * P1 + P4) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while p + 8 <= n:
        h ^= xround(0, struct.unpack_from("<Q", data, p)[0])
        h = (rotl(h, 27) * P1 + P4) & M
        p += 8
    if p + 4 <= n:
        h ^= struct.unpack_from("<I", data, p)[0] * P1 & M
        h = (rotl(h, 23) * P2 + P3) & M
        p += 4
    while p < n:
        h ^= data[p] * P5 & M
        h = rotl(h, 11) * P1 & M
        p += 1
    h ^= h >> 33
    h = h * P2 & M
    h ^= h >> 29
    h = h * P3 & M
    return h ^ (h >> 32)


def reseal(d):
    """The file checksum for the version the header now records."""
    d[24:32] = b"\0" * 8
    if struct.unpack_from("<I", d, 8)[0] <= 3:
        h = fnv(bytes(d))
    else:
        h = xxh64(bytes(d[32:]), xxh64(bytes(d[:24])))
    d[24:32] = struct.pack("<Q", h)


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
        if kind == 2:  # version 5: core_type, core_index, shares, args, count
            at = off + 16 + 8 * struct.unpack_from("<I", d, off + 12)[0] + 4
            d[at:at + 2] = struct.pack("<H", int(sys.argv[4]))
            break
    reseal(d)
elif what == "debugcount":  # version 6: the first run's instruction count
    nsec = struct.unpack_from("<I", d, 72)[0]
    for i in range(nsec):
        kind, _, off, _ = struct.unpack_from("<IIQQ", d, 80 + 24 * i)
        if kind == 5:
            at = off + 4
            for _ in range(struct.unpack_from("<I", d, off)[0]):  # names
                at += 4 + struct.unpack_from("<I", d, at)[0]
            assert struct.unpack_from("<I", d, at)[0] > 0  # runs
            d[at + 12:at + 16] = struct.pack("<I", int(sys.argv[4]))
            break
    reseal(d)
elif what in ("shares", "sargindex"):
    want = int(sys.argv[4]) if what == "shares" else 0
    nsec = struct.unpack_from("<I", d, 72)[0]
    for i in range(nsec):
        kind, index, off, _ = struct.unpack_from("<IIQQ", d, 80 + 24 * i)
        if kind == 2 and index == want:
            if what == "shares":
                d[off + 8:off + 12] = struct.pack("<I", int(sys.argv[5]))
            else:
                nargs = struct.unpack_from("<I", d, off + 12)[0]
                instr = off + 16 + 8 * nargs + 4
                assert struct.unpack_from("<H", d, instr)[0] == 77  # sarg
                d[instr + 11:instr + 19] = struct.pack("<q", int(sys.argv[4]))
            break
    reseal(d)
open(dst, "wb").write(bytes(d))
