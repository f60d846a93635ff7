#!/usr/bin/env python3
"""Writes a model directory at a published model's real layer shapes with
fewer layers: its config with num_hidden_layers = N and bf16 weights drawn
from a seeded normal distribution (norms 1 + 0.1 n, biases 0.02 n, matrices
n / sqrt(fan_in)). MODEL is
  v2lite    DeepSeek-V2-Lite (test/huggingface/Inputs/deepseek-v2-lite;
            layer 0 dense, the rest MoE, as first_k_dense_replace = 1)
  qwen1.5b  DeepSeek-R1-Distill-Qwen-1.5B (Qwen2; r1-distill-qwen-1.5b.json
            beside this script: hidden 1536, 12 heads / 2 KV heads of 128,
            MLP 8960, vocabulary 151936, q/k/v bias, untied lm_head)

The safetensors file is streamed one tensor at a time: the 2-layer
V2-Lite model is 2.2 GB and never held in memory at once.

Usage: make_model.py OUT_DIR [LAYERS] [MODEL]   (MODEL defaults to v2lite)
"""
import json
import os
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test", "huggingface"))
import tiny_hf_models  # noqa: E402  (weight_shapes: HF's tensor names and shapes)


def bf16_bits(a):
    bits = np.ascontiguousarray(a, dtype="<f4").view("<u4")
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")


def main():
    out = sys.argv[1]
    layers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    model = sys.argv[3] if len(sys.argv) > 3 else "v2lite"
    configs = {
        "v2lite": os.path.join(ROOT, "test", "huggingface", "Inputs",
                               "deepseek-v2-lite", "config.json"),
        "qwen1.5b": os.path.join(ROOT, "bench", "generate",
                                 "r1-distill-qwen-1.5b.json"),
    }
    if model not in configs:
        sys.exit("make_model.py: MODEL is one of %s, not %r" % (", ".join(configs), model))
    with open(configs[model]) as f:
        c = json.load(f)
    c["num_hidden_layers"] = layers
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    shapes = [(n, tuple(s)) for n, s, _ in tiny_hf_models.weight_shapes(c)]
    header, offset = {}, 0
    for name, shape in shapes:
        size = int(np.prod(shape)) * 2
        header[name] = {"dtype": "BF16", "shape": list(shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    rng = np.random.default_rng(7)
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name, shape in shapes:
            n = rng.standard_normal(shape, dtype=np.float32)
            if name.endswith("norm.weight") or name.endswith("layernorm.weight"):
                n = 1.0 + 0.1 * n
            elif name.endswith(".bias"):
                n *= 0.02
            else:
                n *= 1.0 / np.sqrt(shape[-1])
            f.write(bf16_bits(n).tobytes())
    print("%s: %d layers, %d tensors, %.2f GB" % (out, layers, len(shapes), offset / 1e9))


if __name__ == "__main__":
    main()
