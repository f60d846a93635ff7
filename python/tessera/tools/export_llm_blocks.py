#!/usr/bin/python3
"""Exports small reference LLM decoder blocks to ONNX as end-to-end fixtures.

Three blocks, written to follow the Hugging Face modeling code of each family
(deepseek-ai/DeepSeek-V2 `modeling_deepseek.py`, transformers' `Qwen2`):

* DeepSeek-V2: MLA attention (low-rank q and kv projections, RMSNorm on the
  compressed q and kv, decoupled RoPE whose key part is shared by all heads,
  qk head dim = qk_nope + qk_rope different from v head dim) and a MoE FFN
  (softmax router, top-k routed SwiGLU experts, shared SwiGLU experts), once
  with V2-Lite's greedy router and once with V2's group-limited greedy one.
* Qwen2: grouped-query attention with q/k/v bias, RoPE, RMSNorm, SwiGLU MLP.

Each block is exported with torch.onnx.export (opset 17, static shapes) to
test/e2e/fixtures/<name>/model.onnx, with its inputs and torch's outputs beside
it as input_<onnx input name>.npy and output_<onnx output name>.npy, and the
same block written with Tessera's fused graph ops as fused.mlir. The ONNX op
histogram of each graph is printed. A small numpy interpreter replays the
exported graph and the fused graph is evaluated in numpy; the script fails
unless both match torch, so a fixture is known to be faithful before any
Tessera code touches it. See test/e2e/fixtures/README.md.

Run with Debian's interpreter, which has python3-torch and python3-onnx:

    /usr/bin/python3 python/tessera/tools/export_llm_blocks.py [--out-dir DIR]

It is deterministic: rerunning it rewrites identical files.

Deviations from the HF code, all value-preserving, each made so the graph is
static (no data-dependent shapes) and exportable:
* MoE dispatch runs every routed expert on every token and weights the result
  by a dense [tokens, experts] combine matrix that is zero for the experts a
  token was not routed to (HF's eval path sorts tokens by expert and loops on
  host-side counts, which cannot be traced to a static graph).
* MLA builds the full query and key with torch.cat instead of writing slices
  of a `new_empty` tensor.
* The causal mask is a constant buffer (HF builds it from `attention_mask`);
  its value, torch.finfo(float32).min above the diagonal, is HF's.
* DeepSeek's cos/sin cache is kept whole rather than sliced to the sequence
  length, so that positions may exceed it (as they do with a KV cache).
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
import torch.nn.functional as F
from onnx import numpy_helper

OPSET = 17
SEED = 0

#===-----------------------------------------------------------------------===#
# Shared pieces (both families use the same RMSNorm, rotary cache and MLP)
#===-----------------------------------------------------------------------===#


class RMSNorm(nn.Module):
    """DeepseekV2RMSNorm / Qwen2RMSNorm (identical)."""

    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance +
                                                    self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


class RotaryEmbedding(nn.Module):
    """DeepseekV2RotaryEmbedding: a cos/sin cache indexed by position.

    It stores cat(freqs, freqs) so that rotate_half pairs dimension i with
    i + dim/2; the table becomes a constant that position_ids gathers from.
    """

    def __init__(self, dim, max_position_embeddings, base):
        super().__init__()
        inv_freq = 1.0 / (base**(torch.arange(0, dim, 2).float() / dim))
        t = torch.arange(max_position_embeddings, dtype=torch.float32)
        freqs = torch.outer(t, inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos(), persistent=False)
        self.register_buffer("sin_cached", emb.sin(), persistent=False)

    def forward(self, seq_len):
        return self.cos_cached[:seq_len], self.sin_cached[:seq_len]


class Qwen2RotaryEmbedding(nn.Module):
    """Current transformers' Qwen2 rotary embedding: cos/sin are computed
    from position_ids in the graph (MatMul, Cos, Sin), not gathered."""

    def __init__(self, dim, base):
        super().__init__()
        inv_freq = 1.0 / (base**(torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, x, position_ids):
        inv_freq_expanded = self.inv_freq[None, :, None].float().expand(
            position_ids.shape[0], -1, 1)
        position_ids_expanded = position_ids[:, None, :].float()
        freqs = (inv_freq_expanded @ position_ids_expanded).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)


def rotate_half(x):
    x1 = x[..., :x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    """Qwen2 / LLaMA RoPE on [B, H, S, D]: pairs (i, i + D/2)."""
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


def apply_rotary_pos_emb_deepseek(q, k, cos, sin, position_ids,
                                  unsqueeze_dim=1):
    """modeling_deepseek's RoPE: the checkpoint stores q_pe/k_pe with rotation
    pairs interleaved (2j, 2j+1), so it first de-interleaves (even dims, then
    odd dims) and then applies rotate_half. The result stays de-interleaved."""
    cos = cos[position_ids].unsqueeze(unsqueeze_dim)
    sin = sin[position_ids].unsqueeze(unsqueeze_dim)
    b, h, s, d = q.shape
    q = q.view(b, h, s, d // 2, 2).transpose(4, 3).reshape(b, h, s, d)
    b, h, s, d = k.shape
    k = k.view(b, h, s, d // 2, 2).transpose(4, 3).reshape(b, h, s, d)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


class SwiGLUMLP(nn.Module):
    """DeepseekV2MLP / Qwen2MLP: down(silu(gate(x)) * up(x)), no biases."""

    def __init__(self, hidden_size, intermediate_size):
        super().__init__()
        self.gate_proj = nn.Linear(hidden_size, intermediate_size, bias=False)
        self.up_proj = nn.Linear(hidden_size, intermediate_size, bias=False)
        self.down_proj = nn.Linear(intermediate_size, hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


def causal_mask(seq_len):
    """HF's additive causal mask: finfo.min above the diagonal, 0 elsewhere."""
    mask = torch.full((seq_len, seq_len), torch.finfo(torch.float32).min)
    return torch.triu(mask, diagonal=1)[None, None]


def repeat_kv(hidden_states, n_rep):
    """(B, KV, S, D) -> (B, KV * n_rep, S, D), as in transformers."""
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(
        batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen,
                                 head_dim)


