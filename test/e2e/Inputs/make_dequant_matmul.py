"""Writes dequant_matmul.mlir: graph.dequant_matmul with seeded int4 and FP8
weights (prefill-like M = 40 and decode-like M = 1 products whose K and N
are not multiples of the tiles, the quantization blocks or each other) and
the inputs x_<name>.npy.

usage: make_dequant_matmul.py OUT_DIR
"""
import os
import sys

import numpy as np


def dense_hex(a):
    return '"0x' + a.tobytes().hex().upper() + '"'


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(5)
    # name: (format, M, K, N, block_n, block_k)
    cases = {
        "i4_prefill": ("int4", 40, 200, 72, 1, 64),
        "i4_decode": ("int4", 1, 520, 136, 1, 128),
        "f8_prefill": ("fp8_e4m3", 40, 200, 300, 128, 128),
        "f8_decode": ("fp8_e4m3", 1, 520, 136, 128, 128),
    }
    args, body, results, rets = [], [], [], []
    for name, (fmt, m, k, n, bn, bk) in cases.items():
        gn, gk = -(-n // bn), -(-k // bk)
        if fmt == "int4":
            q = rng.integers(0, 256, size=(n, k // 2)).astype(np.uint8)
            zero = rng.integers(0, 16, size=(gn, gk)).astype(np.uint8)
        else:
            q = rng.integers(0, 256, size=(n, k)).astype(np.uint8)
            # No NaN codes (S.1111.111).
            q[(q & 0x7F) == 0x7F] = 0x7E
        s = (rng.random((gn, gk)) * 0.02 + 0.001).astype(np.float32)
        np.save(os.path.join(out, "x_%s.npy" % name),
                rng.standard_normal((m, k)).astype(np.float32))
        args.append('%%x_%s: tensor<%dx%dxf32> {graph.name = "x_%s"}' % (name, m, k, name))
        body.append("  %%%s_w = graph.constant dense<%s> : tensor<%dx%dxui8>" %
                    (name, dense_hex(q), q.shape[0], q.shape[1]))
        body.append("  %%%s_s = graph.constant dense<%s> : tensor<%dx%dxf32>" %
                    (name, dense_hex(s), gn, gk))
        operands = "%%x_%s, %%%s_w, %%%s_s" % (name, name, name)
        types = "tensor<%dx%dxf32>, tensor<%dx%dxui8>, tensor<%dx%dxf32>" % (
            m, k, q.shape[0], q.shape[1], gn, gk)
        if fmt == "int4":
            body.append("  %%%s_z = graph.constant dense<%s> : tensor<%dx%dxui8>" %
                        (name, dense_hex(zero), gn, gk))
            operands += ", %%%s_z" % name
            types += ", tensor<%dx%dxui8>" % (gn, gk)
        body.append('  %%%s = graph.dequant_matmul %s {format = "%s", block_n = %d, '
                    "block_k = %d} : (%s) -> tensor<%dx%dxf32>" %
                    (name, operands, fmt, bn, bk, types, m, n))
        results.append('tensor<%dx%dxf32> {graph.name = "%s"}' % (m, n, name))
        rets.append(("%" + name, "tensor<%dx%dxf32>" % (m, n)))
    with open(os.path.join(out, "dequant_matmul.mlir"), "w") as f:
        f.write("func.func @main(%s)\n    -> (%s) {\n" % (", ".join(args), ", ".join(results)))
        f.write("\n".join(body) + "\n")
        f.write("  return %s : %s\n}\n" % (", ".join(r[0] for r in rets),
                                          ", ".join(r[1] for r in rets)))


if __name__ == "__main__":
    main()
