#!/usr/bin/python3
"""Writes the DeepSeek-V2-Lite MoE layer bench/moe/run.sh compiles, and its
inputs.

One graph.moe with V2-Lite's shapes: hidden 2048, 64 routed experts of 1408,
top-6, greedy softmax router (n_group 1, no normalisation, scale 1), 2 shared
experts merged into one MLP of 2816. The weights are program inputs (bf16, as
in the checkpoint; the router is widened to f32 on the device), so the MLIR text stays small; x and the router are seeded
random (the routing is what a trained router gives: ~96 tokens per expert at
1024 tokens), the expert weights zeros (the simulated time does not depend on
values). Also prints the work the selected experts do, from the routing.

  make_moe.py OUT_DIR
"""
import os
import sys

import numpy as np

H, E, I, K, IS = 2048, 64, 1408, 6, 2816


def write(out, name, tokens):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    bf = "bf16"
    sig = [("x", (1, tokens, H), bf), ("router", (E, H), bf),
           ("gate", (E, I, H), bf), ("up", (E, I, H), bf), ("down", (E, H, I), bf),
           ("sgate", (IS, H), bf), ("sup", (IS, H), bf), ("sdown", (H, IS), bf)]
    ty = lambda s, t: "tensor<" + "x".join(map(str, s)) + "x" + t + ">"
    args = ", ".join('%%%s: %s {graph.name = "%s"}' % (n, ty(s, t), n) for n, s, t in sig)
    xt = ty((1, tokens, H), bf)
    ops = ", ".join("%" + n for n, _, _ in sig)
    types = ", ".join(ty(s, t) for _, s, t in sig)
    text = (f'func.func @main({args}) -> ({xt} {{graph.name = "y"}}) {{\n'
            f'  %y = graph.moe {ops} {{top_k = {K} : i64}} : ({types}) -> {xt}\n'
            f'  return %y : {xt}\n}}\n')
    with open(os.path.join(d, "model.mlir"), "w") as f:
        f.write(text)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, tokens, H)).astype(np.float32)
    router = (rng.standard_normal((E, H)) / np.sqrt(H)).astype(np.float32)
    # bf16 inputs as numpy's raw 2-byte void (the upper half of the f32 bits)
    as_bf16 = lambda a: (a.view(np.uint32) >> 16).astype(np.uint16).view("V2")
    np.save(os.path.join(d, "x.npy"), as_bf16(x))
    np.save(os.path.join(d, "router.npy"), as_bf16(router))
    for n, s, t in sig[2:]:
        np.save(os.path.join(d, n + ".npy"), np.zeros(s, np.uint16).view("V2"))
    # The routing (top-k of the logits; softmax is monotonic) and its work.
    xb = (as_bf16(x).view(np.uint16).astype(np.uint32) << 16).view(np.float32)
    rb = (as_bf16(router).view(np.uint16).astype(np.uint32) << 16).view(np.float32)
    chosen = np.argsort(-(xb[0] @ rb.T), axis=1, kind="stable")[:, :K]
    counts = np.bincount(chosen.ravel(), minlength=E)
    used = int((counts > 0).sum())
    flops = 2 * H * (3 * I * tokens * K + 3 * IS * tokens + E * tokens)
    weights = 2 * (3 * I * H * used + 3 * IS * H + E * H)
    io = 2 * 2 * tokens * H
    with open(os.path.join(d, "work.txt"), "w") as f:
        f.write(f"{flops} {weights + io} {used} {counts.min()} {counts.max()}\n")


out = sys.argv[1]
write(out, "prefill", 1024)
write(out, "decode", 1)
