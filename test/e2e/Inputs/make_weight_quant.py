"""Writes weight_quant.mlir: graph.weight_quant_matmul with seeded int8
weights, as a prefill-like product (M = 40) and a decode-like one (M = 1)
whose K and N are not multiples of the tile sizes.

usage: make_weight_quant.py OUT_DIR
"""
import os
import sys

import numpy as np


def dense(a, fmt):
    if a.ndim == 1:
        return "[" + ", ".join(fmt(v) for v in a) + "]"
    return "[" + ", ".join(dense(r, fmt) for r in a) + "]"


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(3)
    shapes = {"prefill": (40, 200, 72), "decode": (1, 520, 136)}
    args, body, results, rets = [], [], [], []
    for name, (m, k, n) in shapes.items():
        q = rng.integers(-127, 128, size=(n, k)).astype(np.int8)
        s = (rng.random(n).astype(np.float32) * 0.02 + 0.001).astype(np.float32)
        np.save(os.path.join(out, name + "_x.npy"),
                rng.standard_normal((m, k)).astype(np.float32))
        args.append("%%%s_x: tensor<%dx%dxf32> {graph.name = \"%s_x\"}" % (name, m, k, name))
        body.append("  %%%s_w = graph.constant dense<%s> : tensor<%dx%dxi8>" %
                    (name, dense(q, str), n, k))
        body.append("  %%%s_s = graph.constant dense<%s> : tensor<%dxf32>" %
                    (name, dense(s, lambda v: "%.9e" % v), n))
        body.append("  %%%s = graph.weight_quant_matmul %%%s_x, %%%s_w, %%%s_s : "
                    "(tensor<%dx%dxf32>, tensor<%dx%dxi8>, tensor<%dxf32>) -> tensor<%dx%dxf32>" %
                    (name, name, name, name, m, k, n, k, n, m, n))
        results.append("tensor<%dx%dxf32> {graph.name = \"%s\"}" % (m, n, name))
        rets.append(("%" + name, "tensor<%dx%dxf32>" % (m, n)))
    with open(os.path.join(out, "weight_quant.mlir"), "w") as f:
        f.write("func.func @main(%s)\n    -> (%s) {\n" % (", ".join(args), ", ".join(results)))
        f.write("\n".join(body) + "\n")
        f.write("  return %s : %s\n}\n" % (", ".join(r[0] for r in rets),
                                          ", ".join(r[1] for r in rets)))


if __name__ == "__main__":
    main()
