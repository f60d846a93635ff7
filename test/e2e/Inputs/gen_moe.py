#!/usr/bin/env python3
"""Writes a graph.moe test function (model.mlir) and its input (x.npy).

  gen_moe.py OUT_DIR --tokens T --hidden H --experts E --inter I --top-k K
             [--shared IS] [--scoring softmax|sigmoid] [--groups G --topk-group TG
             --group-scoring max|top2_sum] [--bias] [--norm] [--scale F]
             [--skew none|one-expert|zero-expert] [--seed N] [--print-counts]
             [--bf16-weights]

--skew one-expert sends every token to expert 0 (and the next k-1); --skew
zero-expert makes the router never pick the last expert. The weights are
deterministic (numpy's seeded generator), written as hex dense constants.
--print-counts prints how many tokens each expert receives (a plain softmax
router only: the top-k of the logits).
--bf16-weights writes the router's and the experts' weights as bf16
constants behind a cast to f32, as the Hugging Face importer does with a
bf16 checkpoint (the values are rounded to bf16 first), and rounds the
tokens to bf16 (a cast there and back) as a bf16 model's hidden states are.
"""
import argparse
import os

import numpy as np


def hexconst(a):
    a = np.ascontiguousarray(a, dtype=np.float32)
    return 'dense<"0x' + a.tobytes().hex().upper() + '">'


def bf16_bits(a):
    """Round-to-nearest-even bf16 bit patterns of a float32 array."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def hexconst_bf16(a):
    return 'dense<"0x' + bf16_bits(a).astype("<u2").tobytes().hex().upper() + '">'


def ttype(shape, element="f32"):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + element + ">"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--tokens", type=int, default=8)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--experts", type=int, default=8)
    p.add_argument("--inter", type=int, default=32)
    p.add_argument("--top-k", type=int, default=2)
    p.add_argument("--shared", type=int, default=0)
    p.add_argument("--scoring", default="softmax")
    p.add_argument("--groups", type=int, default=1)
    p.add_argument("--topk-group", type=int, default=1)
    p.add_argument("--group-scoring", default="max")
    p.add_argument("--bias", action="store_true")
    p.add_argument("--norm", action="store_true")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--skew", default="none")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--print-counts", action="store_true")
    p.add_argument("--bf16-weights", action="store_true")
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    T, H, E, I, K = a.tokens, a.hidden, a.experts, a.inter, a.top_k
    x = rng.standard_normal((1, T, H)).astype(np.float32)
    router = (rng.standard_normal((E, H)) / np.sqrt(H)).astype(np.float32)
    if a.skew == "one-expert":
        # Every token's logits are dominated by experts 0..K-1: align their
        # router rows with the (shared) token direction.
        x[:] = np.abs(x) + 1.0
        router[:] = -0.2 / np.sqrt(H)
        for e in range(K):
            router[e] = (1.0 + 0.1 * (K - e)) / np.sqrt(H)
    elif a.skew == "zero-expert":
        x = np.abs(x)
        router[E - 1] = -np.abs(router[E - 1]) - 1.0 / np.sqrt(H)
    gate = (rng.standard_normal((E, I, H)) / np.sqrt(H)).astype(np.float32)
    up = (rng.standard_normal((E, I, H)) / np.sqrt(H)).astype(np.float32)
    down = (rng.standard_normal((E, H, I)) / np.sqrt(I)).astype(np.float32)
    consts = [("router", router), ("gate", gate), ("up", up), ("down", down)]
    if a.shared:
        S = a.shared
        consts += [
            ("sgate", (rng.standard_normal((S, H)) / np.sqrt(H)).astype(np.float32)),
            ("sup", (rng.standard_normal((S, H)) / np.sqrt(H)).astype(np.float32)),
            ("sdown", (rng.standard_normal((H, S)) / np.sqrt(S)).astype(np.float32)),
        ]
    attrs = ["top_k = %d : i64" % K]
    if a.norm:
        attrs.append("norm_topk_prob = true")
    if a.scale != 1.0:
        attrs.append("routed_scaling_factor = %r : f32" % a.scale)
    if a.groups > 1:
        attrs += ["n_group = %d : i64" % a.groups,
                  "topk_group = %d : i64" % a.topk_group,
                  'group_scoring = "%s"' % a.group_scoring]
    if a.scoring != "softmax":
        attrs.append('scoring_func = "%s"' % a.scoring)
    if a.bias:
        bias = (0.05 * rng.standard_normal(E)).astype(np.float32)
        attrs.append("score_correction_bias = %s : tensor<%dxf32>" %
                     (hexconst(bias), E))
    if a.print_counts:
        if a.groups > 1 or a.scoring != "softmax" or a.bias:
            p.error("--print-counts needs a plain softmax router")
        logits = x[0] @ router.T
        chosen = np.argsort(-logits, axis=1, kind="stable")[:, :K]
        counts = np.bincount(chosen.ravel(), minlength=E)
        print("counts:", " ".join(str(c) for c in counts))
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "x.npy"), x)
    lines = ["func.func @main(%%x: %s {graph.name = \"x\"}) -> (%s {graph.name = \"y\"}) {"
             % (ttype(x.shape), ttype(x.shape))]
    for n, c in consts:
        if a.bf16_weights:
            lines.append("  %%%s_bf16 = graph.constant %s : %s" %
                         (n, hexconst_bf16(c), ttype(c.shape, "bf16")))
            lines.append("  %%%s = graph.cast %%%s_bf16 {to = f32} : (%s) -> %s" %
                         (n, n, ttype(c.shape, "bf16"), ttype(c.shape)))
        else:
            lines.append("  %%%s = graph.constant %s : %s" % (n, hexconst(c), ttype(c.shape)))
    tokens = "%x"
    if a.bf16_weights:
        lines.append("  %%xb = graph.cast %%x {to = bf16} : (%s) -> %s" %
                     (ttype(x.shape), ttype(x.shape, "bf16")))
        lines.append("  %%xr = graph.cast %%xb {to = f32} : (%s) -> %s" %
                     (ttype(x.shape, "bf16"), ttype(x.shape)))
        tokens = "%xr"
    ops = ", ".join("%" + n for n, _ in consts)
    types = ", ".join([ttype(x.shape)] + [ttype(c.shape) for _, c in consts])
    lines.append("  %%y = graph.moe %s, %s {%s} : (%s) -> %s" %
                 (tokens, ops, ", ".join(attrs), types, ttype(x.shape)))
    lines.append("  return %y : " + ttype(x.shape))
    lines.append("}")
    with open(os.path.join(a.out, "model.mlir"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