#===-----------------------------------------------------------------------===#
# DeepSeek-V2
#===-----------------------------------------------------------------------===#

DEEPSEEK_CONFIG = dict(
    hidden_size=64,
    num_attention_heads=4,
    q_lora_rank=32,  # V2/V3 (V2-Lite uses None: a plain q_proj)
    kv_lora_rank=32,
    qk_nope_head_dim=16,
    qk_rope_head_dim=8,
    v_head_dim=16,
    moe_intermediate_size=32,
    n_routed_experts=8,
    n_shared_experts=2,
    num_experts_per_tok=2,
    topk_method="greedy",  # or "group_limited_greedy" (uses n_group, topk_group)
    n_group=1,
    topk_group=1,
    norm_topk_prob=False,
    routed_scaling_factor=1.0,
    rms_norm_eps=1e-6,
    rope_theta=10000.0,
    max_position_embeddings=32,
    seq_len=16,
)


class DeepseekV2Attention(nn.Module):

    def __init__(self, c):
        super().__init__()
        self.num_heads = c["num_attention_heads"]
        self.q_lora_rank = c["q_lora_rank"]
        self.kv_lora_rank = c["kv_lora_rank"]
        self.qk_nope_head_dim = c["qk_nope_head_dim"]
        self.qk_rope_head_dim = c["qk_rope_head_dim"]
        self.v_head_dim = c["v_head_dim"]
        self.q_head_dim = self.qk_nope_head_dim + self.qk_rope_head_dim
        hidden = c["hidden_size"]
        if self.q_lora_rank is None:
            self.q_proj = nn.Linear(hidden, self.num_heads * self.q_head_dim,
                                    bias=False)
        else:
            self.q_a_proj = nn.Linear(hidden, self.q_lora_rank, bias=False)
            self.q_a_layernorm = RMSNorm(self.q_lora_rank, c["rms_norm_eps"])
            self.q_b_proj = nn.Linear(self.q_lora_rank,
                                      self.num_heads * self.q_head_dim,
                                      bias=False)
        self.kv_a_proj_with_mqa = nn.Linear(
            hidden, self.kv_lora_rank + self.qk_rope_head_dim, bias=False)
        self.kv_a_layernorm = RMSNorm(self.kv_lora_rank, c["rms_norm_eps"])
        self.kv_b_proj = nn.Linear(
            self.kv_lora_rank,
            self.num_heads * (self.qk_nope_head_dim + self.v_head_dim),
            bias=False)
        self.o_proj = nn.Linear(self.num_heads * self.v_head_dim, hidden,
                                bias=False)
        self.rotary_emb = RotaryEmbedding(self.qk_rope_head_dim,
                                          c["max_position_embeddings"],
                                          c["rope_theta"])
        # No YaRN rope_scaling at this size, so no mscale correction.
        self.max_position_embeddings = c["max_position_embeddings"]
        self.softmax_scale = self.q_head_dim**(-0.5)

    def forward(self, hidden_states, position_ids, attention_mask):
        bsz, q_len, _ = hidden_states.size()
        if self.q_lora_rank is None:
            q = self.q_proj(hidden_states)
        else:
            q = self.q_b_proj(self.q_a_layernorm(self.q_a_proj(hidden_states)))
        q = q.view(bsz, q_len, self.num_heads, self.q_head_dim).transpose(1, 2)
        q_nope, q_pe = torch.split(
            q, [self.qk_nope_head_dim, self.qk_rope_head_dim], dim=-1)

        compressed_kv = self.kv_a_proj_with_mqa(hidden_states)
        compressed_kv, k_pe = torch.split(
            compressed_kv, [self.kv_lora_rank, self.qk_rope_head_dim], dim=-1)
        # The decoupled rope key: one head, shared by all query heads.
        k_pe = k_pe.view(bsz, q_len, 1, self.qk_rope_head_dim).transpose(1, 2)
        kv = (self.kv_b_proj(self.kv_a_layernorm(compressed_kv)).view(
            bsz, q_len, self.num_heads,
            self.qk_nope_head_dim + self.v_head_dim).transpose(1, 2))
        k_nope, value_states = torch.split(
            kv, [self.qk_nope_head_dim, self.v_head_dim], dim=-1)

        # HF slices the cache to kv_seq_len, which covers every position when
        # decoding with a KV cache; this block takes arbitrary positions, so
        # it keeps the whole (small) cache.
        cos, sin = self.rotary_emb(seq_len=self.max_position_embeddings)
        q_pe, k_pe = apply_rotary_pos_emb_deepseek(q_pe, k_pe, cos, sin,
                                                   position_ids)

        query_states = torch.cat([q_nope, q_pe], dim=-1)
        key_states = torch.cat(
            [k_nope, k_pe.expand(bsz, self.num_heads, q_len, -1)], dim=-1)

        attn_weights = (torch.matmul(query_states, key_states.transpose(2, 3)) *
                        self.softmax_scale)
        attn_weights = attn_weights + attention_mask
        attn_weights = F.softmax(attn_weights, dim=-1,
                                 dtype=torch.float32).to(query_states.dtype)
        attn_output = torch.matmul(attn_weights, value_states)
        attn_output = attn_output.transpose(1, 2).contiguous()
        attn_output = attn_output.reshape(bsz, q_len,
                                          self.num_heads * self.v_head_dim)
        return self.o_proj(attn_output)


