#!/usr/bin/env python3
"""Checks a sparse MoE program's simulator stats against the work of the
experts its router selects (a plain softmax router of gen_moe.py).

  moe_stats.py MODEL_DIR STATS.json WEIGHT_BYTES

The reference: matrix FLOPs = 2 * H * (3 * I * rows routed + 3 * Is * T + E * T)
(every routed row through its expert's gate, up and down, the shared experts
over every token, the router's logits); weight bytes = the selected experts'
gate/up/down + the shared experts' (WEIGHT_BYTES per element) + the router
(f32). The simulator counts the rows a grouped matmul actually multiplies
(its row extent), so padding to the matrix engine's 16-row fractal costs
cycles but no FLOPs. Fails unless the simulated matrix FLOPs, DRAM read
bytes and weight bytes read (the distinct constant bytes the run read,
`constant_bytes_read`: what token generation's roofline bound counts) are
within 5 % of the reference.
"""
import json
import re
import sys

import numpy as np


def const(src, name):
    m = re.search(r'%%%s = graph.constant dense<"0x([0-9A-F]+)"> : tensor<([0-9x]+)xf32>'
                  % name, src)
    shape = [int(d) for d in m.group(2).split("x")]
    return np.frombuffer(bytes.fromhex(m.group(1)), dtype=np.float32).reshape(shape)


def main():
    d, stats_path, wbytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    src = open(d + "/model.mlir").read()
    k = int(re.search(r"top_k = (\d+)", src).group(1))
    router, gate = const(src, "router"), const(src, "gate")
    E, I, H = gate.shape
    Is = const(src, "sgate").shape[0] if "%sgate" in src else 0
    x = np.load(d + "/x.npy").reshape(-1, H)
    T = x.shape[0]
    chosen = np.argsort(-(x @ router.T), axis=1, kind="stable")[:, :k]
    experts = len(set(chosen.ravel().tolist()))
    flops = 2 * H * (3 * I * T * k + 3 * Is * T + E * T)
    weights = (3 * I * H * experts + 3 * Is * H) * wbytes + E * H * 4
    s = json.load(open(stats_path))
    ok = True
    for what, got, want in (("matrix FLOPs", s["matrix_flops"], flops),
                            ("DRAM read bytes", s["dram_read_bytes"], weights),
                            ("weight bytes read", s["constant_bytes_read"], weights)):
        ratio = got / want
        print("%s: %d simulated, %d for the %d selected of %d experts (%.4f)"
              % (what, got, want, experts, E, ratio))
        ok = ok and abs(ratio - 1) <= 0.05
    print("total FLOPs (vector work included): %d (%.4f)" % (s["flops"], s["flops"] / flops))
    print("within 5 %" if ok else "NOT within 5 %")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
