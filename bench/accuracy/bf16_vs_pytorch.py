#!/usr/bin/env python3
"""bf16 generation accuracy: Tessera against PyTorch with HF's bf16 recipe.

Tessera's `--generate --check` asks that every step's logits of a bf16
program have cosine >= 0.999 against the f32 model run on the device's own
token history. The MoE models miss it on some prompts (a router near-tie
flips an expert). This asks whether PyTorch, running the same tiny models
in bf16 the way Hugging Face's modeling code does, does any better, on the
same prompts and the same criterion.

For each model and each of PROMPTS (NEW_TOKENS new tokens):

  PyTorch bf16   greedy generation with hf_logits on the weights rounded to
                 bf16 (as `from_pretrained(torch_dtype=torch.bfloat16)`
                 leaves them): activations bf16 between ops, RMSNorm,
                 attention softmax and the MoE router in f32 where HF
                 computes them in f32 (see hf_logits). Each step's logits
                 are then set beside tiny_hf_models.reference_logits (f32)
                 on the bf16 run's own token history (teacher-forced, as
                 Tessera's --check does).
  Tessera dc/edge  tessera-compile --precision=bf16 once per model and
                 preset, tessera-run --generate --check per prompt; counts
                 parsed from its output (a `step` line is printed for a step
                 whose cosine is < 0.999 or whose token differs; only the
                 former count).

and prints per model: runs (prompts) with any step below 0.999, steps below
0.999, and the worst cosine. Also printed:

  - the f32 sanity check: hf_logits at dtype float32 (every cast a no-op)
    greedy-generates the same tokens as reference_generate with per-step
    cosine 1 within 1e-6, so the bf16 path differs from the reference only
    in its rounding;
  - cross-checks on Tessera's token histories: Tessera's saved logits
    against reference_logits (does Tessera's golden evaluator agree with
    PyTorch's f32?), and PyTorch bf16 teacher-forced on the same history
    (do the two bf16 implementations fail at the same steps?), with the MoE
    routing of each failing step's token in bf16 and f32.

Usage: bf16_vs_pytorch.py --build BUILD_DIR --out OUT_DIR
       [--models a,b] [--presets dc,edge] [--no-tessera]
"""
import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test", "huggingface"))
import tiny_hf_models as hf  # noqa: E402  (configs, weights, f32 reference)

MODELS = ["llama", "qwen2_sharded", "deepseek_v2_lite", "deepseek_v3"]
PRESETS = ["dc", "edge"]

# 16 fixed prompts of 3 token ids, all below the smallest vocabulary of
# MODELS (llama's 96). The first is tiny_hf_models.PROMPT, the prompt of the
# e2e tests; the rest are spread over the vocabulary by hand (its ends 0 and
# 95, a repeated token).
PROMPTS = [
    [1, 5, 9], [2, 7, 11], [3, 40, 90], [50, 60, 70],
    [10, 20, 30], [88, 4, 17], [63, 63, 63], [0, 95, 48],
    [23, 81, 6], [45, 12, 77], [92, 31, 58], [8, 66, 39],
    [71, 25, 14], [37, 54, 83], [19, 94, 2], [60, 9, 42],
]
NEW_TOKENS = 24
THRESHOLD = 0.999  # tessera-run --check's cosine bound
# Compile shapes: prefill of up to 8 tokens, a cache for prompt + new tokens.
SEQ, CACHE_CAPACITY = 8, 34


def cosine(a, b):
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --------------------------------------------------------------------------
# PyTorch with HF's bf16 recipe
# --------------------------------------------------------------------------

def load_weights(w, dtype):
    """The checkpoint (f32) as HF holds it after from_pretrained(torch_dtype=
    dtype): every floating tensor in dtype, rounded to nearest even. That
    includes the norm weights and DeepSeek-V3's e_score_correction_bias, an
    nn.Parameter of MoEGate in modeling_deepseek.py (transformers' native
    DeepseekV3TopkRouter keeps it as an f32 buffer instead)."""
    return {k: torch.from_numpy(v).to(dtype) for k, v in w.items()}


