#!/usr/bin/env python3
"""Sets the simulated generation steps of bench/generate/run.sh beside their
roofline bounds, per decoder layer, and derives the whole model's tokens/s.

Usage: report.py MODEL_DIR RESULT_DIR LAYERS FULL_LAYERS [PREFILL]

MODEL_DIR holds config.json and model.safetensors (make_model.py);
RESULT_DIR the run's files: generate.txt (tessera-run --generate --stats),
decode4096.json / decode4096.profile.json (the context-4096 decode step's
--stats-json and --profile-json), or with PREFILL = T > 0
prefillT.json / prefillT.profile.json. FULL_LAYERS is the published model's
layer count (27 for DeepSeek-V2-Lite, 28 for R1-Distill-Qwen-1.5B).

Bounds (bf16):
  decode   bytes any schedule must read at the target's nominal DRAM
           bandwidth: every weight except the embedding table (one row) and,
           for MoE, only num_experts_per_tok / n_routed_experts of the routed
           experts' weights; plus the filled part of each cache (4096 entries).
  prefill  max(FLOPs at the target's peak bf16 matrix throughput, bytes at
           its nominal DRAM bandwidth). FLOPs: 2 T x the weights' parameters
           a token uses (the selected experts only; lm_head for the last
           token only, as the program's logits are 1 x vocab) plus causal
           attention, 2 T(T+1)/2 x heads x (qk + v head dims); bytes: every
           weight once (all experts), T embedding rows, the T cache entries
           written.
The target's numbers come from the simulator's stats (dram_bytes_per_s,
peak_flops_per_s). Per-layer times are the sums of the profile rows named
model.layers.L.* (the importer names every op after its module).
"""
import json
import re
import struct
import sys