class MoEGate(nn.Module):
    """DeepSeek-V2's router: softmax scores, (group-limited) greedy top-k."""

    def __init__(self, c):
        super().__init__()
        self.top_k = c["num_experts_per_tok"]
        self.n_routed_experts = c["n_routed_experts"]
        self.routed_scaling_factor = c["routed_scaling_factor"]
        self.topk_method = c["topk_method"]
        self.n_group = c["n_group"]
        self.topk_group = c["topk_group"]
        self.norm_topk_prob = c["norm_topk_prob"]
        self.weight = nn.Parameter(
            torch.empty((self.n_routed_experts, c["hidden_size"])))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def scores(self, hidden_states):
        h = hidden_states.shape[-1]
        hidden_states = hidden_states.view(-1, h)
        logits = F.linear(hidden_states.type(torch.float32),
                          self.weight.type(torch.float32), None)
        return logits.softmax(dim=-1, dtype=torch.float32)

    def forward(self, hidden_states):
        scores = self.scores(hidden_states)
        if self.topk_method == "greedy":
            topk_weight, topk_idx = torch.topk(scores, k=self.top_k, dim=-1,
                                               sorted=False)
        elif self.topk_method == "group_limited_greedy":
            tokens = scores.shape[0]
            group_scores = scores.view(tokens, self.n_group,
                                       -1).max(dim=-1).values
            group_idx = torch.topk(group_scores, k=self.topk_group, dim=-1,
                                   sorted=False)[1]
            group_mask = torch.zeros_like(group_scores)
            group_mask.scatter_(1, group_idx, 1)
            score_mask = (group_mask.unsqueeze(-1).expand(
                tokens, self.n_group,
                self.n_routed_experts // self.n_group).reshape(tokens, -1))
            tmp_scores = scores.masked_fill(~score_mask.bool(), 0.0)
            topk_weight, topk_idx = torch.topk(tmp_scores, k=self.top_k,
                                               dim=-1, sorted=False)
        else:
            raise ValueError("unknown topk_method " + self.topk_method)
        if self.top_k > 1 and self.norm_topk_prob:
            denominator = topk_weight.sum(dim=-1, keepdim=True) + 1e-20
            topk_weight = topk_weight / denominator
        else:
            topk_weight = topk_weight * self.routed_scaling_factor
        return topk_idx, topk_weight


class DeepseekV2MoE(nn.Module):

    def __init__(self, c):
        super().__init__()
        self.experts = nn.ModuleList([
            SwiGLUMLP(c["hidden_size"], c["moe_intermediate_size"])
            for _ in range(c["n_routed_experts"])
        ])
        self.gate = MoEGate(c)
        self.shared_experts = None
        if c["n_shared_experts"]:
            # DeepSeek merges its shared experts into one wider MLP.
            self.shared_experts = SwiGLUMLP(
                c["hidden_size"],
                c["moe_intermediate_size"] * c["n_shared_experts"])

    def forward(self, hidden_states):
        identity = hidden_states
        orig_shape = hidden_states.shape
        topk_idx, topk_weight = self.gate(hidden_states)
        x = hidden_states.view(-1, hidden_states.shape[-1])
        # Dense combine weights: token t's weight for expert e, 0 if unrouted.
        combine = torch.zeros(x.shape[0], len(self.experts)).scatter(
            1, topk_idx, topk_weight)
        y = None
        for e, expert in enumerate(self.experts):
            contribution = expert(x) * combine[:, e:e + 1]
            y = contribution if y is None else y + contribution
        y = y.view(*orig_shape)
        if self.shared_experts is not None:
            y = y + self.shared_experts(identity)
        return y


class DeepseekV2DecoderLayer(nn.Module):

    def __init__(self, c):
        super().__init__()
        self.self_attn = DeepseekV2Attention(c)
        self.mlp = DeepseekV2MoE(c)
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden_size"],
                                                c["rms_norm_eps"])
        self.register_buffer("causal_mask", causal_mask(c["seq_len"]),
                             persistent=False)

    def forward(self, hidden_states, position_ids):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states = self.self_attn(hidden_states, position_ids,
                                       self.causal_mask)
        hidden_states = residual + hidden_states
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        return residual + hidden_states


#===-----------------------------------------------------------------------===#
# Qwen2
#===-----------------------------------------------------------------------===#

QWEN2_CONFIG = dict(
    hidden_size=64,
    num_attention_heads=4,
    num_key_value_heads=2,
    intermediate_size=128,
    rms_norm_eps=1e-6,
    rope_theta=10000.0,  # R1-Distill-Qwen's; base Qwen2 uses 1e6
    max_position_embeddings=32,
    seq_len=16,
)


class Qwen2Attention(nn.Module):

    def __init__(self, c):
        super().__init__()
        self.hidden_size = c["hidden_size"]
        self.num_heads = c["num_attention_heads"]
        self.head_dim = self.hidden_size // self.num_heads
        self.num_key_value_heads = c["num_key_value_heads"]
        self.num_key_value_groups = self.num_heads // self.num_key_value_heads
        self.q_proj = nn.Linear(self.hidden_size,
                                self.num_heads * self.head_dim, bias=True)
        self.k_proj = nn.Linear(self.hidden_size,
                                self.num_key_value_heads * self.head_dim,
                                bias=True)
        self.v_proj = nn.Linear(self.hidden_size,
                                self.num_key_value_heads * self.head_dim,
                                bias=True)
        self.o_proj = nn.Linear(self.num_heads * self.head_dim,
                                self.hidden_size, bias=False)
        self.rotary_emb = Qwen2RotaryEmbedding(self.head_dim, c["rope_theta"])

    def forward(self, hidden_states, position_ids, attention_mask):
        bsz, q_len, _ = hidden_states.size()
        query_states = self.q_proj(hidden_states)
        key_states = self.k_proj(hidden_states)
        value_states = self.v_proj(hidden_states)
        query_states = query_states.view(bsz, q_len, self.num_heads,
                                         self.head_dim).transpose(1, 2)
        key_states = key_states.view(bsz, q_len, self.num_key_value_heads,
                                     self.head_dim).transpose(1, 2)
        value_states = value_states.view(bsz, q_len, self.num_key_value_heads,
                                         self.head_dim).transpose(1, 2)
        cos, sin = self.rotary_emb(value_states, position_ids)
        query_states, key_states = apply_rotary_pos_emb(query_states,
                                                        key_states, cos, sin)
        key_states = repeat_kv(key_states, self.num_key_value_groups)
        value_states = repeat_kv(value_states, self.num_key_value_groups)
        attn_weights = torch.matmul(query_states, key_states.transpose(
            2, 3)) / math.sqrt(self.head_dim)
        attn_weights = attn_weights + attention_mask
        attn_weights = F.softmax(attn_weights, dim=-1,
                                 dtype=torch.float32).to(query_states.dtype)
        attn_output = torch.matmul(attn_weights, value_states)
        attn_output = attn_output.transpose(1, 2).contiguous()
        attn_output = attn_output.reshape(bsz, q_len, self.hidden_size)
        return self.o_proj(attn_output)


class Qwen2DecoderLayer(nn.Module):

    def __init__(self, c):
        super().__init__()
        self.self_attn = Qwen2Attention(c)
        self.mlp = SwiGLUMLP(c["hidden_size"], c["intermediate_size"])
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden_size"],
                                                c["rms_norm_eps"])
        self.register_buffer("causal_mask", causal_mask(c["seq_len"]),
                             persistent=False)

    def forward(self, hidden_states, position_ids):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states = self.self_attn(hidden_states, position_ids,
                                       self.causal_mask)
        hidden_states = residual + hidden_states
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        return residual + hidden_states


