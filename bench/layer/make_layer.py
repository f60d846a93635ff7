#!/usr/bin/python3
"""Exports one DeepSeek-V2-Lite decoder layer at its real size to ONNX.

    make_layer.py OUT_DIR [--seq 128]

The layer is layer 0 of DeepSeek-V2-Lite (`first_k_dense_replace` = 1, so its
FFN is the dense SwiGLU MLP): hidden 2048, 16 heads, MLA with q_lora_rank
null (a plain q_proj), kv_lora_rank 512, qk_nope 128 + qk_rope 64, v_head 128,
intermediate 10944, RMSNorm (eps 1e-6) and DeepSeek's YaRN RoPE (theta 10000,
factor 40 over an original 4096 positions, mscale 0.707 = mscale_all_dim, so
the cos/sin table is unscaled and the softmax scale is multiplied by
mscale^2). The attention, RMSNorm, RoPE and MLP modules are the ones the
e2e fixtures use (python/tessera/tools/export_llm_blocks.py, written after
HF's modeling_deepseek.py); this script only sets the real configuration.

Weights are deterministic (torch seed 0, nn.Linear's default init, RMSNorm
weights randomized around 1) and never checked in: the ONNX file is about
320 MB of f32 initializers. Written to OUT_DIR:

  model.onnx                   the layer, opset 17, static shapes
  input_hidden_states.npy      f32 [1, seq, 2048], torch.randn
  input_position_ids.npy       i64 [1, seq], 0..seq-1 (a prefill)
  output_hidden_states_out.npy torch's output

Rerunning with the same arguments rewrites identical files; an existing
model.onnx with a matching stamp file is kept (the export takes a minute).
"""

import argparse
import hashlib
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python", "tessera",
                                "tools"))
import export_llm_blocks as blocks  # noqa: E402

# deepseek-ai/DeepSeek-V2-Lite config.json (see
# /work/shared/reference/npu-deepseek.md section 4.1).
CONFIG = dict(
    hidden_size=2048,
    num_attention_heads=16,
    q_lora_rank=None,
    kv_lora_rank=512,
    qk_nope_head_dim=128,
    qk_rope_head_dim=64,
    v_head_dim=128,
    intermediate_size=10944,
    rms_norm_eps=1e-6,
    rope_theta=10000.0,
    # The cos/sin table covers YaRN's original context; a prefill of up to
    # 4096 tokens indexes it directly.
    max_position_embeddings=4096,
    rope_factor=40.0,
    original_max_position_embeddings=4096,
    beta_fast=32,
    beta_slow=1,
    mscale=0.707,
    mscale_all_dim=0.707,
)


def yarn_get_mscale(scale, mscale):
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


class YarnRotaryEmbedding(torch.nn.Module):
    """DeepseekV2YarnRotaryEmbedding: NTK-by-parts interpolation of the
    rotary frequencies, cos/sin scaled by mscale / mscale_all_dim."""

    def __init__(self, c):
        super().__init__()
        dim, base = c["qk_rope_head_dim"], c["rope_theta"]
        factor = c["rope_factor"]
        original = c["original_max_position_embeddings"]

        def correction_dim(rotations):
            return (dim * math.log(original / (rotations * 2 * math.pi))) / (
                2 * math.log(base))

        low = max(math.floor(correction_dim(c["beta_fast"])), 0)
        high = min(math.ceil(correction_dim(c["beta_slow"])), dim - 1)
        freq_extra = 1.0 / (base**(torch.arange(0, dim, 2).float() / dim))
        freq_inter = freq_extra / factor
        if low == high:
            high += 0.001
        ramp = ((torch.arange(dim // 2, dtype=torch.float32) - low) /
                (high - low)).clamp(0, 1)
        inv_freq_mask = 1.0 - ramp
        inv_freq = (freq_inter * (1 - inv_freq_mask) +
                    freq_extra * inv_freq_mask)
        t = torch.arange(c["max_position_embeddings"], dtype=torch.float32)
        freqs = torch.outer(t, inv_freq)
        m = (yarn_get_mscale(factor, c["mscale"]) /
             yarn_get_mscale(factor, c["mscale_all_dim"]))
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos() * m, persistent=False)
        self.register_buffer("sin_cached", emb.sin() * m, persistent=False)

    def forward(self, seq_len):
        return self.cos_cached[:seq_len], self.sin_cached[:seq_len]


class DenseDecoderLayer(torch.nn.Module):
    """DeepseekV2DecoderLayer with the dense DeepseekV2MLP."""

    def __init__(self, c, seq_len):
        super().__init__()
        self.self_attn = blocks.DeepseekV2Attention(c)
        self.self_attn.rotary_emb = YarnRotaryEmbedding(c)
        m = yarn_get_mscale(c["rope_factor"], c["mscale_all_dim"])
        self.self_attn.softmax_scale = self.self_attn.softmax_scale * m * m
        self.mlp = blocks.SwiGLUMLP(c["hidden_size"], c["intermediate_size"])
        self.input_layernorm = blocks.RMSNorm(c["hidden_size"],
                                              c["rms_norm_eps"])
        self.post_attention_layernorm = blocks.RMSNorm(c["hidden_size"],
                                                       c["rms_norm_eps"])
        self.register_buffer("causal_mask", blocks.causal_mask(seq_len),
                             persistent=False)

    def forward(self, hidden_states, position_ids):
        residual = hidden_states
        h = self.input_layernorm(hidden_states)
        h = self.self_attn(h, position_ids, self.causal_mask)
        h = residual + h
        residual = h
        return residual + self.mlp(self.post_attention_layernorm(h))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--seq", type=int, default=128)
    args = parser.parse_args()
    if not 1 <= args.seq <= CONFIG["max_position_embeddings"]:
        sys.exit("--seq must be in [1, %d]" % CONFIG["max_position_embeddings"])
    os.makedirs(args.out_dir, exist_ok=True)
    stamp_path = os.path.join(args.out_dir, "stamp.txt")
    digest = hashlib.sha256()
    for source in (__file__, blocks.__file__):
        with open(source, "rb") as f:
            digest.update(f.read())
    stamp = "seq %d, sources %s\n" % (args.seq, digest.hexdigest())
    if (os.path.exists(stamp_path) and open(stamp_path).read() == stamp and
            os.path.exists(os.path.join(args.out_dir, "model.onnx"))):
        print("%s: up to date" % args.out_dir)
        return 0

    torch.set_grad_enabled(False)
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    layer = DenseDecoderLayer(CONFIG, args.seq).eval()
    blocks.randomize_norms(layer, generator)
    hidden_states = torch.randn(1, args.seq, CONFIG["hidden_size"],
                                generator=generator)
    position_ids = torch.arange(args.seq, dtype=torch.int64)[None]
    output = layer(hidden_states, position_ids)

    path = os.path.join(args.out_dir, "model.onnx")
    torch.onnx.export(layer, (hidden_states, position_ids), path,
                      opset_version=blocks.OPSET,
                      input_names=["hidden_states", "position_ids"],
                      output_names=["hidden_states_out"],
                      do_constant_folding=True)
    np.save(os.path.join(args.out_dir, "input_hidden_states.npy"),
            hidden_states.numpy())
    np.save(os.path.join(args.out_dir, "input_position_ids.npy"),
            position_ids.numpy())
    np.save(os.path.join(args.out_dir, "output_hidden_states_out.npy"),
            output.numpy())
    params = sum(p.numel() for p in layer.parameters())
    print("%s: %d parameters, %d bytes" % (path, params,
                                           os.path.getsize(path)))
    with open(stamp_path, "w") as f:
        f.write(stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
