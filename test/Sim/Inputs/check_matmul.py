#!/usr/bin/env python3
"""Checks c = bf16(a @ b) with f32 accumulation (inputs are small integers
and quarters, so every product and partial sum is exact in f32)."""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
from npytool import load  # noqa: E402


def bf16(x):
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return struct.unpack("<f", struct.pack("<I", bits))[0]


_, (m, k), a = load(sys.argv[1])
_, (_, n), b = load(sys.argv[2])
dtype, shape, c = load(sys.argv[3])
assert tuple(shape) == (m, n), shape
bad = 0
for i in range(m):
    for j in range(n):
        ref = bf16(sum(bf16(a[i * k + p]) * bf16(b[p * n + j]) for p in range(k)))
        if c[i * n + j] != ref:
            bad += 1
            if bad < 5:
                print("c[%d,%d] = %r, expected %r" % (i, j, c[i * n + j], ref))
if bad:
    sys.exit("%d mismatches" % bad)
print("ok")
