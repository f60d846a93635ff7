#!/usr/bin/python3
"""Rewrites a format-2 .npu program (a fuzzer artifact) as format 3.

Format 3 (scalar control) appends to every tile its register-relative parts:
u8 num_terms (0 here: a static tile) and u8 extent_dim (0xFF: static
extents). Opcodes 0..51 and their fields are unchanged, so the STREAM
sections are re-encoded tile by tile and every other section is copied. The
damage that made the artifact a test case (an overflowing tile, an I/O entry
that wraps) is carried over byte for byte. The presets' descriptions gained
a `scalar` section, so the recorded target hash is taken from REF.npu, a
format-3 program compiled for the same target. The result is resealed.
  upgrade_npu_v3.py IN.npu OUT.npu BUILD/include/tessera/Binary/IsaTable.inc \
      REF.npu
"""
import re
import struct
import sys


def fnv(data, h=1469598103934665603):
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


src, dst, table, ref = sys.argv[1:5]
# opcode -> (tiles, ints, has float), from the generated instruction table.
ops = []
for line in open(table):
    m = re.match(r'\{"(\w+)", OpClass::\w+, PipeRule::\w+, Pipe::\w+, (\d), '
                 r'\{[^}]*\}, (\d), \{[^}]*\}, \{[^}]*\}, (nullptr|"\w+")', line)
    if m:
        ops.append((int(m.group(2)), int(m.group(3)), m.group(4) != "nullptr"))

d = open(src, "rb").read()
assert struct.unpack_from("<I", d, 8)[0] == 2, "not a format-2 program"


def stream(s):
    out = bytearray(s[:12])  # core_type, core_index, count
    count = struct.unpack_from("<I", s, 8)[0]
    pos = 12
    for _ in range(count):
        op = struct.unpack_from("<H", s, pos)[0]
        tiles, ints, flt = ops[op]
        out += s[pos:pos + 3]
        pos += 3
        for _ in range(tiles):
            rank = s[pos + 3]
            n = 4 + 8 + 16 * rank
            out += s[pos:pos + n] + b"\0\xff"
            pos += n
        n = 8 * ints + (4 if flt else 0)
        out += s[pos:pos + n]
        pos += n
    assert pos == len(s), "trailing bytes in a stream section"
    return bytes(out)


nsec = struct.unpack_from("<I", d, 72)[0]
secs = []
for i in range(nsec):
    kind, index, off, size = struct.unpack_from("<IIQQ", d, 80 + 24 * i)
    body = d[off:off + size]
    secs.append((kind, index, stream(body) if kind == 2 else body))
img = bytearray(d[:80]) + bytearray(24 * nsec)
struct.pack_into("<I", img, 8, 3)
r = open(ref, "rb").read()
assert struct.unpack_from("<I", r, 8)[0] == 3, "REF is not a format-3 program"
name = lambda b: bytes(b[40:72]).split(b"\0")[0]
assert name(r) == name(d), "REF was compiled for another target"
img[32:40] = r[32:40]
for i, (kind, index, body) in enumerate(secs):
    while len(img) % 8:
        img.append(0)
    struct.pack_into("<IIQQ", img, 80 + 24 * i, kind, index, len(img), len(body))
    img += body
struct.pack_into("<Q", img, 16, len(img))
img[24:32] = b"\0" * 8
struct.pack_into("<Q", img, 24, fnv(bytes(img)))
open(dst, "wb").write(bytes(img))