#===-----------------------------------------------------------------------===#
# A numpy interpreter for the exported graphs (onnx 1.12 has no reference
# evaluator and Debian has no onnxruntime). It covers the ops these two
# graphs contain, so the fixture is checked against torch independently of
# Tessera.
#===-----------------------------------------------------------------------===#


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _np_topk(x, k, axis, largest):
    # Stable: among equal values the lower index wins, as in ONNX.
    order = np.argsort(-x if largest else x, axis=axis, kind="stable")
    idx = np.take(order, np.arange(k), axis=axis)
    return np.take_along_axis(x, idx, axis=axis), idx.astype(np.int64)


def _np_scatter_elements(data, indices, updates, axis):
    out = data.copy()
    idx = list(np.indices(indices.shape))
    idx[axis] = indices
    out[tuple(idx)] = updates
    return out


def _np_slice(x, starts, ends, axes, steps):
    sl = [slice(None)] * x.ndim
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    for s, e, a, st in zip(starts, ends, axes, steps):
        sl[a] = slice(int(s), int(e), int(st))
    return x[tuple(sl)]


def _np_reshape(x, shape):
    shape = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return x.reshape(shape)


def _np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def run_onnx_numpy(model, feeds):
    env = dict(feeds)
    for init in model.graph.initializer:
        env[init.name] = numpy_helper.to_array(init)
    for node in model.graph.node:
        a = _attrs(node)
        x = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Constant":
            out = [numpy_helper.to_array(a["value"])]
        elif op in ("Add", "Sub", "Mul", "Div", "Pow", "Equal"):
            fn = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
                  "Div": np.divide, "Pow": np.power, "Equal": np.equal}[op]
            r = fn(x[0], x[1])
            out = [r.astype(x[0].dtype) if op != "Equal" else r]
        elif op in ("Neg", "Sqrt", "Reciprocal", "Sigmoid", "Not", "Exp",
                    "Cos", "Sin"):
            fn = {"Neg": np.negative, "Sqrt": np.sqrt, "Cos": np.cos,
                  "Sin": np.sin,
                  "Reciprocal": np.reciprocal, "Not": np.logical_not,
                  "Exp": np.exp,
                  "Sigmoid": lambda v: 1 / (1 + np.exp(-v))}[op]
            out = [fn(x[0]).astype(x[0].dtype)]
        elif op == "MatMul":
            out = [np.matmul(x[0], x[1])]
        elif op == "Gemm":
            aa = x[0].T if a.get("transA", 0) else x[0]
            bb = x[1].T if a.get("transB", 0) else x[1]
            r = a.get("alpha", 1.0) * (aa @ bb)
            if len(x) > 2 and x[2] is not None:
                r = r + a.get("beta", 1.0) * x[2]
            out = [r.astype(np.float32)]
        elif op == "ReduceMean":
            out = [x[0].mean(axis=tuple(a["axes"]),
                             keepdims=bool(a.get("keepdims", 1)))]
        elif op == "ReduceMax":
            out = [x[0].max(axis=tuple(a["axes"]),
                            keepdims=bool(a.get("keepdims", 1)))]
        elif op == "ReduceSum":
            axes = tuple(x[1]) if len(x) > 1 and x[1] is not None else None
            out = [x[0].sum(axis=axes, keepdims=bool(a.get("keepdims", 1)))]
        elif op == "Softmax":
            out = [_np_softmax(x[0], a.get("axis", -1))]
        elif op == "Transpose":
            out = [np.transpose(x[0], a.get("perm"))]
        elif op == "Reshape":
            out = [_np_reshape(x[0], list(x[1]))]
        elif op == "Unsqueeze":
            r = x[0]
            for ax in sorted(int(v) % (r.ndim + len(x[1])) for v in x[1]):
                r = np.expand_dims(r, ax)
            out = [r]
        elif op == "Squeeze":
            out = [np.squeeze(x[0], axis=tuple(int(v) for v in x[1]))]
        elif op == "Expand":
            shape = np.broadcast_shapes(x[0].shape, tuple(x[1]))
            out = [np.broadcast_to(x[0], shape).copy()]
        elif op == "Concat":
            out = [np.concatenate(x, axis=a["axis"])]
        elif op == "Split":
            sizes = np.cumsum(x[1])[:-1]
            out = np.split(x[0], sizes, axis=a.get("axis", 0))
        elif op == "Slice":
            out = [_np_slice(x[0], x[1], x[2],
                             x[3] if len(x) > 3 else None,
                             x[4] if len(x) > 4 else None)]
        elif op == "Gather":
            out = [np.take(x[0], x[1], axis=a.get("axis", 0))]
        elif op == "TopK":
            out = list(_np_topk(x[0], int(x[1][0]), a.get("axis", -1),
                                a.get("largest", 1)))
        elif op == "ScatterElements":
            out = [_np_scatter_elements(x[0], x[1], x[2], a.get("axis", 0))]
        elif op == "Where":
            out = [np.where(x[0], x[1], x[2])]
        elif op == "Cast":
            to = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]]
            out = [x[0].astype(to)]
        elif op == "ConstantOfShape":
            v = numpy_helper.to_array(a["value"]) if "value" in a else \
                np.zeros(1, np.float32)
            out = [np.full(tuple(x[0]), v[0], dtype=v.dtype)]
        elif op == "Shape":
            out = [np.array(x[0].shape, dtype=np.int64)]
        else:
            raise NotImplementedError("numpy check: no ONNX op " + op)
        for name, value in zip(node.output, out):
            env[name] = np.asarray(value)
    return [env[o.name] for o in model.graph.output]


