#!/usr/bin/python3
"""Exports LLM blocks written differently from the fixtures, to test fusion.

The blocks of export_llm_blocks.py follow the Hugging Face code closely, so
they exercise one spelling of each pattern. tessera-graph-fuse-llm must
recognise the others exporters and model authors write. Each block here
computes a standard decoder layer with a different spelling of its parts:

* `variant_llama_block`: RMSNorm as `x / torch.sqrt(mean(x * x) + eps)`
  (Mul square, Div by Sqrt), GPT-J's interleaved RoPE (rotate_every_two:
  strided slices, stack, flatten), attention masked by `masked_fill` of a
  boolean causal buffer with -inf (Where), scale multiplied onto the scores,
  grouped-query heads repeated by `repeat_interleave`-free expand/reshape,
  SiLU written out as `x * torch.sigmoid(x)`.
* `variant_moe_block`: RMSNorm with `torch.reciprocal(torch.sqrt(..))`,
  rotate_half RoPE on full-width heads (no GQA), an additive causal mask of
  -1e9, the scale divided after the mask-free matmul, and a MoE whose router
  normalises the top-k weights and multiplies by a routed scaling factor
  (DeepSeek-V3-style `norm_topk_prob` with softmax scoring), dispatched
  densely with `scatter` and per-expert column slices, no shared experts.

Each is exported with torch.onnx.export (torch 1.13, opset 17) to
test/e2e/fixtures/variants/<name>/ with input_*.npy and torch's output_*.npy
(the layout of the fixtures; see test/e2e/fixtures/README.md).
test/e2e/llm_fusion_variants.test requires them to fuse and still match.

    /usr/bin/python3 python/tessera/tools/export_llm_variants.py [--out-dir DIR]

Deterministic: rerunning rewrites identical files.
"""

import argparse
import collections
import math
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn

OPSET = 17
SEQ, HIDDEN = 16, 64


def causal_bool(seq):
    """True where key j is visible to query i (j <= i)."""
    return torch.tril(torch.ones(seq, seq, dtype=torch.bool))


class SqrtDivRMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(1.0 + 0.1 * torch.randn(dim))
        self.eps = eps

    def forward(self, x):
        return x / torch.sqrt((x * x).mean(-1, keepdim=True) + self.eps) \
            * self.weight


class ReciprocalRMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(1.0 + 0.1 * torch.randn(dim))
        self.eps = eps

    def forward(self, x):
        inv = torch.reciprocal(torch.sqrt(x.pow(2).mean(-1, keepdim=True) +
                                          self.eps))
        return self.weight * (x * inv)


def rotate_every_two(x, shape):
    """GPT-J: pairs (2j, 2j+1) rotate together.

    GPT-J writes `x[..., ::2]` and `stack(.., dim=-1).flatten(-2)`. Torch
    1.13's exporter loses the rank through the ellipsis (the stack's Concat
    lands on axis 2: a wrong graph), and Tessera's importer mis-shapes the
    Reshape that `flatten` exports (its shape computed by Shape/Slice/
    Concat), so the axes and the static `shape` are spelled out; the ops
    that reach the fusion (strided Slice, Neg, Unsqueeze, Concat, Reshape)
    are the same.
    """
    x1 = x[:, :, :, ::2]
    x2 = x[:, :, :, 1::2]
    return torch.stack((-x2, x1), dim=4).reshape(shape)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_tables(position_ids, dim, interleaved, base=10000.0):
    inv_freq = 1.0 / (base**(torch.arange(0, dim, 2).float() / dim))
    freqs = position_ids.float()[..., None] * inv_freq  # [B, S, dim/2]
    if interleaved:
        # repeat_interleave(freqs, 2, -1), spelled as stack + reshape:
        # torch 1.13 exports repeat_interleave as a Shape/Expand subgraph
        # that Tessera's importer does not reproduce (see the report in
        # docs/compiler.md).
        emb = torch.stack((freqs, freqs), dim=3).reshape(
            freqs.shape[0], freqs.shape[1], dim)
    else:
        emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos()[:, None], emb.sin()[:, None]  # [B, 1, S, dim]


