#!/usr/bin/env python3
"""Writes and prints small .npy files without numpy (tests only).

  npytool.py make OUT.npy DTYPE SHAPE EXPR   e.g. make x.npy f32 4x64 "i*0.5"
      EXPR is a Python expression in the flat index i (math is imported).
  npytool.py dump IN.npy [N]                 prints dtype, shape and values
      (the first N and the last N only, when N is given)
"""
import ast
import math
import struct
import sys

CODES = {"f32": ("<f4", "f"), "f64": ("<f8", "d"), "i32": ("<i4", "i"),
         "i64": ("<i8", "q"), "i8": ("|i1", "b"), "u8": ("|u1", "B"),
         "i16": ("<i2", "h"), "f16": ("<f2", "e")}
BY_DESCR = {v[0]: (k, v[1]) for k, v in CODES.items()}


def make(out, dtype, shape, expr):
    dims = [int(d) for d in shape.split("x")] if shape else []
    n = 1
    for d in dims:
        n *= d
    descr, fmt = CODES[dtype]
    # Compiled once: evaluating the text anew for each of a million elements
    # took seconds.
    code = compile(expr, "<expr>", "eval")
    env = {"math": math}
    vals = []
    for i in range(n):
        env["i"] = i
        vals.append(eval(code, env))
    if fmt in "bBhiq":
        vals = [int(v) for v in vals]
    shape_txt = "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_txt)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(out, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (n, fmt), *vals))


def load(path):
    data = open(path, "rb").read()
    hlen = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10:10 + hlen].decode())
    n = 1
    for d in header["shape"]:
        n *= d
    if header["descr"] == "<V2":  # bf16 (numpy has no bf16): raw 16-bit words
        raw = struct.unpack_from("<%dH" % n, data, 10 + hlen)
        vals = [struct.unpack("<f", struct.pack("<I", w << 16))[0] for w in raw]
        return "bf16", header["shape"], vals
    dtype, fmt = BY_DESCR[header["descr"]]
    vals = struct.unpack_from("<%d%s" % (n, fmt), data, 10 + hlen)
    return dtype, header["shape"], list(vals)


def dump(path, count=None):
    dtype, shape, vals = load(path)
    print("dtype", dtype, "shape", "x".join(str(d) for d in shape))
    if count is not None and 2 * count < len(vals):
        vals = vals[:count] + vals[-count:]
    for v in vals:
        print(repr(v))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(*sys.argv[2:6])
    else:
        dump(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