#===-----------------------------------------------------------------------===#
# The same blocks written with Tessera's fused graph ops (graph.rope,
# graph.attention, graph.swiglu, graph.moe), weights inlined as constants,
# as fused.mlir beside model.onnx. `tessera-run fused.mlir` must reproduce
# torch's output too: that pins the fused ops' semantics to the real models'.
# Each op is also evaluated here in numpy as it is emitted, which gives the
# result types and checks the decomposition before any C++ runs.
#===-----------------------------------------------------------------------===#

_MLIR_DTYPES = {np.dtype(np.float32): "f32", np.dtype(np.int64): "i64"}


def _tensor_type(array):
    dims = "x".join(str(d) for d in array.shape)
    return "tensor<%s%s%s>" % (dims, "x" if dims else "",
                               _MLIR_DTYPES[array.dtype])


def _i64_array(values):
    return "array<i64: %s>" % ", ".join(str(int(v)) for v in values)


def _f32_attr(value):
    return "%.9e : f32" % value


def _silu(x):
    return x / (1.0 + np.exp(-x))


def np_rope(x, cos, sin, style):
    r = cos.shape[-1]
    half = r // 2
    if cos.ndim == 3:  # [B, S, R] -> [B, 1, S, R]
        cos, sin = cos[:, None], sin[:, None]
    p = x[..., :r]
    if style == "deinterleaved":
        p = np.concatenate([p[..., 0::2], p[..., 1::2]], axis=-1)
    if style == "interleaved":
        rot = np.stack([-p[..., 1::2], p[..., 0::2]], axis=-1).reshape(p.shape)
    else:
        rot = np.concatenate([-p[..., half:], p[..., :half]], axis=-1)
    return np.concatenate([p * cos + rot * sin, x[..., r:]], axis=-1)


