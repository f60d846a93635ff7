#!/usr/bin/python3
"""Copies a .npu fuzzer artifact with its size and checksum fields fixed.

The .npu fuzzers reseal every input before decoding (FuzzChecksum.h), so a
crash they report is reproduced by the tools only after the same fix-up:
  reseal_npu.py build-fuzz/artifacts/program/crash-XYZ test/malformed/npu/NAME.npu
"""
import struct
import sys


def fnv(data, h=1469598103934665603):
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


d = bytearray(open(sys.argv[1], "rb").read())
if len(d) >= 32:
    d[16:24] = struct.pack("<Q", len(d))
    d[24:32] = b"\0" * 8
    d[24:32] = struct.pack("<Q", fnv(bytes(d)))
open(sys.argv[2], "wb").write(bytes(d))
