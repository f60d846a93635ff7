#!/usr/bin/env python3
"""Tiny Hugging Face model directories and their PyTorch reference.

Writes, for each architecture Tessera imports, a real HF model directory
(config.json + safetensors written by the small writer below; one model
sharded with model.safetensors.index.json, one FP8 e4m3 with block scales)
with deterministic weights, and the greedy generation of a PyTorch
reference written from the published model code (HF modeling_llama,
modeling_qwen2, modeling_deepseek; DeepSeek-V3 inference/model.py for the
router). The reference recomputes the whole sequence each step (no cache),
so it shares nothing with Tessera's cache handling.

  tiny_hf_models.py models OUT_DIR [--tokens N]
      OUT_DIR/<name>/ model directories, OUT_DIR/<name>.expected/ with
      tokens.npy and logits_<step>.npy
  tiny_hf_models.py manifest CONFIG.json OUT.json
      a weight-layout manifest for a config, laid out as HF shards would be
  tiny_hf_models.py compare EXPECTED_DIR ACTUAL_DIR --atol A
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np

PROMPT = [1, 5, 9]

# --------------------------------------------------------------------------
# safetensors
# --------------------------------------------------------------------------

DTYPE_BYTES = {"F32": 4, "BF16": 2, "F16": 2, "F8_E4M3": 1}


def tensor_bytes(dtype, array):
    if dtype == "F32":
        return np.ascontiguousarray(array, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.ascontiguousarray(array, dtype="<f2").tobytes()
    if dtype == "BF16":
        bits = np.ascontiguousarray(array, dtype="<f4").view("<u4")
        # round to nearest even
        bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")
        return bits.tobytes()
    if dtype == "F8_E4M3":
        return np.ascontiguousarray(array, dtype="u1").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype, array)."""
    header, blobs, offset = {}, [], 0
    for name, dtype, array in tensors:
        data = tensor_bytes(dtype, array)
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# --------------------------------------------------------------------------
# FP8 e4m3fn
# --------------------------------------------------------------------------

def e4m3_table():
    values = np.zeros(256, dtype=np.float64)
    for bits in range(256):
        s, e, m = bits >> 7, (bits >> 3) & 15, bits & 7
        if e == 15 and m == 7:
            v = np.nan
        elif e == 0:
            v = m / 8 * 2.0 ** -6
        else:
            v = (1 + m / 8) * 2.0 ** (e - 7)
        values[bits] = -v if s else v
    return values


def quantize_fp8(w, block):
    """Per-block scale so the block's max maps to 448; nearest e4m3 code."""
    table = e4m3_table()
    finite = np.where(np.isnan(table), np.inf, table)
    rows, cols = w.shape
    rb, cb = -(-rows // block[0]), -(-cols // block[1])
    scale = np.zeros((rb, cb), dtype=np.float32)
    codes = np.zeros(w.shape, dtype=np.uint8)
    for i in range(rb):
        for j in range(cb):
            blk = w[i * block[0]:(i + 1) * block[0], j * block[1]:(j + 1) * block[1]]
            s = np.float32(max(np.abs(blk).max(), 1e-12) / 448.0)
            scale[i, j] = s
            q = blk / s
            codes[i * block[0]:(i + 1) * block[0], j * block[1]:(j + 1) * block[1]] = \
                np.abs(q[..., None] - finite[None, None, :]).argmin(-1)
    return codes, scale


def dequantize_fp8(codes, scale, block):
    table = e4m3_table().astype(np.float32)
    w = table[codes]
    s = np.repeat(np.repeat(scale, block[0], 0), block[1], 1)
    return (w * s[:w.shape[0], :w.shape[1]]).astype(np.float32)


# --------------------------------------------------------------------------
# Configs
# --------------------------------------------------------------------------

def llama_config():
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
            "vocab_size": 96, "hidden_size": 48, "intermediate_size": 80,
            "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0, "rope_scaling": None,
            "tie_word_embeddings": False, "hidden_act": "silu",
            "attention_bias": False, "mlp_bias": False,
            "max_position_embeddings": 128, "bos_token_id": 1,
            "eos_token_id": 2, "torch_dtype": "float32"}


def llama3_rope_config():
    c = llama_config()
    c["rope_scaling"] = {"rope_type": "llama3", "factor": 8.0,
                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 16}
    c["rope_theta"] = 500.0
    return c