def np_attention(q, k, v, causal, scale=None):
    hq, hkv, sq, skv = q.shape[1], k.shape[1], q.shape[2], k.shape[2]
    scale = q.shape[-1]**-0.5 if scale is None else scale
    k = np.repeat(k, hq // hkv, axis=1)
    v = np.repeat(v, hq // hkv, axis=1)
    s = np.matmul(q, np.swapaxes(k, -1, -2)) * scale
    if causal:
        i = np.arange(sq)[:, None]
        j = np.arange(skv)[None, :]
        s = np.where(j > i + skv - sq, -np.inf, s)
    return np.matmul(_np_softmax(s, -1), v)


def np_moe(x, router, gate, up, down, shared, top_k, norm_topk_prob=False,
           routed_scaling_factor=1.0, n_group=1, topk_group=1):
    h = x.shape[-1]
    t = x.reshape(-1, h).astype(np.float64)
    scores = _np_softmax(t @ router.T, -1)
    out = np.zeros_like(t)
    experts = router.shape[0]
    for n in range(t.shape[0]):
        eligible = scores[n].copy()
        if n_group > 1:
            groups = eligible.reshape(n_group, -1)
            keep = np.argsort(-groups.max(-1), kind="stable")[:topk_group]
            dropped = np.ones(n_group, bool)
            dropped[keep] = False
            eligible = np.where(np.repeat(dropped, experts // n_group),
                                -np.inf, eligible)
        chosen = np.argsort(-eligible, kind="stable")[:top_k]
        w = scores[n, chosen]
        if norm_topk_prob:
            w = w / (w.sum() + 1e-20)
        w = w * routed_scaling_factor
        for e, we in zip(chosen, w):
            out[n] += we * (down[e] @ (_silu(gate[e] @ t[n]) * (up[e] @ t[n])))
        if shared:
            sg, su, sd = shared
            out[n] += sd @ (_silu(sg @ t[n]) * (su @ t[n]))
    return out.reshape(x.shape)


class FusedGraph:
    """Writes a graph-dialect function and evaluates it in numpy as it goes.

    Values are (ssa name, numpy array) pairs."""

    def __init__(self):
        self.args = []
        self.body = []
        self.count = 0

    def _value(self, array):
        name = "%%v%d" % self.count
        self.count += 1
        return name, array

    def arg(self, onnx_name, array):
        value = ("%%%s" % onnx_name, array)
        self.args.append((onnx_name, value))
        return value

    def const(self, array):
        array = np.ascontiguousarray(array)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        v = self._value(array)
        self.body.append('%s = graph.constant dense<"0x%s"> : %s' %
                         (v[0], array.tobytes().hex().upper(),
                          _tensor_type(array)))
        return v

    def op(self, mnemonic, operands, result, attrs=None):
        result = np.asarray(result)
        if result.dtype == np.float64:
            result = result.astype(np.float32)
        v = self._value(result)
        attr_text = ""
        if attrs:
            attr_text = " {%s}" % ", ".join("%s = %s" % kv for kv in attrs)
        self.body.append("%s = graph.%s %s%s : (%s) -> %s" % (
            v[0], mnemonic, ", ".join(o[0] for o in operands), attr_text,
            ", ".join(_tensor_type(o[1]) for o in operands),
            _tensor_type(result)))
        return v

    # Ops, each with its numpy meaning.
    def matmul(self, a, b):
        return self.op("matmul", [a, b], np.matmul(a[1], b[1]))

    def linear(self, x, weight, bias=None):
        # nn.Linear: x @ W^T (+ b); the transpose is folded into the constant.
        y = self.matmul(x, self.const(weight.T))
        return self.add(y, self.const(bias)) if bias is not None else y

    def add(self, a, b):
        return self.op("add", [a, b], a[1] + b[1])

    def mul(self, a, b):
        return self.op("mul", [a, b], a[1] * b[1])

    def rms_norm(self, x, weight, eps):
        w = self.const(weight)
        xf = x[1].astype(np.float64)
        y = xf / np.sqrt((xf * xf).mean(-1, keepdims=True) + eps) * w[1]
        return self.op("rms_norm", [x, w], y,
                       [("epsilon", _f32_attr(eps))])

    def reshape(self, x, shape):
        return self.op("reshape", [x], x[1].reshape(shape),
                       [("shape", _i64_array(shape))])

    def transpose(self, x, perm):
        return self.op("transpose", [x], np.transpose(x[1], perm),
                       [("perm", _i64_array(perm))])

    def slice_last(self, x, start, end):
        starts = [0] * (x[1].ndim - 1) + [start]
        ends = list(x[1].shape[:-1]) + [end]
        return self.op("slice", [x], x[1][..., start:end],
                       [("starts", _i64_array(starts)),
                        ("ends", _i64_array(ends)),
                        ("steps", _i64_array([1] * x[1].ndim))])

    def concat(self, values, axis):
        return self.op("concat", values,
                       np.concatenate([v[1] for v in values], axis=axis),
                       [("axis", "%d : i64" % axis)])

    def gather(self, x, indices, axis=0):
        return self.op("gather", [x, indices],
                       np.take(x[1], indices[1], axis=axis),
                       [("axis", "%d : i64" % axis)])

    def expand(self, x, shape):
        return self.op("expand", [x], np.broadcast_to(x[1], shape),
                       [("shape", _i64_array(shape))])

    def cast_f32(self, x):
        return self.op("cast", [x], x[1].astype(np.float32), [("to", "f32")])

    def unary(self, mnemonic, x, fn):
        return self.op(mnemonic, [x], fn(x[1]))

    def rope(self, x, cos, sin, style):
        return self.op("rope", [x, cos, sin],
                       np_rope(x[1], cos[1], sin[1], style),
                       [("style", '"%s"' % style)])

    def attention(self, q, k, v, causal):
        return self.op("attention", [q, k, v],
                       np_attention(q[1], k[1], v[1], causal),
                       [("causal", "true" if causal else "false")])

    def swiglu_fused(self, x):
        half = x[1].shape[-1] // 2
        y = _silu(x[1][..., :half].astype(np.float64)) * x[1][..., half:]
        return self.op("swiglu", [x], y)

    def moe(self, x, router, gate, up, down, shared, top_k, norm, scale,
            n_group=1, topk_group=1):
        consts = [self.const(w) for w in [router, gate, up, down] +
                  list(shared or [])]
        attrs = [("top_k", "%d : i64" % top_k)]
        if norm:
            attrs.append(("norm_topk_prob", "true"))
        if scale != 1.0:
            attrs.append(("routed_scaling_factor", _f32_attr(scale)))
        if n_group > 1:
            attrs += [("n_group", "%d : i64" % n_group),
                      ("topk_group", "%d : i64" % topk_group)]
        y = np_moe(x[1], router, gate, up, down, shared, top_k, norm, scale,
                   n_group, topk_group)
        return self.op("moe", [x] + consts, y, attrs)

    def text(self, result, result_name, comment):
        args = ", ".join('%s: %s {graph.name = "%s"}' %
                         (v[0], _tensor_type(v[1]), n) for n, v in self.args)
        lines = ["// " + line for line in comment.splitlines()]
        lines.append("func.func @main(%s) -> (%s {graph.name = \"%s\"}) {" %
                     (args, _tensor_type(result[1]), result_name))
        lines += ["  " + line for line in self.body]
        lines.append("  return %s : %s" % (result[0], _tensor_type(result[1])))
        lines.append("}")
        return "\n".join(lines) + "\n"


def _w(linear):
    return linear.weight.detach().numpy()


def fused_deepseek(block, config, hidden_states, position_ids):
    g = FusedGraph()
    eps = config["rms_norm_eps"]
    attn = block.self_attn
    heads, nope, rope_dim = (attn.num_heads, attn.qk_nope_head_dim,
                             attn.qk_rope_head_dim)
    q_dim, v_dim = attn.q_head_dim, attn.v_head_dim
    b, s, hidden = hidden_states.shape
    x = g.arg("hidden_states", hidden_states)
    pos = g.arg("position_ids", position_ids)

    h = g.rms_norm(x, block.input_layernorm.weight.detach().numpy(), eps)
    if attn.q_lora_rank is None:
        q = g.linear(h, _w(attn.q_proj))
    else:
        q = g.linear(h, _w(attn.q_a_proj))
        q = g.rms_norm(q, attn.q_a_layernorm.weight.detach().numpy(), eps)
        q = g.linear(q, _w(attn.q_b_proj))
    q = g.transpose(g.reshape(q, [b, s, heads, q_dim]), [0, 2, 1, 3])
    q_nope = g.slice_last(q, 0, nope)
    q_pe = g.slice_last(q, nope, q_dim)

    ckv = g.linear(h, _w(attn.kv_a_proj_with_mqa))
    compressed = g.slice_last(ckv, 0, attn.kv_lora_rank)
    k_pe = g.slice_last(ckv, attn.kv_lora_rank, attn.kv_lora_rank + rope_dim)
    k_pe = g.transpose(g.reshape(k_pe, [b, s, 1, rope_dim]), [0, 2, 1, 3])
    compressed = g.rms_norm(compressed,
                            attn.kv_a_layernorm.weight.detach().numpy(), eps)
    kv = g.linear(compressed, _w(attn.kv_b_proj))
    kv = g.transpose(g.reshape(kv, [b, s, heads, nope + v_dim]), [0, 2, 1, 3])
    k_nope = g.slice_last(kv, 0, nope)
    value = g.slice_last(kv, nope, nope + v_dim)

    # The cached tables gathered at the positions: per-batch [B, S, R].
    cos = g.gather(g.const(attn.rotary_emb.cos_cached.numpy()), pos)
    sin = g.gather(g.const(attn.rotary_emb.sin_cached.numpy()), pos)
    q_pe = g.rope(q_pe, cos, sin, "deinterleaved")
    k_pe = g.rope(k_pe, cos, sin, "deinterleaved")
    query = g.concat([q_nope, q_pe], 3)
    key = g.concat([k_nope, g.expand(k_pe, [b, heads, s, rope_dim])], 3)
    # The default scale, 1/sqrt(qk head dim), is MLA's softmax_scale.
    o = g.attention(query, key, value, causal=True)
    o = g.reshape(g.transpose(o, [0, 2, 1, 3]), [b, s, heads * v_dim])
    x1 = g.add(x, g.linear(o, _w(attn.o_proj)))

    h2 = g.rms_norm(x1, block.post_attention_layernorm.weight.detach().numpy(),
                    eps)
    mlp = block.mlp
    stack = lambda name: np.stack(
        [_w(getattr(e, name)) for e in mlp.experts])
    shared = None
    if mlp.shared_experts is not None:
        se = mlp.shared_experts
        shared = [_w(se.gate_proj), _w(se.up_proj), _w(se.down_proj)]
    gate = mlp.gate
    norm = gate.top_k > 1 and gate.norm_topk_prob
    # DeepSeek-V2 scales only when it does not normalize.
    scale = 1.0 if norm else gate.routed_scaling_factor
    grouped = gate.topk_method == "group_limited_greedy"
    y = g.moe(h2, gate.weight.detach().numpy(), stack("gate_proj"),
              stack("up_proj"), stack("down_proj"), shared, gate.top_k, norm,
              scale, gate.n_group if grouped else 1,
              gate.topk_group if grouped else 1)
    out = g.add(x1, y)
    return g, out


def fused_qwen2(block, config, hidden_states, position_ids):
    g = FusedGraph()
    eps = config["rms_norm_eps"]
    attn = block.self_attn
    heads, kv_heads, d = attn.num_heads, attn.num_key_value_heads, attn.head_dim
    b, s, hidden = hidden_states.shape
    x = g.arg("hidden_states", hidden_states)
    pos = g.arg("position_ids", position_ids)

    h = g.rms_norm(x, block.input_layernorm.weight.detach().numpy(), eps)

    def heads_of(proj, n):
        y = g.linear(h, _w(proj), proj.bias.detach().numpy())
        return g.transpose(g.reshape(y, [b, s, n, d]), [0, 2, 1, 3])

    q, k, v = (heads_of(attn.q_proj, heads), heads_of(attn.k_proj, kv_heads),
               heads_of(attn.v_proj, kv_heads))
    # cos/sin from the positions, as current transformers computes them.
    inv_freq = attn.rotary_emb.inv_freq.numpy()
    freqs = g.mul(g.reshape(g.cast_f32(pos), [b, s, 1]), g.const(inv_freq))
    emb = g.concat([freqs, freqs], 2)
    cos = g.unary("cos", emb, np.cos)
    sin = g.unary("sin", emb, np.sin)
    q = g.rope(q, cos, sin, "rotate_half")
    k = g.rope(k, cos, sin, "rotate_half")
    o = g.attention(q, k, v, causal=True)  # GQA: 4 query heads on 2
    o = g.reshape(g.transpose(o, [0, 2, 1, 3]), [b, s, heads * d])
    x1 = g.add(x, g.linear(o, _w(attn.o_proj)))

    h2 = g.rms_norm(x1, block.post_attention_layernorm.weight.detach().numpy(),
                    eps)
    mlp = block.mlp
    # gate_proj and up_proj as one fused projection: [gate | up].
    gate_up = g.linear(h2, np.concatenate([_w(mlp.gate_proj),
                                           _w(mlp.up_proj)], axis=0))
    y = g.linear(g.swiglu_fused(gate_up), _w(mlp.down_proj))
    out = g.add(x1, y)
    return g, out


#===-----------------------------------------------------------------------===#
# Export
#===-----------------------------------------------------------------------===#


def randomize_norms(module, generator):
    # RMSNorm weights start at 1; perturb them so a dropped scale shows up.
    for m in module.modules():
        if isinstance(m, RMSNorm):
            with torch.no_grad():
                m.weight.copy_(1.0 + 0.2 * torch.randn(
                    m.weight.shape, generator=generator))


def router_margin(block, hidden_states, position_ids):
    """Smallest gap, over all tokens, at each discrete choice of the router:
    between the k-th and (k+1)-th eligible expert score and, when routing is
    group-limited, between the last kept and the first dropped group score.

    A choice this close to a tie could flip under f32 rounding differences
    and change the output by O(1); the fixtures avoid it."""
    captured = []
    gate = block.mlp.gate
    hook = gate.register_forward_hook(
        lambda module, inputs, output: captured.append(inputs[0]))
    with torch.no_grad():
        block(hidden_states, position_ids)
    hook.remove()
    scores = gate.scores(captured[0])
    k = gate.top_k
    margins = []
    greedy_choice = torch.topk(scores, k, dim=-1)[1].sort(dim=-1).values
    if gate.topk_method == "group_limited_greedy":
        group_scores = scores.view(scores.shape[0], gate.n_group,
                                   -1).max(dim=-1).values
        if gate.topk_group < gate.n_group:
            top = torch.topk(group_scores, gate.topk_group + 1, dim=-1).values
            margins.append(float((top[:, -2] - top[:, -1]).min()))
        keep = torch.topk(group_scores, gate.topk_group, dim=-1)[1]
        kept = torch.zeros_like(group_scores).scatter(1, keep, 1).bool()
        kept = kept.repeat_interleave(scores.shape[1] // gate.n_group, dim=-1)
        scores = scores.masked_fill(~kept, float("-inf"))
    top = torch.topk(scores, k + 1, dim=-1).values
    if torch.isfinite(top[:, k]).all():
        margins.append(float((top[:, k - 1] - top[:, k]).min()))
    choice = torch.topk(scores, k, dim=-1)[1].sort(dim=-1).values
    # Tokens whose experts differ from plain greedy top-k: a group-limited
    # fixture where this is 0 would not test the group limit.
    changed = int((choice != greedy_choice).any(dim=-1).sum())
    return (min(margins) if margins else float("inf")), changed


def export_block(name, block, config, out_dir, position_ids, fused_builder,
                 fused_comment, seed):
    torch.manual_seed(seed)
    hidden_states = torch.randn(1, config["seq_len"], config["hidden_size"])
    block.eval()
    with torch.no_grad():
        output = block(hidden_states, position_ids)
    if isinstance(getattr(block, "mlp", None), DeepseekV2MoE):
        margin, changed = router_margin(block, hidden_states, position_ids)
        print("%s: smallest router score margin %.3g, %d of %d tokens routed "
              "differently from plain greedy top-k" %
              (name, margin, changed, hidden_states.shape[1]))
        if margin < 1e-4:
            sys.exit("router scores too close to a tie; change SEED")
        if block.mlp.gate.topk_method != "greedy" and changed == 0:
            sys.exit("the group limit changes no token's experts; change SEED")
    fixture = os.path.join(out_dir, name)
    os.makedirs(fixture, exist_ok=True)
    path = os.path.join(fixture, "model.onnx")
    input_names = ["hidden_states", "position_ids"]
    output_names = ["hidden_states_out"]
    with torch.no_grad():
        torch.onnx.export(block, (hidden_states, position_ids), path,
                          opset_version=OPSET, input_names=input_names,
                          output_names=output_names, do_constant_folding=True)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    graph_inputs = [i.name for i in model.graph.input]
    graph_outputs = [o.name for o in model.graph.output]
    if graph_inputs != input_names or graph_outputs != output_names:
        sys.exit("%s: unexpected graph I/O %s -> %s" %
                 (name, graph_inputs, graph_outputs))

    feeds = {"hidden_states": hidden_states.numpy(),
             "position_ids": position_ids.numpy()}
    for n, v in feeds.items():
        np.save(os.path.join(fixture, "input_%s.npy" % n), v)
    np.save(os.path.join(fixture, "output_hidden_states_out.npy"),
            output.numpy())

    # The exported graph must compute what torch computed.
    (replayed,) = run_onnx_numpy(model, feeds)
    err = float(np.abs(replayed - output.numpy()).max())
    if not err < 1e-5:
        sys.exit("%s: numpy replay of the ONNX graph differs from torch by %g"
                 % (name, err))

    # So must the same block written with the fused graph ops.
    graph, result = fused_builder(block, config, feeds["hidden_states"],
                                  feeds["position_ids"])
    fused_err = float(np.abs(result[1] - output.numpy()).max())
    if not fused_err < 1e-5:
        sys.exit("%s: numpy evaluation of the fused graph differs from torch "
                 "by %g" % (name, fused_err))
    fused_path = os.path.join(fixture, "fused.mlir")
    with open(fused_path, "w") as f:
        f.write(graph.text(result, "hidden_states_out", fused_comment))

    histogram = collections.Counter(n.op_type for n in model.graph.node)
    size = os.path.getsize(path)
    fused_size = os.path.getsize(fused_path)
    print("%s: %s, %d bytes, %d nodes, %d initializers, numpy replay max abs "
          "error %.3g" % (name, path, size, len(model.graph.node),
                          len(model.graph.initializer), err))
    print("%s: %s, %d bytes, numpy max abs error %.3g" %
          (name, fused_path, fused_size, fused_err))
    for op, count in sorted(histogram.items()):
        print("  %-16s %d" % (op, count))
    return sum(os.path.getsize(os.path.join(fixture, f))
               for f in os.listdir(fixture))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(
        os.path.join(here, "..", "..", "..", "test", "e2e", "fixtures"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out-dir", default=default_out)
    args = parser.parse_args()
    torch.set_grad_enabled(False)

    # DeepSeek-V2's 236B model routes group-limited (8 groups, 3 kept);
    # V2-Lite routes greedily. Both are exported, scaled down.
    grouped_config = dict(DEEPSEEK_CONFIG, topk_method="group_limited_greedy",
                          n_group=2, topk_group=1)
    blocks = [
        ("deepseek_v2_block", DeepseekV2DecoderLayer, DEEPSEEK_CONFIG,
         fused_deepseek,
         "A DeepSeek-V2 decoder block written with Tessera's fused ops: MLA\n"
         "(graph.rope deinterleaved, graph.attention with qk 24 / v 16),\n"
         "graph.moe with shared experts and a greedy router."),
        ("deepseek_v2_grouped_block", DeepseekV2DecoderLayer, grouped_config,
         fused_deepseek,
         "A DeepSeek-V2 decoder block written with Tessera's fused ops: MLA\n"
         "(graph.rope deinterleaved, graph.attention with qk 24 / v 16),\n"
         "graph.moe with shared experts and a group-limited greedy router."),
        ("qwen2_block", Qwen2DecoderLayer, QWEN2_CONFIG, fused_qwen2,
         "A Qwen2 decoder block written with Tessera's fused ops: graph.rope\n"
         "rotate_half, grouped-query graph.attention, fused graph.swiglu."),
    ]
    for index, (name, cls, config, builder, comment) in enumerate(blocks):
        # Each block draws from its own seed, so that adding a block leaves
        # the other fixtures unchanged.
        seed = SEED + index
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        block = cls(config)
        randomize_norms(block, generator)
        # Distinct, sorted but gapped positions: RoPE depends only on
        # position differences, so a contiguous range would hide a wrong
        # position gather.
        s, m = config["seq_len"], config["max_position_embeddings"]
        positions = torch.sort(torch.randperm(
            m, generator=generator)[:s]).values[None].to(torch.int64)
        header = ("Generated by python/tessera/tools/export_llm_blocks.py; "
                  "the weights are\nthose of model.onnx beside it.\n")
        size = export_block(name, block, config, args.out_dir, positions,
                            builder, header + comment, seed)
        if size > 2 * 1024 * 1024:
            sys.exit("%s is %d bytes; fixtures must stay under 2 MB" %
                     (name, size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
