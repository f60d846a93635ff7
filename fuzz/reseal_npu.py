#!/usr/bin/python3
"""Copies a .npu fuzzer artifact with its size and checksum fields fixed.

The .npu fuzzers reseal every input before decoding (FuzzChecksum.h: XXH64
since format version 4, FNV-1a 64 in version 3), so a
crash they report is reproduced by the tools only after the same fix-up:
  reseal_npu.py build-fuzz/artifacts/program/crash-XYZ test/malformed/npu/NAME.npu
A corpus case made for an older description of its preset (the tools then
stop at "built for a different description of target ... (hash H1, this one
is H2)") is refreshed with the current hash:
  reseal_npu.py CASE.npu CASE.npu --target-hash H2
test/malformed/make_corpus.py imports reseal() from here.
"""
import struct
import sys


def fnv(data, h=1469598103934665603):
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
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
    """Sets the size and checksum fields of the .npu image `d` (a bytearray)
    as the version the header records computes them (FuzzChecksum.h)."""
    if len(d) >= 32:
        d[16:24] = struct.pack("<Q", len(d))
        d[24:32] = b"\0" * 8
        if struct.unpack_from("<I", d, 8)[0] <= 3:
            h = fnv(bytes(d))
        else:
            h = xxh64(bytes(d[32:]), xxh64(bytes(d[:24])))
        d[24:32] = struct.pack("<Q", h)
    return d


def retarget(d, target_hash):
    """Records `target_hash` (the header's target hash, offset 32) in the
    .npu image `d`: a corpus case made for an older description of its
    preset then reaches the reader it was made for again. Reseal after."""
    if len(d) >= 40:
        d[32:40] = struct.pack("<Q", target_hash)
    return d


if __name__ == "__main__":
    args = sys.argv[1:]
    d = bytearray(open(args[0], "rb").read())
    if len(args) == 4 and args[2] == "--target-hash":
        retarget(d, int(args[3], 16))
    elif len(args) != 2:
        sys.exit("usage: reseal_npu.py IN OUT [--target-hash 0xHASH]")
    open(args[1], "wb").write(bytes(reseal(d)))