def deepseek_v2_grouped_config():
    """DeepSeek-V2 (236B)'s router on a tiny model: group-limited greedy,
    routed_scaling_factor 16 without normalisation."""
    c = deepseek_v2_lite_config()
    c.update(n_group=4, topk_group=2, topk_method="group_limited_greedy",
             routed_scaling_factor=16.0, q_lora_rank=24)
    return c


def qwen2_config():
    return {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
            "vocab_size": 100, "hidden_size": 64, "intermediate_size": 96,
            "num_hidden_layers": 2, "num_attention_heads": 8,
            "num_key_value_heads": 2, "rms_norm_eps": 1e-6,
            "rope_theta": 10000.0, "rope_scaling": None,
            "tie_word_embeddings": True, "hidden_act": "silu",
            "use_sliding_window": False, "sliding_window": 4096,
            "max_window_layers": 2, "max_position_embeddings": 128,
            "torch_dtype": "bfloat16"}


def deepseek_v2_lite_config():
    return {"architectures": ["DeepseekV2ForCausalLM"],
            "model_type": "deepseek_v2", "vocab_size": 112,
            "hidden_size": 64, "intermediate_size": 96,
            "moe_intermediate_size": 24, "num_hidden_layers": 3,
            "num_attention_heads": 4, "num_key_value_heads": 4,
            "q_lora_rank": None, "kv_lora_rank": 32,
            "qk_nope_head_dim": 16, "qk_rope_head_dim": 8, "v_head_dim": 16,
            "n_routed_experts": 8, "n_shared_experts": 2,
            "num_experts_per_tok": 3, "first_k_dense_replace": 1,
            "moe_layer_freq": 1, "n_group": 1, "topk_group": 1,
            "topk_method": "greedy", "scoring_func": "softmax",
            "norm_topk_prob": False, "routed_scaling_factor": 1.0,
            "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
            "rope_scaling": {"type": "yarn", "factor": 40,
                             "original_max_position_embeddings": 4096,
                             "beta_fast": 32, "beta_slow": 1,
                             "mscale": 0.707, "mscale_all_dim": 0.707},
            "tie_word_embeddings": False, "hidden_act": "silu",
            "attention_bias": False, "aux_loss_alpha": 0.001,
            "seq_aux": True, "max_position_embeddings": 163840,
            "torch_dtype": "bfloat16"}


def deepseek_v2_mla_shapes_config():
    """DeepSeek-V2-Lite's attention at its real head shapes (16 heads, the
    512-d latent, 64-d rope key, 128-d nope and value heads) in a small
    model: one dense layer, hidden 256, so that its decode attention is the
    real model's kernel shape."""
    c = deepseek_v2_lite_config()
    c.update({"hidden_size": 256, "intermediate_size": 128,
              "num_hidden_layers": 1, "num_attention_heads": 16,
              "num_key_value_heads": 16, "kv_lora_rank": 512,
              "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
              "v_head_dim": 128, "first_k_dense_replace": 1})
    return c


def deepseek_v3_config():
    return {"architectures": ["DeepseekV3ForCausalLM"],
            "model_type": "deepseek_v3", "vocab_size": 120,
            "hidden_size": 64, "intermediate_size": 96,
            "moe_intermediate_size": 32, "num_hidden_layers": 4,
            "num_attention_heads": 4, "num_key_value_heads": 4,
            "q_lora_rank": 48, "kv_lora_rank": 40,
            "qk_nope_head_dim": 16, "qk_rope_head_dim": 8, "v_head_dim": 16,
            "n_routed_experts": 16, "n_shared_experts": 1,
            "num_experts_per_tok": 4, "first_k_dense_replace": 2,
            "moe_layer_freq": 1, "n_group": 4, "topk_group": 2,
            "topk_method": "noaux_tc", "scoring_func": "sigmoid",
            "norm_topk_prob": True, "routed_scaling_factor": 2.5,
            "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
            "rope_scaling": {"type": "yarn", "factor": 40,
                             "original_max_position_embeddings": 4096,
                             "beta_fast": 32, "beta_slow": 1,
                             "mscale": 1.0, "mscale_all_dim": 1.0},
            "tie_word_embeddings": False, "hidden_act": "silu",
            "attention_bias": False, "num_nextn_predict_layers": 1,
            "ep_size": 1, "max_position_embeddings": 163840,
            "torch_dtype": "bfloat16"}