def hf_logits(c, t, ids, routing=None):
    """Logits [S, V] (f32) of the token ids `ids`, recomputed over the whole
    sequence like reference_logits, in the dtype of the weights `t`
    (load_weights) as HF's modeling code computes (modeling_llama,
    modeling_qwen2, DeepSeek's modeling_deepseek.py, eager attention):

      - activations in t's dtype between ops; nn.Linear (F.linear) on them;
        residual adds, SiLU and the gate*up product in that dtype;
      - RMSNorm: `weight * hidden.to(input_dtype)` with the normalisation in
        f32;
      - rope: f32 tables cast to the activations' dtype, applied there;
      - attention: scores `q @ k^T * scale` in the activations' dtype,
        `softmax(dtype=float32).to(q.dtype)`, then `probs @ v`, per token
        over its prefix (a decode step's row: see attention below);
      - MoE (MoEGate / moe_infer): router logits `F.linear(hidden.float(),
        weight.float())`, scores, top-k and weights in f32; experts in the
        activations' dtype on the tokens routed to them; their outputs
        widened to f32, weighted and summed there, cast back; the shared
        experts added in the activations' dtype;
      - lm_head in the activations' dtype, logits `.float()`.

    With f32 weights every cast is a no-op and this is reference_logits
    (f32_sanity checks that). If `routing` is a list, each MoE layer
    appends (layer, chosen experts [S, k], margin [S]) to it: how near the
    choice is to a tie, the k-th minus the (k+1)-th choice score among the
    kept groups and, for a grouped router, the last kept minus the first
    dropped group score, whichever is smaller."""
    act, f32 = t["model.embed_tokens.weight"].dtype, torch.float32
    s = len(ids)
    eps = c["rms_norm_eps"]
    x = t["model.embed_tokens.weight"][torch.tensor(ids)]  # [S, H]

    def rms(v, weight):
        h = v.to(f32)
        var = h.pow(2).mean(-1, keepdim=True)
        return weight * (h * torch.rsqrt(var + eps)).to(v.dtype)

    def lin(v, name, bias=False):
        return F.linear(v, t[name + ".weight"], t[name + ".bias"] if bias else None)

    def rotate_half(v):
        half = v.shape[-1] // 2
        return torch.cat((-v[..., half:], v[..., :half]), -1)

    def attention(q, k, v, scale):  # [H, S, D]
        # Each token's row over its own prefix, as HF's decode step computes
        # the new token against the KV cache: nothing masked, so a row does
        # not depend on how many tokens follow it. (With a causal mask over
        # the whole sequence the f32 sums of softmax and probs @ v take
        # another order as S grows; a bf16 rounding then differs now and
        # then, which is enough to tip a router near-tie.)
        rows = []
        for r in range(q.shape[1]):
            scores = q[:, r:r + 1] @ k[:, :r + 1].transpose(-1, -2) * scale
            rows.append(torch.softmax(scores, -1, dtype=f32).to(act) @ v[:, :r + 1])
        return torch.cat(rows, 1)

    def swiglu_mlp(v, p):
        return lin(F.silu(lin(v, p + ".gate_proj")) * lin(v, p + ".up_proj"), p + ".down_proj")

    def moe(v, p, layer):
        # MoEGate: in f32 from the (bf16) router weight widened.
        logits = F.linear(v.to(f32), t[p + ".gate.weight"].to(f32))
        k = c["num_experts_per_tok"]
        # Scores, group limit, top-k and weights in f32 (the bias parameter
        # in the weights' dtype, added to f32 scores: f32).
        idx, wts, margin = hf.route(c, logits,
                                    t.get(p + ".gate.e_score_correction_bias"))
        if routing is not None:
            routing.append((layer, idx, margin))
        # moe_infer: each expert on the tokens routed to it, in act.
        out = torch.zeros(s, k, v.shape[-1], dtype=act)
        for e in idx.unique().tolist():
            tok, slot = (idx == e).nonzero(as_tuple=True)
            out[tok, slot] = swiglu_mlp(v[tok], p + ".experts.%d" % e)
        # ... combined in the router weights' dtype (f32), then cast back.
        y = torch.zeros(s, v.shape[-1], dtype=f32)
        for j in range(k):
            y = y + wts[:, j:j + 1] * out[:, j].to(f32)
        y = y.to(act)
        if c.get("n_shared_experts"):
            y = y + swiglu_mlp(v, p + ".shared_experts")
        return y

    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d" % i
        a = p + ".self_attn"
        hn = rms(x, t[p + ".input_layernorm.weight"])
        nh = c["num_attention_heads"]
        if hf.is_deepseek(c):
            nope, rope, vd = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
            kl = c["kv_lora_rank"]
            if c.get("q_lora_rank"):
                q = lin(rms(lin(hn, a + ".q_a_proj"), t[a + ".q_a_layernorm.weight"]),
                        a + ".q_b_proj")
            else:
                q = lin(hn, a + ".q_proj")
            q = q.view(s, nh, nope + rope).transpose(0, 1)
            q_nope, q_pe = q[..., :nope], q[..., nope:]
            ckv = lin(hn, a + ".kv_a_proj_with_mqa")
            latent, k_pe = ckv[:, :kl], ckv[:, kl:].view(1, s, rope)
            kv = lin(rms(latent, t[a + ".kv_a_layernorm.weight"]), a + ".kv_b_proj")
            kv = kv.view(s, nh, nope + vd).transpose(0, 1)
            k_nope, val = kv[..., :nope], kv[..., nope:]
            cos, sin = (r.to(act) for r in hf.rope_cos_sin(c, rope, s))

            def apply(v):  # modeling_deepseek apply_rotary_pos_emb
                hh, ss, d = v.shape
                v = v.view(hh, ss, d // 2, 2).transpose(3, 2).reshape(hh, ss, d)
                return v * cos + rotate_half(v) * sin
            q_pe, k_pe = apply(q_pe), apply(k_pe)
            query = torch.cat((q_nope, q_pe), -1)
            key = torch.cat((k_nope, k_pe.expand(nh, s, rope)), -1)
            scale = (nope + rope) ** -0.5
            rs = c.get("rope_scaling")
            if rs and rs.get("mscale_all_dim"):
                m = hf.yarn_mscale(rs["factor"], rs["mscale_all_dim"])
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
            cos, sin = (r.to(act) for r in hf.rope_cos_sin(c, d, s))
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            rep = nh // nkv  # repeat_kv
            k = k.repeat_interleave(rep, 0)
            v = v.repeat_interleave(rep, 0)
            o = attention(q, k, v, d ** -0.5)
            x = x + lin(o.transpose(0, 1).reshape(s, nh * d), a + ".o_proj",
                        c.get("attention_bias", False))
        hn = rms(x, t[p + ".post_attention_layernorm.weight"])
        if hf.is_moe_layer(c, i):
            x = x + moe(hn, p + ".mlp", i)
        else:
            x = x + swiglu_mlp(hn, p + ".mlp")
    x = rms(x, t["model.norm.weight"])
    head = t["model.embed_tokens.weight" if c.get("tie_word_embeddings") else "lm_head.weight"]
    return F.linear(x, head).float()  # [S, V]


def hf_generate(c, t, prompt, steps):
    """Greedy generation with hf_logits (whole sequence each step, as
    reference_generate): the new tokens and each step's logits [V]."""
    ids = list(prompt)
    logits = []
    for _ in range(steps):
        step = hf_logits(c, t, ids)[-1]
        logits.append(step.numpy())
        ids.append(int(torch.argmax(step)))
    return ids[len(prompt):], logits


def step_logits(c, t, prompt, tokens):
    """Teacher-forced logits of every step of the history prompt + tokens:
    one pass over it, row len(prompt) - 1 + i being step i's logits. A row
    of hf_logits depends on ids[:p + 1] only, bit for bit (its attention),
    so this is what hf_generate computes step by step on that history."""
    ids = list(prompt) + list(tokens)
    return hf_logits(c, t, ids)[len(prompt) - 1:len(ids) - 1].numpy()


def reference_step_logits(c, w, prompt, tokens):
    """The same with tiny_hf_models.reference_logits (f32; its causal mask
    over the whole sequence moves a row by f32 rounding only)."""
    ids = list(prompt) + list(tokens)
    return hf.reference_logits(c, w, ids)[len(prompt) - 1:len(ids) - 1].numpy()


def routing_on_history(c, t, prompt, tokens):
    """The MoE routing of every token of prompt + tokens in one pass with
    the weights t: [(layer, chosen experts [S, k], margin [S])] over the MoE
    layers (hf_logits' `routing`)."""
    routing = []
    hf_logits(c, t, list(prompt) + list(tokens), routing)
    return routing


def explain_failures(c, t16, t32, runs):
    """Where the failing steps of `runs` [(prompt, tokens, {failing step:
    cosine})] come from, by the MoE routing of PyTorch bf16 against f32 on
    the same history: a step whose token is routed to other experts in some
    MoE layer ("flip at the token", by layer), one whose token is routed
    alike but an earlier token of the history was not (that token's hidden
    state differs from its MoE layer on and reaches the step through the
    attention cache), or neither. Each kind with its count, worst cosine and
    the median f32 router margin at the step's token (hf_logits' `routing`,
    smallest over the MoE layers: a near-tie is a small margin), and the
    median margin over all steps to compare."""
    kinds, all_margins = {}, []
    for prompt, tokens, failing in runs:
        r16 = routing_on_history(c, t16, prompt, tokens)
        r32 = routing_on_history(c, t32, prompt, tokens)
        flipped = [[layer for (layer, i16, _), (_, i32, _) in zip(r16, r32)
                    if set(i16[pos].tolist()) != set(i32[pos].tolist())]
                   for pos in range(len(prompt) + len(tokens))]
        margins = torch.stack([margin for _, _, margin in r32]).min(0).values.tolist()
        for i in range(len(tokens)):
            pos = len(prompt) - 1 + i  # the token step i reads
            all_margins.append(margins[pos])
            if i not in failing:
                continue
            if flipped[pos]:
                kind = "flip at the token in layer %s" % "+".join(map(str, flipped[pos]))
            elif any(flipped[:pos]):
                kind = "flip at an earlier token"
            else:
                kind = "no flip"
            kinds.setdefault(kind, []).append((failing[i], margins[pos]))
    if not kinds:
        return "none"
    parts = ["%s: %d (worst cosine %.4f, margin %.4f)"
             % (kind, len(steps), min(cos for cos, _ in steps),
                float(np.median([margin for _, margin in steps])))
             for kind, steps in sorted(kinds.items())]
    parts.append("margin over all steps %.4f" % float(np.median(all_margins)))
    return "; ".join(parts)


# --------------------------------------------------------------------------
# Tessera
# --------------------------------------------------------------------------

STEP_LINE = re.compile(r"^step (\d+): device token (\d+), golden (\d+);.* cosine=(\S+)")
CHECK_LINE = re.compile(r"^check: (\d+) steps .* worst cosine (\S+), "
                        r"max abs logit error (\S+): (PASS|FAIL)")


def tessera_compile(build, model_dir, out, preset):
    subprocess.run([os.path.join(build, "bin", "tessera-compile"), model_dir, "-o", out + "/",
                    "--target=" + preset, "--precision=bf16", "--seq=%d" % SEQ,
                    "--cache-capacity=%d" % CACHE_CAPACITY],
                   check=True, stdout=subprocess.DEVNULL)


def tessera_generate(build, program, prompt, out):
    """Runs --generate --check; returns the tokens, {step: cosine} of the
    printed step lines, the final line's worst cosine, and the saved
    logits [steps, V]. --host-threads=1: one core (the machine is shared)."""
    r = subprocess.run([os.path.join(build, "bin", "tessera-run"), program + "/", "--generate",
                        "--prompt-ids", ",".join(map(str, prompt)),
                        "--max-new-tokens", str(NEW_TOKENS), "--check", "--host-threads=1",
                        "--output-dir", out, "--save-logits"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tokens, steps, worst = None, {}, None
    for line in r.stdout.splitlines():
        step, check = STEP_LINE.match(line), CHECK_LINE.match(line)
        if line.startswith("tokens: "):
            tokens = [int(v) for v in line.split()[1:]]
        elif step:
            steps[int(step.group(1))] = float(step.group(4))
        elif check:
            if int(check.group(1)) != NEW_TOKENS:
                raise RuntimeError("%s: %s" % (program, line))
            worst = float(check.group(2))
    # --check exits 1 on FAIL; anything else is an error of the run itself.
    if tokens is None or worst is None or r.returncode not in (0, 1):
        raise RuntimeError("tessera-run %s %s failed (%d):\n%s"
                           % (program, prompt, r.returncode, r.stdout))
    logits = np.stack([np.load(os.path.join(out, "logits_%d.npy" % i)).ravel()
                       for i in range(NEW_TOKENS)])
    return tokens, steps, worst, logits


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

class Tally:
    """Runs failing / steps below THRESHOLD / worst cosine over PROMPTS, and
    each run's failing steps."""

    def __init__(self):
        self.runs_failing = self.steps_failing = 0
        self.worst = 1.0
        self.runs = []  # (prompt, tokens, {failing step: cosine})

    def add_run(self, prompt, tokens, failing, worst):
        self.runs.append((prompt, tokens, failing))
        self.steps_failing += len(failing)
        self.runs_failing += bool(failing)
        self.worst = min(self.worst, worst)

    def cell(self):
        return "%2d/%d %3d/%d %.6f" % (self.runs_failing, len(PROMPTS), self.steps_failing,
                                       len(PROMPTS) * NEW_TOKENS, self.worst)


def f32_sanity(c, w, t32):
    """hf_logits with every cast a no-op against reference_generate: the
    greedy tokens and each step's logits, over PROMPTS."""
    same_tokens, worst_cos, max_abs = 0, 1.0, 0.0
    for prompt in PROMPTS:
        ours, ours_logits = hf_generate(c, t32, prompt, NEW_TOKENS)
        ref, ref_logits = hf.reference_generate(c, w, prompt, NEW_TOKENS)
        same_tokens += ours == ref
        for a, b in zip(ours_logits, ref_logits):
            worst_cos = min(worst_cos, cosine(a, b))
            max_abs = max(max_abs, float(np.abs(a - b.ravel()).max()))
    ok = same_tokens == len(PROMPTS) and worst_cos >= 1 - 1e-6
    return ok, "tokens identical %2d/%d, min cosine %.9f, max abs diff %.2g: %s" % (
        same_tokens, len(PROMPTS), worst_cos, max_abs, "OK" if ok else "MISMATCH")


def pytorch_bf16(c, w, t16):
    """Greedy bf16 generation per prompt, each step's logits against f32 on
    its own history."""
    tally = Tally()
    for prompt in PROMPTS:
        tokens, logits = hf_generate(c, t16, prompt, NEW_TOKENS)
        golden = reference_step_logits(c, w, prompt, tokens)
        cos = [cosine(a, b) for a, b in zip(logits, golden)]
        tally.add_run(prompt, tokens, {i: v for i, v in enumerate(cos) if v < THRESHOLD}, min(cos))
    return tally


def tessera_bf16(c, w, t16, build, model_dir, preset, program):
    """Tessera's --generate --check per prompt, compiled for `preset` into
    `program`. Returns the tally and a line of cross-checks on its
    token histories: does PyTorch's f32 see the failures Tessera's golden
    evaluator reports (cosine of the saved logits), and does PyTorch bf16
    fail at the same steps on the same history?"""
    tessera_compile(build, model_dir, program, preset)
    tally = Tally()
    golden_agrees, max_cos_diff = 0, 0.0
    both = tessera_only = pytorch_only = 0
    for n, prompt in enumerate(PROMPTS):
        tokens, printed, worst, logits = tessera_generate(
            build, program, prompt, os.path.join(program + ".runs", "p%02d" % n))
        failing = {i: v for i, v in printed.items() if v < THRESHOLD}
        tally.add_run(prompt, tokens, failing, worst)
        golden = reference_step_logits(c, w, prompt, tokens)
        ours = [cosine(a, b) for a, b in zip(logits, golden)]
        golden_agrees += set(failing) == {i for i, v in enumerate(ours) if v < THRESHOLD}
        max_cos_diff = max([max_cos_diff] + [abs(ours[i] - v) for i, v in printed.items()])
        pytorch = step_logits(c, t16, prompt, tokens)
        pytorch_failing = {i for i, (a, b) in enumerate(zip(pytorch, golden))
                           if cosine(a, b) < THRESHOLD}
        both += len(set(failing) & pytorch_failing)
        tessera_only += len(set(failing) - pytorch_failing)
        pytorch_only += len(pytorch_failing - set(failing))
    note = ("PyTorch f32 agrees with Tessera's golden evaluator on the failing steps in %d/%d "
            "runs (cosines within %.1g); PyTorch bf16 on Tessera's histories fails at %d of "
            "Tessera's %d failing steps, and at %d others"
            % (golden_agrees, len(PROMPTS), max_cos_diff, both, both + tessera_only,
               pytorch_only))
    return tally, note


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "accuracy"))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--no-tessera", action="store_true", help="PyTorch only")
    args = ap.parse_args()
    torch.set_num_threads(1)  # the machine is shared; the models are tiny
    torch.set_grad_enabled(False)
    models = args.models.split(",")
    presets = [] if args.no_tessera else args.presets.split(",")
    specs = {m[0]: m for m in hf.MODELS}
    start = time.time()
    table, sanity, notes = {}, [], []

    for name in models:
        _, config, seed, shards, fp8, half = specs[name]
        # The model directory as `tiny_hf_models.py models` writes it
        # (Tessera compiles it; its golden evaluator reads it back).
        model_dir = os.path.join(args.out, "models", name)
        c, w = hf.write_model(os.path.dirname(model_dir), name, config(), seed, shards, fp8, half)
        assert all(max(p) < c["vocab_size"] for p in PROMPTS)
        t16, t32 = load_weights(w, torch.bfloat16), load_weights(w, torch.float32)
        moe = hf.is_deepseek(c) and c.get("n_routed_experts")

        ok, line = f32_sanity(c, w, t32)
        sanity.append((ok, "%-17s %s" % (name, line)))
        row = table[name] = {"pytorch": pytorch_bf16(c, w, t16)}
        if moe:
            notes.append("%-17s PyTorch bf16: failing steps: %s"
                         % (name, explain_failures(c, t16, t32, row["pytorch"].runs)))
        for preset in presets:
            program = os.path.join(args.out, "tessera", "%s.%s" % (name, preset))
            row[preset], note = tessera_bf16(c, w, t16, args.build, model_dir, preset, program)
            notes.append("%-17s Tessera %-4s: %s" % (name, preset, note))
            if moe:
                notes.append("%-17s Tessera %-4s: failing steps by PyTorch bf16's routing on "
                             "the same history: %s"
                             % (name, preset, explain_failures(c, t16, t32, row[preset].runs)))
        # Do the same prompts fail? (Their indices in PROMPTS.)
        failing_prompts = []
        for system, tally in row.items():
            indices = [str(n) for n, (_, _, failing) in enumerate(tally.runs) if failing]
            failing_prompts.append("%s %s" % ("PyTorch" if system == "pytorch" else system,
                                              ",".join(indices) or "none"))
        notes.append("%-17s failing prompts: %s" % (name, "; ".join(failing_prompts)))
        print("%s done (%.0f s)" % (name, time.time() - start), file=sys.stderr, flush=True)

    head = "%-17s | %-31s" % ("model", "PyTorch bf16 (HF recipe)")
    for preset in presets:
        head += " | %-31s" % ("Tessera bf16 " + preset)
    print()
    print("%d prompts x %d new tokens; cosine of each step's logits against f32 on the run's "
          "own history.\nPer cell: runs with a step < %g, steps < %g, worst cosine."
          % (len(PROMPTS), NEW_TOKENS, THRESHOLD, THRESHOLD))
    print(head)
    print("-" * len(head))
    for name in models:
        line = "%-17s | %-31s" % (name, table[name]["pytorch"].cell())
        for preset in presets:
            line += " | %-31s" % table[name][preset].cell()
        print(line)
    print()
    print("f32 sanity (hf_logits at float32 against reference_generate):")
    for _, line in sanity:
        print("  " + line)
    print()
    print("where the failures come from:")
    for line in notes:
        print("  " + line)
    print("\n%.0f s" % (time.time() - start))
    return 0 if all(ok for ok, _ in sanity) else 1


if __name__ == "__main__":
    sys.exit(main())