model, res, layers, full = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
prefill = int(sys.argv[5]) if len(sys.argv) > 5 else 0
cfg = json.load(open(model + "/config.json"))
deepseek = cfg["architectures"][0].startswith("Deepseek")
h, vocab = cfg["hidden_size"], cfg["vocab_size"]
with open(model + "/model.safetensors", "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
size = {k: v["data_offsets"][1] - v["data_offsets"][0] for k, v in header.items()}
el = {k: size[k] // 2 for k in size}  # bf16 elements
frac = cfg["num_experts_per_tok"] / cfg["n_routed_experts"] if deepseek else 1.0


def layer_of(name):
    m = re.match(r"model\.layers\.(\d+)[.:]|model\.layers\.(\d+)$", name)
    return int(m.group(1) or m.group(2)) if m else None


if deepseek:
    entry = 2 * (cfg["kv_lora_rank"] + cfg["qk_rope_head_dim"])  # bf16 latent + rope key
    nh = cfg["num_attention_heads"]
    att_dims = nh * (cfg["qk_nope_head_dim"] + cfg["qk_rope_head_dim"] + cfg["v_head_dim"])
else:
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = cfg.get("head_dim", h // nh)
    entry = 2 * 2 * nkv * d  # bf16 K and V
    att_dims = nh * 2 * d


def layer_bytes(l, sparse):
    b = 0.0
    for k, s in size.items():
        if layer_of(k) == l:
            b += s * (frac if sparse and ".mlp.experts." in k else 1.0)
    return b


def layer_params_used(l):
    return sum(e * (frac if ".mlp.experts." in k else 1.0)
               for k, e in el.items() if layer_of(k) == l and not k.endswith("norm.weight")
               and not k.endswith(".bias") and ".mlp.gate." not in k) + \
        sum(e for k, e in el.items() if layer_of(k) == l and ".mlp.gate.weight" in k)


head_bytes = size.get("lm_head.weight", size["model.embed_tokens.weight"])
other_bytes = size["model.norm.weight"] + 2 * h  # final norm, one embedding row


def profile(path):
    p = json.load(open(path))
    per, rows = {}, {}
    for node in p["nodes"]:
        l = layer_of(node["name"])
        key = l if l is not None else node["name"]
        per[key] = per.get(key, 0.0) + node["seconds"]
        rows.setdefault(key, []).append(node)
    return p, per


def us(x):
    return x * 1e6


def dram_use(p):
    """The run's DRAM use from the profile's timeline: the kernel's time,
    the time the DRAM moved bytes at its effective rate, the rest of it
    (time its rate went unused) and the launch."""
    tl = p["dram_timeline"]
    bucket = tl["bucket_cycles"] / p["clock_hz"]
    moving = sum(tl["bytes"]) / tl["capacity_bytes"] * bucket
    kernel = p["kernel_cycles"] / p["clock_hz"]
    return ("DRAM at its effective rate (%.0f %% of the nominal) for %.1f us of the kernel's %.1f us; "
            "unused for %.1f us; launch %.1f us"
            % (100 * tl["capacity_bytes"] / bucket / bw, us(moving), us(kernel),
               us(kernel - moving), us(p["launch_cycles"] / p["clock_hz"])))


def layer_kind(l):
    if not deepseek:
        return "dense"
    return "MoE" if l >= cfg["first_k_dense_replace"] else "dense"


def whole_model(per_layer):
    """A value per decoder layer of the full model, each layer taking the
    figure of a simulated layer in the same place: the first layer and the
    last (before lm_head) their own, DeepSeek's first MoE layer (after the
    dense one) its own, and every layer between them the mean of the
    simulated layers between such neighbours; a place no simulated layer
    holds takes the mean of those between neighbours, or of all the
    simulated layers of its kind. A layer's time depends on its neighbours: the
    cache engine reads the next layer's weights (or lm_head's) during it,
    and the previous layer read its own first weights, so the layer before
    lm_head or after the dense layer is not the typical layer of a 27-layer
    model (DeepSeek-V2-Lite at 4 layers: the MoE layers 131.4 / 127.6 /
    126.7 us after the dense layer / between MoE layers / before lm_head)."""
    return sum(sum(per_layer[i] for i in src) / len(src) for src in layer_sources())


def place(kinds, l):
    if l == 0:
        return "first"
    if l == len(kinds) - 1:
        return "last"
    return "after" if kinds[l - 1] != kinds[l] else "middle"


def layer_sources():
    """For each layer of the full model, the simulated layers it takes the
    mean of (see whole_model)."""
    kinds = [layer_kind(l) for l in range(layers)]
    sims = {}
    for l in range(layers):
        sims.setdefault((kinds[l], place(kinds, l)), []).append(l)
    full_kinds = [layer_kind(l) for l in range(full)]
    return [sims.get((k, place(full_kinds, l))) or sims.get((k, "middle"))
            or [i for i in range(layers) if kinds[i] == k]
            for l, k in enumerate(full_kinds)]


def composition():
    """'layer 0, 1 x layer 1, 24 x layer 2, layer 3': the whole model's
    layers by the simulated layers they take."""
    runs = []
    for src in layer_sources():
        if runs and runs[-1][1] == src:
            runs[-1][0] += 1
        else:
            runs.append([1, src])
    name = lambda src: "layer %d" % src[0] if len(src) == 1 else \
        "the mean of layers %s" % " and ".join(str(i) for i in src)
    return ", ".join(("%d x " % n if n > 1 else "") + name(src) for n, src in runs)


if prefill == 0:
    s = json.load(open(res + "/decode4096.json"))
    bw = s["dram_bytes_per_s"]
    dense = sum(s_ for k, s_ in size.items() if ".mlp.experts." not in k) \
        - size["model.embed_tokens.weight"] + 2 * h
    selected = sum(s_ for k, s_ in size.items() if ".mlp.experts." in k) * frac

    def report(what, sim_us, dram, filled):
        need = dense + selected + filled * entry * layers
        bound = need / bw * 1e6
        print("%-28s %9.1f us   bound %8.1f us (%7.1f MB at %.0f GB/s)   ratio %.3f   DRAM read %7.1f MB (%.3fx the bound's bytes)"
              % (what, sim_us, bound, need / 1e6, bw / 1e9, sim_us / bound, dram / 1e6, dram / need))

    try:
        text = open(res + "/generate.txt").read()
        for m in re.finditer(r"decode token (\d+) +([0-9.]+) us.*DRAM (\d+) B", text):
            report("decode, context %d" % (5 + int(m.group(1))), float(m.group(2)),
                   int(m.group(3)), 5 + int(m.group(1)))
    except FileNotFoundError:
        pass
    report("decode, context 4096", us(s["seconds"]), s["dram_read_bytes"], 4096)
    weights = dense + selected
    print("weights read at context 4096 (the simulator's constant footprint) %.1f MB = %.4fx the dense weights%s (%.1f MB)"
          % (s["constant_bytes_read"] / 1e6, s["constant_bytes_read"] / weights,
             " + %d selected experts" % cfg["num_experts_per_tok"] if deepseek else "", weights / 1e6))
    p, per = profile(res + "/decode4096.profile.json")
    total = p["seconds"]
    print("\nper layer, decode at context 4096 (bound: the layer's weights%s and its 4096 cache entries at %.0f GB/s):"
          % (", the selected experts only" if deepseek else "", bw / 1e9))
    print("| block | time | bound | ratio | of roof |\n|---|---|---|---|---|")
    bounds = {}
    for l in range(layers):
        bounds[l] = (layer_bytes(l, True) + 4096 * entry) / bw
        print("| layer %d (%s) | %.1f us | %.1f us (%.1f MB) | %.3f | %.1f %% |"
              % (l, layer_kind(l), us(per[l]), us(bounds[l]), bounds[l] * bw / 1e6,
                 per[l] / bounds[l], 100 * bounds[l] / per[l]))
    head = per["lm_head"]
    hb = head_bytes / bw
    print("| lm_head (%d x %d) | %.1f us | %.1f us | %.3f | %.1f %% |"
          % (vocab, h, us(head), us(hb), head / hb, 100 * hb / head))
    rest = total - head - sum(per[l] for l in range(layers))
    print("| rest (embedding, final norm, RoPE tables, launch, idle) | %.1f us | | | |" % us(rest))
    step_bound = (dense + selected + 4096 * entry * layers) / bw
    print("| step (%d layers) | %.1f us | %.1f us | %.3f | %.1f %% |"
          % (layers, us(total), us(step_bound), total / step_bound, 100 * step_bound / total))
    print(dram_use(p))
    t_full = rest + whole_model(per) + head
    b_full = (other_bytes + whole_model(bounds) * bw + head_bytes) / bw
    print("\nwhole model (%d layers: %s), decode at context 4096: %.1f us/token = %.1f tokens/s; "
          "bound %.1f us = %.1f tokens/s; ratio %.3f"
          % (full, composition(), us(t_full), 1 / t_full, us(b_full), 1 / b_full, t_full / b_full))
else:
    T = prefill
    s = json.load(open(res + "/prefill%d.json" % T))
    bw, peak = s["dram_bytes_per_s"], s["peak_flops_per_s"]
    p, per = profile(res + "/prefill%d.profile.json" % T)

    def att_flops():
        return 2.0 * T * (T + 1) / 2 * att_dims

    bounds = {}
    print("prefill of %d tokens on %s (peak %.1f TFLOPS bf16, %.0f GB/s):" % (T, p["target"], peak / 1e12, bw / 1e9))
    print("| block | time | FLOPs | bytes | bound | ratio | of roof |\n|---|---|---|---|---|---|---|")
    F = B = 0.0
    for l in range(layers):
        fl = 2.0 * T * layer_params_used(l) + att_flops()
        by = layer_bytes(l, False) + T * entry
        bounds[l] = max(fl / peak, by / bw)
        F += fl
        B += by
        print("| layer %d (%s) | %.1f us | %.2f T | %.1f MB | %.1f us (%s) | %.3f | %.1f %% |"
              % (l, layer_kind(l), us(per[l]), fl / 1e12, by / 1e6, us(bounds[l]),
                 "FLOPs" if fl / peak >= by / bw else "bytes", per[l] / bounds[l], 100 * bounds[l] / per[l]))
    hf, hby = 2.0 * h * vocab, head_bytes
    hb = max(hf / peak, hby / bw)
    head = per["lm_head"]
    print("| lm_head (last token) | %.1f us | %.4f T | %.1f MB | %.1f us | %.3f | %.1f %% |"
          % (us(head), hf / 1e12, hby / 1e6, us(hb), head / hb, 100 * hb / head))
    F += hf
    B += hby + T * h * 2 + size["model.norm.weight"]
    total = p["seconds"]
    bound = max(F / peak, B / bw)
    rest = total - head - sum(per[l] for l in range(layers))
    print("| rest (embedding, norms, RoPE tables, launch, idle) | %.1f us | | | | | |" % us(rest))
    print("| prefill (%d layers) | %.1f us | %.2f T | %.1f MB | %.1f us (%s) | %.3f | %.1f %% |"
          % (layers, us(total), F / 1e12, B / 1e6, us(bound), "FLOPs" if F / peak >= B / bw else "bytes",
             total / bound, 100 * bound / total))
    print("simulator's own count: %.2f TFLOP (%.2f on the matrix engine), DRAM read %.1f MB, write %.1f MB"
          % (s["flops"] / 1e12, s["matrix_flops"] / 1e12, s["dram_read_bytes"] / 1e6, s["dram_write_bytes"] / 1e6))
    print(dram_use(p))
    t_full = rest + whole_model(per) + head
    Ff = (F - hf - sum(2.0 * T * layer_params_used(l) + att_flops() for l in range(layers))) \
        + whole_model({l: 2.0 * T * layer_params_used(l) + att_flops() for l in range(layers)}) + hf
    Bf = (B - sum(layer_bytes(l, False) + T * entry for l in range(layers))) \
        + whole_model({l: layer_bytes(l, False) + T * entry for l in range(layers)})
    b_full = max(Ff / peak, Bf / bw)
    print("\nwhole model (%d layers: %s), prefill of %d tokens: %.1f ms = %.0f tokens/s; bound %.1f ms (%.2f TFLOP, %.2f GB); ratio %.3f"
          % (full, composition(), T, t_full * 1e3, T / t_full, b_full * 1e3, Ff / 1e12, Bf / 1e9, t_full / b_full))