def deepseek_v3_demo_config():
    """The bundled demo (scripts/demo.sh): DeepSeek-V3's architecture at a
    tiny size: 2 dense + 2 MoE layers, MLA with q_lora, 8 routed experts
    (2 groups, 1 kept, top-2, sigmoid router with correction bias) and 1
    shared expert."""
    c = deepseek_v3_config()
    c.update(vocab_size=128, n_routed_experts=8, n_shared_experts=1,
             num_experts_per_tok=2, n_group=2, topk_group=1)
    return c


# --------------------------------------------------------------------------
# Weight names and shapes (HF checkpoint layout)
# --------------------------------------------------------------------------

def is_deepseek(c):
    return c["architectures"][0].startswith("Deepseek")


def is_moe_layer(c, i):
    return (is_deepseek(c) and c.get("n_routed_experts")
            and i >= c["first_k_dense_replace"] and i % c["moe_layer_freq"] == 0)


def weight_shapes(c):
    """(name, shape, quantizable) in checkpoint order."""
    h, v = c["hidden_size"], c["vocab_size"]
    out = [("model.embed_tokens.weight", (v, h), False)]
    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d" % i
        out.append((p + ".input_layernorm.weight", (h,), False))
        a = p + ".self_attn"
        if is_deepseek(c):
            nh = c["num_attention_heads"]
            qd = c["qk_nope_head_dim"] + c["qk_rope_head_dim"]
            if c.get("q_lora_rank"):
                r = c["q_lora_rank"]
                out += [(a + ".q_a_proj.weight", (r, h), True),
                        (a + ".q_a_layernorm.weight", (r,), False),
                        (a + ".q_b_proj.weight", (nh * qd, r), True)]
            else:
                out.append((a + ".q_proj.weight", (nh * qd, h), True))
            kl = c["kv_lora_rank"]
            out += [(a + ".kv_a_proj_with_mqa.weight",
                     (kl + c["qk_rope_head_dim"], h), True),
                    (a + ".kv_a_layernorm.weight", (kl,), False),
                    (a + ".kv_b_proj.weight",
                     (nh * (c["qk_nope_head_dim"] + c["v_head_dim"]), kl), True),
                    (a + ".o_proj.weight", (h, nh * c["v_head_dim"]), True)]
        else:
            nh, nkv = c["num_attention_heads"], c["num_key_value_heads"]
            d = c.get("head_dim", h // nh)
            bias = c["architectures"][0] == "Qwen2ForCausalLM" or c.get("attention_bias")
            for proj, n in (("q", nh), ("k", nkv), ("v", nkv)):
                out.append((a + ".%s_proj.weight" % proj, (n * d, h), False))
                if bias:
                    out.append((a + ".%s_proj.bias" % proj, (n * d,), False))
            out.append((a + ".o_proj.weight", (h, nh * d), False))
        out.append((p + ".post_attention_layernorm.weight", (h,), False))
        m = p + ".mlp"
        if is_moe_layer(c, i):
            e, mi = c["n_routed_experts"], c["moe_intermediate_size"]
            out.append((m + ".gate.weight", (e, h), False))
            if c.get("topk_method") == "noaux_tc":
                out.append((m + ".gate.e_score_correction_bias", (e,), False))
            for j in range(e):
                x = m + ".experts.%d" % j
                out += [(x + ".gate_proj.weight", (mi, h), True),
                        (x + ".up_proj.weight", (mi, h), True),
                        (x + ".down_proj.weight", (h, mi), True)]
            if c.get("n_shared_experts"):
                si = c["n_shared_experts"] * mi
                out += [(m + ".shared_experts.gate_proj.weight", (si, h), True),
                        (m + ".shared_experts.up_proj.weight", (si, h), True),
                        (m + ".shared_experts.down_proj.weight", (h, si), True)]
        else:
            it = c["intermediate_size"]
            out += [(m + ".gate_proj.weight", (it, h), True),
                    (m + ".up_proj.weight", (it, h), True),
                    (m + ".down_proj.weight", (h, it), True)]
    out.append(("model.norm.weight", (h,), False))
    if not c.get("tie_word_embeddings"):
        out.append(("lm_head.weight", (v, h), False))
    return out


def make_weights(c, seed):
    rng = np.random.RandomState(seed)
    w = {}
    for name, shape, _ in weight_shapes(c):
        if name.endswith("norm.weight") or name.endswith("layernorm.weight"):
            w[name] = (1.0 + 0.1 * rng.randn(*shape)).astype(np.float32)
        elif name.endswith("e_score_correction_bias"):
            w[name] = (0.05 * rng.randn(*shape)).astype(np.float32)
        elif name.endswith(".bias"):
            w[name] = (0.1 * rng.randn(*shape)).astype(np.float32)
        else:
            scale = 1.0 / math.sqrt(shape[-1])
            w[name] = (scale * rng.randn(*shape)).astype(np.float32)
    return w


# --------------------------------------------------------------------------
# PyTorch reference (f32), from the published model code
# --------------------------------------------------------------------------

def yarn_mscale(scale, mscale):
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


def rope_cos_sin(c, dim, s):
    """cos, sin [s, dim] in f32 for positions 0..s-1 (HF computes its tables
    in f32): rotate_half tables, Llama-3 or DeepSeek's YaRN scaling."""
    import torch
    base = c["rope_theta"]
    inv = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
    rs = c.get("rope_scaling")
    mscale = 1.0
    if rs and rs.get("rope_type") == "llama3":  # HF _compute_llama3_parameters
        f, orig = rs["factor"], rs["original_max_position_embeddings"]
        lo, hi = rs["low_freq_factor"], rs["high_freq_factor"]
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > orig / lo, inv / f, inv)
        smooth = (orig / wavelen - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / f + smooth * scaled
        medium = ~(wavelen < orig / hi) & ~(wavelen > orig / lo)
        inv = torch.where(medium, smoothed, scaled)
    elif rs:  # DeepseekV2YarnRotaryEmbedding
        f = rs["factor"]
        orig = rs["original_max_position_embeddings"]

        def corr(rot):
            return (dim * math.log(orig / (rot * 2 * math.pi))) / (2 * math.log(base))
        low = max(math.floor(corr(rs["beta_fast"])), 0)
        high = min(math.ceil(corr(rs["beta_slow"])), dim - 1)
        if low == high:
            high += 0.001
        ramp = torch.clamp((torch.arange(dim // 2).float() - low) / (high - low), 0, 1)
        mask = 1.0 - ramp
        inv = (inv / f) * (1 - mask) + inv * mask
        mscale = yarn_mscale(f, rs["mscale"]) / yarn_mscale(f, rs["mscale_all_dim"])
    pos = torch.arange(s).float()
    freqs = torch.outer(pos, inv)
    emb = torch.cat((freqs, freqs), -1)
    return emb.cos() * mscale, emb.sin() * mscale


def route(c, logits, bias=None):
    """The router of the published model code on f32 logits [S, E]: the
    experts of each token (idx [S, k]), their weights (wts [S, k]) and the
    margin of the choice (the k-th minus the (k+1)-th choice score among the
    kept groups, or the last kept minus the first dropped group score if
    smaller; [S])."""
    import torch
    s, k = logits.shape[0], c["num_experts_per_tok"]
    if c["scoring_func"] == "softmax":
        scores = logits.softmax(-1)
    else:
        scores = logits.sigmoid()
    choice = scores
    if c["topk_method"] == "noaux_tc":
        choice = scores + bias
    group_margin = torch.full((s,), float("inf"))
    if c["topk_method"] in ("group_limited_greedy", "noaux_tc"):
        g = c["n_group"]
        grouped = choice.view(s, g, -1)
        if c["topk_method"] == "noaux_tc":
            gs = grouped.topk(2, -1)[0].sum(-1)
        else:
            gs = grouped.max(-1).values
        keep = gs.topk(c["topk_group"], -1)[1]
        if c["topk_group"] < g:
            ranked = gs.topk(c["topk_group"] + 1, -1)[0]
            group_margin = ranked[:, -2] - ranked[:, -1]
        gmask = torch.zeros_like(gs).scatter_(1, keep, 1)
        smask = gmask.unsqueeze(-1).expand_as(grouped).reshape(s, -1)
        # DeepSeek's reference masks dropped groups with -inf (HF's V3 port
        # fills 0.0, which picks the same experts unless fewer than k kept
        # scores are > 0).
        choice = choice.masked_fill(smask == 0, float("-inf"))
    idx = choice.topk(k, -1)[1]
    wts = scores.gather(1, idx)
    if c["architectures"][0] == "DeepseekV3ForCausalLM":
        if k > 1 and c["norm_topk_prob"]:
            wts = wts / (wts.sum(-1, keepdim=True) + 1e-20)
        wts = wts * c["routed_scaling_factor"]
    else:
        if k > 1 and c["norm_topk_prob"]:
            wts = wts / (wts.sum(-1, keepdim=True) + 1e-20)
        else:
            wts = wts * c["routed_scaling_factor"]
    ranked = choice.topk(min(k + 1, choice.shape[-1]), -1)[0]
    margin = ranked[:, k - 1] - ranked[:, k] if ranked.shape[-1] > k else group_margin
    return idx, wts, torch.minimum(margin, group_margin)


def reference_logits(c, w, ids):
    import torch
    t = {k: torch.from_numpy(v) for k, v in w.items()}
    x = t["model.embed_tokens.weight"][torch.tensor(ids)]  # [S, H]
    s = len(ids)
    eps = c["rms_norm_eps"]

    def rms(v, weight):
        var = v.pow(2).mean(-1, keepdim=True)
        return weight * (v * torch.rsqrt(var + eps))

    def lin(v, name, bias=False):
        y = v @ t[name + ".weight"].T
        if bias:
            y = y + t[name + ".bias"]
        return y

    def rotate_half(v):
        half = v.shape[-1] // 2
        return torch.cat((-v[..., half:], v[..., :half]), -1)

    def rope_tables(dim):
        return rope_cos_sin(c, dim, s)

    causal = torch.full((s, s), float("-inf")).triu(1)

    def attention(q, k, v, scale):  # [H, S, D]
        scores = q @ k.transpose(-1, -2) * scale + causal
        return torch.softmax(scores, -1) @ v

    def swiglu_mlp(v, p):
        return lin(torch.nn.functional.silu(lin(v, p + ".gate_proj")) * lin(v, p + ".up_proj"),
                   p + ".down_proj")

    def moe(v, p):
        idx, wts, _ = route(c, v @ t[p + ".gate.weight"].T,
                            t.get(p + ".gate.e_score_correction_bias"))
        k = c["num_experts_per_tok"]
        y = torch.zeros_like(v)
        for tok in range(s):
            for j in range(k):
                e = int(idx[tok, j])
                y[tok] += wts[tok, j] * swiglu_mlp(v[tok:tok + 1], p + ".experts.%d" % e)[0]
        if c.get("n_shared_experts"):
            y = y + swiglu_mlp(v, p + ".shared_experts")
        return y

    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d" % i
        a = p + ".self_attn"
        hn = rms(x, t[p + ".input_layernorm.weight"])
        nh = c["num_attention_heads"]
        if is_deepseek(c):
            nope, rope, vd = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
            kl = c["kv_lora_rank"]
            if c.get("q_lora_rank"):
                q = lin(rms(lin(hn, a + ".q_a_proj"), t[a + ".q_a_layernorm.weight"]), a + ".q_b_proj")
            else:
                q = lin(hn, a + ".q_proj")
            q = q.view(s, nh, nope + rope).transpose(0, 1)
            q_nope, q_pe = q[..., :nope], q[..., nope:]
            ckv = lin(hn, a + ".kv_a_proj_with_mqa")
            latent, k_pe = ckv[:, :kl], ckv[:, kl:].view(1, s, rope)
            kv = lin(rms(latent, t[a + ".kv_a_layernorm.weight"]), a + ".kv_b_proj")
            kv = kv.view(s, nh, nope + vd).transpose(0, 1)
            k_nope, val = kv[..., :nope], kv[..., nope:]
            cos, sin = rope_tables(rope)

            def apply(v):  # HF modeling_deepseek apply_rotary_pos_emb
                hh, ss, d = v.shape
                v = v.view(hh, ss, d // 2, 2).transpose(3, 2).reshape(hh, ss, d)
                return v * cos + rotate_half(v) * sin
            q_pe, k_pe = apply(q_pe), apply(k_pe)
            query = torch.cat((q_nope, q_pe), -1)
            key = torch.cat((k_nope, k_pe.expand(nh, s, rope)), -1)
            scale = (nope + rope) ** -0.5
            rs = c.get("rope_scaling")
            if rs and rs.get("mscale_all_dim"):
                m = yarn_mscale(rs["factor"], rs["mscale_all_dim"])
                scale = scale * m * m
            o = attention(query, key, val, scale)
            o = o.transpose(0, 1).reshape(s, nh * vd)
            x = x + lin(o, a + ".o_proj")
        else:
            nkv = c["num_key_value_heads"]
            d = c.get("head_dim", c["hidden_size"] // nh)
            bias = c["architectures"][0] == "Qwen2ForCausalLM" or c.get("attention_bias", False)
            q = lin(hn, a + ".q_proj", bias).view(s, nh, d).transpose(0, 1)
            k = lin(hn, a + ".k_proj", bias).view(s, nkv, d).transpose(0, 1)
            v = lin(hn, a + ".v_proj", bias).view(s, nkv, d).transpose(0, 1)
            cos, sin = rope_tables(d)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            rep = nh // nkv  # repeat_kv
            k = k.repeat_interleave(rep, 0)
            v = v.repeat_interleave(rep, 0)
            o = attention(q, k, v, d ** -0.5)
            x = x + lin(o.transpose(0, 1).reshape(s, nh * d), a + ".o_proj", c.get("attention_bias", False))
        hn = rms(x, t[p + ".post_attention_layernorm.weight"])
        if is_moe_layer(c, i):
            x = x + moe(hn, p + ".mlp")
        else:
            x = x + swiglu_mlp(hn, p + ".mlp")
    x = rms(x, t["model.norm.weight"])
    head = t["model.embed_tokens.weight" if c.get("tie_word_embeddings") else "lm_head.weight"]
    return x @ head.T  # [S, V]


def reference_generate(c, w, prompt, steps):
    import torch
    ids = list(prompt)
    logits_per_step = []
    with torch.no_grad():
        for _ in range(steps):
            logits = reference_logits(c, w, ids)[-1]
            logits_per_step.append(logits.numpy().reshape(1, -1).astype(np.float32))
            ids.append(int(torch.argmax(logits)))
    return ids[len(prompt):], logits_per_step


# --------------------------------------------------------------------------
# Model directories
# --------------------------------------------------------------------------

def write_model(out, name, c, seed, shards=1, fp8=False, half=False):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    w = make_weights(c, seed)
    stored = []
    block = None
    if fp8:
        block = [16, 16]
        c = dict(c)
        c["quantization_config"] = {"activation_scheme": "dynamic", "fmt": "e4m3",
                                    "quant_method": "fp8", "weight_block_size": block}
    for wname, shape, quantizable in weight_shapes(c):
        if fp8 and quantizable:
            codes, scale = quantize_fp8(w[wname], block)
            w[wname] = dequantize_fp8(codes, scale, block)  # what the model computes with
            stored.append((wname, "F8_E4M3", codes))
            stored.append((wname + "_scale_inv", "F32", scale))
        elif half:
            # bf16 matrices, f16 vectors; the reference computes with the
            # rounded values.
            dtype = "BF16" if len(shape) == 2 else "F16"
            if dtype == "BF16":
                bits = np.frombuffer(tensor_bytes("BF16", w[wname]), dtype="<u2")
                w[wname] = (bits.astype("<u4") << 16).view("<f4").reshape(shape)
            else:
                w[wname] = w[wname].astype(np.float16).astype(np.float32)
            stored.append((wname, dtype, w[wname]))
        else:
            stored.append((wname, "F32", w[wname]))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    if shards == 1:
        write_safetensors(os.path.join(d, "model.safetensors"), stored)
    else:
        per = -(-len(stored) // shards)
        weight_map = {}
        for k in range(shards):
            fname = "model-%05d-of-%05d.safetensors" % (k + 1, shards)
            part = stored[k * per:(k + 1) * per]
            write_safetensors(os.path.join(d, fname), part)
            for n, _, _ in part:
                weight_map[n] = fname
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f, indent=2)
    return c, w


MODELS = [
    # name, config, seed, shards, fp8, half (bf16 matrices, f16 vectors)
    ("llama", llama_config, 11, 1, False, False),
    ("llama_bf16", llama_config, 16, 1, False, True),
    ("llama3_rope", llama3_rope_config, 17, 1, False, False),
    ("qwen2_sharded", qwen2_config, 12, 3, False, False),
    ("deepseek_v2_lite", deepseek_v2_lite_config, 13, 1, False, False),
    ("deepseek_v2_grouped", deepseek_v2_grouped_config, 18, 1, False, False),
    ("deepseek_v2_mla_shapes", deepseek_v2_mla_shapes_config, 19, 1, False, True),
    ("deepseek_v3", deepseek_v3_config, 14, 2, False, False),
    ("deepseek_v3_fp8", deepseek_v3_config, 15, 1, True, False),
]


def cmd_models(args):
    from numpy.lib.format import write_array
    names = args.only.split(",") if args.only else [m[0] for m in MODELS]
    for name, config, seed, shards, fp8, half in MODELS:
        if name not in names:
            continue
        c, w = write_model(args.out, name, config(), seed, shards, fp8, half)
        tokens, logits = reference_generate(c, w, PROMPT, args.tokens)
        e = os.path.join(args.out, name + ".expected")
        os.makedirs(e, exist_ok=True)
        np.save(os.path.join(e, "tokens.npy"), np.array(tokens, dtype=np.int64))
        for i, l in enumerate(logits):
            np.save(os.path.join(e, "logits_%d.npy" % i), l)


def cmd_manifest(args):
    with open(args.config) as f:
        c = json.load(f)
    fp8 = "quantization_config" in c
    block = c.get("quantization_config", {}).get("weight_block_size", [128, 128])
    entries = []
    for name, shape, quantizable in weight_shapes(c):
        if fp8 and quantizable:
            entries.append((name, "F8_E4M3", shape))
            entries.append((name + "_scale_inv", "F32",
                            (-(-shape[0] // block[0]), -(-shape[1] // block[1]))))
        else:
            entries.append((name, "BF16", shape))
    # Laid out in shards of about 4 GiB, as HF checkpoints are.
    tensors, shard, offset = [], 1, 8 + 1024 * 1024
    for name, dtype, shape in entries:
        size = int(np.prod(shape)) * DTYPE_BYTES[dtype]
        if offset + size > 4 << 30 and offset > 8 + 1024 * 1024:
            shard, offset = shard + 1, 8 + 1024 * 1024
        tensors.append({"name": name, "dtype": dtype, "shape": list(shape),
                        "file": "model-%05d.safetensors" % shard,
                        "offset": offset, "size": size})
        offset += size
    with open(args.out, "w") as f:
        json.dump({"format": "tessera-weight-manifest", "tensors": tensors}, f)


def cmd_compare(args):
    exp = np.load(os.path.join(args.expected, "tokens.npy"))
    got = np.load(os.path.join(args.actual, "tokens.npy"))
    worst = 0.0
    for i in range(len(exp)):
        a = np.load(os.path.join(args.expected, "logits_%d.npy" % i))
        b = np.load(os.path.join(args.actual, "logits_%d.npy" % i))
        if a.shape != b.shape:
            print("FAIL: logits_%d shapes %s vs %s" % (i, a.shape, b.shape))
            return 1
        worst = max(worst, float(np.abs(a - b).max()))
    same = exp.shape == got.shape and bool((exp == got).all())
    print("tokens %s (%d), max abs logit error %.3g" %
          ("identical" if same else "DIFFER", len(exp), worst))
    if not same:
        print("expected", exp.tolist())
        print("actual  ", got.tolist())
    # A 16-bit program's logits are --check's (cosine against the golden
    # evaluator); --tokens-only compares its greedy tokens with PyTorch's.
    if same and (args.tokens_only or worst <= args.atol):
        print("PASS")
        return 0
    print("FAIL")
    return 1


def cmd_bad(args):
    """Broken model directories, one per kind of bad input."""
    import shutil
    out = args.out
    os.makedirs(out, exist_ok=True)

    def base(name, model="llama", config=llama_config, shards=1, fp8=False, seed=11):
        d = os.path.join(out, name)
        if os.path.exists(d):
            shutil.rmtree(d)
        write_model(out, name, config(), seed, shards, fp8)
        return d

    def edit_json(p, fn):
        with open(p) as f:
            c = json.load(f)
        fn(c)
        with open(p, "w") as f:
            json.dump(c, f)

    def edit_config(d, fn):
        edit_json(os.path.join(d, "config.json"), fn)

    def edit_index(d, fn):
        edit_json(os.path.join(d, "model.safetensors.index.json"), fn)

    def edit_header(d, fn):
        """Rewrites model.safetensors with fn applied to its JSON header."""
        p = os.path.join(d, "model.safetensors")
        with open(p, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
            data = f.read()
        fn(header)
        text = json.dumps(header).encode()
        with open(p, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + data)

    d = base("no_config")
    os.remove(os.path.join(d, "config.json"))
    d = base("malformed_config")
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write('{"architectures": ["LlamaForCausalLM"], "hidden_size": 48,')
    d = base("unknown_architecture")
    edit_config(d, lambda c: c.update(architectures=["GPT2LMHeadModel"]))
    d = base("unknown_field")
    edit_config(d, lambda c: c.update(attn_logit_softcapping=30.0))
    d = base("bad_field_value", config=deepseek_v3_config, seed=14)
    edit_config(d, lambda c: c.update(topk_method="random_routing"))
    d = base("bad_rope_scaling")
    edit_config(d, lambda c: c.update(rope_scaling={"type": "dynamic", "factor": 2.0}))
    base("valid")  # the control the others break
    d = base("bad_hidden_act")
    edit_config(d, lambda c: c.update(hidden_act="gelu"))
    d = base("rope_scaling_unknown_key", config=deepseek_v2_lite_config, seed=13)
    edit_config(d, lambda c: c["rope_scaling"].update(attention_factor=2.0))
    d = base("bad_quantization", config=deepseek_v3_config, fp8=True, seed=15)
    edit_config(d, lambda c: c["quantization_config"].update(fmt="e5m2"))
    d = base("large_head_dim")
    edit_config(d, lambda c: c.update(head_dim=1024))
    d = base("missing_field")
    edit_config(d, lambda c: c.pop("num_attention_heads"))

    d = base("header_not_json")
    p = os.path.join(d, "model.safetensors")
    with open(p, "r+b") as f:
        f.seek(8)
        f.write(b"<html>")
    def shift_lm_head(header):
        header["lm_head.weight"]["data_offsets"][0] += 1 << 20
        header["lm_head.weight"]["data_offsets"][1] += 1 << 20
    edit_header(base("offsets_out_of_file"), shift_lm_head)
    d = base("header_past_end")
    p = os.path.join(d, "model.safetensors")
    with open(p, "r+b") as f:
        f.write(struct.pack("<Q", 1 << 40))
    d = base("shape_contradicts_config")
    edit_config(d, lambda c: c.update(intermediate_size=88))
    d = base("dtype_contradicts_config", config=deepseek_v3_config, fp8=True, seed=15)
    edit_config(d, lambda c: c.pop("quantization_config"))
    edit_header(base("unsupported_dtype"),
                lambda h: h["model.norm.weight"].update(dtype="I32"))

    d = base("missing_shard", config=qwen2_config, shards=3, seed=12)
    os.remove(os.path.join(d, "model-00002-of-00003.safetensors"))
    edit_index(base("weight_missing_from_index", config=qwen2_config, shards=3, seed=12),
               lambda i: i["weight_map"].pop("model.layers.1.self_attn.k_proj.bias"))
    edit_index(base("index_outside_directory", config=qwen2_config, shards=3, seed=12),
               lambda i: i["weight_map"].update(
                   {"model.norm.weight": "../model-00003-of-00003.safetensors"}))
    d = base("no_weights")
    os.remove(os.path.join(d, "model.safetensors"))
    # An odd number of inputs to down_proj: int4 packs two per byte.
    base("odd_intermediate", config=lambda: dict(llama_config(), intermediate_size=81))


def cmd_demo(args):
    """Writes the demo model (no PyTorch needed: its check is the golden
    evaluator)."""
    write_model(os.path.dirname(os.path.abspath(args.out)),
                os.path.basename(os.path.abspath(args.out)),
                deepseek_v3_demo_config(), 21)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("models")
    m.add_argument("out")
    m.add_argument("--tokens", type=int, default=32)
    m.add_argument("--only", default="")
    mf = sub.add_parser("manifest")
    mf.add_argument("config")
    mf.add_argument("out")
    b = sub.add_parser("bad")
    b.add_argument("out")
    dm = sub.add_parser("demo")
    dm.add_argument("out")
    cp = sub.add_parser("compare")
    cp.add_argument("expected")
    cp.add_argument("actual")
    cp.add_argument("--atol", type=float, default=1e-4)
    cp.add_argument("--tokens-only", action="store_true")
    args = ap.parse_args()
    return {"models": cmd_models, "manifest": cmd_manifest, "bad": cmd_bad,
            "compare": cmd_compare, "demo": cmd_demo}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