class VariantLlamaBlock(nn.Module):
    heads, kv_heads, head_dim, inter = 4, 2, 16, 96

    def __init__(self):
        super().__init__()
        h, d = self.heads, self.head_dim
        self.norm1 = SqrtDivRMSNorm(HIDDEN)
        self.norm2 = SqrtDivRMSNorm(HIDDEN)
        self.q = nn.Linear(HIDDEN, h * d, bias=False)
        self.k = nn.Linear(HIDDEN, self.kv_heads * d, bias=False)
        self.v = nn.Linear(HIDDEN, self.kv_heads * d, bias=False)
        self.o = nn.Linear(h * d, HIDDEN, bias=False)
        self.gate = nn.Linear(HIDDEN, self.inter, bias=False)
        self.up = nn.Linear(HIDDEN, self.inter, bias=False)
        self.down = nn.Linear(self.inter, HIDDEN, bias=False)
        self.register_buffer("visible", causal_bool(SEQ), persistent=False)

    def forward(self, hidden_states, position_ids):
        b, s = 1, SEQ  # static, as the fixtures' shapes are
        h, kvh, d = self.heads, self.kv_heads, self.head_dim
        x = self.norm1(hidden_states)
        q = self.q(x).view(b, s, h, d).transpose(1, 2)
        k = self.k(x).view(b, s, kvh, d).transpose(1, 2)
        v = self.v(x).view(b, s, kvh, d).transpose(1, 2)
        cos, sin = rope_tables(position_ids, d, interleaved=True)
        q = q * cos + rotate_every_two(q, (b, h, s, d)) * sin
        k = k * cos + rotate_every_two(k, (b, kvh, s, d)) * sin
        rep = h // kvh
        k = k[:, :, None].expand(b, kvh, rep, s, d).reshape(b, h, s, d)
        v = v[:, :, None].expand(b, kvh, rep, s, d).reshape(b, h, s, d)
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(d))
        scores = scores.masked_fill(~self.visible, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        attn = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, h * d)
        hidden_states = hidden_states + self.o(attn)
        x = self.norm2(hidden_states)
        g = self.gate(x)
        return hidden_states + self.down(g * torch.sigmoid(g) * self.up(x))


class Expert(nn.Module):
    def __init__(self, inter):
        super().__init__()
        self.gate = nn.Linear(HIDDEN, inter, bias=False)
        self.up = nn.Linear(HIDDEN, inter, bias=False)
        self.down = nn.Linear(inter, HIDDEN, bias=False)

    def forward(self, x):
        return self.down(nn.functional.silu(self.gate(x)) * self.up(x))


class VariantMoEBlock(nn.Module):
    heads, head_dim = 4, 16
    experts, top_k, inter, scaling = 6, 2, 32, 2.5

    def __init__(self):
        super().__init__()
        h, d = self.heads, self.head_dim
        self.norm1 = ReciprocalRMSNorm(HIDDEN)
        self.norm2 = ReciprocalRMSNorm(HIDDEN)
        self.qkv = nn.Linear(HIDDEN, 3 * h * d, bias=True)
        self.o = nn.Linear(h * d, HIDDEN, bias=False)
        self.router = nn.Linear(HIDDEN, self.experts, bias=False)
        self.expert = nn.ModuleList(
            [Expert(self.inter) for _ in range(self.experts)])
        mask = torch.zeros(SEQ, SEQ).masked_fill(~causal_bool(SEQ), -1e9)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, hidden_states, position_ids):
        b, s = 1, SEQ
        h, d = self.heads, self.head_dim
        x = self.norm1(hidden_states)
        q, k, v = self.qkv(x).view(b, s, 3, h, d).permute(2, 0, 3, 1, 4)
        cos, sin = rope_tables(position_ids, d, interleaved=False)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d) + self.mask
        attn = torch.matmul(torch.softmax(scores, dim=-1), v)
        attn = attn.transpose(1, 2).reshape(b, s, h * d)
        hidden_states = hidden_states + self.o(attn)

        x = self.norm2(hidden_states).view(b * s, HIDDEN)
        scores = torch.softmax(self.router(x), dim=-1)
        weight, index = torch.topk(scores, self.top_k, dim=-1)
        weight = weight / (weight.sum(dim=-1, keepdim=True) + 1e-20)
        weight = weight * self.scaling
        combine = torch.zeros_like(scores).scatter(1, index, weight)
        out = 0
        for e, expert in enumerate(self.expert):
            out = out + expert(x) * combine[:, e:e + 1]
        return hidden_states + out.view(b, s, HIDDEN)


def export(name, block, out_dir, seed):
    torch.manual_seed(seed)
    hidden_states = torch.randn(1, SEQ, HIDDEN)
    position_ids = torch.tensor([[0, 1, 2, 3, 5, 6, 8, 9, 10, 12, 13, 15, 17,
                                  20, 22, 25]])
    block.eval()
    with torch.no_grad():
        output = block(hidden_states, position_ids)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    with torch.no_grad():
        torch.onnx.export(block, (hidden_states, position_ids), path,
                          opset_version=OPSET,
                          input_names=["hidden_states", "position_ids"],
                          output_names=["hidden_states_out"],
                          do_constant_folding=True)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    np.save(os.path.join(d, "input_hidden_states.npy"), hidden_states.numpy())
    np.save(os.path.join(d, "input_position_ids.npy"), position_ids.numpy())
    np.save(os.path.join(d, "output_hidden_states_out.npy"), output.numpy())
    ops = collections.Counter(n.op_type for n in model.graph.node)
    print("%s: %d nodes: %s" % (name, len(model.graph.node), ", ".join(
        "%s %d" % kv for kv in sorted(ops.items()))))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(os.path.join(
        here, "..", "..", "..", "test", "e2e", "fixtures", "variants"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out-dir", default=default_out)
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    torch.manual_seed(11)
    export("variant_llama_block", VariantLlamaBlock(), args.out_dir, 1)
    torch.manual_seed(12)
    export("variant_moe_block", VariantMoEBlock(), args.out_dir, 2)


if __name__ == "__main__":
    sys.exit(main())
