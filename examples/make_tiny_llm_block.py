#!/usr/bin/python3
"""Regenerates examples/tiny_llm_block: a small pre-norm transformer block
(RMSNorm, causal multi-head attention with RoPE, SwiGLU MLP) exported from
PyTorch with opset 17, its input, and PyTorch's output for reference.

Run with Debian's /usr/bin/python3 (python3-torch, python3-onnx, numpy).
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tiny_llm_block")


class RMSNorm(torch.nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.rand(dim) + 0.5)
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(var + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Block(torch.nn.Module):
    def __init__(self, hidden=32, heads=4, inter=64, seq=8):
        super().__init__()
        self.heads, self.hd = heads, hidden // heads
        self.norm1, self.norm2 = RMSNorm(hidden), RMSNorm(hidden)
        self.qkv = torch.nn.Linear(hidden, 3 * hidden, bias=False)
        self.o = torch.nn.Linear(hidden, hidden, bias=False)
        self.gate = torch.nn.Linear(hidden, inter, bias=False)
        self.up = torch.nn.Linear(hidden, inter, bias=False)
        self.down = torch.nn.Linear(inter, hidden, bias=False)
        inv = 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd))
        freqs = torch.outer(torch.arange(seq).float(), inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos())
        self.register_buffer("sin", emb.sin())
        self.register_buffer("mask", torch.triu(torch.full((seq, seq), -1e9), 1))

    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(h, dim=-1)
        q, k, v = (t.view(b, s, self.heads, self.hd).transpose(1, 2) for t in (q, k, v))
        q = q * self.cos + rotate_half(q) * self.sin
        k = k * self.cos + rotate_half(k) * self.sin
        att = (q @ k.transpose(-1, -2)) / (self.hd ** 0.5) + self.mask
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, s, h)
        x = x + self.o(y)
        m = self.norm2(x)
        return x + self.down(torch.nn.functional.silu(self.gate(m)) * self.up(m))


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    model = Block().eval()
    x = torch.randn(1, 8, 32)
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, (x,), os.path.join(OUT, "model.onnx"),
                      input_names=["hidden_states"], output_names=["output"],
                      opset_version=17)
    np.save(os.path.join(OUT, "input.npy"), x.numpy())
    np.save(os.path.join(OUT, "expected_output.npy"), y.numpy())


if __name__ == "__main__":
    main()
